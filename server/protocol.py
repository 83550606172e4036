"""Builds every live message the server pushes, and the views they carry.

The names and payload shapes are declared once, in the shared package `protocol`
(protocol/live.py), which the Python client, the kiosk, the board and the web pages read too;
this module is the one place that fills them from the hall's state. Client → server: `resync`.

Every REST reply under /api/v1 carries the same order in its ``X-Hall-Seq`` header: the seq of
the command's own last event, or, for a read, where the log stood before the read. A page
applies replies and live messages about the same thing by seq, and an older one never
overwrites a newer one.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from hall import events as e
from hall.alerts import RULES
from hall.config import HallConfig
from hall.estimate import WaitEstimate
from hall.numbering import spoken_number
from hall import identity, order, wording
from hall.queue import BAD_RATING_REASONS, BAD_RATINGS, COMMENT_MAX, HallState, issuing_refusal, wait_for
from hall.remote import held_for_others
from hall.wait import ticket_wait
from hall.tickets import CALLABLE_STATES, Ticket, TicketState, WindowState, WindowStatus
from protocol import live as wire
from protocol.live import (APPOINTMENT_CHANGED, HALL_SNAPSHOT, QUEUE_CHANGED, TICKET_CALLED,
                           TICKET_CHANGED, TICKET_ISSUED, TICKET_MESSAGES, WINDOW_CHANGED)

#: One built message: its name and its payload (one of the types in protocol.live).
Message = tuple[str, dict[str, Any]]
#: Clerk names by user id: (display name, staff number).
Clerks = dict[int, tuple[str, "str | None"]]
#: no remote ticket holds a place (a hall without remote walk-ins, or a test's own state)
NONE_HELD: Mapping[str, int] = MappingProxyType({})


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- views: the shapes every client sees ------------------------------------------------------

def ticket_view(ticket: Ticket, setup: HallConfig, state: HallState | None = None,
                wait: WaitEstimate | None = None) -> wire.Ticket:
    """A ticket as every client sees it; with `state`, a waiting ticket's place and estimate
    (`wait`: the estimate, when a page of them was worked out at once)."""
    item = setup.service(ticket.service)
    dept = setup.department(item.department)
    view: wire.Ticket = {
        "id": ticket.id, "number": ticket.number, "service": ticket.service,
        "service_name": item.name, "service_name_en": item.name_en,
        "department": dept.code, "department_name": dept.name, "department_name_en": dept.name_en,
        "priority": ticket.priority.value, "state": ticket.state.value,
        "business_date": iso(ticket.business_date), "issued_at": iso(ticket.issued_at),
        "window": ticket.window, "target_window": ticket.target_window, "recalls": ticket.recalls,
        "called_at": iso(ticket.called_at), "started_at": iso(ticket.started_at), "case_no": ticket.case_no, "rating": ticket.rating,
        "hold_until": iso(ticket.hold_until) if ticket.state is TicketState.HELD else None,
    }
    if state is not None and ticket.state in CALLABLE_STATES:
        view["waiting_ahead"] = order.people_ahead(state, ticket)
        view["estimated_wait"] = estimate_view(wait or ticket_wait(state, ticket))
    return view


#: the start of the count of microseconds in an order key
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def order_key_text(key: tuple) -> str:
    """A place in a window's call order (hall/order.py's call_order key) as text: four whole
    numbers joined by "-", which compare as the places do. The window queue's `next` cursor,
    and what a clerk page sorts its head of the queue by; it stays meaningful after the ticket
    was called."""
    klass, priority, rank_at, ticket_id = key
    return f"{klass}-{priority}-{(rank_at - EPOCH) // timedelta(microseconds=1)}-{ticket_id}"


def order_keys(state: HallState, ticket: Ticket) -> dict[str, str]:
    """A waiting ticket's place in the call order of every window that may call it."""
    return {str(n): order_key_text(order.call_order(state.setup, n)(ticket))
            for n in order.calling_windows(state.setup, ticket)}


def estimate_view(estimate) -> wire.Estimate:
    return estimate.as_dict() | {"text": estimate.zh(), "text_en": estimate.en()}


