"""Every live message: its name and the shape of its payload, declared once.

Clients connect over Socket.IO with ``auth={"token": ...}`` (a device token, a staff session
token, or a ticket's tracking token). On connect the server sends ``hall_snapshot``. Every
later message that follows the hall's event log carries ``seq`` — the log position it follows —
and ``at`` (ISO 8601, UTC). ``seq`` only grows; messages derived from one event
(``queue_changed``, ``window_changed``) carry that event's ``seq``. A client that sees ``seq``
jump by more than one emits ``resync {since: last_seq}`` and receives the missed messages
again, in order, or a fresh ``hall_snapshot`` when they are too old. Alerts are not events of
the log: they carry the log's current ``seq`` unchanged. docs/protocol.md describes the same.

A board that shows one zone connects with ``auth={"token": ..., "zone": "1F"}`` and a window
screen with ``auth={"token": ..., "window": 3}``: it hears only its zone's or its window's part
of the messages (``ROOM_MESSAGES``). It still hears every ``seq`` of the hall: for a ``seq``
none of whose messages concern its room it gets one ``seq_skipped {seq}``, which only says the
log moved on. So its gap check is every client's, by ``seq`` (``IN_SEQ``), whichever server
process sent the messages, and its ``resync`` replays its room's part, skips included. A lone
server process (no message queue) folds a run of such steps into one ``seq_skipped {from, seq}``
(every step from ``from`` to ``seq``), told in front of the room's next message or once the run
is a second or two old: a window's screen hears its own window's steps, not the whole hall's.

A client that connects with ``auth.bundle = true`` (the project's own pages, boards and
clients do) hears the messages one commit sends it as one ``bundle {messages: [[name,
payload], ...]}``, in order, which it takes apart and handles one by one: one frame where a
call is three (the call, the window, the waiting figures). Everything else (its snapshot, a
resync's replay, alerts, bookings, a lone message) comes as ever. Phones are never bundled.

Names are imperative for what a client asks (``resync``) and past tense for what happened.
The payload types are TypedDicts, so a payload stays a plain dict on the wire and in
clients, while the server's builders and the tests are checked against one declaration.
"""

# no `from __future__ import annotations` here: TypedDict reads NotRequired[...] only from
# evaluated annotations
from typing import Any, NotRequired, TypedDict

# --- names --------------------------------------------------------------------------------------

HALL_SNAPSHOT = "hall_snapshot"
TICKET_ISSUED = "ticket_issued"
TICKET_CALLED = "ticket_called"
TICKET_CHANGED = "ticket_changed"
WINDOW_CHANGED = "window_changed"
QUEUE_CHANGED = "queue_changed"
ALERT_RAISED = "alert_raised"
ALERT_CLEARED = "alert_cleared"
APPOINTMENT_CHANGED = "appointment_changed"
#: to a zone's boards and a window's screen: the log moved on by a step that is not theirs
SEQ_SKIPPED = "seq_skipped"
#: the messages of one commit to a connection that asked for them together (its connect
#: option of the same name)
BUNDLE = "bundle"

#: client → server: ask for the messages after `since` again
RESYNC = "resync"

#: Messages that follow one event of the log: their `seq` grows by one per event, so a jump
#: means something was missed. `resync` replays exactly these.
SEQUENCED = (TICKET_ISSUED, TICKET_CALLED, TICKET_CHANGED, WINDOW_CHANGED, QUEUE_CHANGED)
#: Supervision's alerts: they carry the log's current `seq`, never a new one.
ALERTS = (ALERT_RAISED, ALERT_CLEARED)
#: What a client checks for gaps in `seq`: every step of the log reaches it as a sequenced
#: message or, in a zone's or a window's room, as `seq_skipped`.
IN_SEQ = (*SEQUENCED, SEQ_SKIPPED)
#: Everything the server pushes, in the order docs/protocol.md lists it.
SERVER_EVENTS = (HALL_SNAPSHOT, *SEQUENCED, *ALERTS, APPOINTMENT_CHANGED, SEQ_SKIPPED, BUNDLE)
CLIENT_EVENTS = (RESYNC,)

