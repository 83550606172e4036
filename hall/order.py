"""Call order and position: the one place that says who is called next and who is ahead.

Every screen, slip, page, report and estimate asks this module; none orders tickets itself.

- A window's **call order** is every ticket it may call today: priority class first (green
  channel and tickets that already waited once, then due appointments, then the rest),
  then the window's own priority of the item, then the ticket's place in time (`rank_at`,
  the issue time unless it came back late), then its id. `call-next` takes its head.
- The **windows that may call** a ticket are the one it was sent to by name (a transfer or a
  hold's return), otherwise every window serving its item; `watched_windows` are those of
  them that are open, or all of them while none is (so the citizen knows where to look).
- An item's **own line** is its tickets not sent to a named window, in the call order every
  window serving the item keeps among them (one item has one priority at a window).
- The **people ahead** of a waiting ticket are the tickets called before it from the line it
  stands in: for a ticket sent to a window, its index in that window's call order; for any
  other, its index in its item's own line — the same index in the call order of every window
  that may call it, counting that item's tickets. Other items a comprehensive window (综合窗口)
  puts first delay the ticket without standing in its line: the wait estimate counts them,
  and which windows are open moves the estimate, not the place in line. So the ticket
  `call-next` takes always has nobody ahead.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .setup import HallConfig
from .lines import SortedLine
from .tickets import CALLABLE_STATES, CURRENT_STATES, Priority, Ticket, TicketState, WindowStatus

if TYPE_CHECKING:
    from .queue import HallState

#: a ticket not issued yet sorts after every ticket of its class issued so far
_LATEST = 2 ** 62


def may_call(setup: HallConfig, window: int, ticket: Ticket) -> bool:
    """A window calls tickets of the items it serves, or one sent to it by name."""
    return ticket.state in CALLABLE_STATES and calls_from(setup, window, ticket.service, ticket.target_window)


def calls_from(setup: HallConfig, window: int, service: str, sent_to: int | None) -> bool:
    """Does `window` call from the line of `service` sent to window `sent_to` (None: the item's
    own line)? The line sent to a window is that window's alone."""
    if sent_to is not None:
        return sent_to == window
    return setup.window(window).priority_of(service) is not None


def call_order(setup: HallConfig, window: int) -> Callable[[Ticket], tuple]:
    """The sort key of `window`'s call order (see the module's docstring)."""
    priorities = dict(setup.window(window).priorities)

    def key(ticket: Ticket) -> tuple:
        return (ticket.priority_class, priorities.get(ticket.service, 0), ticket.rank_at, ticket.id)
    return key


def item_order(ticket: Ticket) -> tuple:
    """The sort key of an item's own line: the call order of any window, less its priorities."""
    return (ticket.priority_class, ticket.rank_at, ticket.id)


def prospective(service: str, priority: Priority, day: date, now: datetime) -> Ticket:
    """A ticket of `service` as if issued on `day` at `now`: where a new citizen would stand."""
    return Ticket(id=_LATEST, business_date=day, service=service, prefix="", serial=0, number="",
                  priority=priority, state=TicketState.WAITING, issued_at=now, rank_at=now)


def is_prospective(ticket: Ticket) -> bool:
    """Is this the ticket `prospective` made, not one issued?"""
    return ticket.id == _LATEST


# --- who may call a ticket ------------------------------------------------------------------

def _configured(setup: HallConfig, numbers: Iterable[int]) -> tuple[int, ...]:
    known = {spec.number for spec in setup.windows}
    return tuple(n for n in numbers if n in known)


def calling_windows(setup: HallConfig, ticket: Ticket) -> tuple[int, ...]:
    """The windows that may call `ticket`: the one it was sent to, or all serving its item."""
    if ticket.target_window is not None:
        return _configured(setup, (ticket.target_window,))
    return setup.windows_serving(ticket.service)


def is_open(state: "HallState", window: int) -> bool:
    found = state.windows.get(window)
    return found is not None and found.status is WindowStatus.OPEN


def open_windows_for(state: "HallState", service: str) -> list[int]:
    """The open windows serving `service`."""
    return [n for n in state.setup.windows_serving(service) if is_open(state, n)]


