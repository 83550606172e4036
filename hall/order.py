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

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Callable, Iterable

from .setup import HallConfig
from .tickets import CALLABLE_STATES, Priority, Ticket, TicketState, WindowState, WindowStatus

if TYPE_CHECKING:
    from .queue import HallState

#: a ticket not issued yet sorts after every ticket of its class issued so far
_LATEST = 2 ** 62


def may_call(setup: HallConfig, window: int, ticket: Ticket) -> bool:
    """A window calls tickets of the items it serves, or one sent to it by name."""
    if ticket.state not in CALLABLE_STATES:
        return False
    if ticket.target_window is not None:
        return ticket.target_window == window
    return setup.window(window).priority_of(ticket.service) is not None


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
    return state.windows.get(window, WindowState(window)).status is WindowStatus.OPEN


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

def item_line(state: "HallState", service: str, day: date) -> list[Ticket]:
    """The item's own line on `day` (tickets not sent to a named window), head first."""
    return list(state.queues.get((day, service), ()))


def _candidates(state: "HallState", window: int, day: date) -> list[Ticket]:
    spec = state.setup.window(window)
    out = [t for code in spec.services for t in state.queues.get((day, code), ())]
    return out + [t for t in state.sent_to_window.get(window, ()) if t.business_date == day]


def window_line(state: "HallState", window: int, day: date) -> list[Ticket]:
    """Every ticket `window` may call on `day`, in the order it calls them."""
    return sorted(_candidates(state, window, day), key=call_order(state.setup, window))


def next_for_window(state: "HallState", window: int, day: date) -> Ticket | None:
    """The head of the window's call order: the ticket `call-next` takes."""
    return min(_candidates(state, window, day), key=call_order(state.setup, window), default=None)


def index_at(state: "HallState", window: int, ticket: Ticket) -> int:
    """How many tickets `window` calls before `ticket` (the ticket need not be in the hall yet)."""
    key = call_order(state.setup, window)
    mine = key(ticket)
    return sum(1 for t in _candidates(state, window, ticket.business_date) if key(t) < mine)


def item_index(state: "HallState", ticket: Ticket) -> int:
    """How many of the item's own line stand before `ticket` (0 for one sent to a window)."""
    if ticket.target_window is not None:
        return 0
    mine = item_order(ticket)
    return sum(1 for t in state.queues.get((ticket.business_date, ticket.service), ())
               if item_order(t) < mine)


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
