"""The notifications of one hall: opting in and out, reminders, the delivery log and counts.

Wired into the hall's service layer: the outbox writes inside each command's transaction
(`HallService.in_transaction`), and the courier is woken after the commit
(`HallService.after_commit`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from hall import events as e
from hall.queue import HallState

from .. import db, repository as repo
from ..personal import mask_mobile
from .courier import Courier
from .outbox import NotifyRefused, Outbox, Wish
from .providers import Provider, provider_for
from .settings import NotifySettings

if TYPE_CHECKING:
    from ..services import HallService

log = logging.getLogger(__name__)


class Notifications:
    def __init__(self, service: "HallService", settings: NotifySettings, provider: Provider | None = None):
        self.service = service
        self.settings = settings
        self.provider = provider or provider_for(settings)
        self.outbox = Outbox(settings, service.vault, service.hall_id)
        self.courier = Courier(service, settings, self.provider)
        service.in_transaction.append(self._in_transaction)
        service.after_commit.append(self._after_commit)

    # --- the service layer's hooks --------------------------------------------------------------

    def _in_transaction(self, conn, state: HallState, events: list[e.Event], now: datetime) -> None:
        """In the command's savepoint. A fault here is logged and costs the messages, never the
        command: the ticket matters more than its text message."""
        conn.execute("SAVEPOINT outbox")
        try:
            self.outbox.after_command(conn, state, events, now)
        except Exception:
            conn.execute("ROLLBACK TO outbox")
            log.exception("queueing notifications failed")
        conn.execute("RELEASE outbox")

    def _after_commit(self) -> None:
        if self.outbox.queued:
            self.outbox.queued = False
            self.courier.wake()

    # --- opting in and out ----------------------------------------------------------------------

    def subscribe(self, ticket_id: int, wish: Wish, via: str) -> dict[str, Any]:
        return self.service.writer.run(lambda conn: self.subscribe_in(conn, ticket_id, wish, via),
                                       then=lambda _: self._after_commit())

    def subscribe_in(self, conn, ticket_id: int, wish: Wish, via: str) -> dict[str, Any]:
        """Inside the caller's transaction (an issue at the kiosk opts in with its ticket)."""
        state = self.service.state_in(conn)
        ticket = state.tickets.get(ticket_id) or repo.get_ticket(conn, self.service.hall_id, ticket_id)
        if ticket is None:
            raise NotifyRefused("ticket_not_found", "没有这张票 / no such ticket", status=404)
        return self.outbox.subscribe(conn, state, ticket, wish, via, self.service.clock())

    def unsubscribe(self, ticket_id: int) -> bool:
        return self.service.writer.run(
            lambda conn: self.outbox.unsubscribe(conn, ticket_id, self.service.clock()))

    def view(self, ticket_id: int) -> dict[str, Any] | None:
        return self.outbox.view(repo.subscription(self.service.database.connection(), self.service.hall_id,
                                                  ticket_id))

    # --- reminders (the clockwork) ----------------------------------------------------------------

    def queue_reminders(self) -> int:
        """Queue the reminders whose time has come. Reads first and writes only when one is due:
        the clockwork asks every tick."""
        setup, now = self.service.setup(), self.service.clock()
        today = self.service.today()
        conn = self.service.database.connection()
        with db.read(conn):
            if not self.outbox.reminders_due(conn, setup, today, now):
                return 0
        with db.write(conn):
            due = self.outbox.reminders_due(conn, setup, today, now)
            for booking, minutes in due:
                self.outbox.queue_reminder(conn, setup, booking, minutes, now)
        self._after_commit()
        return len(due)

    # --- what supervisors and reports see ---------------------------------------------------------

    def delivery_log(self, limit: int = 100) -> list[dict[str, Any]]:
        conn = self.service.database.connection()
        tz = self.service.setup().hall.tz
        vault = self.service.vault
        return [{"at": datetime.fromisoformat(row["at"]).astimezone(tz).isoformat(timespec="seconds"),
                 "provider": row["provider"], "result": row["result"], "detail": row["detail"],
                 "millis": row["millis"], "message": row["message_id"], "kind": row["kind"],
                 "number": row["number"], "service": row["service"], "window": row["window"],
                 "mobile": mask_mobile(vault.open(row["mobile_sealed"])) if row["mobile_sealed"] else "",
                 "state": row["state"], "attempts": row["attempts"]}
                for row in repo.delivery_log(conn, self.service.hall_id, limit)]

    def counts(self, first: date, last: date) -> dict[str, dict[str, int]]:
        """Attempts per provider and result over local days [first, last]."""
        tz = self.service.setup().hall.tz
        start = datetime.combine(first, time(), tz)
        end = datetime.combine(last + timedelta(days=1), time(), tz)
        found: dict[str, dict[str, int]] = {}
        for row in repo.attempt_counts(self.service.database.connection(), self.service.hall_id, start, end):
            found.setdefault(row["provider"], {"sent": 0, "failed": 0, "dropped": 0})[row["result"]] = row["n"]
        return found
