"""The courier: sends what the outbox holds, one message at a time, off every request's path.

A message is claimed before it is sent (its `next_at` moves to the end of a lease), so two
server processes never send it both, and one killed in the middle of a send leaves it due
again once the lease ends: after a crash a message goes out again under the same id, which a
gateway that already has it recognises. Each attempt is a row of the delivery log. A failed
attempt that may pass later is retried after `retry_seconds`, doubling each time, until
`max_attempts`; a message out of date when its turn comes (a "3 ahead" for a ticket already
called, a "called" for a ticket already finished, a reminder for a booking cancelled or
begun) is dropped, not sent; so is one past the per-number hourly limit.

A server process passes every hall's courier in turn on one background task of its own
(clockwork.Timekeeper, started with `socketio.start_background_task`, so it cooperates with
whichever async mode the server runs in); a courier can also run alone (`start`); tests call
`deliver_due` by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from hall.tickets import CALLABLE_STATES

from .. import db, repository as repo
from ..personal import SealError, mask_mobiles_in
from .providers import Message, Provider, SendFailed
from .settings import NotifySettings

if TYPE_CHECKING:
    from ..clockwork import Timekeeper
    from ..services import HallService

log = logging.getLogger(__name__)


class Courier:
    BATCH = 20
    POLL_SECONDS = 1.0        # an idle courier looks at the outbox this often (retries come due)
    #: a claim outlasts the longest send (WeChat: a token, the message, a fresh token, the
    #: message again, each within the timeout) by this margin
    LEASE_MARGIN_SECONDS = 5
    REQUESTS_PER_SEND = 4

    def __init__(self, service: "HallService", settings: NotifySettings, provider: Provider):
        self.service = service
        self.settings = settings
        self.provider = provider
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._task: Any = None
        self.keeper: "Timekeeper | None" = None   # the process's loop that passes every hall's courier

    # --- one pass ---------------------------------------------------------------------------

    def deliver_due(self) -> int:
        """Send (or drop) every message due now, up to one batch; returns how many were handled."""
        conn = self.service.database.connection()
        now = self.service.clock()
        with db.read(conn):
            due = repo.due_messages(conn, now, self.BATCH)
        handled = 0
        for row in due:
            lease = now + timedelta(seconds=self.settings.timeout_seconds * self.REQUESTS_PER_SEND
                                    + self.LEASE_MARGIN_SECONDS)
            with db.write(conn):
                claimed = repo.claim_message(conn, row["id"], row["next_at"], lease)
            if claimed:
                self._deliver(conn, row)
                handled += 1
        return handled

    def _deliver(self, conn, row) -> None:
        """An attempt is logged at the moment it was decided (before the ticket was looked
        at), so a message sent is never logged after the end of the ticket it was sent for."""
        now = self.service.clock()
        reason = self._out_of_date(conn, row, now) or self._over_rate(conn, row, now)
        if reason:
            self._settle(conn, row, "dropped", now, reason, 0)
            return
        started = time.monotonic()
        try:
            receipt = self.provider.send(self._message(row))
        except SendFailed as failed:
            self._failed(conn, row, failed, now, int((time.monotonic() - started) * 1000))
            return
        except Exception as exc:   # a provider's bug costs its message, never the courier
            log.exception("notify provider %s failed", self.provider.name)
            self._failed(conn, row, SendFailed(f"{type(exc).__name__}: {exc}"), now,
                         int((time.monotonic() - started) * 1000))
            return
        self._settle(conn, row, "sent", now, mask_mobiles_in(str(receipt)), int((time.monotonic() - started) * 1000))

    def _failed(self, conn, row, failed: SendFailed, now: datetime, millis: int) -> None:
        failed.detail = mask_mobiles_in(failed.detail)   # a provider's message may echo the number
        attempts = row["attempts"] + 1
        if failed.retry and attempts < self.settings.max_attempts:
            backoff = self.settings.retry_seconds * 2 ** (attempts - 1)
            with db.write(conn):
                repo.settle_message(conn, row["id"], "pending", attempts, now + timedelta(seconds=backoff),
                                    None, failed.detail)
                repo.record_attempt(conn, self.service.hall_id, row["id"], now, self.provider.name, "failed",
                                    failed.detail, millis)
        else:
            self._settle(conn, row, "failed", now, failed.detail, millis, attempts=attempts)
        log.warning("notify %s %s: attempt %d failed: %s", row["kind"], row["idem_key"], attempts, failed.detail)

    def _settle(self, conn, row, state: str, now: datetime, detail: str, millis: int,
                attempts: int | None = None) -> None:
        attempts = row["attempts"] + (0 if state == "dropped" else 1) if attempts is None else attempts
        with db.write(conn):
            repo.settle_message(conn, row["id"], state, attempts, now, now, detail)
            repo.record_attempt(conn, self.service.hall_id, row["id"], now, self.provider.name, state, detail, millis)

    # --- what is no longer worth sending ----------------------------------------------------------

    def _out_of_date(self, conn, row, now: datetime) -> str | None:
        if row["ticket_id"] is not None:
            ticket = repo.get_ticket(conn, self.service.hall_id, row["ticket_id"])
            if ticket is None or not ticket.is_open:
                return "ticket ended"
            if row["kind"] == "ahead" and ticket.state not in CALLABLE_STATES:
                return "ticket no longer waiting"
            return None
        booking = repo.booking_by(conn, self.service.hall_id, "id", row["booking_id"])
        if booking is None or booking["state"] != "booked":
            return "booking no longer booked"
        return None

    def _over_rate(self, conn, row, now: datetime) -> str | None:
        if row["mobile_index"] is None:
            return None
        sent = repo.sent_to_mobile_since(conn, row["mobile_index"], now - timedelta(hours=1))
        if sent >= self.settings.per_mobile_per_hour:
            return f"rate limit: {sent} messages to this number in the last hour"
        return None

    def _message(self, row) -> Message:
        vault = self.service.vault
        try:
            mobile = vault.open(row["mobile_sealed"]) if row["mobile_sealed"] else None
            openid = vault.open(row["openid_sealed"], purpose="openid") if row["openid_sealed"] else None
        except SealError:
            raise SendFailed("the number does not open with this hall's key", retry=False) from None
        setup = self.service.setup()
        try:
            service_name = setup.service(row["service"]).name
        except KeyError:
            service_name = row["service"]
        return Message(id=row["idem_key"], kind=row["kind"], mobile=mobile, openid=openid, number=row["number"],
                       service=service_name, window=row["window"], text=row["text"], text_en=row["text_en"],
                       ahead=row["ahead"], service_code=row["service"])

    # --- running in the background --------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()
        if self.keeper is not None:
            self.keeper.wake()

    def take_turn(self) -> bool:
        """One pass on a pooled connection; true when it had something to send (more may be due)."""
        with self.service.database.checked_out():
            return self.deliver_due() > 0

    def take_turns(self, keeper: "Timekeeper") -> None:
        """Passes on `keeper`, with every other hall's courier of the process, until `stop`."""
        self.keeper = keeper
        keeper.add(self)

    def run(self) -> None:
        """Alone: until `stop`, or until the hall's database is closed (a test's app, say)."""
        while not self._stopped.is_set() and not self.service.database.closed:
            handled = False
            try:
                handled = self.take_turn()
            except Exception:   # the courier must outlive any one bad pass
                log.exception("notify courier pass failed")
            if not handled:
                self._wake.wait(self.POLL_SECONDS)
                self._wake.clear()

    def start(self, start_task: Callable[..., Any]) -> None:
        """`start_task` is the server's background-task starter (socketio.start_background_task)."""
        self._stopped.clear()
        self._task = start_task(self.run)

    def stop(self) -> None:
        if self.keeper is not None:
            self.keeper.remove(self)   # waits for its pass under way
            self.keeper = None
        self._stopped.set()
        self._wake.set()
        if self._task is not None and hasattr(self._task, "join"):
            self._task.join()
        self._task = None

