"""差评 cases' service layer: opened with the rating that causes them, moved on by supervisors,
every step in the audit trail, and told live to the supervisors.

A case opens inside the rating's own transaction (`open_for_bad_ratings`, called by the hall
service), so a 差评 never exists without its case. A step is one write transaction — load the
case, let hall/cases.py decide, save the case and its step, write the audit entry — and only
after it commits do the supervisors hear of it: the case's open alert (rule bad_rating_case)
goes out again with where the case now stands, and a closed case's alert clears.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hall import cases as rules
from hall import events as e
from hall.alerts import OpenCase, key_text
from hall.queue import BAD_RATING_REASONS, BAD_RATINGS, RATINGS
from protocol import live as wire

from . import audit, db, protocol, repository as repo
from .errors import ApiError
from .ratings import CHANNEL_BY_RATER, CHANNEL_HALL_TABLET

if TYPE_CHECKING:
    from .app import Hall

log = logging.getLogger(__name__)

RATING_NAMES_EN = {5: "Very satisfied", 4: "Satisfied", 3: "Fairly satisfied", 2: "Dissatisfied",
                   1: "Very dissatisfied"}
CHANNEL_NAMES = {"3": ("手机扫码", "Phone (QR code)"), "4": ("窗口评价屏", "Window screen")}


def open_for_bad_ratings(conn, hall_id: int, state, events: list[e.Event]) -> None:
    """Inside the transaction that records the ratings: a case for each 差评 among `events`."""
    hours = state.setup.supervision.bad_rating_follow_up_hours
    for event in events:
        if not isinstance(event, e.ServiceRated) or event.rating not in BAD_RATINGS:
            continue
        ticket = state.tickets[event.ticket_id]
        case_id = repo.insert_case(conn, hall_id, ticket.id, event.rating, event.at,
                                   rules.follow_up_due(event.at, hours))
        audit.record(conn, hall_id, event.actor, "case.open", f"差评 {ticket.number}", None,
                     {"case": case_id, "rating": event.rating, "reasons": list(event.reasons),
                      "window": ticket.window}, event.at)


# --- a supervisor's step --------------------------------------------------------------------------

def take_step(hall: "Hall", case_id: int, step: str, note: str, actor: str) -> dict[str, Any]:
    """Record one step of a case; refused steps raise ApiError and change nothing."""
    service = hall.service
    now = service.clock()
    conn = service.database.connection()
    with db.write(conn):
        row = repo.get_case(conn, service.hall_id, case_id)
        if row is None:
            raise ApiError(404, "case_not_found", f"没有这个差评案件 / no case {case_id}")
        try:
            after, taken = rules.take(repo.case_from_row(row), step, note, actor, now,
                                      service.setup(conn).supervision.bad_rating_rectify_hours)
        except rules.CaseError as refused:
            raise ApiError(422 if refused.code in ("bad_step", "note_required") else 409, refused.code,
                           str(refused)) from None
        repo.save_case(conn, after)
        repo.append_case_step(conn, taken)
        audit.record(conn, service.hall_id, actor, f"case.{step}", f"差评 {row['number']}",
                     {"status": taken.from_status}, {"status": taken.to_status, "note": taken.note}, now)
        alert = _restate_alert(conn, service.hall_id, case_id, after.status)
        seq = repo.last_seq(conn, service.hall_id)
        view = case_view(conn, service, repo.get_case(conn, service.hall_id, case_id), now)
    _tell_supervisors(hall, alert, seq, now, closed=after.status == rules.CLOSED)
    return view


def _restate_alert(conn, hall_id: int, case_id: int, status: str):
    """The case's open alert carries where the case stands now."""
    alert = repo.open_alert_by_key(conn, hall_id, key_text(("bad_rating_case", str(case_id))))
    if alert is None:
        return None
    details = protocol.alert_view(alert)["details"] | {"status": status}
    repo.set_alert_details(conn, alert["id"], details)
    return repo.get_alert(conn, hall_id, alert["id"])