def window_view(window: WindowState, state: HallState, clerks: Clerks) -> wire.Window:
    spec = state.setup.window(window.number)
    current = state.current_ticket(window.number)
    clerk = clerks.get(window.clerk) if window.clerk is not None else None
    return {
        "number": spec.number, "name": spec.name, "name_en": spec.name_en, "kind": spec.kind,
        "zone": spec.zone, "status": window.status.value, "services": list(spec.services),
        "clerk": None if clerk is None else {"id": window.clerk, "name": clerk[0], "staff_no": clerk[1]},
        "pause_reason": window.pause_reason, "since": iso(window.since),
        "current": None if current is None else {
            "id": current.id, "number": current.number, "service": current.service,
            "state": current.state.value, "called_at": iso(current.called_at)},
        "nearest_open": nearest_open_window(state, window.number)
        if window.status is not WindowStatus.OPEN else None,
        "shown": wording.window_state(window.status.value, None if current is None else current.state.value),
    }


def nearest_open_window(state: HallState, number: int) -> int | None:
    """Where to send citizens from a paused or empty window: the closest open window
    serving the most of the same items."""
    mine = set(state.setup.window(number).services)
    best = None
    for spec in state.setup.windows:
        open_now = state.windows.get(spec.number, WindowState(spec.number)).status is WindowStatus.OPEN
        shared = len(mine & set(spec.services))
        if spec.number == number or not open_now or not shared:
            continue
        rank = (-shared, abs(spec.number - number))
        if best is None or rank < best[0]:
            best = (rank, spec.number)
    return None if best is None else best[1]


def service_view(code: str, state: HallState, now: datetime,
                 held: Mapping[str, int] = NONE_HELD) -> wire.Service:
    """One item as clients show it; `held`: per item, the places remote tickets not yet
    activated keep (HallService.held_for_remote), so `open` answers as a walk-in's ticket would."""
    item = state.setup.service(code)
    dept = state.setup.department(item.department)
    waiting = len(order.item_queue(state, code, state.today(now)))
    reserved = held_for_others(held, code)
    refusal = issuing_refusal(state, code, now, reserved)
    return {
        "code": code, "name": item.name, "name_en": item.name_en, "department": dept.code,
        "department_name": dept.name, "department_name_en": dept.name_en, "prefix": item.prefix,
        "waiting": waiting, "estimated_wait": estimate_view(wait_for(state, code, waiting, now)),
        "open": refusal is None,
        "closed_reason": None if refusal is None else refusal.code,
        "closed_message": None if refusal is None else refusal.message,
        "held_for_remote": reserved if item.daily_cap is not None else 0,
        "windows": list(state.setup.windows_serving(code)),
        "identity": item.identity.value,
        "identity_name": item.identity_name,
    }


def announcement(setup: HallConfig, ticket_number: str, window: int, service: str,
                 recall: bool) -> dict[str, str]:
    """The sentence the board shows and says: as text, in English, and as spoken (digits one by one)."""
    spec = setup.window(window)
    words = setup.announcement
    fields = {"window": window, "window_name": spec.name, "service": setup.service(service).name}
    text = words.call.format(number=ticket_number, **fields)
    spoken = words.call.format(number=spoken_number(ticket_number), **fields)
    text_en = words.call_en.format(number=ticket_number, **fields | {"window_name": spec.name_en})
    if recall:
        text, spoken = f"{words.recall_prefix} {text}", f"{words.recall_prefix} {spoken}"
        text_en = f"{words.recall_prefix_en}: {text_en}"
    return {"text": text, "text_en": text_en, "spoken": spoken}


def hall_snapshot(state: HallState, seq: int, now: datetime, clerks: Clerks,
                  recent: Iterable[wire.RecentCall], held: Mapping[str, int] = NONE_HELD) -> wire.HallSnapshot:
    info = state.setup.hall
    return {
        "seq": seq, "at": iso(now),
        "hall": {"code": info.code, "name": info.name, "name_en": info.name_en,
                 "timezone": info.timezone, "business_date": iso(state.today(now)),
                 "notice": info.notice, "notice_en": info.notice_en,
                 "declarable_categories": list(identity.declarable(state.setup.identity))},
        "policy": policy_view(state.setup),
        "services": [service_view(item.code, state, now, held) for item in state.setup.services],
        "windows": [window_view(state.windows.get(spec.number, WindowState(spec.number)), state, clerks)
                    for spec in state.setup.windows],
        "recent_calls": list(recent),
    }


