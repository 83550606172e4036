"""What to send, decided inside the transaction of the event that causes it.

`Outbox.after_command` runs in the service layer's savepoint of every command, after its
events are saved: a call of a ticket whose citizen asked to be told queues "called"; any
command that leaves an opted-in waiting ticket with `ahead` people or fewer before it (by
hall/order.py's count, the one every screen shows) queues "N ahead". Opting in runs the same
check at once. Reminders are queued by the clockwork when a booking's reminder time comes.
Every message carries an idempotency key (its `id` to the provider): the same event queued
twice keeps one row, and a gateway that sees an id again knows it already has it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from hall import events as e
from hall import order
from hall.appointments import AppointmentError, check_mobile
from hall.queue import HallState
from hall.setup import HallConfig
from hall.tickets import CALLABLE_STATES, Ticket

from .. import repository as repo
from ..personal import Vault, mask_mobile
from .settings import NotifySettings

log = logging.getLogger(__name__)


class NotifyRefused(ValueError):
    """An opt-in the hall cannot take: the JSON error code and a bilingual message."""

    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Wish:
    """What a citizen asked for one ticket."""

    mobile: str | None      # checked, or None (a WeChat follower gives an openid instead)
    openid: str | None
    ahead: bool = True
    called: bool = True


def wish_from(data: dict[str, Any], provider: str) -> Wish:
    """Read and check an opt-in body: {"mobile": "138…", "ahead": true, "called": true}."""
    mobile, openid = data.get("mobile"), data.get("openid")
    ahead, called = data.get("ahead", True), data.get("called", True)
    if not isinstance(ahead, bool) or not isinstance(called, bool):
        raise NotifyRefused("bad_field", "ahead 与 called 应为 true 或 false / ahead and called must be "
                            "true or false")
    if not (ahead or called):
        raise NotifyRefused("nothing_chosen", "请至少选择一种提醒 / choose at least one notice")
    if openid is not None and (provider != "wechat" or not isinstance(openid, str)
                               or not 8 <= len(openid) <= 64 or not openid.replace("-", "").replace("_", "").isalnum()):
        raise NotifyRefused("bad_openid", "微信标识无效 / the WeChat openid is not valid here")
    if mobile is None and openid is None:
        raise NotifyRefused("missing_field", "请填写手机号码 / mobile is required")
    if mobile is not None:
        if not isinstance(mobile, str):
            raise NotifyRefused("bad_mobile", "请填写 11 位手机号码 / enter an 11-digit mobile number")
        try:
            mobile = check_mobile(mobile)
        except AppointmentError as refused:
            raise NotifyRefused(refused.code, refused.message) from None
    return Wish(mobile=mobile, openid=openid, ahead=ahead, called=called)


def _lines_moved(state: HallState, events: list[e.Event]) -> set[tuple[date, str]] | None:
    """The (day, item) lines that moved up: a ticket left a line (called, held, cancelled, missed,
    expired), so those behind it came closer. None: look at every line (a transfer moves a
    ticket between lines). Issues and returns only put people behind or in front, never
    bring anyone closer, and windows opening or closing change no one's place in line."""
    lines: set[tuple[date, str]] = set()
    for event in events:
        if isinstance(event, e.TicketTransferred):
            return None
        if isinstance(event, e.TicketEvent) and event.from_state in CALLABLE_STATES \
                and event.to_state not in CALLABLE_STATES:
            ticket = state.tickets.get(event.ticket_id)
            if ticket is None:
                return None
            lines.add((ticket.business_date, ticket.service))
    return lines


