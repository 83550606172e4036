"""What people and devices ask the hall to do, as imperative frozen values."""

from __future__ import annotations

from dataclasses import dataclass

from .tickets import Priority


@dataclass(frozen=True)
class ActingWindow:
    """Where a command comes from: the clerk signed in at `window`, or (clerk None) the window
    screen of `window`. The core checks it against the hall as the command's own transaction
    sees it (hall/acting.py)."""
    window: int
    clerk: int | None = None


@dataclass(frozen=True, kw_only=True)
class Command:
    actor: str = "system"   # "user:12", "device:3", "user:12 via device:3" or "system"
    #: None: the hall itself, or a supervisor or admin, who act at any window
    acting: ActingWindow | None = None


VIA = " via "


def actor_via(clerk: int, device_actor: str) -> str:
    """The actor of a clerk's command given through a device (a caller keypad on a bridge): it
    counts for the clerk, and the log names the device it came through."""
    return f"user:{clerk}{VIA}{device_actor}"


def user_of(actor: str) -> int | None:
    """The staff member an actor stands for ("user:12" or "user:12 via device:3"), else None."""
    person = actor.split(VIA, 1)[0]
    if not person.startswith("user:") or not person[5:].isdigit():
        return None
    return int(person[5:])


@dataclass(frozen=True, kw_only=True)
class IssueTicket(Command):
    ticket_id: int
    service: str
    priority: Priority = Priority.NORMAL
    #: places of the item's daily cap held for others (remote tickets taken and not yet
    #: activated, hall/remote.py): a walk-in may not take them
    reserved: int = 0


@dataclass(frozen=True, kw_only=True)
class CallNext(Command):
    window: int


@dataclass(frozen=True, kw_only=True)
class CallSpecific(Command):
    window: int
    ticket_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class Recall(Command):
    ticket_id: int


@dataclass(frozen=True, kw_only=True)
class StartService(Command):
    ticket_id: int


@dataclass(frozen=True, kw_only=True)
class FinishService(Command):
    ticket_id: int
    case_no: str | None = None


@dataclass(frozen=True, kw_only=True)
class MarkNoShow(Command):
    ticket_id: int


@dataclass(frozen=True, kw_only=True)
class HoldTicket(Command):
    ticket_id: int
    minutes: float | None = None   # None: the policy's hold_minutes
    return_to: str = "window"      # "window" (this window) or "any" window of the item


@dataclass(frozen=True, kw_only=True)
class ResumeTicket(Command):
    ticket_id: int


@dataclass(frozen=True, kw_only=True)
class TransferTicket(Command):
    ticket_id: int
    to_service: str | None = None
    to_window: int | None = None


@dataclass(frozen=True, kw_only=True)
class CancelTicket(Command):
    ticket_id: int
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReturnLate(Command):
    """过号后返回: a late citizen goes back a few places behind the head of the queue."""
    ticket_id: int


@dataclass(frozen=True, kw_only=True)
class RateService(Command):
    """好差评: the citizen's five-level rating of a finished visit, once."""
    ticket_id: int
    rating: int
    reasons: tuple[str, ...] = ()   # 差评 only: codes of BAD_RATING_REASONS
    comment: str = ""

@dataclass(frozen=True, kw_only=True)
class SkipRating(Command):
    """The rating prompt timed out: recorded as not rated, never as satisfied."""
    ticket_id: int


@dataclass(frozen=True, kw_only=True)
class ExpireDay(Command):
    """Close every ticket left open from an earlier business day, and sign windows out."""


@dataclass(frozen=True, kw_only=True)
class SignIn(Command):
    window: int
    clerk: int


@dataclass(frozen=True, kw_only=True)
class SignOut(Command):
    window: int


@dataclass(frozen=True, kw_only=True)
class PauseWindow(Command):
    window: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class ResumeWindow(Command):
    window: int