def policy_view(setup: HallConfig) -> wire.Policy:
    """The rules a window page needs: how long the rating prompt waits, recall and hold limits."""
    policy = setup.policy
    return {"rating_timeout_seconds": policy.rating_timeout_seconds, "max_recalls": policy.max_recalls,
            "hold_minutes": policy.hold_minutes}


def rating_reasons() -> dict[str, Any]:
    """What a rating page offers after 不满意 / 非常不满意: the reason codes with their words, in the
    core's order, and how long a comment may be (hall/queue.py checks both again)."""
    return {"bad_ratings": list(BAD_RATINGS), "comment_max": COMMENT_MAX,
            "reasons": [{"code": code, "name": zh, "name_en": en} for code, (zh, en) in BAD_RATING_REASONS.items()]}


def recent_call_view(row, setup: HallConfig) -> wire.RecentCall:
    return {"seq": row["seq"], "at": row["at"], "ticket_id": row["ticket_id"], "number": row["number"],
            "service": row["service"], "window": row["window"],
            "recall": row["kind"] == e.TicketRecalled.KIND}


# --- events → messages ------------------------------------------------------------------------

QUEUE_EVENTS = (e.TicketIssued, e.TicketCalled, e.TicketTransferred, e.TicketCancelled,
                e.TicketResumed, e.TicketReturnedLate, e.TicketExpired, e.TicketHeld)
#: ticket events after which the window's current number on the board changes
WINDOW_TICKET_EVENTS = (e.TicketCalled, e.ServiceStarted, e.ServiceFinished, e.TicketMissed,
                        e.TicketHeld, e.TicketTransferred, e.TicketExpired, e.TicketCancelled)


def messages_for(batch: list[tuple[int, e.Event]], state: HallState,
                 clerks: Clerks, held: Mapping[str, int] = NONE_HELD) -> list[Message]:
    """The messages that tell live clients about one committed batch of events, in order;
    `held` as for `service_view`."""
    out: list[Message] = []
    touched_services: set[str] = set()
    for seq, event in batch:
        out += _event_messages(seq, event, state, clerks)
        touched_services |= _services_touched(event, state)
    if touched_services and batch:
        seq, event = batch[-1]
        out.append((QUEUE_CHANGED, {
            "seq": seq, "at": iso(event.at),
            "services": [service_view(code, state, event.at, held) for code in sorted(touched_services)
                         if _known_service(state, code)],
            "windows": _windows_waiting(batch, state, touched_services, event.at)}))
    return out


def _windows_waiting(batch: list[tuple[int, e.Event]], state: HallState, services: set[str],
                     now: datetime) -> list[wire.WindowWaiting]:
    """How many wait for each window the batch may have changed: those serving its items and
    those its tickets were sent to."""
    numbers = {n for code in services if _known_service(state, code) for n in state.setup.windows_serving(code)}
    for _, event in batch:
        ticket = state.tickets.get(getattr(event, "ticket_id", None))
        if ticket is not None and ticket.target_window is not None and _has_window(state, ticket.target_window):
            numbers.add(ticket.target_window)
    day = state.today(now)
    return [{"number": n, "waiting": len(order.window_queue(state, n, day))} for n in sorted(numbers)]


def _known_service(state: HallState, code: str) -> bool:
    return any(item.code == code for item in state.setup.services)


def _services_touched(event: e.Event, state: HallState) -> set[str]:
    if isinstance(event, e.WindowEvent):
        # an opened or closed window changes the estimate of every item it serves
        return set(state.setup.window(event.window).services) if _has_window(state, event.window) else set()
    if isinstance(event, QUEUE_EVENTS):
        codes = {state.tickets[event.ticket_id].service} if event.ticket_id in state.tickets else set()
        if isinstance(event, e.TicketTransferred):
            codes.add(event.from_service)
        return codes
    return set()


def _has_window(state: HallState, number: int) -> bool:
    return any(spec.number == number for spec in state.setup.windows)


