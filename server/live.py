"""Live updates over Socket.IO: authenticated connections, the publisher, resync.

`Live` is handed the application's `SocketIO` (bound with `init_app` in app.py); the service
layer and supervision get its `publish` and `emit_to_hall`, never the Socket.IO object itself.

A handler's database connection is given back when the handler returns (the application's
teardown, app.py), so a board's websocket, which lives as long as the board stays connected,
holds none while it waits.

Who hears what is decided by Socket.IO rooms, so a broadcast costs one emit per room and
never a walk over the connections: staff and devices join the hall's room (supervisors and
admins its supervisors' room too); a board that shows one zone joins that zone's room and a
window screen its window's room, and each hears its room's part of the messages and, for
a step of the log none of whose messages concern it, one `seq_skipped` (alone, one for a run
of such steps, protocol.SkipRuns): it follows the hall's `seq` as every client does, whichever
process sent what; a phone following a ticket joins that ticket's room and its item's room, and
hears only its own part of each message (docs/protocol.md). Every room name starts with the
hall's, so halls sharing a process or a message queue never hear each other. A connection that
asked for bundles is in the `:bundle` twin of its room and hears a commit's messages there as
one frame (protocol.bundle_message); what is never bundled goes to both twins.

A message is encoded once per emit, whatever the room's size (Socket.IO does so for a room);
the snapshot a connecting client gets is encoded once per build and shared (protocol.Encoded).
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from flask import g, has_app_context, request
from flask_socketio import ConnectionRefusedError as SocketIOConnectionRefused
from flask_socketio import SocketIO, disconnect, join_room

from hall.events import event_from_record
from protocol import live as wire

from . import db, protocol, repository as repo
from .inbound import INT64
from .permissions import ALERT_LISTENERS, LISTENERS, TICKET, identify_in_hall, principal_kind

if TYPE_CHECKING:
    from .services import HallService

log = logging.getLogger(__name__)

#: A client further behind than this gets a fresh snapshot instead of the missed events.
RESYNC_LIMIT = 500
#: a server process that has not beaten for this long counts as gone, and its devices as
#: no longer connected (its clockwork beats every tick, every few seconds)
PROCESS_TIMEOUT = timedelta(seconds=30)
#: a gone process's rows are removed after this long
FORGET_PROCESS_AFTER = timedelta(minutes=10)


@functools.cache
def this_process() -> str:
    """This server process among the deployment's: its machine, its pid, and a random part (a
    pid comes back after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def wall_clock() -> datetime:
    """A process's liveness is told by the real time, never by a hall's (test) clock."""
    return datetime.now(timezone.utc)


def hall_room(hall_id: int) -> str:
    return f"hall:{hall_id}"


class SharedSnapshot:
    """One hall snapshot per (seq, setup, day, clerks), built once and shared: a thousand
    boards reconnecting after a restart cost one build, not a thousand. Whoever asks while it
    is being built waits for that build instead of starting another. A kept snapshot also
    ages out after MAX_AGE seconds, since its waiting estimates follow the clock."""

    MAX_AGE = 2.0

    def __init__(self, key: Callable[[], tuple], build: Callable[[], dict[str, Any]],
                 between: Callable[[], None] = lambda: None):
        self._key, self._build = key, build
        self._between = between   # after reading the key, before waiting for a build
        self._kept: tuple[tuple, float, dict[str, Any], protocol.Encoded] | None = None
        self._building = threading.Lock()

    def get(self) -> dict[str, Any]:
        return self._get()[2]

    def encoded(self) -> protocol.Encoded:
        """The same snapshot as JSON text, encoded once per build."""
        return self._get()[3]

    def _get(self) -> tuple[tuple, float, dict[str, Any], protocol.Encoded]:
        key = self._key()
        found = self._fresh(key)
        if found is not None:
            return found
        self._between()
        with self._building:
            found = self._fresh(key)   # built by the one we waited for
            return found if found is not None else self._make()

    def rebuild(self) -> dict[str, Any]:
        """Build now (a setup change every client must see) and keep it for the others."""
        return self._make()[2]

    def _make(self) -> tuple[tuple, float, dict[str, Any], protocol.Encoded]:
        key = self._key()
        payload = self._build()
        self._kept = kept = (key, time.monotonic(), payload, protocol.Encoded.of(payload))
        return kept

    def _fresh(self, key: tuple) -> tuple | None:
        kept = self._kept
        if kept is None or kept[0] != key or time.monotonic() - kept[1] > self.MAX_AGE:
            return None
        return kept