#: Messages about one ticket: a citizen's phone hears those of its own ticket.
TICKET_MESSAGES = (TICKET_ISSUED, TICKET_CALLED, TICKET_CHANGED)
#: Messages only supervisors and admins hear, as only they may read GET /alerts; every other
#: message goes to each staff member and device of the hall, and a phone hears its own part.
SUPERVISORS_ONLY = ALERTS

#: What a zone's boards and a window's screen hear (their room's part of each): the calls, the
#: windows and the waiting figures; a window's screen also its own tickets' changes.
ROOM_MESSAGES = (TICKET_CALLED, TICKET_CHANGED, WINDOW_CHANGED, QUEUE_CHANGED)
#: the connect options that narrow a board to a zone, a window screen to its window
ZONE, WINDOW = "zone", "window"
#: the zone of a board that shows every window: the board's part of the whole hall (calls,
#: windows, waiting figures), without the tickets' other messages a board has no use for
EVERY_ZONE = "*"

#: How many recent calls a snapshot carries.
RECENT_CALLS = 10

#: The REST reply header that places a reply in the same order as the live messages' `seq`:
#: a command's own last event, or for a read where the log stood before it.
SEQ_HEADER = "X-Hall-Seq"

#: The longest a board lets its newest call blink, in seconds, for the Qt board and the web
#: board alike: nobody can pause a wall screen, so WCAG 2.2.2 wants the blink to stop by itself
#: within 5 s. A board whose viewers asked for reduced motion does not blink at all.
BLINK_LONGEST_SECONDS = 5


# --- the views messages carry -------------------------------------------------------------------

class Estimate(TypedDict):
    """A waiting time as a range of minutes, with its words in Chinese and English."""
    low: int
    high: int
    windows: int
    uncertain: bool
    text: str
    text_en: str


class Ticket(TypedDict):
    id: int
    number: str
    service: str
    service_name: str
    service_name_en: str
    department: str
    department_name: str
    department_name_en: str
    priority: str
    state: str
    business_date: str
    issued_at: str
    window: int | None
    target_window: int | None
    recalls: int
    called_at: str | None
    started_at: str | None
    case_no: str | None
    rating: int | None
    hold_until: str | None
    #: while the ticket may still be called
    waiting_ahead: NotRequired[int]
    estimated_wait: NotRequired[Estimate]
    #: window number → the ticket's place in that window's call order, as text that sorts as
    #: the places do (the window queue's `next` cursor); in live messages and queue pages
    order_keys: NotRequired[dict[str, str]]


class Clerk(TypedDict):
    id: int
    name: str
    staff_no: str | None


class CurrentTicket(TypedDict):
    id: int
    number: str
    service: str
    state: str
    called_at: str | None


class Window(TypedDict):
    number: int
    name: str
    name_en: str
    kind: str
    zone: str
    status: str                   # open | paused | closed
    services: list[str]
    clerk: Clerk | None           # boards must not show it
    pause_reason: str | None
    since: str | None
    current: CurrentTicket | None
    nearest_open: int | None      # where to send citizens from a paused or empty window
    shown: str                    # what citizens see it doing: called | serving | idle | paused | closed


class Service(TypedDict):
    code: str
    name: str
    name_en: str
    department: str
    department_name: str
    department_name_en: str
    prefix: str
    waiting: int
    estimated_wait: Estimate
    open: bool
    closed_reason: str | None
    closed_message: str | None
    #: a capped item's places today that remote tickets not yet activated keep from walk-ins:
    #: with `closed_reason` "daily_cap_reached" and this above 0, the rest of the day went to them
    held_for_remote: int
    windows: list[int]
    identity: str          # the kiosk asks for the ID card: "off" | "optional" | "required"
    identity_name: bool    # the kiosk sends the name read from the card for this item


class Hall(TypedDict):
    code: str
    name: str
    name_en: str
    timezone: str
    business_date: str
    notice: str
    notice_en: str
    declarable_categories: list[str]   # green-channel categories declared at the kiosk with the card


class Policy(TypedDict):
    """The rules a window page needs: how long the rating prompt waits, recall and hold limits."""
    rating_timeout_seconds: float
    max_recalls: int
    hold_minutes: float


class RecentCall(TypedDict):
    seq: int
    at: str
    ticket_id: int
    number: str
    service: str
    window: int
    recall: bool