class Outbox:
    def __init__(self, settings: NotifySettings, vault: Vault, hall_id: int):
        self.settings = settings
        self.vault = vault
        self.hall_id = hall_id
        self.queued = False     # set when a transaction queued a message; the courier is woken after it

    # --- inside the command's transaction -----------------------------------------------------

    def after_command(self, conn, state: HallState, events: list[e.Event], now: datetime) -> None:
        if not events:
            return
        called = [ev for ev in events if isinstance(ev, e.TicketCalled)]
        if called:
            wishes = {row["ticket_id"]: row for row in
                      repo.subscriptions_of(conn, self.hall_id, [ev.ticket_id for ev in called])}
            for ev in called:
                row = wishes.get(ev.ticket_id)
                if row is not None:
                    self._called(conn, state, state.tickets[ev.ticket_id], row, now)
        for row in self._close_and_awaiting(conn, state, events):
            self._maybe_ahead(conn, state, row, now)

    def _close_and_awaiting(self, conn, state: HallState, events: list[e.Event]) -> list:
        """The subscriptions an event may have brought within `ahead`: only the first
        `ahead` + 1 of a line that moved up can be there now, so only they are looked up."""
        moved = _lines_moved(state, events)
        if moved is None:
            return repo.awaiting_ahead(conn, self.hall_id)
        if not moved:
            return []
        days: dict[date, set[str]] = {}
        for day, service in moved:
            days.setdefault(day, set()).add(service)
        near = [ticket.id for day, services in days.items()
                for ticket in order.near_the_head(state, day, sorted(services), self.settings.ahead)]
        return repo.awaiting_ahead(conn, self.hall_id, near)

    def _maybe_ahead(self, conn, state: HallState, row, now: datetime) -> None:
        ticket = state.tickets.get(row["ticket_id"])
        if ticket is None or ticket.state not in CALLABLE_STATES:
            # called, held or ended: a "N ahead" now would be out of date, so none comes
            if ticket is None or ticket.window is not None or not ticket.is_open:
                repo.mark_ahead_done(conn, row["ticket_id"])
            return
        ahead = order.people_ahead(state, ticket)
        if ahead <= self.settings.ahead:
            self._queue(conn, state.setup, "ahead", ticket, row, now, ahead=ahead)
            repo.mark_ahead_done(conn, row["ticket_id"])

    def _called(self, conn, state: HallState, ticket: Ticket, row, now: datetime) -> None:
        if row["ahead"] and not row["ahead_done"]:
            repo.mark_ahead_done(conn, ticket.id)   # called before it was ever close: no "ahead" after
        if row["called"]:
            self._queue(conn, state.setup, "called", ticket, row, now, window=ticket.window)

    def _queue(self, conn, setup: HallConfig, kind: str, ticket: Ticket, row, now: datetime,
               ahead: int = 0, window: int | None = None) -> None:
        item = setup.service(ticket.service)
        text, text_en = self.settings.render(
            kind, {"hall": setup.hall.name, "number": ticket.number, "service": item.name,
                   "window": window or "", "ahead": ahead},
            {"hall": setup.hall.name_en, "number": ticket.number, "service": item.name_en,
             "window": window or "", "ahead": ahead})
        key = f"{self.hall_id}:ticket:{ticket.id}:{kind}"
        if repo.queue_message(conn, self.hall_id, {
                "idem_key": key, "kind": kind, "ticket_id": ticket.id, "mobile_sealed": row["mobile_sealed"],
                "mobile_index": row["mobile_index"], "openid_sealed": row["openid_sealed"],
                "number": ticket.number, "service": ticket.service, "window": window, "ahead": ahead,
                "text": text, "text_en": text_en}, now):
            self.queued = True

    # --- opting in and out ---------------------------------------------------------------------

    def subscribe(self, conn, state: HallState, ticket: Ticket, wish: Wish, via: str, now: datetime) -> dict:
        """Inside a write transaction: keep the wish, then tell at once what is already true."""
        if not ticket.is_open:
            raise NotifyRefused("ticket_closed", "这张票已办结或取消 / this ticket is already finished "
                                "or cancelled", status=409)
        repo.save_subscription(conn, self.hall_id, {
            "ticket_id": ticket.id, "business_date": ticket.business_date.isoformat(),
            "mobile_sealed": wish.mobile and self.vault.seal(wish.mobile),
            "mobile_index": wish.mobile and self.vault.index(wish.mobile),
            "openid_sealed": wish.openid and self.vault.seal(wish.openid, purpose="openid"),
            "ahead": wish.ahead, "called": wish.called, "via": via}, now)
        row = repo.subscription(conn, self.hall_id, ticket.id)
        if ticket.state in CALLABLE_STATES:
            if wish.ahead:
                self._maybe_ahead(conn, state, row, now)
        elif ticket.window is not None:
            self._called(conn, state, ticket, row, now)   # already called: say where to go
        return self.view(row)

    def unsubscribe(self, conn, ticket_id: int, now: datetime) -> bool:
        gone = repo.delete_subscription(conn, self.hall_id, ticket_id)
        repo.drop_pending_of_ticket(conn, ticket_id, "opted out", now)
        return gone

    def view(self, row) -> dict[str, Any] | None:
        """A subscription as its own ticket's page may see it: the number masked."""
        if row is None:
            return None
        mobile = self.vault.open(row["mobile_sealed"]) if row["mobile_sealed"] else None
        return {"mobile": mobile and mask_mobile(mobile), "wechat": bool(row["openid_sealed"]),
                "ahead": bool(row["ahead"]), "called": bool(row["called"]), "ahead_at": self.settings.ahead}

    # --- reminders -----------------------------------------------------------------------------

    def reminders_due(self, conn, setup: HallConfig, today: date, now: datetime) -> list[tuple[Any, int]]:
        """(booking, minutes before) pairs whose reminder time has come, before the slot, not yet queued."""
        reach = max(self.settings.reminders, default=0)
        last = today + timedelta(days=reach // 1440 + 1)
        due = []
        for row in repo.bookings_to_remind(conn, self.hall_id, today, last):
            starts = datetime.combine(date.fromisoformat(row["slot_date"]),
                                      time.fromisoformat(row["slot_start"]), setup.hall.tz)
            created = datetime.fromisoformat(row["created_at"])
            for minutes in self.settings.reminders:
                at = starts - timedelta(minutes=minutes)
                # a reminder whose time passed before the booking was made would only repeat it
                if created <= at <= now < starts and not repo.message_queued(
                        conn, self._reminder_key(row, minutes)):
                    due.append((row, minutes))
        return due

    def _reminder_key(self, booking, minutes: int) -> str:
        """One per booking, slot and reminder: a moved booking is reminded of its new slot."""
        return f"{self.hall_id}:booking:{booking['id']}:{booking['slot_date']}T{booking['slot_start']}:{minutes}"

    def queue_reminder(self, conn, setup: HallConfig, booking, minutes: int, now: datetime) -> None:
        item = setup.service(booking["service"])
        values = {"number": booking["code"], "date": booking["slot_date"], "start": booking["slot_start"],
                  "window": "", "ahead": 0}
        text, text_en = self.settings.render(
            "reminder", values | {"hall": setup.hall.name, "service": item.name},
            values | {"hall": setup.hall.name_en, "service": item.name_en})
        key = self._reminder_key(booking, minutes)
        if repo.queue_message(conn, self.hall_id, {
                "idem_key": key, "kind": "reminder", "booking_id": booking["id"],
                "mobile_sealed": booking["mobile_sealed"], "mobile_index": booking["mobile_index"],
                "number": booking["code"], "service": booking["service"], "text": text, "text_en": text_en}, now):
            self.queued = True
