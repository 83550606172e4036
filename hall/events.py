"""Past-tense facts the queue core returns; each becomes one row of the event log.

`event_record` and `event_from_record` turn an event into a flat record (kind, ticket,
window, actor, from/to state, details) and back, so the log can be replayed exactly.
Each event names its stored kind explicitly (`KIND`), never derived from the class name:
the kind is written into every log row, so renaming a class must not orphan an old log.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from .tickets import Priority, TicketState


@dataclass(frozen=True, kw_only=True)
class Event:
    at: datetime
    actor: str

    #: the string stored in the log's kind column; fixed for ever once a log holds it
    KIND: ClassVar[str] = ""

    @classmethod
    def kind(cls) -> str:
        if not cls.KIND:
            raise TypeError(f"{cls.__name__} is not an event of the log")
        return cls.KIND


@dataclass(frozen=True, kw_only=True)
class TicketEvent(Event):
    ticket_id: int
    from_state: TicketState | None
    to_state: TicketState
    window: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketIssued(TicketEvent):
    KIND = "ticket_issued"
    business_date: date
    service: str
    prefix: str
    serial: int
    number: str
    priority: Priority


@dataclass(frozen=True, kw_only=True)
class TicketCalled(TicketEvent):
    KIND = "ticket_called"
    specific: bool = False   # 特呼: a named ticket rather than the next one
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class TicketRecalled(TicketEvent):
    KIND = "ticket_recalled"
    recalls: int


@dataclass(frozen=True, kw_only=True)
class ServiceStarted(TicketEvent):
    KIND = "service_started"


@dataclass(frozen=True, kw_only=True)
class ServiceFinished(TicketEvent):
    KIND = "service_finished"
    case_no: str | None = None


@dataclass(frozen=True, kw_only=True)
class TicketMissed(TicketEvent):
    """过号: the citizen did not come to the window."""
    KIND = "ticket_missed"


@dataclass(frozen=True, kw_only=True)
class TicketHeld(TicketEvent):
    KIND = "ticket_held"
    return_to: str
    until: datetime


@dataclass(frozen=True, kw_only=True)
class TicketResumed(TicketEvent):
    KIND = "ticket_resumed"
    target_window: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketTransferred(TicketEvent):
    KIND = "ticket_transferred"
    from_service: str
    to_service: str
    to_window: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketReturnedLate(TicketEvent):
    KIND = "ticket_returned_late"
    rank_at: datetime


@dataclass(frozen=True, kw_only=True)
class TicketCancelled(TicketEvent):
    KIND = "ticket_cancelled"
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class TicketExpired(TicketEvent):
    KIND = "ticket_expired"


@dataclass(frozen=True, kw_only=True)
class ServiceRated(TicketEvent):
    KIND = "service_rated"
    rating: int
    reasons: tuple[str, ...] = ()
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class RatingSkipped(TicketEvent):
    """No answer to the rating prompt in time; the citizen may still rate from the phone."""
    KIND = "rating_skipped"


@dataclass(frozen=True, kw_only=True)
class WindowEvent(Event):
    window: int
    clerk: int | None = None


@dataclass(frozen=True, kw_only=True)
class WindowSignedIn(WindowEvent):
    KIND = "window_signed_in"


@dataclass(frozen=True, kw_only=True)
class WindowSignedOut(WindowEvent):
    KIND = "window_signed_out"


@dataclass(frozen=True, kw_only=True)
class WindowPaused(WindowEvent):
    KIND = "window_paused"
    reason: str


@dataclass(frozen=True, kw_only=True)
class WindowResumed(WindowEvent):
    KIND = "window_resumed"


#: Every stored kind → its event. tests/hall/test_events.py pins the kinds as literal strings.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.KIND: cls for cls in (
        TicketIssued, TicketCalled, TicketRecalled, ServiceStarted, ServiceFinished,
        TicketMissed, TicketHeld, TicketResumed, TicketTransferred, TicketReturnedLate,
        TicketCancelled, TicketExpired, ServiceRated, RatingSkipped,
        WindowSignedIn, WindowSignedOut, WindowPaused, WindowResumed,
    )
}

#: Columns of the event log that every record has; the rest goes into `details`.
COLUMNS = ("at", "actor", "ticket_id", "window", "from_state", "to_state")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def event_record(event: Event) -> dict[str, Any]:
    """A flat record for the log: the common columns, plus `details` for the rest."""
    fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    record: dict[str, Any] = {"kind": event.kind()}
    for name in COLUMNS:
        record[name] = _plain(fields.pop(name, None))
    record["details"] = {name: _plain(value) for name, value in fields.items()}
    return record


def _typed(name: str, value: Any, hint: str) -> Any:
    if value is None:
        return None
    if "datetime" in hint:
        return datetime.fromisoformat(value)
    if name == "business_date":
        return date.fromisoformat(value)
    if "TicketState" in hint:
        return TicketState(value)
    if name == "priority":
        return Priority(value)
    if hint.startswith("tuple"):
        return tuple(value)
    return value


def event_from_record(record: dict[str, Any]) -> Event:
    """The inverse of `event_record`."""
    cls = EVENT_TYPES[record["kind"]]
    raw = {name: record.get(name) for name in COLUMNS} | dict(record.get("details") or {})
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in raw:
            kwargs[f.name] = _typed(f.name, raw[f.name], str(f.type))
    return cls(**kwargs)