def open_calling_windows(state: "HallState", ticket: Ticket) -> list[int]:
    """Those of the windows that may call `ticket` which are open now."""
    return [n for n in calling_windows(state.setup, ticket) if is_open(state, n)]


def watched_windows(state: "HallState", ticket: Ticket) -> list[int]:
    """The windows a citizen is told to watch: the open ones that may call the ticket, or
    all that may call it while none is open."""
    return open_calling_windows(state, ticket) or list(calling_windows(state.setup, ticket))


# --- lines and positions --------------------------------------------------------------------

LineKey = tuple[date, str, "int | None"]   # (business day, item, window it was sent to or None)


def line_of(ticket: Ticket) -> LineKey:
    return (ticket.business_date, ticket.service, ticket.target_window)


@dataclass(frozen=True)
class QueueIndex:
    """The open tickets as the windows will call them, kept with the hall's state.

    Every waiting ticket stands in one line: its item's own line, or the line of its item
    sent to one window. A line is sorted by `item_order`, which is each window's call order
    among one item's tickets; a window's whole call order merges the lines it may call.
    Each event moves one ticket, so the next state's index is this one with one ticket
    moved, not a new sort (hall/lines.py says why the lines are never changed in place).
    """

    lines: dict[LineKey, SortedLine]
    sent: dict[tuple[date, int], frozenset[str]]   # the items with tickets sent to a window
    current: dict[int, int]                         # window → the ticket called or served there
    held: dict[int, frozenset[int]]                 # window → the tickets it put on hold
    returns: SortedLine = SortedLine()              # held tickets by when their hold runs out

    @classmethod
    def of(cls, tickets: Iterable[Ticket]) -> "QueueIndex":
        grouped: dict[LineKey, list] = {}
        current: dict[int, int] = {}
        held: dict[int, set[int]] = {}
        waiting_returns = []
        for t in tickets:
            if return_key(t) is not None:
                waiting_returns.append(t)
            if t.state in CALLABLE_STATES:
                grouped.setdefault(line_of(t), []).append((item_order(t), t))
            elif t.state in CURRENT_STATES and t.window is not None:
                current.setdefault(t.window, t.id)
            elif t.state is TicketState.HELD and t.window is not None:
                held.setdefault(t.window, set()).add(t.id)
        returns = SortedLine.of((return_key(t), t.id) for t in waiting_returns)
        sent: dict[tuple[date, int], set[str]] = {}
        for day, service, window in grouped:
            if window is not None:
                sent.setdefault((day, window), set()).add(service)
        return cls({k: SortedLine.of(v, _issued) for k, v in grouped.items()},
                   {k: frozenset(v) for k, v in sent.items()}, current,
                   {k: frozenset(v) for k, v in held.items()}, returns)

    def moved(self, before: Ticket | None, after: Ticket) -> "QueueIndex":
        """This index with one ticket changed from `before` (None: newly issued) to `after`."""
        lines, current = self.lines, self.current
        if before is not None and before.state in CALLABLE_STATES:
            lines = self._with(lines, line_of(before), lambda line: line.removed(item_order(before)))
        if after.state in CALLABLE_STATES:
            lines = self._with(lines, line_of(after), lambda line: line.added(item_order(after), after))
        if before is not None and before.window is not None and current.get(before.window) == before.id:
            current = {w: i for w, i in current.items() if w != before.window}
        if after.state in CURRENT_STATES and after.window is not None:
            current = {**current, after.window: after.id}
        sent = self.sent
        for ticket in (before, after):
            if ticket is not None and ticket.target_window is not None:
                sent = self._sent_with(sent, lines, ticket)
        returns = self.returns
        if before is not None and return_key(before) is not None:
            returns = returns.removed(return_key(before))
        if return_key(after) is not None:
            returns = returns.added(return_key(after), after.id)
        return QueueIndex(lines, sent, current, self._held_with(before, after), returns)

    def returns_due(self, now: datetime) -> list[int]:
        """The held tickets whose hold ran out by `now`, soonest first."""
        return self.returns.slice(0, self.returns.before((now, _LATEST)))

    def _held_with(self, before: Ticket | None, after: Ticket) -> dict[int, frozenset[int]]:
        held = self.held
        if before is not None and before.state is TicketState.HELD and before.window is not None:
            rest = held.get(before.window, frozenset()) - {before.id}
            held = {w: ids for w, ids in held.items() if w != before.window} | ({before.window: rest} if rest else {})
        if after.state is TicketState.HELD and after.window is not None:
            held = {**held, after.window: held.get(after.window, frozenset()) | {after.id}}
        return held

    @staticmethod
    def _with(lines: dict, key: LineKey, change: Callable[[SortedLine], SortedLine]) -> dict:
        line = change(lines.get(key, EMPTY))
        out = dict(lines)
        if len(line):
            out[key] = line
        else:
            out.pop(key, None)
        return out

    @staticmethod
    def _sent_with(sent: dict, lines: dict, ticket: Ticket) -> dict:
        at = (ticket.business_date, ticket.target_window)
        items = set(sent.get(at, ()))
        items.discard(ticket.service)
        if line_of(ticket) in lines:
            items.add(ticket.service)
        out = dict(sent)
        if items:
            out[at] = frozenset(items)
        else:
            out.pop(at, None)
        return out

    def window_lines(self, setup: HallConfig, window: int, day: date) -> list[tuple[int, SortedLine, bool]]:
        """The lines `window` calls from on `day`: (its priority of the item, line, sent here?)."""
        priorities = dict(setup.window(window).priorities)
        out = [(priorities[s], line, False) for s in priorities
               if (line := self.lines.get((day, s, None))) is not None]
        return out + [(priorities.get(s, 0), self.lines[(day, s, window)], True)
                      for s in sorted(self.sent.get((day, window), ()))]


