"""The service layer: each command loads the hall, lets the core (`hall.queue`) decide, and
saves the new state and its events, all in one savepoint of the group-commit writer
(`db.GroupCommit`): several commands share one COMMIT. Only after that commit are the
events published, in commit order. A failed broadcast is logged and never undoes a
committed ticket; a refused command reaches the caller as a QueueError and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import sqlite3
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Callable

from hall import commands as c
from hall import events as e
from hall import identity, order, queue
from hall.identity import Person
from hall.config import HallConfig, parse_config
from hall.estimate import WaitEstimate
from hall.numbering import business_date
from hall.queue import HallState
from hall.remote import held_for_others
from hall.wait import ticket_wait
from hall.tickets import Priority, QueueError, Ticket, TicketState

from . import cases, db, repository as repo
from .personal import Vault
from .security import hash_token

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Receives (hall id, [(seq, event), ...]) after the transaction committed.
Publisher = Callable[[int, list[tuple[int, e.Event]]], None]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Outcome:
    events: list[e.Event]
    seqs: list[int]        # each event's place in the hall's sequence
    state: HallState   # the hall as this command left it


@dataclass(frozen=True)
class IssuedTicket:
    ticket: Ticket
    track_token: str          # for the QR code; only its hash is stored, it can be derived again
    waiting_ahead: int
    estimate: WaitEstimate
    windows: tuple[int, ...]  # the windows that serve the item
    watch: tuple[int, ...] = ()  # the windows to watch (hall/order.py's watched_windows)
    repeated: bool = False    # the same request came again: this is the ticket it already got


class Publications:
    """Committed batches, published one after another in the order they were handed in.

    The request that committed a batch hands it here and answers at once: building the
    messages, the broadcast and the supervision evaluation that follows it no longer hold up
    the next writer. One worker drains the queue; it ends after a while without batches and
    the next batch starts a new one, so an idle hall keeps no thread.
    """

    IDLE_SECONDS = 2.0

    def __init__(self, run: Callable[[list[tuple[int, e.Event]], HallState], None],
                 when_idle: Callable[[], None] = lambda: None):
        self._run = run
        self._when_idle = when_idle   # run by the worker as it ends (gives back its connection)
        self._waiting: deque[tuple[list[tuple[int, e.Event]], HallState]] = deque()
        self._changed = threading.Condition()
        self._working = False
        self._busy = False    # a batch is being published now

    def put(self, batch: list[tuple[int, e.Event]], state: HallState) -> None:
        with self._changed:
            self._waiting.append((batch, state))
            start, self._working = not self._working, True
            self._changed.notify_all()
        if start:
            threading.Thread(target=self._drain, name="jiaohao-publish", daemon=True).start()

    def pending(self) -> int:
        """Batches handed in and not yet taken up for publishing."""
        return len(self._waiting)

    def _drain(self) -> None:
        try:
            while True:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
                    if not self._changed.wait_for(lambda: self._waiting, self.IDLE_SECONDS):
                        self._working = False
                        return
                    batch, state = self._waiting.popleft()
                    self._busy = True
                self._run(batch, state)
        finally:
            self._when_idle()

    def wait(self, timeout: float = 10.0) -> bool:
        """Until every batch handed in so far was published; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._busy, timeout)


def _ticket_ids(command: c.Command) -> tuple[int, ...]:
    ticket_id = getattr(command, "ticket_id", None)
    return () if ticket_id is None or isinstance(command, c.IssueTicket) else (ticket_id,)