def _event_messages(seq: int, event: e.Event, state: HallState,
                    clerks: Clerks) -> list[Message]:
    base = {"seq": seq, "at": iso(event.at)}
    if isinstance(event, e.WindowEvent):
        if not _has_window(state, event.window):
            return []
        window = state.windows.get(event.window, WindowState(event.window))
        return [(WINDOW_CHANGED, base | {"window": window_view(window, state, clerks)})]
    ticket = state.tickets.get(event.ticket_id)
    if ticket is None:
        return []
    view = ticket_view(ticket, state.setup, state)
    if ticket.state in CALLABLE_STATES:
        # where it now stands at each window that may call it: a clerk page moves it in its
        # head of the queue without asking for the queue again
        view["order_keys"] = order_keys(state, ticket)
    if isinstance(event, e.TicketIssued):
        messages = [(TICKET_ISSUED, base | {"ticket": view})]
    elif isinstance(event, (e.TicketCalled, e.TicketRecalled)):
        recall = isinstance(event, e.TicketRecalled)
        spec = state.setup.window(event.window)
        messages = [(TICKET_CALLED, base | {
            "ticket": view, "window": event.window, "window_name": spec.name,
            "window_name_en": spec.name_en, "recall": recall,
            "recalls": event.recalls if recall else 0,
            **announcement(state.setup, ticket.number, event.window, ticket.service, recall)})]
    else:
        messages = [(TICKET_CHANGED, base | {
            "ticket": view, "change": event.kind(),
            "from": event.from_state.value if event.from_state else None,
            "to": event.to_state.value})]
    if isinstance(event, WINDOW_TICKET_EVENTS) and event.window and _has_window(state, event.window):
        window = state.windows.get(event.window, WindowState(event.window))
        messages.append((WINDOW_CHANGED, base | {"window": window_view(window, state, clerks)}))
    return messages


# --- supervision ------------------------------------------------------------------------------

def alert_view(row) -> wire.Alert:
    """An alert as dashboards see it; `level` is its worst so far, `cleared_at` null while open."""
    names = RULES.get(row["rule"], (row["rule"], row["rule"]))
    return {
        "id": row["id"], "key": row["key"], "rule": row["rule"], "rule_name": names[0],
        "rule_name_en": names[1], "level": row["level"], "subject": row["subject"],
        "message": row["message"], "message_en": row["message_en"], "window": row["window"],
        "service": row["service"], "business_date": row["business_date"], "raised_at": row["raised_at"],
        "escalated_at": row["escalated_at"], "acknowledged_at": row["acknowledged_at"],
        "acknowledged_by": row["acknowledged_by"], "cleared_at": row["cleared_at"],
        "details": json.loads(row["details"] or "{}"),
    }


def alert_message(name: str, seq: int, now: datetime, row) -> Message:
    """`alert_raised` (raised, escalated or acknowledged: the alert's latest state) or
    `alert_cleared`. Alerts are not events of the queue's log, so they carry the log's
    current `seq` unchanged: a client's gap detection never mistakes one for a missed event."""
    message: wire.AlertMessage = {"seq": seq, "at": iso(now), "alert": alert_view(row)}
    return name, message


def appointment_message(change: str, booking: dict[str, Any]) -> Message:
    """A booking changed; only the fields `appointment_changed` declares go out (no code,
    mobile or name)."""
    shown = wire.AppointmentChanged.__optional_keys__
    message: wire.AppointmentChanged = {"change": change}
    message.update({k: v for k, v in booking.items() if k in shown})   # type: ignore[typeddict-item]
    return APPOINTMENT_CHANGED, message


def device_status(row) -> dict[str, Any]:
    """What a device last reported of itself (a kiosk: its printer), {} if nothing yet."""
    try:
        status = json.loads(row["status"] or "{}")
    except ValueError:
        return {}
    return status if isinstance(status, dict) else {}


# --- what a citizen's phone hears ----------------------------------------------------------------

