"""GET /api/v1/me/today: the signed-in staff member's own counts for today, for the clerk terminal."""

from __future__ import annotations

from flask import Blueprint, jsonify

from hall import events as e

from .. import repository as repo
from ..api import clerk_window
from ..app import current_hall
from ..permissions import STAFF, caller, permit

blueprint = Blueprint("clerk_api", __name__, url_prefix="/api/v1")

#: the counter shown on the terminal → the event kind it counts
COUNTED = {"called": e.TicketCalled.KIND, "recalled": e.TicketRecalled.KIND,
           "started": e.ServiceStarted.KIND, "served": e.ServiceFinished.KIND,
           "no_show": e.TicketMissed.KIND, "held": e.TicketHeld.KIND,
           "transferred": e.TicketTransferred.KIND}


@blueprint.get("/me/today")
@permit(STAFF)
def my_day():
    who = caller()
    hall = current_hall()
    day = hall.service.today()
    kinds = repo.actor_counts_for_day(hall.database.connection(), hall.service.hall_id, who.actor, day,
                                      COUNTED.values())
    return jsonify(business_date=day.isoformat(), window=clerk_window(who),
                   counts={name: kinds.get(kind, 0) for name, kind in COUNTED.items()})