class HallService:
    """Runs commands for one hall against one database file."""

    def __init__(self, database: db.Database, hall_id: int, publish: Publisher | None = None,
                 clock: Clock = utcnow, secret: str = "test-secret", publish_in_background: bool = False,
                 vault: Vault | None = None):
        self.database = database
        self.secret = secret
        #: seals the personal data this hall keeps (mobile numbers)
        self.vault = vault or Vault.ephemeral()
        #: run in each command's transaction after its events are saved (the notification
        #: outbox), and after each commit (waking the courier)
        self.in_transaction: list[Callable[[sqlite3.Connection, HallState, list[e.Event], datetime], None]] = []
        self.after_commit: list[Callable[[], None]] = []
        #: told the item of each attempt the per-person limit refused, once it is counted
        #: (the supervisors' dashboards redraw their scalping figures)
        self.after_refusal: list[Callable[[str], None]] = []
        self.hall_id = hall_id
        self.publish = publish
        self.clock = clock
        self._setup: tuple[int, HallConfig] | None = None
        self._setup_lock = threading.Lock()
        self._kept: OrderedDict[tuple, HallState] = OrderedDict()
        self._kept_lock = threading.Lock()
        # every command goes through one writer, which commits them in groups and hands the
        # batches on in commit order: a board must never hear that window 3 finished A001
        # after it heard window 3 call A002
        self.writer = db.GroupCommit(database, on_failed_commit=self._forget, halls=(hall_id,))
        self.publications = (Publications(self._publish_now, when_idle=database.release)
                             if publish_in_background else None)
        self._as_of = threading.local()   # the publishing thread's batch state, see snapshot()

    # --- the setup in force ------------------------------------------------------------

    def setup(self, conn=None) -> HallConfig:
        conn = conn or self.database.connection()
        return self._setup_of(conn, repo.setup_version(conn, self.hall_id))

    def _setup_of(self, conn, version: int) -> HallConfig:
        """The setup of this version, parsed once."""
        with self._setup_lock:
            if self._setup is None or self._setup[0] != version:
                _, document = repo.current_setup(conn, self.hall_id)
                self._setup = (version, parse_config(document))
            return self._setup[1]

    def today(self) -> date:
        return business_date(self.clock(), self.setup().hall.tz)

    def load_state(self, conn, also: tuple[int, ...] = ()) -> HallState:
        setup = self.setup(conn)
        today = business_date(self.clock(), setup.hall.tz)
        return HallState(
            setup=setup,
            windows=repo.load_windows(conn, self.hall_id),
            tickets=repo.open_tickets(conn, self.hall_id, also),
            last_serial=repo.last_serials(conn, self.hall_id, today),
            issued=repo.issued_counts(conn, self.hall_id, today),
            handling=repo.handling_minutes(conn, self.hall_id, today),
        )

    # --- the hall state, reused between commands ----------------------------------------
    # Every change of tickets and windows is an event, so a state stays true until the log
    # grows, the setup changes or the day turns: that triple is its key. The writer keeps the
    # state each command produced before its group commits, so nobody can read the new
    # sequence number from the database and find an older state under it. The last few
    # states stay kept: under load a reader's snapshot is often a group behind the writer,
    # and without them every such read would load the whole hall again.

    KEPT_STATES = 32

    def _state_key(self, conn) -> tuple:
        seq, version = repo.log_and_setup_versions(conn, self.hall_id)
        return (seq, version, business_date(self.clock(), self._setup_of(conn, version).hall.tz))

    def _keep(self, key: tuple, state: HallState) -> None:
        with self._kept_lock:
            self._kept[key] = state
            while len(self._kept) > self.KEPT_STATES:
                self._kept.popitem(last=False)

    def _kept_state(self, key: tuple) -> HallState | None:
        return self._kept.get(key)

    def _forget(self) -> None:
        """A write failed: a kept state may hold what was never committed."""
        with self._kept_lock:
            self._kept.clear()

    def snapshot(self) -> HallState:
        """The hall as committed now (open tickets and windows); while a batch is being
        published, the hall as that batch left it, so its messages describe that moment."""
        publishing = getattr(self._as_of, "state", None)
        if publishing is not None:
            return publishing
        conn = self.database.connection()
        with db.read(conn):
            return self.state_read(conn)

    def state_read(self, conn) -> HallState:
        """Inside a read transaction: the hall as it sees it, kept for the next reader."""
        key = self._state_key(conn)
        state = self._kept_state(key)
        if state is None:
            state = self.load_state(conn)
            self._keep(key, state)
        return state

    def snapshot_with(self, ticket_ids: tuple[int, ...]) -> HallState:
        """The snapshot plus these tickets, open or not (a finished ticket's own message)."""
        state = self.snapshot()
        missing = [i for i in ticket_ids if i not in state.tickets]
        if not missing:
            return state
        found = repo.tickets_by_id(self.database.connection(), self.hall_id, missing)
        return state.keeping_index(tickets=state.tickets.set_all(found))   # finished: in no line

    def state_in(self, conn) -> HallState:
        """The hall as this open transaction sees it, reusing the kept state when still true."""
        return self._state_for(conn, ())

    def _state_for(self, conn, also: tuple[int, ...]) -> HallState:
        """Inside a write transaction: the cached state if still true, else a fresh load."""
        state = self._kept_state(self._state_key(conn))
        if state is None:
            return self.load_state(conn, also)
        missing = [i for i in also if i not in state.tickets]
        if missing:
            found = repo.tickets_by_id(conn, self.hall_id, missing)
            state = state.keeping_index(tickets=state.tickets.set_all(found))
        return state

    def _remember(self, conn, state: HallState, events: list[e.Event]) -> HallState:
        """Keep the state this command leaves; returns it with every ticket it touched, for the
        caller's reply and for the batch's messages."""
        if not events:
            return state
        handling = dict(state.handling)
        for event in events:
            if isinstance(event, e.ServiceFinished):
                # the same sample the database gives: from the last start to this finish
                ticket = state.tickets[event.ticket_id]
                if ticket.started_at is not None:
                    minutes = (event.at - ticket.started_at).total_seconds() / 60
                    samples = handling.get(ticket.service, ()) + (minutes,)
                    handling[ticket.service] = samples[-repo.HANDLING_SAMPLES:]
        after = state.keeping_index(handling=handling)
        # only the tickets this command touched can have closed: the rest of the kept state
        # holds open tickets alone, so nothing is scanned
        closed = {ev.ticket_id for ev in events if isinstance(ev, e.TicketEvent)
                  and not state.tickets[ev.ticket_id].is_open}
        still_open = state.tickets.dropped(closed)
        key = self._state_key(conn)   # inside the transaction: the seq of its last event
        self._keep(key, after.keeping_index(tickets=still_open))
        return after

    # --- commands ----------------------------------------------------------------------

    def execute(self, command: c.Command) -> Outcome:
        return self.writer.run(lambda conn: self._decided(conn, command), then=self._published)

    def _decided(self, conn, command: c.Command) -> Outcome:
        """The command decided and saved in its savepoint of the writer's transaction."""
        try:
            return self._run(conn, command, self.clock())
        except QueueError:
            raise   # refused before anything was written: the cached state is still true
        except BaseException:
            self._forget()
            raise

    def _published(self, outcome: Outcome) -> None:
        self._publish(list(zip(outcome.seqs, outcome.events, strict=True)), outcome.state)

    def _run(self, conn, command: c.Command, now: datetime) -> Outcome:
        """Decide and save one command inside the caller's write transaction."""
        state = self._state_for(conn, _ticket_ids(command))
        track_hash = None
        if isinstance(command, c.IssueTicket):
            command = replace(command, ticket_id=repo.next_ticket_id(conn))
            track_hash = hash_token(self.track_token(command.ticket_id))
        new_state, events = queue.handle(state, command, now)
        self._save(conn, new_state, events, track_hash)
        seqs = repo.append_events(conn, self.hall_id, events)
        cases.open_for_bad_ratings(conn, self.hall_id, new_state, events)   # a 差评 never lacks its case
        for also in self.in_transaction:
            also(conn, new_state, events, now)
        return Outcome(events, seqs, self._remember(conn, new_state, events))

    def track_token(self, ticket_id: int) -> str:
        """The ticket's tracking token: 256 bits derived from the server's secret, so a kiosk
        that asks again gets the same QR code while the database keeps only a hash."""
        digest = hmac.new(self.secret.encode(), f"track:{self.hall_id}:{ticket_id}".encode(),
                          hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _save(self, conn, state: HallState, events: list[e.Event], track_hash: str | None) -> None:
        for event in events:
            if isinstance(event, e.WindowEvent):
                repo.save_window(conn, self.hall_id, state.windows[event.window])
            elif isinstance(event, e.TicketIssued):
                repo.insert_ticket(conn, self.hall_id, state.tickets[event.ticket_id], track_hash)
            else:
                repo.update_ticket(conn, self.hall_id, state.tickets[event.ticket_id])

    def _publish(self, published: list[tuple[int, e.Event]], state: HallState) -> None:
        """Called after the commit, in commit order (by the writer)."""
        for hook in self.after_commit:
            hook()
        if not published or self.publish is None:
            return
        if self.publications is not None:
            self.publications.put(published, state)
        else:
            self._publish_now(published, state)

    def _publish_now(self, published: list[tuple[int, e.Event]], state: HallState) -> None:
        self._as_of.state = state
        try:
            self.publish(self.hall_id, published)
        except Exception:  # the ticket is committed; a broadcast failure must not undo it
            log.exception("publishing %d events failed", len(published))
        finally:
            self._as_of.state = None

    def issue(self, service: str, priority: Priority = Priority.NORMAL, actor: str = "system",
              request_id: str | None = None,
              along: Callable[[sqlite3.Connection, int], None] | None = None,
              person: Person | None = None, own_place: bool = False) -> IssuedTicket:
        """Issue one ticket. `along(conn, ticket_id)` runs in the same transaction, so a row that
        refers to the ticket (an appointment's check-in) is written with it or not at all.
        A `person` (the ID card read at the kiosk) is held to the hall's per-person limits.
        `own_place`: a remote ticket being activated, which uses the place it holds."""
        if person is not None:
            along = self._tied_to(person, service, along)
        try:
            state, ticket_id, outcome = self.writer.run(
                lambda conn: self._issue(conn, service, priority, actor, request_id, along, person, own_place),
                then=self._published_issue)
        except QueueError as refused:
            if refused.code == "person_limit_reached":
                self.count_refusal(service)
            raise
        # the slip's figures (people ahead, wait estimate) are worked out here, not by the writer
        return self._issued(state, state.tickets[ticket_id], repeated=outcome is None)

    def _published_issue(self, done: tuple[HallState, int, Outcome | None]) -> None:
        if done[2] is not None:   # a repeated request changed nothing: nothing to tell
            self._published(done[2])

    def _issue(self, conn, service: str, priority: Priority, actor: str, request_id: str | None,
               along: Callable[[sqlite3.Connection, int], None] | None,
               person: Person | None = None, own_place: bool = False) -> tuple[HallState, int, Outcome | None]:
        """In the writer: the ticket issued (or the one this request already got) and the hall
        it was issued into; no outcome for a repeated request."""
        try:
            earlier = request_id and repo.ticket_for_request(conn, self.hall_id, actor, request_id)
            if earlier:
                return self._state_for(conn, (earlier,)), earlier, None
            now = self.clock()
            if person is not None:
                priority = self._person_allowed(conn, person, service, priority, now)
            reserved = held_for_others(self.held_for_remote(conn, now), service, own_place)
            outcome = self._run(conn, c.IssueTicket(ticket_id=0, service=service, priority=priority,
                                                    reserved=reserved, actor=actor), now)
            ticket_id = outcome.events[0].ticket_id
            if along is not None:
                along(conn, ticket_id)
            if request_id:
                repo.remember_request(conn, self.hall_id, actor, request_id, ticket_id, self.clock())
        except QueueError:
            raise   # the hall's rules refused it before anything was written or kept
        except BaseException:
            # `along` may refuse after the state with this ticket was kept: drop it
            self._forget()
            raise
        return outcome.state, ticket_id, outcome

    def held_for_remote(self, conn, now: datetime) -> dict[str, int]:
        """Per item, the places of today that remote tickets not yet activated hold: a capped
        item's walk-ins leave them to their holders (hall/remote.py `held_for_others`), both
        when a ticket is issued and in the item views that say whether one can be."""
        return repo.remote_held_on(conn, self.hall_id, business_date(now, self.setup(conn).hall.tz))

    # --- tickets tied to a person (hall/identity.py) --------------------------------------

    def person_for(self, service: str, id_number: object, name: str = "",
                   declared: str | None = None) -> Person | None:
        """What an issue request gave, checked against the item's identity mode: the person
        the limits apply to, or None where the item does not tie tickets to people."""
        setup = self.setup()
        try:
            mode = setup.service(service).identity
        except KeyError:
            return None   # the core refuses the unknown item
        number = identity.identity_for(mode, id_number)
        if number is None or mode is identity.IdentityMode.OFF:
            return None   # checked, but an item without identity keeps nobody's number
        return Person(number=number, name=name, declared=declared)

    def person_index(self, person: Person) -> str:
        """The keyed index the per-person limits meet on: equal numbers, equal index."""
        return self.vault.index(person.number.value, purpose="id_number")

    def _person_allowed(self, conn, person: Person, service: str, priority: Priority, now: datetime) -> Priority:
        """Inside the writer, so two kiosks reading the same card at once cannot both pass:
        the ticket's priority once the hall's green channel is applied, or a refusal."""
        setup = self.setup(conn)
        try:
            item = setup.service(service)
        except KeyError:
            return priority   # the core refuses the unknown item
        today = business_date(now, setup.hall.tz)
        taken = repo.person_tickets_on(conn, self.hall_id, self.person_index(person), today)
        identity.person_may_take(setup.identity, service, item.name, taken)
        return identity.priority_for(priority, identity.green_category(setup.identity, person.number,
                                                                       person.declared, today))

    def _tied_to(self, person: Person, service: str,
                 along: Callable[[sqlite3.Connection, int], None] | None) -> Callable[[sqlite3.Connection, int], None]:
        """`along` that also writes who took the ticket: its index and masked number, no more."""
        def tie(conn: sqlite3.Connection, ticket_id: int) -> None:
            setup = self.setup(conn)
            today = business_date(self.clock(), setup.hall.tz)
            keep = identity.keeps_name(setup.identity, setup.service(service).identity_name)
            name = self.vault.seal(person.name, purpose="name") if keep and person.name else None
            category = identity.green_category(setup.identity, person.number, person.declared, today)
            repo.tie_ticket_to_person(conn, self.hall_id, ticket_id, today, service, self.person_index(person),
                                      person.number.masked, name, category)
            if along is not None:
                along(conn, ticket_id)
        return tie

    def count_refusal(self, service: str) -> None:
        """A refused-by-limit attempt, counted apart from the refused issue (which wrote nothing)."""
        now = self.clock()
        try:
            self.writer.run(lambda conn: repo.record_person_refusal(
                conn, self.hall_id, business_date(now, self.setup(conn).hall.tz), service, now))
            for hook in self.after_refusal:
                hook(service)
        except Exception:   # a missed count must not change the citizen's answer
            log.exception("counting a refused ticket failed")

    def _issued(self, state: HallState, ticket: Ticket, repeated: bool = False) -> IssuedTicket:
        place = order.place_of(state, ticket)
        return IssuedTicket(ticket=ticket, track_token=self.track_token(ticket.id), waiting_ahead=place.ahead,
                            estimate=ticket_wait(state, ticket, self.clock()),
                            windows=state.setup.windows_serving(ticket.service), watch=place.watch,
                            repeated=repeated)

    def call_next(self, window: int, actor: str = "system") -> Ticket | None:
        outcome = self.execute(c.CallNext(window=window, actor=actor))
        if not outcome.events:
            return None
        return outcome.state.tickets[outcome.events[0].ticket_id]

    def expire_past_days(self, actor: str = "system") -> Outcome:
        """Day rollover: whatever is still open from an earlier business day expires."""
        return self.execute(c.ExpireDay(actor=actor))

    def ticket(self, ticket_id: int) -> Ticket | None:
        return repo.get_ticket(self.database.connection(), self.hall_id, ticket_id)

    def still_tracked(self, ticket: Ticket) -> bool:
        """A ticket's tracking token (its paper slip's QR code) works on the ticket's own
        business day only: the live channel, the phone page and REST all ask here."""
        return ticket.state is not TicketState.EXPIRED and ticket.business_date >= self.today()
