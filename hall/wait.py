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
    """How many open windows serve each item (counted once per hall state: every estimate
    shares its items' minutes out by it)."""
    counts = state.__dict__.get("_open_counts")
    if counts is None:
        counts = Counter()
        for spec in state.setup.windows:
            if order.is_open(state, spec.number):
                counts.update(spec.services)
        state.__dict__["_open_counts"] = counts
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
    lines = _lines_with_minutes(state, window, ours.business_date, takers)
    if not order.is_prospective(ours):
        return _minutes_before(lines, key, ours)
    return _minutes_of(lines, _counts_before(state, window, ours, key, lines), ours)


def _minutes_before(lines: list[tuple], key: tuple, ours: Ticket) -> float:
    """`_minutes_of` the counts `order.count_before` gives for `key`, in one pass over the
    window's lines: a page of fifty estimates asks this of every other window open for each
    ticket's item, so each line costs one binary search and no call more. The item's own line
    is skipped without counting it, and the sum runs in the same order over the same terms as
    `_minutes_of`'s, so the minutes are the same to the last bit."""
    klass, their_priority, *rest = key
    better, worse, alike = (klass + 1,), (klass,), (klass, *rest)
    own = ours.service if ours.target_window is None else None
    total = 0.0
    for priority, line, service, sent_here, minutes in lines:
        if service == own and not sent_here:
            continue
        count = line.before(alike if priority == their_priority else better if priority < their_priority else worse)
        if count:
            total += count * minutes
    return total


def _counts_before(state: "HallState", window: int, ours: Ticket, key: tuple, lines: list[tuple]) -> list[int]:
    """How many of each line `window` calls before `key`. A new citizen's place is the same
    for every item the window ranks alike, so the board's estimates for all items (one each)
    count each window's lines once per priority, not once per item."""
    if not order.is_prospective(ours):
        return [order.count_before(line, priority, key) for priority, line, *_ in lines]
    known = state.__dict__.setdefault("_prospective_counts", {})
    found = known.get((window, key))
    if found is None:
        found = known[(window, key)] = [order.count_before(line, priority, key) for priority, line, *_ in lines]
    return found


def _minutes_of(lines: list[tuple], counts: list[int], ours: Ticket) -> float:
    """The minutes of `counts[i]` tickets of each line i, in the window's line order, less the
    item's own line (see work_first). The sum runs in one fixed order, so the same counts give
    the same minutes however they were found."""
    total = 0.0
    for (_, _, service, sent_here, minutes), count in zip(lines, counts):
        if count and not (not sent_here and ours.target_window is None and service == ours.service):
            total += count * minutes
    return total


def page_waits(state: "HallState", window: int, day: date, page: list[tuple[tuple, Ticket]],
               after: tuple | None, now: datetime | None = None) -> list[WaitEstimate]:
    """`ticket_wait` of each ticket of a page of `window`'s call order (hall/order.py's
    WindowQueue.page: (key, ticket) pairs, head first, after the key `after`).

    What this window serves before each ticket is read off the page itself: before the page
    come the tickets up to `after` (one binary search per line, once), and within it the
    tickets above. So a page costs the same whatever the number waiting, and every figure
    equals `ticket_wait`'s."""
    takers = open_counts(state)
    lines = _lines_with_minutes(state, window, day, takers)
    place = {(service, sent_here): i for i, (_, _, service, sent_here, _) in enumerate(lines)}
    counts = [0] * len(lines) if after is None else \
        [order.count_before(line, priority, after[:3] + (after[3] + 1,)) for priority, line, *_ in lines]
    out = []
    for _, ticket in page:
        work = _minutes_of(lines, counts, ticket)
        out.append(_estimate(state, ticket, order.item_index(state, ticket), now, {window: work}))
        counts[place[(ticket.service, ticket.target_window is not None)]] += 1
    return out


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


def _estimate(state: "HallState", ours: Ticket, line_ahead: int, now: datetime | None,
              known: dict[int, float] | None = None) -> WaitEstimate:
    """The item's line ahead of `ours` goes to whichever window frees first; each window
    first serves what it ranks before `ours` among everything else waiting (`known`: that
    work, already found, for some windows)."""
    known = known or {}
    service = ours.service
    serving = order.calling_windows(state.setup, ours)
    open_now = [n for n in serving if order.is_open(state, n)]
    # with no window open the guess assumes all of them will open, and says it is unsure
    counted = open_now or list(serving)
    takers = open_counts(state)
    windows = [WindowCapacity(n, (free_in(state, n, now) if open_now else 0.0)
                              + (known[n] if n in known else work_first(state, n, ours, takers)))
               for n in counted]
    return learned_wait(line_ahead, state.handling.get(service, ()),
                        state.setup.service(service).handling_minutes, windows,
                        uncertain=not open_now)