def return_key(ticket: Ticket) -> tuple | None:
    """Where a held ticket stands among those waiting for their hold to run out (None: it
    does not wait for one)."""
    if ticket.state is not TicketState.HELD or ticket.hold_until is None:
        return None
    return (ticket.hold_until, ticket.id)


def _issued(ticket: Ticket) -> datetime:
    return ticket.issued_at


#: a line nobody stands in; it knows each ticket's issue time once one joins
EMPTY = SortedLine(since=_issued)


def _index(state: "HallState") -> QueueIndex:
    return state.index


def count_before(line: SortedLine, priority: int, key: tuple) -> int:
    """How many of an item's line a window with this priority of the item calls before `key`
    (a key of that window's call order): all of a better class; of the same class all, some
    or none, as the item's priority there is better, the same or worse."""
    klass, their_priority, *rest = key
    if priority < their_priority:
        return line.before((klass + 1,))
    if priority > their_priority:
        return line.before((klass,))
    return line.before((klass, *rest))


def _window_key(priority: int, item_key: tuple) -> tuple:
    klass, rank_at, ticket_id = item_key
    return (klass, priority, rank_at, ticket_id)


@dataclass(frozen=True)
class WindowQueue:
    """One window's call order on one day, merged from its lines when asked."""

    lines: tuple[tuple[int, SortedLine, bool], ...]

    def __len__(self) -> int:
        return sum(len(line) for _, line, _ in self.lines)

    def before(self, key: tuple) -> int:
        """How many tickets the window calls before a ticket with this key (its call order's)."""
        return sum(count_before(line, priority, key) for priority, line, _ in self.lines)

    def page(self, after: tuple | None, limit: int) -> list[tuple[tuple, Ticket]]:
        """Up to `limit` (key, ticket) pairs, head first, after the key `after` (None: from the head)."""
        def walk(priority: int, line: SortedLine) -> Iterator[tuple[tuple, Ticket]]:
            start = 0 if after is None else count_before(line, priority, after[:3] + (after[3] + 1,))
            for key, ticket in line.pairs_from(start):
                yield _window_key(priority, key), ticket
        merged = heapq.merge(*(walk(p, line) for p, line, _ in self.lines), key=lambda pair: pair[0])
        return list(islice(merged, limit))

    @property
    def tickets(self) -> list[Ticket]:
        return [t for _, t in self.page(None, len(self))]

    def waiting_since(self) -> datetime | None:
        """The earliest issue time of anyone in the window's call order."""
        return min((first.issued_at for _, line, _ in self.lines if (first := line.earliest()) is not None),
                   default=None)

    def head(self) -> Ticket | None:
        firsts = [(_window_key(p, first[0]), first[1]) for p, line, _ in self.lines
                  if (first := line.first()) is not None]
        return min(firsts, key=lambda pair: pair[0])[1] if firsts else None