class Alert(TypedDict):
    id: int
    key: str
    rule: str
    rule_name: str
    rule_name_en: str
    level: str                    # yellow | red
    subject: str                  # window | item | ticket | device
    message: str
    message_en: str
    window: int | None
    service: str | None
    business_date: str
    raised_at: str
    escalated_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    cleared_at: str | None
    details: dict[str, Any]


# --- the messages ---------------------------------------------------------------------------------

class HallSnapshot(TypedDict):
    seq: int
    at: str
    hall: Hall
    policy: Policy
    services: list[Service]
    windows: list[Window]
    recent_calls: list[RecentCall]
    #: only in a phone's part of the snapshot: the ticket it follows (its item, its calls, no windows)
    ticket_id: NotRequired[int]
    #: only to a zone's board or a window's screen: its room
    room: NotRequired[str]


class TicketIssued(TypedDict):
    seq: int
    at: str
    ticket: Ticket


class TicketCalled(TypedDict):
    """A call or a recall (`recall` true); `text` as shown, `spoken` with the digits one by one."""
    seq: int
    at: str
    ticket: Ticket
    window: int
    window_name: str
    window_name_en: str
    recall: bool
    recalls: int
    text: str
    text_en: str
    spoken: str


# "from" is a Python keyword, so this one is declared the functional way
TicketChanged = TypedDict("TicketChanged", {
    "seq": int, "at": str, "ticket": Ticket,
    "change": str,            # the stored event kind (hall.events), e.g. "service_finished"
    "from": str | None, "to": str,
})


class WindowChanged(TypedDict):
    seq: int
    at: str
    window: Window


class WindowWaiting(TypedDict):
    number: int
    waiting: int   # tickets the window may call (its queue's `total`)


class QueueChanged(TypedDict):
    """The waiting count and estimate of the items one batch of events touched, and how many
    wait for each window those items (or the batch's tickets sent to a window) concern."""
    seq: int
    at: str
    services: list[Service]
    windows: NotRequired[list[WindowWaiting]]


class AlertMessage(TypedDict):
    """`alert_raised` (raised, escalated, acknowledged, or its 差评 case took a step: its latest
    state) or `alert_cleared`."""
    seq: int
    at: str
    alert: Alert


class AppointmentChanged(TypedDict):
    """A booking changed (booked, moved, cancelled, checked_in) — no code, mobile or name —
    or the clockwork marked `count` bookings as no-shows (change "no_show")."""
    change: str
    service: NotRequired[str]
    date: NotRequired[str]
    start: NotRequired[str]
    state: NotRequired[str]
    count: NotRequired[int]


# "from" is a Python keyword, so this one is declared the functional way too
SeqSkipped = TypedDict("SeqSkipped", {
    # the hall's log is at `seq`, and none of the messages of that step (of every step from
    # `from`, when there) concern the room: so a missing `seq` is still a gap
    "seq": int, "from": NotRequired[int],
})
SeqSkipped.__doc__ = """To a zone's boards or a window's screen: steps of the log that are not theirs."""


class Bundle(TypedDict):
    """The messages one commit sends a connection, in order: [name, payload] pairs, each as it
    would have come alone (never a snapshot, never another bundle)."""
    messages: list[list[Any]]


class Resync(TypedDict):
    since: int


#: Each message name → the type of its payload.
PAYLOADS: dict[str, type] = {
    HALL_SNAPSHOT: HallSnapshot,
    TICKET_ISSUED: TicketIssued,
    TICKET_CALLED: TicketCalled,
    TICKET_CHANGED: TicketChanged,
    WINDOW_CHANGED: WindowChanged,
    QUEUE_CHANGED: QueueChanged,
    ALERT_RAISED: AlertMessage,
    ALERT_CLEARED: AlertMessage,
    APPOINTMENT_CHANGED: AppointmentChanged,
    SEQ_SKIPPED: SeqSkipped,
    BUNDLE: Bundle,
    RESYNC: Resync,
}


def keys_of(payload_type: type) -> tuple[frozenset[str], frozenset[str]]:
    """(required keys, optional keys) of a payload type."""
    return payload_type.__required_keys__, payload_type.__optional_keys__
