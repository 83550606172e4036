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
from .tickets import Priority, Ticket

if TYPE_CHECKING:
    from .queue import HallState

#: without a clock, a new ticket is issued after everyone already waiting
_END_OF_TIME = datetime.max.replace(tzinfo=timezone.utc)


def handling_of(state: "HallState", service: str) -> float:
    """Minutes one service of the item takes today, as learned so far (worked out once per
    hall state: every estimate asks it for every line a window calls from)."""
    learned = state.__dict__.setdefault("_handling_of", {})
    if service not in learned:
        learned[service] = recent_handling(state.handling.get(service, ()),
                                           state.setup.service(service).handling_minutes)
    return learned[service]


def open_counts(state: "HallState") -> Counter:
    """How many open windows serve each item."""
    counts: Counter = Counter()
    for spec in state.setup.windows:
        if order.is_open(state, spec.number):
            counts.update(spec.services)
    return counts


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
    day = state.today(now) if now is not None else _latest_day(state)
    line = order.item_queue(state, service, day)
    found = line.slice(ahead, 1) if day is not None else []
    ours = found[0] if found else order.prospective(
        service, Priority.NORMAL, day or date.max, now or _END_OF_TIME)
    return _estimate(state, ours, ahead, now)


def _latest_day(state: "HallState") -> date | None:
    """Without a clock, the newest day anyone waits on."""
    return max((day for day, _, _ in state.index.lines), default=None)


def ticket_wait(state: "HallState", ticket: Ticket, now: datetime | None = None) -> WaitEstimate:
    """The estimate for one waiting ticket, wherever it stands (its item's line or a window)."""
    return _estimate(state, ticket, order.item_index(state, ticket), now)


def work_first(state: "HallState", window: int, ours: Ticket, takers: Counter) -> float:
    """Minutes of other tickets `window` serves before it reaches `ours`: of each line it calls
    from, those it ranks before `ours`, each a share of its item's minutes when several open
    windows may take it. The item's own line before `ours` is not counted here: the estimate
    shares it out among the windows."""
    key = order.call_order(state.setup, window)(ours)
    total = 0.0
    for priority, line, service, sent_here, minutes in _lines_with_minutes(state, window, ours.business_date, takers):
        if not sent_here and ours.target_window is None and service == ours.service:
            continue
        total += order.count_before(line, priority, key) * minutes
    return total


def _lines_with_minutes(state: "HallState", window: int, day: date, takers: Counter) -> list[tuple]:
    """The window's lines, each with its item and the minutes one of its tickets costs this
    window (worked out once per hall state: a page of estimates asks it fifty times)."""
    known = state.__dict__.setdefault("_lines_with_minutes", {})
    found = known.get((window, day))
    if found is None:
        found = known[(window, day)] = []
        for priority, line, sent_here in order.window_queue(state, window, day).lines:
            service = line.first()[1].service
            shared = 1 if sent_here else max(takers[service], 1)
            found.append((priority, line, service, sent_here, handling_of(state, service) / shared))
    return found


def _estimate(state: "HallState", ours: Ticket, line_ahead: int, now: datetime | None) -> WaitEstimate:
    """The item's line ahead of `ours` goes to whichever window frees first; each window
    first serves what it ranks before `ours` among everything else waiting."""
    service = ours.service
    serving = order.calling_windows(state.setup, ours)
    open_now = [n for n in serving if order.is_open(state, n)]
    # with no window open the guess assumes all of them will open, and says it is unsure
    counted = open_now or list(serving)
    takers = open_counts(state)
    windows = [WindowCapacity(n, (free_in(state, n, now) if open_now else 0.0)
                              + work_first(state, n, ours, takers))
               for n in counted]
    return learned_wait(line_ahead, state.handling.get(service, ()),
                        state.setup.service(service).handling_minutes, windows,
                        uncertain=not open_now)