def window_queue(state: "HallState", window: int, day: date) -> WindowQueue:
    """Every ticket `window` may call on `day`, in the order it calls them (gathered once per
    hall state: every estimate asks it of every window that may call its ticket)."""
    gathered = state.__dict__.setdefault("_window_queues", {})
    found = gathered.get((window, day))
    if found is None:
        found = gathered[(window, day)] = WindowQueue(tuple(_index(state).window_lines(state.setup, window, day)))
    return found


def item_queue(state: "HallState", service: str, day: date) -> SortedLine:
    """The item's own line on `day` (tickets not sent to a named window)."""
    return _index(state).lines.get((day, service, None), EMPTY)


def item_line(state: "HallState", service: str, day: date) -> list[Ticket]:
    """The item's own line on `day`, head first."""
    return list(item_queue(state, service, day))


def window_line(state: "HallState", window: int, day: date) -> list[Ticket]:
    """Every ticket `window` may call on `day`, head first."""
    return window_queue(state, window, day).tickets


def next_for_window(state: "HallState", window: int, day: date) -> Ticket | None:
    """The head of the window's call order: the ticket `call-next` takes."""
    return window_queue(state, window, day).head()


def index_at(state: "HallState", window: int, ticket: Ticket) -> int:
    """How many tickets `window` calls before `ticket` (the ticket need not be in the hall yet)."""
    return window_queue(state, window, ticket.business_date).before(call_order(state.setup, window)(ticket))


def item_index(state: "HallState", ticket: Ticket) -> int:
    """How many of the item's own line stand before `ticket` (0 for one sent to a window)."""
    if ticket.target_window is not None:
        return 0
    return item_queue(state, ticket.service, ticket.business_date).before(item_order(ticket))


def held_at(state: "HallState", window: int) -> list[Ticket]:
    """The tickets `window` put on hold, oldest first."""
    return [state.tickets[i] for i in sorted(_index(state).held.get(window, ()))]


def current_ticket_id(state: "HallState", window: int) -> int | None:
    """The ticket called or being served at `window`."""
    return _index(state).current.get(window)


def near_the_head(state: "HallState", day: date, services: Iterable[str], ahead: int) -> list[Ticket]:
    """Every ticket that may have `ahead` people or fewer before it, among `services`' own
    lines and every line sent to a window on `day`: the first `ahead` + 1 of each (a ticket's
    place in a window's call order is never before its place in its own line)."""
    index = _index(state)
    found = [ticket for service in services
             for ticket in islice(index.lines.get((day, service, None), ()), ahead + 1)]
    for (sent_day, window), items in index.sent.items():
        if sent_day == day:
            found += [ticket for service in sorted(items)
                      for ticket in islice(index.lines.get((day, service, window), ()), ahead + 1)]
    return found


def people_ahead(state: "HallState", ticket: Ticket) -> int:
    """People before a waiting ticket in the line it stands in (see the module's docstring)."""
    if ticket.target_window is not None and calling_windows(state.setup, ticket):
        return index_at(state, ticket.target_window, ticket)
    return item_index(state, ticket)


@dataclass(frozen=True)
class Place:
    """Where a waiting ticket stands: what every screen says about it."""

    ahead: int                      # people before it
    windows: tuple[int, ...]        # the windows that may call it
    open_windows: tuple[int, ...]   # those of them open now
    watch: tuple[int, ...]          # the windows the citizen is told to watch

    @property
    def served_now(self) -> bool:
        """Is any window that may call the ticket open?"""
        return bool(self.open_windows)


def place_of(state: "HallState", ticket: Ticket) -> Place:
    windows = calling_windows(state.setup, ticket)
    open_now = tuple(n for n in windows if is_open(state, n))
    return Place(ahead=people_ahead(state, ticket), windows=windows, open_windows=open_now,
                 watch=open_now or windows)