def for_phone(name: str, payload: dict[str, Any], ticket_id: int, service: str) -> dict[str, Any] | None:
    """The part of a message a ticket's tracking token may hear: its own ticket, and the waiting
    figures of its own item. Nothing of other citizens, of staff, of windows or of alerts: the
    token is printed on a paper slip anyone may pick up. None: the phone hears nothing of it."""
    if name in TICKET_MESSAGES:
        return payload if payload["ticket"]["id"] == ticket_id else None
    if name == QUEUE_CHANGED:
        mine = [s for s in payload["services"] if s["code"] == service]
        return {k: v for k, v in payload.items() if k != "windows"} | {"services": mine} if mine else None
    if name == HALL_SNAPSHOT:
        return {"seq": payload["seq"], "at": payload["at"], "hall": payload["hall"],
                "policy": payload["policy"], "windows": [], "ticket_id": ticket_id,
                "services": [s for s in payload["services"] if s["code"] == service],
                "recent_calls": [c for c in payload["recent_calls"] if c["ticket_id"] == ticket_id]}
    return None


def phone_parts(name: str, payload: dict[str, Any]) -> list[tuple[tuple[str, Any], dict[str, Any]]]:
    """The parts of a message for the phones, by audience: ("ticket", id) for the phones
    following that ticket, ("item", code) for those whose ticket waits for that item. Each
    part is what `for_phone` gives such a phone."""
    if name in TICKET_MESSAGES:
        return [(("ticket", payload["ticket"]["id"]), payload)]
    if name == QUEUE_CHANGED:
        return [(("item", s["code"]), payload | {"services": [s]}) for s in payload["services"]]
    return []


# --- what a zone's board and a window's screen hear ------------------------------------------------

#: (ZONE, "1F"): the boards showing zone 1F; (WINDOW, 3): window 3's screen
Audience = tuple[str, Any]


def room_parts(name: str, payload: dict[str, Any], setup: HallConfig,
               heard: Callable[[Audience], Any] = lambda audience: True) -> list[tuple[Audience, dict[str, Any]]]:
    """The parts of a sequenced message for the zone rooms and the window rooms, by audience:
    a call and a window's change go to the window's zone, to the boards of every zone
    (wire.EVERY_ZONE) and to the window; a ticket's change
    to the screen of the window it is at; the waiting figures to each zone and window whose
    windows serve the items, narrowed to those items and windows. Nothing else: a board of one
    zone has no use for tickets being issued, a window screen none for other windows.
    `heard(audience)`: whether anyone is in that audience's room; a part nobody would hear is
    not built (most commits send `queue_changed`, and a hall has dozens of windows)."""
    if name == TICKET_CALLED:
        parts = _window_audiences(payload["window"], payload, setup)
    elif name == WINDOW_CHANGED:
        parts = _window_audiences(payload["window"]["number"], payload, setup)
    elif name == TICKET_CHANGED:
        window = payload["ticket"]["window"]
        parts = [((wire.WINDOW, window), payload)] if window is not None and _has_window_in(setup, window) else []
    elif name == QUEUE_CHANGED:
        return _queue_parts(payload, setup, heard)
    else:
        return []
    return [(audience, part) for audience, part in parts if heard(audience)]


def _window_audiences(number: int, payload: dict[str, Any], setup: HallConfig) -> list[tuple[Audience, dict]]:
    if not _has_window_in(setup, number):
        return []
    zone = setup.window(number).zone
    parts = [((wire.ZONE, zone), payload)] if zone else []
    return parts + [((wire.ZONE, wire.EVERY_ZONE), payload), ((wire.WINDOW, number), payload)]


def _queue_parts(payload: dict[str, Any], setup: HallConfig,
                 heard: Callable[[Audience], Any]) -> list[tuple[Audience, dict[str, Any]]]:
    """`queue_changed` for each zone and window it concerns: the items their windows serve,
    the waiting counts of their own windows."""
    parts = [((wire.ZONE, wire.EVERY_ZONE), payload)] if heard((wire.ZONE, wire.EVERY_ZONE)) else []
    for audience, numbers, served in _narrow_audiences(setup):   # every window's board: all of it
        if not heard(audience):
            continue
        services = [s for s in payload["services"] if s["code"] in served]
        windows = [w for w in payload.get("windows", []) if w["number"] in numbers]
        if services or windows:
            parts.append((audience, payload | {"services": services, "windows": windows}))
    return parts


