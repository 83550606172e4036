"""The learned wait estimate, read off the hall as it stands.

`hall.estimate` does the arithmetic on plain numbers; this module gathers those numbers
from a `HallState`: the item's handling times today, the windows open for it, what each of
those windows must do before it turns to the item's queue, and how far along each window's
current citizen is.

A window serving many items (综合窗口) calls by priority class, then by its own priority of
each item, then by issue time. So before it reaches the ticket asked about it serves every
ticket of another item that it ranks ahead — shared with the other open windows that could
take that ticket. That work delays the window; the item's own queue then goes to whichever
window frees first.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from . import order
from .estimate import LEFTOVER_SHARE, WaitEstimate, WindowCapacity, learned_wait, recent_handling
from .tickets import CALLABLE_STATES, Priority, Ticket

if TYPE_CHECKING:
    from .queue import HallState

#: without a clock, a new ticket is issued after everyone already waiting
_END_OF_TIME = datetime.max.replace(tzinfo=timezone.utc)


def handling_of(state: "HallState", service: str) -> float:
    """Minutes one service of the item takes today, as learned so far."""
    return recent_handling(state.handling.get(service, ()), state.setup.service(service).handling_minutes)


def open_counts(state: "HallState") -> Counter:
    """How many open windows serve each item."""
    counts: Counter = Counter()
    for spec in state.setup.windows:
        if order.is_open(state, spec.number):
            counts.update(spec.services)
    return counts


def waiting_on(state: "HallState", day: date | None) -> list[Ticket]:
    """The tickets a window may call on `day` (on any day when None)."""
    return [t for t in state.tickets.values()
            if t.state in CALLABLE_STATES and (day is None or t.business_date == day)]


def work_first(state: "HallState", window: int, ours: Ticket, others: list[tuple[Ticket, float]]) -> float:
    """Minutes of other tickets `window` serves before it reaches `ours`; `others` are the
    waiting tickets not counted as the item's line ahead, each with its share of minutes."""
    key = order.call_order(state.setup, window)
    our_key = key(ours)
    return sum(m for t, m in others if order.may_call(state.setup, window, t) and key(t) < our_key)


def free_in(state: "HallState", window: int, now: datetime | None) -> float:
    """Minutes until the window can call again: what its current service has left."""
    current = state.current_ticket(window)
    if current is None:
        return 0.0
    expected = handling_of(state, current.service)
    if now is None or current.called_at is None:
        return expected / 2   # without a clock, assume half done, as the first estimate did
    elapsed = (now - current.called_at).total_seconds() / 60
    return max(expected - elapsed, expected * LEFTOVER_SHARE)


def learned_wait_for(state: "HallState", service: str, ahead: int,
                     now: datetime | None = None) -> WaitEstimate:
    """The estimate for the ticket of `service` with `ahead` people before it in the item's
    own line, or for a new ticket behind them when nobody stands at that place yet."""
    day = state.today(now) if now is not None else None
    line = [t for t in waiting_on(state, day) if t.service == service and t.target_window is None]
    line.sort(key=order.item_order)
    ours = line[ahead] if ahead < len(line) else order.prospective(
        service, Priority.NORMAL, day or date.max, now or _END_OF_TIME)
    return _estimate(state, ours, ahead, now, day)


def ticket_wait(state: "HallState", ticket: Ticket, now: datetime | None = None) -> WaitEstimate:
    """The estimate for one waiting ticket, wherever it stands (its item's line or a window)."""
    return _estimate(state, ticket, order.item_index(state, ticket), now, ticket.business_date)


def _estimate(state: "HallState", ours: Ticket, line_ahead: int, now: datetime | None,
              day: date | None) -> WaitEstimate:
    """The item's line ahead of `ours` goes to whichever window frees first; each window
    first serves what it ranks before `ours` among everything else waiting."""
    service = ours.service
    serving = order.calling_windows(state.setup, ours)
    open_now = [n for n in serving if order.is_open(state, n)]
    # with no window open the guess assumes all of them will open, and says it is unsure
    counted = open_now or list(serving)
    in_line = ours.target_window is None
    waiting = waiting_on(state, day)
    handling = {code: handling_of(state, code) for code in {t.service for t in waiting}}
    takers = open_counts(state)

    def minutes_of(ticket: Ticket) -> float:
        # a ticket any of several open windows may take is shared out among them
        shared = 1 if ticket.target_window is not None else max(takers[ticket.service], 1)
        return handling[ticket.service] / shared
    others = [(t, minutes_of(t)) for t in waiting if t.id != ours.id
              and not (in_line and t.service == service and t.target_window is None)]
    windows = [WindowCapacity(n, (free_in(state, n, now) if open_now else 0.0)
                              + work_first(state, n, ours, others))
               for n in counted]
    return learned_wait(line_ahead, state.handling.get(service, ()),
                        state.setup.service(service).handling_minutes, windows,
                        uncertain=not open_now)