@dataclass
class Phone:
    """What a connected tracking token follows: its ticket, that ticket's item now, its day."""
    ticket_id: int
    service: str
    day: date


class Live:
    """Connected clients and what they are told."""

    def __init__(self, socketio: SocketIO, service: "HallService",
                 after_publish: Callable[[list], None] = lambda batch: None,
                 session_clock: Callable[[], datetime] | None = None, shared: bool = False):
        self.socketio = socketio
        self.service = service
        # a message queue joins this process's rooms to the other processes' (message_queue.py):
        # a room's members may be anywhere, so no room is left out for having none here
        self.shared = shared
        self.session_clock = session_clock   # staff sessions age by it (None: the hall's clock)
        self.after_publish = after_publish   # supervision looks at the hall once a batch went out
        self.clients: dict[str, Any] = {}   # sid → Identity
        self.phones: dict[str, Phone] = {}  # sid → the ticket a tracking token follows
        self.active: dict[int, datetime] = {}   # device id → its last request
        self.following: dict[int, set[str]] = {}   # ticket id → the phones following it
        self.item_phones: dict[str, int] = {}   # item → the phones in its item room
        self.lock = threading.Lock()
        self.narrowed: dict[str, protocol.Audience] = {}   # sid → the zone or window it shows
        self.devices_here: dict[int, int] = {}   # device id → its live connections to this process
        self.listening: dict[str, int] = {}   # the hall's room or a zone's or window's, plain or
        self.joined: dict[str, str] = {}      # bundled → its connections here; sid → the one it is in
        # alone, a run of steps a room has no part in is told as one skip (protocol.SkipRuns);
        # `sending` keeps a run's skip and the room's next step in order between the
        # publisher and the clockwork's tick that tells old runs
        self.skip_runs = protocol.SkipRuns()
        self.monotonic = time.monotonic   # the runs' ages
        self.sending = threading.Lock()
        self.shared_snapshot = SharedSnapshot(self.snapshot_key, self.build_snapshot, self.give_back)

    @property
    def room(self) -> str:
        return hall_room(self.service.hall_id)

    @property
    def supervisors_room(self) -> str:
        return f"{self.room}:supervisors"

    def ticket_room(self, ticket_id: int) -> str:
        """The phones following one ticket."""
        return f"{self.room}:ticket:{ticket_id}"

    def item_room(self, service: str) -> str:
        """The phones whose ticket waits for one item: they hear that item's waiting figures."""
        return f"{self.room}:item:{service}"

    def audience_room(self, audience: protocol.Audience) -> str:
        """The boards showing one zone (hall:1:zone:1F), or one window's screen (hall:1:window:3)."""
        kind, key = audience
        return f"{self.room}:{kind}:{key}"

    @staticmethod
    def bundle_room(room: str) -> str:
        """The same listeners of a room who hear a commit's messages as one bundle (a zone's
        name holds no colon, so no room of the hall is named so)."""
        return f"{room}:{wire.BUNDLE}"

    def both(self, room: str) -> list[str]:
        """A room and its bundled listeners' room: a message that is never bundled reaches both."""
        return [room, self.bundle_room(room)]

    def heard(self, rooms: list[str]) -> list[str]:
        """The rooms worth encoding a message for: with a message queue every one (their
        listeners may be anywhere); alone, those with someone in them here."""
        if self.shared:
            return rooms
        with self.lock:
            return [room for room in rooms if self.listening.get(room)]

    def emit_to(self, message: protocol.Message, rooms: list[str]) -> None:
        """One message to the rooms among `rooms` that anyone hears (Socket.IO encodes a
        message before it looks for listeners)."""
        rooms = self.heard(rooms)
        if rooms:
            self.socketio.emit(*message, to=rooms)
            # on the event loop, the writers this send woke go before the next send's: a
            # request's turn waits behind one room's frames, not a whole commit's (a no-op
            # on threads)
            self.socketio.sleep(0)

    def listen(self, sid: str, room: str) -> None:
        """A connection joins the room it hears the hall, its zone or its window in."""
        join_room(room)
        with self.lock:
            self.joined[sid] = room
            self.listening[room] = self.listening.get(room, 0) + 1

    # --- publishing ---------------------------------------------------------------------------

    def emit_to_hall(self, name: str, payload: dict[str, Any]) -> None:
        """One message to every client of this hall that may hear it (wire.SUPERVISORS_ONLY)."""
        rooms = [self.supervisors_room] if name in wire.SUPERVISORS_ONLY else self.both(self.room)
        self.socketio.emit(name, payload, to=rooms)

    def publish(self, hall_id: int, batch: list) -> None:
        """The service layer's publisher: called after each commit."""
        service = self.service
        conn = service.database.connection()
        # the batch's own tickets too: a finished or no-show ticket has left the open ones,
        # and its message (service_finished starts the rating) must still go out
        ids = tuple({ev.ticket_id for _, ev in batch if getattr(ev, "ticket_id", None)})
        state = service.snapshot_with(ids)
        clerks = repo.clerk_names(conn, hall_id)
        held = service.held_for_remote(conn, batch[-1][1].at) if batch else protocol.NONE_HELD
        messages = protocol.messages_for(batch, state, clerks, held)
        with self.sending:
            steps = protocol.audience_steps(messages, state.setup, self.audiences(state.setup))
            if not self.shared:
                now = self.monotonic()
                steps = {audience: self.skip_runs.fold(audience, part, now) for audience, part in steps.items()}
                self.skip_runs.keep_only(steps)
            # the zones' boards and the windows' screens first: a board shows a call soonest
            self.tell_rooms(steps)
            self.tell_hall(messages)
        self.tell_phones(messages)
        self.after_publish(batch)
        # on the event loop, the requests and the writers this batch woke go before the next
        # batch is published: a burst of commits never holds the kiosks' and clerks' replies
        # behind all of its broadcasts at once (a no-op on threads)
        self.socketio.sleep(0)

    def audiences(self, setup) -> list[protocol.Audience]:
        """The zones and windows whose rooms are told: every one of the setup when a message
        queue shares them with other processes; alone, those with someone here (a room nobody
        is in is not worth encoding a message for)."""
        every = protocol.every_audience(setup)
        if self.shared:
            return every
        with self.lock:
            return [audience for audience in every
                    if any(self.listening.get(room) for room in self.both(self.audience_room(audience)))]

    def tell_hall(self, messages: list[protocol.Message]) -> None:
        """The hall's room hears a commit's messages: one by one, or as one bundle."""
        if messages:
            self.emit_to(protocol.bundle_message(messages), [self.bundle_room(self.room)])
        for message in messages:
            self.emit_to(message, [self.room])

    def tell_rooms(self, steps: dict[protocol.Audience, list[protocol.Message]]) -> None:
        """The zones' boards and the windows' screens hear their part of a commit (or that the
        log moved on): rooms that hear the same messages are told at once, one emit for all of
        them per message, or one bundle."""
        together: dict[tuple, tuple[list[protocol.Message], list[protocol.Audience]]] = {}
        for audience, part in steps.items():
            if part:
                together.setdefault(tuple(map(same_message, part)), (part, []))[1].append(audience)
        for part, audiences in together.values():
            rooms = [self.audience_room(audience) for audience in audiences]
            self.emit_to(protocol.bundle_message(part), [self.bundle_room(r) for r in rooms])
            for message in part:
                self.emit_to(message, rooms)

    def tell_old_skips(self) -> None:
        """Alone: the runs of skipped steps a second old go out, so a quiet room's place in the
        log never lags for long. On the clockwork's tick."""
        with self.sending:
            for (first, last), audiences in self.skip_runs.due(self.monotonic()).items():
                rooms = [room for audience in audiences for room in self.both(self.audience_room(audience))]
                self.emit_to(protocol.seq_skipped(last, first), rooms)

    def tell_phones(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """The phones hear their part of the messages (protocol.phone_parts): a ticket's
        message in its ticket's room, an item's waiting figures in its item's room."""
        for name, payload in messages:
            if name in wire.TICKET_MESSAGES:
                self.follow_transfer(payload["ticket"]["id"], payload["ticket"]["service"])
            for (kind, key), part in protocol.phone_parts(name, payload):
                # a room nobody is in is not worth encoding a message for; asked of the
                # counts kept as phones come and go, never of a walk over thousands of phones
                if self.following.get(key) if kind == "ticket" else self.item_phones.get(key):
                    room = self.ticket_room(key) if kind == "ticket" else self.item_room(key)
                    self.socketio.emit(name, part, to=room)

    def follow_transfer(self, ticket_id: int, service: str) -> None:
        """A transfer moves a ticket to another item: its phones change item rooms before
        that item's next waiting figures go out."""
        with self.lock:
            moved = [(sid, self.phones[sid]) for sid in self.following.get(ticket_id, ())
                     if sid in self.phones and self.phones[sid].service != service]
            for sid, phone in moved:
                self.socketio.server.leave_room(sid, self.item_room(phone.service), namespace="/")
                self.socketio.server.enter_room(sid, self.item_room(service), namespace="/")
                self.count_item_phone(phone.service, -1)
                self.count_item_phone(service, +1)
                phone.service = service

    def count_item_phone(self, service: str, change: int) -> None:
        """One phone more or fewer in an item's room (under `lock`)."""
        count = self.item_phones.get(service, 0) + change
        if count > 0:
            self.item_phones[service] = count
        else:
            self.item_phones.pop(service, None)

    def tell_phone(self, messages: list[tuple[str, dict[str, Any]]], sid: str) -> None:
        """One phone hears its part of the messages (a resync, its snapshot)."""
        phone = self.phones.get(sid)
        if phone is None:
            return
        for name, payload in messages:
            if name in wire.TICKET_MESSAGES and payload["ticket"]["id"] == phone.ticket_id:
                self.follow_transfer(phone.ticket_id, payload["ticket"]["service"])
            part = protocol.for_phone(name, payload, phone.ticket_id, phone.service)
            if part is not None:
                self.emit_here(name, part, sid)

    def broadcast_appointment(self, change: str, booking: dict[str, Any]) -> None:
        """A booking changed (no personal data in `booking`); dashboards update their figures."""
        self.emit_to_hall(*protocol.appointment_message(change, booking))

    def broadcast_snapshot(self) -> None:
        """After a setup change: every client redraws from the hall as it is now."""
        self.shared_snapshot.rebuild()
        encoded = self.shared_snapshot.encoded()
        self.emit_to_hall(wire.HALL_SNAPSHOT, encoded)
        for audience in self.audiences(self.service.setup()):
            room = self.audience_room(audience)
            self.socketio.emit(wire.HALL_SNAPSHOT, encoded.with_fields(room=room), to=self.both(room))

    def snapshot_payload(self) -> dict[str, Any]:
        """The hall snapshot, shared by everyone who asks for the same hall (SharedSnapshot)."""
        return self.shared_snapshot.get()

    def snapshot_key(self) -> tuple:
        """What a snapshot depends on besides the clock: the log, the setup, the day, the
        clerks' names, the places remote tickets hold (taken or lapsed outside the log)."""
        service = self.service
        conn = service.database.connection()
        with db.read(conn):
            seq, version = repo.log_and_setup_versions(conn, service.hall_id)
            clerks = repo.clerk_names(conn, service.hall_id)
            held = service.held_for_remote(conn, service.clock())
        return (seq, version, service.today(), repr(sorted(clerks.items())), repr(sorted(held.items())))

    def build_snapshot(self) -> dict[str, Any]:
        service = self.service
        conn = service.database.connection()
        with db.read(conn):
            state = service.state_read(conn)
            seq = repo.last_seq(conn, service.hall_id)
            clerks = repo.clerk_names(conn, service.hall_id)
            recent = repo.recent_calls(conn, service.hall_id, state.today(service.clock()),
                                       wire.RECENT_CALLS)
            held = service.held_for_remote(conn, service.clock())
        return protocol.hall_snapshot(state, seq, service.clock(), clerks,
                                      [protocol.recent_call_view(r, state.setup) for r in recent], held)

    def missed_messages(self, since: int) -> list[tuple[str, dict[str, Any]]] | None:
        """The messages after `since`, rebuilt from the log; None when too many were missed."""
        service = self.service
        conn = service.database.connection()
        with db.read(conn):
            if repo.last_seq(conn, service.hall_id) - since > RESYNC_LIMIT:
                return None
            records = repo.event_records(conn, service.hall_id, after=since)
            batch = [(r["seq"], event_from_record(r)) for r in records]
            ids = tuple({ev.ticket_id for _, ev in batch if getattr(ev, "ticket_id", None)})
            state = service.load_state(conn, ids)
            clerks = repo.clerk_names(conn, service.hall_id)
            held = service.held_for_remote(conn, batch[-1][1].at) if batch else protocol.NONE_HELD
        return protocol.messages_for(batch, state, clerks, held)

    # --- connections ----------------------------------------------------------------------------

    def register_handlers(self) -> None:
        self.socketio.on_event("connect", self.on_connect)
        self.socketio.on_event("disconnect", self.on_disconnect)
        self.socketio.on_event(wire.RESYNC, self.on_resync)

    def on_connect(self, auth: dict | None = None):
        token = (auth or {}).get("token") if isinstance(auth, dict) else None
        who = self.welcome(token if isinstance(token, str) else None)
        if who is None:
            # Socket.IO's own refusal carries the reason to the client
            raise SocketIOConnectionRefused("unauthorized")
        if who.kind == "ticket":
            self.welcome_phone(who)
            return
        audience, bundled = narrowed_to(auth), bundled_for(auth)
        if audience is False or bundled is None:
            raise SocketIOConnectionRefused("bad_request")
        with self.lock:
            self.clients[request.sid] = who
            if who.kind == "device":
                self.devices_here[who.id] = self.devices_here.get(who.id, 0) + 1
        if ALERT_LISTENERS.admits_kind(principal_kind(who)):
            join_room(self.supervisors_room)
        if audience is None:
            self.listen(request.sid, self.bundle_room(self.room) if bundled else self.room)
            self.emit_here(wire.HALL_SNAPSHOT, self.shared_snapshot.encoded(), request.sid)
            return
        self.join_audience(request.sid, audience, bundled)
        self.emit_here(wire.HALL_SNAPSHOT, self.shared_snapshot.encoded().with_fields(
            room=self.audience_room(audience)), request.sid)

    def join_audience(self, sid: str, audience: protocol.Audience, bundled: bool = False) -> None:
        """Join a zone's or a window's room before the snapshot is read, as the hall's clients
        join theirs: every step after the snapshot's seq reaches this client."""
        room = self.audience_room(audience)
        self.listen(sid, self.bundle_room(room) if bundled else room)
        with self.lock:
            self.narrowed[sid] = audience

    def welcome_phone(self, who) -> None:
        """A tracking token joins its ticket's room and its item's room, never the hall's: it
        is told its own part of each message, and only on its ticket's business day (as the
        REST track route answers 410 after it)."""
        ticket = self.service.ticket(who.id)
        if ticket is None or not self.service.still_tracked(ticket):
            raise SocketIOConnectionRefused("expired")
        with self.lock:
            self.clients[request.sid] = who
            self.phones[request.sid] = Phone(ticket.id, ticket.service, ticket.business_date)
            self.following.setdefault(ticket.id, set()).add(request.sid)
            self.count_item_phone(ticket.service, +1)
            join_room(self.ticket_room(ticket.id))
            join_room(self.item_room(ticket.service))
        self.tell_phone([(wire.HALL_SNAPSHOT, self.snapshot_payload())], request.sid)

    def welcome(self, token: str | None):
        """Who is connecting (None: refused, as permissions.LISTENERS says); a device is marked
        as seen."""
        who = identify_in_hall(self.service, token, allow_ticket=LISTENERS.admits_kind(TICKET),
                               session_clock=self.session_clock)
        # the connection goes back before waiting for the hall's writer: a thousand boards
        # connecting at once hold a few connections between them, not one each
        self.give_back()
        if who is None or not LISTENERS.admits_kind(principal_kind(who)):
            return None
        if who.kind == "device":
            self.device_connected(who.id, request.sid)
        return who

    def give_back(self) -> None:
        """Give this handler's database connection back now rather than at its teardown
        (app.py), unless its thread held one before the handler began."""
        if has_app_context() and not g.get("held_connection", False):
            self.service.database.release()

    def saw_device(self, device_id: int) -> None:
        """A device made a request: a kiosk that only issues over REST is active too. Kept in
        memory (a write per request would cost); `last_seen_at` stays the live connection's."""
        with self.lock:
            self.active[device_id] = self.service.clock()

    def last_active(self, device_id: int, last_seen_at: str | None) -> str | None:
        """The later of the device's last live connection and its last request."""
        with self.lock:
            request_at = self.active.get(device_id)
        if request_at is None:
            return last_seen_at
        if last_seen_at is None or datetime.fromisoformat(last_seen_at) < request_at:
            return request_at.isoformat()
        return last_seen_at

    def device_connected(self, device_id: int, sid: str) -> None:
        """The device was seen now, and is connected to this process, for every process's
        supervision to see. Through the hall's one writer: boards connecting at once share its
        commits. A disconnect writes nothing: the next beat (`beat`) puts this process's rows
        right, and until then this process answers for its own devices from memory."""
        seen, now, hall_id = self.service.clock(), wall_clock(), self.service.hall_id

        def record(conn) -> None:
            repo.touch_device(conn, device_id, seen)
            repo.add_connection(conn, this_process(), sid, hall_id, device_id, now)
        self.service.writer.run(record)

    def beat(self) -> None:
        """On every tick of the clockwork: this process is alive, and its rows of connected
        devices are exactly the devices connected to it now. On the tick's own connection, not
        through the hall's writer: a write every tick would keep every hall's writer, and the
        pooled connection it holds, alive for good (a process of twenty halls, twenty held)."""
        devices = {sid: who.id for sid, who in self.connected().items() if who.kind == "device"}
        now, hall_id = wall_clock(), self.service.hall_id
        with db.write(self.service.database.connection(), halls=(hall_id,)) as conn:
            repo.hold_connections(conn, this_process(), hall_id, devices, now)

    def forget_gone_processes(self) -> int:
        """Done by the process that does the hall's timed work: the rows of processes that
        stopped beating long ago (killed, their machine lost). On the tick's own connection,
        as the beat."""
        before = wall_clock() - FORGET_PROCESS_AFTER
        with db.write(self.service.database.connection(), halls=(self.service.hall_id,)) as conn:
            return repo.forget_dead_processes(conn, before)

    def live_processes(self) -> list[dict]:
        conn = self.service.database.connection()
        return repo.live_processes(conn, wall_clock() - PROCESS_TIMEOUT)

    def on_disconnect(self, reason=None) -> None:
        self.on_disconnect_sid(request.sid)

    def on_resync(self, data: Any = None):
        since = data.get("since") if isinstance(data, dict) else None
        if isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= INT64[1]:
            return {"error": "bad_request", "message": "重新同步需要 since（不小于 0 的序号）/ resync "
                    "needs {since: a sequence number ≥ 0}"}
        missed = self.missed_messages(since)
        if missed is None:
            self.tell_one([(wire.HALL_SNAPSHOT, self.snapshot_payload())], request.sid)
            return {"ok": True, "snapshot": True}
        missed = self.narrow(missed, request.sid)
        self.tell_one(missed, request.sid)
        return {"ok": True, "snapshot": False, "count": len(missed)}

    def narrow(self, messages: list[tuple[str, dict[str, Any]]], sid: str) -> list[tuple[str, dict[str, Any]]]:
        """A zone's board or a window's screen: its room's part of the messages only, and
        `seq_skipped` for the steps that are not its, as it hears them live."""
        audience = self.narrowed.get(sid)
        if audience is None:
            return messages
        return protocol.for_audience(messages, audience, self.service.setup())

    def tell_one(self, messages: list[tuple[str, dict[str, Any]]], sid: str) -> None:
        if sid in self.phones:
            self.tell_phone(messages, sid)
            return
        audience = self.narrowed.get(sid)
        for name, payload in messages:
            if name == wire.HALL_SNAPSHOT and audience is not None:
                payload = payload | {"room": self.audience_room(audience)}
            self.emit_here(name, payload, sid)

    def emit_here(self, name: str, payload: Any, sid: str) -> None:
        """One message to one client of this process (its snapshot, its resync): straight to
        it, never through the message queue, where every other process would decode it for
        nobody."""
        self.socketio.emit(name, payload, to=sid, ignore_queue=True)

    def connected(self) -> dict[str, Any]:
        with self.lock:
            return dict(self.clients)

    def connected_devices(self) -> set[int]:
        """The hall's devices connected to any live process of the deployment: this process's
        from memory, the others' from the database."""
        with self.lock:   # counted as devices come and go: never a walk over thousands of phones
            mine = set(self.devices_here)
        conn = self.service.database.connection()
        return mine | repo.connected_devices(conn, self.service.hall_id, wall_clock() - PROCESS_TIMEOUT,
                                             besides=this_process())

    def drop_revoked(self) -> int:
        """Disconnect clients whose device was revoked, whose session ended, or whose ticket's
        business day is over (a tracking token)."""
        clients = self.connected()
        conn = self.service.database.connection()
        devices = repo.revoked_devices(conn, {w.id for w in clients.values() if w.kind == "device"})
        sessions = repo.dead_sessions(conn, {w.session_id for w in clients.values()
                                             if w.kind == "user"}, self.service.clock())
        today = self.service.today()
        with self.lock:
            past = {sid for sid, phone in self.phones.items() if phone.day != today}
        dropped = 0
        for sid, who in clients.items():
            if (who.kind == "device" and who.id in devices) or (who.kind == "user" and who.session_id in sessions) \
                    or sid in past:
                self.socketio.server.disconnect(sid, namespace="/")
                self.on_disconnect_sid(sid)
                dropped += 1
        return dropped

    def let_everyone_go(self) -> int:
        """The server is stopping: end every live connection now (a server disconnect), so
        no websocket holds the stopping process until its time limit; the boards and screens
        reconnect to the server that takes over and read the hall afresh. Needs the app context."""
        clients = self.connected()
        for sid in clients:
            disconnect(sid=sid, namespace="/")
            self.on_disconnect_sid(sid)
        return len(clients)

    def on_disconnect_sid(self, sid: str) -> None:
        """Socket.IO leaves the rooms itself; what is kept here goes."""
        with self.lock:
            self.narrowed.pop(sid, None)
            who = self.clients.pop(sid, None)
            if who is not None and who.kind == "device":
                left = self.devices_here.get(who.id, 1) - 1
                if left > 0:
                    self.devices_here[who.id] = left
                else:
                    self.devices_here.pop(who.id, None)
            room = self.joined.pop(sid, None)
            if room is not None:
                self.listening[room] = self.listening.get(room, 1) - 1
                if self.listening[room] <= 0:
                    del self.listening[room]
            phone = self.phones.pop(sid, None)
            if phone is not None:
                self.count_item_phone(phone.service, -1)
                followers = self.following.get(phone.ticket_id, set())
                followers.discard(sid)
                if not followers:
                    self.following.pop(phone.ticket_id, None)


def narrowed_to(auth: Any) -> protocol.Audience | None | bool:
    """The zone or window a client asked to hear (`auth.zone`, `auth.window`); None: the whole
    hall; False: a zone or window that cannot be one."""
    if not isinstance(auth, dict):
        return None
    zone, window = auth.get(wire.ZONE), auth.get(wire.WINDOW)
    if zone is not None and window is not None:
        return False
    if zone is not None:
        ok = isinstance(zone, str) and 0 < len(zone) <= 32 and zone.isprintable() and ":" not in zone
        return (wire.ZONE, zone) if ok else False
    if window is not None:
        ok = isinstance(window, int) and not isinstance(window, bool) and 0 < window <= INT64[1]
        return (wire.WINDOW, window) if ok else False
    return None


def bundled_for(auth: Any) -> bool | None:
    """Whether a client asked to hear a commit's messages as one bundle (`auth.bundle`); None:
    an answer that is not true or false."""
    bundle = auth.get(wire.BUNDLE, False) if isinstance(auth, dict) else False
    return bundle if isinstance(bundle, bool) else None


def same_message(message: protocol.Message) -> tuple:
    """What makes two rooms' messages one send: the same part (one object for every room it
    goes to), or skips of the same steps."""
    name, payload = message
    if name == wire.SEQ_SKIPPED:
        return name, payload.get("from"), payload["seq"]
    return name, id(payload)


class PlainFrames:
    """WSGI middleware: a live connection is offered no per-message compression. simple-websocket
    accepts a browser's permessage-deflate offer, and every connection then compresses every
    message by itself: zlib state of about 300 KB per connection, and one compression per
    board per message where one encoding serves them all. A hall's LAN carries the plain
    frames easily. (simple-websocket reads the offer from the request's headers in `environ`.)"""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable):
        if environ.get("PATH_INFO", "").startswith("/socket.io/"):
            environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
