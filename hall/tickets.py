"""Tickets and windows as values, their states, and the one domain error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class TicketState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    HELD = "held"
    TRANSFERRED = "transferred"   # waiting again in another queue after a transfer
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: States a ticket can still leave during the day; the rest are final until day end.
OPEN_STATES = frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING,
                         TicketState.HELD, TicketState.TRANSFERRED})
#: States in which a window may call the ticket.
CALLABLE_STATES = frozenset({TicketState.WAITING, TicketState.TRANSFERRED})
#: States in which the ticket is a window's current ticket.
CURRENT_STATES = frozenset({TicketState.CALLED, TicketState.SERVING})


class Priority(StrEnum):
    NORMAL = "normal"
    GREEN = "green"              # 绿色通道: elderly, disabled, military; verified at the window
    APPOINTMENT = "appointment"  # 预约


class WindowStatus(StrEnum):
    CLOSED = "closed"   # no clerk signed in
    OPEN = "open"
    PAUSED = "paused"


class QueueError(Exception):
    """A command the hall's rules refuse. Nothing changes when it is raised."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Ticket:
    id: int
    business_date: date
    service: str
    prefix: str
    serial: int
    number: str
    priority: Priority
    state: TicketState
    issued_at: datetime
    rank_at: datetime                 # place in its queue: issue time unless it came back late
    boosted: bool = False             # transferred in or back from a hold: it already waited once
    window: int | None = None         # the window that called it last
    target_window: int | None = None  # only this window may call it
    recalls: int = 0
    called_at: datetime | None = None  # first call of the current visit to a window
    started_at: datetime | None = None  # the citizen arrived and handling began
    no_show_at: datetime | None = None
    case_no: str | None = None
    hold_return: str | None = None     # "window" or "any"
    hold_until: datetime | None = None
    rating: int | None = None          # 1 非常不满意 … 5 非常满意; None = not rated

    @property
    def priority_class(self) -> int:
        """0 green channel and transferred/returned, 1 due appointments, 2 everyone else."""
        if self.priority is Priority.GREEN or self.boosted:
            return 0
        return 1 if self.priority is Priority.APPOINTMENT else 2

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class WindowState:
    number: int
    status: WindowStatus = WindowStatus.CLOSED
    clerk: int | None = None          # user id of the clerk signed in
    pause_reason: str | None = None
    since: datetime | None = None     # when the status last changed