def _tell_supervisors(hall: "Hall", alert, seq: int, now: datetime, closed: bool) -> None:
    """After the commit: every supervisor's page hears the case moved; a closed case's alert
    clears at once. A failure here is logged: the step is recorded and a page re-reads it."""
    try:
        if alert is not None:
            hall.live.emit_to_hall(*protocol.alert_message(wire.ALERT_RAISED, seq, now, alert))
        if closed:
            hall.supervision.evaluate()
    except Exception:
        log.exception("telling supervisors of a case step failed")


# --- what a page shows of a case --------------------------------------------------------------------

def case_view(conn, service, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return case_views(conn, service, [row], now)[0]


def case_views(conn, service, rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Who rated what, where, how badly and why; where the case stands, its steps, what may come next."""
    setup = service.setup(conn)
    clerks = repo.clerk_names(conn, service.hall_id)
    steps = repo.case_steps(conn, [row["id"] for row in rows])
    return [_view(row, setup, clerks, steps[row["id"]], now) for row in rows]


def _clerk(finished_by: str | None, clerks) -> dict[str, Any] | None:
    if not finished_by or not finished_by.startswith("user:"):
        return None
    clerk_id = int(finished_by.split(":", 1)[1])
    name, staff_no = clerks.get(clerk_id, ("", None))
    return {"id": clerk_id, "name": name, "staff_no": staff_no}


def _view(row: dict[str, Any], setup, clerks, steps, now: datetime) -> dict[str, Any]:
    case = repo.case_from_row(row)
    item = next((s for s in setup.services if s.code == row["service"]), None)
    details = row["rating_details"]
    channel = CHANNEL_BY_RATER.get(row["rated_by"].split(":", 1)[0], CHANNEL_HALL_TABLET)
    status, status_en = rules.STATUSES[case.status]
    return {
        "id": case.id, "ticket_id": row["ticket_id"], "ticket": row["number"], "case_no": row["case_no"],
        "service": row["service"], "service_name": item.name if item else row["service"],
        "service_name_en": item.name_en if item else row["service"],
        "department": item.department if item else None, "window": row["window"],
        "clerk": _clerk(row["finished_by"], clerks),
        "rating": row["rating"], "rating_name": RATINGS[row["rating"]], "rating_name_en": RATING_NAMES_EN[row["rating"]],
        "reasons": [{"code": code, "name": BAD_RATING_REASONS[code][0], "name_en": BAD_RATING_REASONS[code][1]}
                    for code in details.get("reasons") or () if code in BAD_RATING_REASONS],
        "comment": details.get("comment") or "",
        "channel": channel, "channel_name": CHANNEL_NAMES[channel][0], "channel_name_en": CHANNEL_NAMES[channel][1],
        "rated_at": protocol.iso(row["rated_at"]), "opened_at": protocol.iso(case.opened_at),
        "due_at": protocol.iso(case.due_at), "overdue": rules.overdue(case, now),
        "rectify_due_at": protocol.iso(case.rectify_due_at), "rectify_overdue": rules.rectify_overdue(case, now),
        "status": case.status, "status_name": status, "status_name_en": status_en,
        "outcome": case.outcome, "closed_at": protocol.iso(case.closed_at),
        "next_steps": [{"step": name, "name": rules.STEPS[name].name, "name_en": rules.STEPS[name].name_en}
                       for name in rules.next_steps(case)],
        "steps": [{"step": s["step"], "name": rules.STEPS[s["step"]].name, "name_en": rules.STEPS[s["step"]].name_en,
                   "at": s["at"], "actor": s["actor"], "note": s["note"], "from": s["from_status"],
                   "to": s["to_status"]} for s in steps],
    }


def open_cases_for_alerts(conn, hall_id: int):
    """The facts the alert rules need of every case not yet closed."""
    return tuple(OpenCase(row["id"], row["number"], row["window"], row["status"], case.due_at, case.rectify_due_at)
                 for row in repo.cases_where(conn, hall_id, "open") for case in (repo.case_from_row(row),))