def _narrow_audiences(setup: HallConfig) -> list[tuple[Audience, frozenset[int], frozenset[str]]]:
    """Each zone and each window with its windows and the items they serve. Worked out once per
    setup and kept with it, as HallConfig keeps its own lookups: nearly every commit sends a
    `queue_changed`, and working this out each time cost milliseconds of the event loop."""
    found = setup.__dict__.get("_narrow_audiences")
    if found is None:
        groups: dict[Audience, set[int]] = {}
        for spec in setup.windows:
            if spec.zone:
                groups.setdefault((wire.ZONE, spec.zone), set()).add(spec.number)
            groups[(wire.WINDOW, spec.number)] = {spec.number}
        found = [(audience, frozenset(numbers),
                  frozenset(code for n in numbers for code in setup.window(n).services))
                 for audience, numbers in groups.items()]
        setup.__dict__["_narrow_audiences"] = found
    return found


def _has_window_in(setup: HallConfig, number: int) -> bool:
    return any(spec.number == number for spec in setup.windows)


def every_audience(setup: HallConfig) -> list[Audience]:
    """Every zone and window room of the hall's setup: the boards of every zone, of each zone,
    and each window's screen."""
    return [(wire.ZONE, wire.EVERY_ZONE), *(audience for audience, _, _ in _narrow_audiences(setup))]


#: What goes to the rooms after one message: (name, payload, the audiences it goes to), each
#: payload sent once to all of its audiences
RoomSends = list[tuple[str, dict[str, Any], list[Audience]]]


def room_sends(messages: list[Message], setup: HallConfig, audiences: Iterable[Audience]) -> list[RoomSends]:
    """What the zone and window rooms among `audiences` hear of a batch, after each of its
    messages in turn: that message's parts (room_parts), one send per distinct part; and after
    the last message of a seq, one `seq_skipped` to every audience that heard none of that
    seq's messages. So every room hears every seq of its hall, whichever process sends it, and
    a missing seq is a gap for a room as for everyone else."""
    audiences = list(dict.fromkeys(audiences))
    wanted, heard = set(audiences), set()
    out: list[RoomSends] = []
    for at, (name, payload) in enumerate(messages):
        sends: dict[int, tuple[str, dict[str, Any], list[Audience]]] = {}
        for audience, part in room_parts(name, payload, setup, wanted.__contains__):
            sends.setdefault(id(part), (name, part, []))[2].append(audience)
            heard.add(audience)
        out.append(list(sends.values()))
        if at + 1 == len(messages) or messages[at + 1][1]["seq"] != payload["seq"]:
            skipped = [audience for audience in audiences if audience not in heard]
            if skipped:
                out[-1].append(seq_skipped(payload["seq"]) + (skipped,))
            heard = set()
    return out


def seq_skipped(seq: int, first: int | None = None) -> Message:
    """A skip of step `seq`, or of every step from `first` to `seq`."""
    skipped: wire.SeqSkipped = {"seq": seq} if first is None or first == seq else {"from": first, "seq": seq}
    return wire.SEQ_SKIPPED, dict(skipped)


def audience_steps(messages: list[Message], setup: HallConfig,
                   audiences: Iterable[Audience]) -> dict[Audience, list[Message]]:
    """Each audience's part of a batch, in order, one `seq_skipped` for each step it has no part
    in: what room_sends sends, by audience."""
    out: dict[Audience, list[Message]] = {audience: [] for audience in audiences}
    for sends in room_sends(messages, setup, out):
        for name, part, audiences_told in sends:
            for audience in audiences_told:
                out[audience].append((name, part))
    return out


def for_audience(messages: list[Message], audience: Audience, setup: HallConfig) -> list[Message]:
    """One audience's part of a batch, as its room hears it live, a run of skipped steps as one
    `seq_skipped` (a resync replays a zone's or a window's part only)."""
    return SkipRuns().fold(audience, audience_steps(messages, setup, [audience])[audience], 0.0, keep=False)


