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
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from .estimate import LEFTOVER_SHARE, WaitEstimate, WindowCapacity, learned_wait, recent_handling
from .tickets import CALLABLE_STATES, Ticket, WindowState, WindowStatus

if TYPE_CHECKING:
    from .queue import HallState


def handling_of(state: "HallState", service: str) -> float:
    """Minutes one service of the item takes today, as learned so far."""
    return recent_handling(state.handling.get(service, ()), state.setup.service(service).handling_minutes)


def open_windows(state: "HallState", service: str) -> list[int]:
    return [n for n in state.setup.windows_serving(service)
            if state.windows.get(n, WindowState(n)).status is WindowStatus.OPEN]


def open_counts(state: "HallState") -> Counter:
    """How many open windows serve each item."""
    counts: Counter = Counter()
    for spec in state.setup.windows:
        if state.windows.get(spec.number, WindowState(spec.number)).status is WindowStatus.OPEN:
            counts.update(spec.services)
    return counts


def waiting_today(state: "HallState", now: datetime | None) -> list[Ticket]:
    today = state.today(now) if now is not None else None
    return [t for t in state.tickets.values()
            if t.state in CALLABLE_STATES and (today is None or t.business_date == today)]


def the_ticket(waiting: list[Ticket], service: str, ahead: int) -> Ticket | None:
    """The ticket with `ahead` people before it in the item's queue; None for one not issued yet."""
    mine = sorted((t for t in waiting if t.service == service and t.target_window is None),
                  key=lambda t: (t.priority_class, t.rank_at, t.id))
    return mine[ahead] if ahead < len(mine) else None


def window_order(state: "HallState", window: int) -> tuple[Callable[[Ticket], bool], Callable[[Ticket], tuple]]:
    """Which tickets `window` may call and in what order: queue.may_call and queue.call_order
    for callable tickets, with the window's priorities looked up once (this runs per ticket)."""
    priorities = dict(state.setup.window(window).priorities)

    def may_call(ticket: Ticket) -> bool:
        if ticket.target_window is not None:
            return ticket.target_window == window
        return ticket.service in priorities

    def key(ticket: Ticket) -> tuple:
        return (ticket.priority_class, priorities.get(ticket.service, 0), ticket.rank_at, ticket.id)
    return may_call, key


def work_first(state: "HallState", window: int, ours: Ticket | None, service: str,
               others: list[tuple[Ticket, float]]) -> float:
    """Minutes of other tickets `window` serves before it reaches `ours`; `others` are the
    waiting tickets not counted as `ahead`, each with its share of minutes, in the same
    order for every window (so the sum is the same whichever way it is asked)."""
    if ours is not None:
        may_call, key = window_order(state, window)
        our_key = key(ours)
        return sum(m for t, m in others if may_call(t) and key(t) < our_key)
    priorities = dict(state.setup.window(window).priorities)
    # a ticket issued now comes last of the normal class at this window's priority; this
    # runs for every window and every waiting ticket, so the order is written out flat
    last = (2, priorities.get(service, 0))
    total = 0
    for t, m in others:
        if (t.target_window == window if t.target_window is not None else t.service in priorities) \
                and (t.priority_class, priorities.get(t.service, 0)) <= last:
            total += m
    return total


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
    """The estimate for a ticket of `service` with `ahead` people before it in its queue."""
    serving = state.setup.windows_serving(service)
    open_now = open_windows(state, service)
    # with no window open the guess assumes all of them will open, and says it is unsure
    counted = open_now or list(serving)
    waiting = waiting_today(state, now)
    ours = the_ticket(waiting, service, ahead)
    codes = {t.service for t in waiting}
    handling = {code: handling_of(state, code) for code in codes}
    takers = open_counts(state)

    def minutes_of(ticket: Ticket) -> float:
        # a ticket any of several open windows may take is shared out among them
        shared = 1 if ticket.target_window is not None else max(takers[ticket.service], 1)
        return handling[ticket.service] / shared
    others = [(t, minutes_of(t)) for t in waiting
              if not (t.service == service and t.target_window is None)]   # counted out as `ahead`
    windows = [WindowCapacity(n, (free_in(state, n, now) if open_now else 0.0)
                              + work_first(state, n, ours, service, others))
               for n in counted]
    return learned_wait(ahead, state.handling.get(service, ()),
                        state.setup.service(service).handling_minutes, windows,
                        uncertain=not open_now)
