"""Past-tense facts the queue core returns; each becomes one row of the event log.

`event_record` and `event_from_record` turn an event into a flat record (kind, ticket,
window, actor, from/to state, details) and back, so the log can be replayed exactly.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .tickets import Priority, TicketState


@dataclass(frozen=True, kw_only=True)
class Event:
    at: datetime
    actor: str

    @classmethod
    def kind(cls) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


@dataclass(frozen=True, kw_only=True)
class TicketEvent(Event):
    ticket_id: int
    from_state: TicketState | None
    to_state: TicketState
    window: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketIssued(TicketEvent):
    business_date: date
    service: str
    prefix: str
    serial: int
    number: str
    priority: Priority


@dataclass(frozen=True, kw_only=True)
class TicketCalled(TicketEvent):
    specific: bool = False   # 特呼: a named ticket rather than the next one
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class TicketRecalled(TicketEvent):
    recalls: int


@dataclass(frozen=True, kw_only=True)
class ServiceStarted(TicketEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ServiceFinished(TicketEvent):
    case_no: str | None = None


@dataclass(frozen=True, kw_only=True)
class TicketMissed(TicketEvent):
    """过号: the citizen did not come to the window."""


@dataclass(frozen=True, kw_only=True)
class TicketHeld(TicketEvent):
    return_to: str
    until: datetime


@dataclass(frozen=True, kw_only=True)
class TicketResumed(TicketEvent):
    target_window: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketTransferred(TicketEvent):
    from_service: str
    to_service: str
    to_window: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketReturnedLate(TicketEvent):
    rank_at: datetime


@dataclass(frozen=True, kw_only=True)
class TicketCancelled(TicketEvent):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class TicketExpired(TicketEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ServiceRated(TicketEvent):
    rating: int


@dataclass(frozen=True, kw_only=True)
class RatingSkipped(TicketEvent):
    """No answer to the rating prompt in time; the citizen may still rate from the phone."""


@dataclass(frozen=True, kw_only=True)
class WindowEvent(Event):
    window: int
    clerk: int | None = None


@dataclass(frozen=True, kw_only=True)
class WindowSignedIn(WindowEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class WindowSignedOut(WindowEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class WindowPaused(WindowEvent):
    reason: str


@dataclass(frozen=True, kw_only=True)
class WindowResumed(WindowEvent):
    pass


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind(): cls for cls in (
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