class SkipRuns:
    """A lone server process's runs of skipped steps, by audience: a window's screen that heard
    one `seq_skipped` per step of the hall heard dozens a second at a busy hall's peak, to say
    only that the log moved on. A run is told as one `seq_skipped {from, seq}`, in front of the
    audience's next message of its own, or on its own once it is `OLDEST` seconds old (the
    room's place in the log lags by no more). Across processes every step is told as it comes
    (Live.shared): another process may send the room's next step before this one's run.
    Plain data; the caller serialises the calls and passes the time."""

    OLDEST = 1.0

    def __init__(self):
        self._runs: dict[Audience, tuple[int, int, float]] = {}   # audience → (from, to, begun)

    def fold(self, audience: Audience, steps: list[Message], now: float, keep: bool = True) -> list[Message]:
        """The audience's steps of one batch as it is to hear them now: each run of skips one
        `seq_skipped`, its run from before in front of its first; a run that ends the batch is
        kept for the next batch (`keep`) unless it is old enough to be told."""
        out: list[Message] = []
        run = self._runs.pop(audience, None)
        for name, part in steps:
            if name != wire.SEQ_SKIPPED:
                if run is not None:
                    out.append(seq_skipped(run[1], run[0]))
                    run = None
                out.append((name, part))
            elif run is None:
                run = (part.get("from", part["seq"]), part["seq"], now)
            else:
                run = (run[0], part["seq"], run[2])
        if run is not None and keep and now - run[2] < self.OLDEST:
            self._runs[audience] = run
        elif run is not None:
            out.append(seq_skipped(run[1], run[0]))
        return out

    def due(self, now: float) -> dict[tuple[int, int], list[Audience]]:
        """The runs `OLDEST` seconds old, taken: by run, the audiences to tell it to (one send
        each)."""
        out: dict[tuple[int, int], list[Audience]] = {}
        for audience, (first, last, begun) in list(self._runs.items()):
            if now - begun >= self.OLDEST:
                del self._runs[audience]
                out.setdefault((first, last), []).append(audience)
        return out

    def keep_only(self, audiences: Iterable[Audience]) -> None:
        """Forget the runs of audiences nobody here hears any more."""
        wanted = set(audiences)
        for audience in [a for a in self._runs if a not in wanted]:
            del self._runs[audience]


def bundle_message(messages: list[Message]) -> Message:
    """A connection's messages of one commit as one frame (protocol.live's BUNDLE); a lone
    message stays itself."""
    if len(messages) == 1:
        return messages[0]
    bundle: wire.Bundle = {"messages": [[name, payload] for name, payload in messages]}
    return wire.BUNDLE, dict(bundle)


# --- encoding once -----------------------------------------------------------------------------------

class Encoded:
    """A payload as JSON text, encoded once however many connections it goes to: the shared
    snapshot, sent to every board that connects, costs one encoding per build, not one per
    board. Socket.IO encodes its packets with `SocketJSON`, which puts this text in as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    @classmethod
    def of(cls, payload: dict[str, Any]) -> "Encoded":
        return cls(json.dumps(payload, separators=(",", ":")))

    def with_fields(self, **fields: Any) -> "Encoded":
        """The same object with more fields (a room's `room`), without encoding the rest
        again."""
        if not fields:
            return self
        return Encoded(self.text[:-1] + "," + json.dumps(fields, separators=(",", ":"))[1:])

    def __reduce__(self):   # a message queue pickles what it passes to the other processes
        return Encoded, (self.text,)


def _bounded_int(text: str) -> int:
    """As Socket.IO's own decoder: a client's 10,000-digit number is refused, not parsed."""
    if len(text) > 100:
        raise ValueError("integer too large")
    return int(text)


class SocketJSON:
    """The JSON module Socket.IO encodes and decodes packets with (Flask-SocketIO's documented
    `json` option): the standard one, except that an `Encoded` argument goes in as its text."""

    @staticmethod
    def dumps(data: Any, **options: Any) -> str:
        if isinstance(data, list) and any(isinstance(item, Encoded) for item in data):
            return "[" + ",".join(item.text if isinstance(item, Encoded) else json.dumps(item, **options)
                                  for item in data) + "]"
        return json.dumps(data, **options)

    @staticmethod
    def loads(text: str | bytes, **options: Any) -> Any:
        options.setdefault("parse_int", _bounded_int)
        return json.loads(text, **options)
