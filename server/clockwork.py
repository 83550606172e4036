"""What happens because time passes: the day rolls over, holds run out, revoked devices and
ended sessions lose their live connection, alert rules look at the hall, missed bookings
become no-shows, finished days go to the provincial 好差评 platform (when a hall turns that on).

With several server processes on one database (a city), every process ticks, but the hall's
timed work is done by one of them: the process holding the hall's clockwork lock (db.AdvisoryLocks
on PostgreSQL; on SQLite the one process). It is elected by the database itself: when that
process dies its session ends, the lock goes with it, and another process takes it at its next
tick. Each process still lets go of its own revoked clients and beats (this process is alive,
these devices are connected to it). The notification courier runs in every process: it claims
each message under a lease before sending it (notify/courier.py).

The clockwork is handed what it works on (the hall's service, its live connections, the
supervision and the appointments) and its own clock through the service, so a test ticks it
by hand against a fake clock. A started server ticks every hall's clockwork in turn on one
thread, its `Timekeeper`, every `interval` seconds; every hall's courier makes its passes in
turn on another. Each turn holds one pooled connection, so a process's timed work holds two
whatever the number of halls it serves: a loop of its own per hall, each holding one, kept a
city's pool busy (21 halls on 16 connections) and its requests waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from hall import commands as c
from hall.queue import due_hold_returns
from hall.tickets import QueueError

from . import personal

if TYPE_CHECKING:
    from .notify.service import Notifications
    from .appointments import AppointmentService
    from .remote import RemoteWalkIns
    from .live import Live
    from .services import HallService
    from .supervision import Supervision
    from .uploader import UploadSchedule

log = logging.getLogger(__name__)


class Clockwork:
    """One tick does every timed job once; `start` ticks until `stop`."""

    def __init__(self, service: "HallService", live: "Live", supervision: "Supervision",
                 appointments: "AppointmentService", interval: float = 2.0,
                 uploads: "UploadSchedule | None" = None, notifications: "Notifications | None" = None,
                 remote: "RemoteWalkIns | None" = None):
        self.service = service
        self.live = live
        self.supervision = supervision
        self.appointments = appointments
        self.interval = interval
        self.uploads = uploads     # None: uploading is off (the default)
        self.notifications = notifications
        self.remote = remote
        self.day = None   # the business day of the last rollover check
        self.lock = service.database.clockwork_lock(service.hall_id)
        self.leading = False   # whether this process did the hall's timed work at its last tick
        self.last_tick_at: datetime | None = None   # when the last tick ended (the health check)
        self.started_at = 0.0   # time.monotonic() at start
        self.keeper: Timekeeper | None = None   # the process's loop that ticks it, once started

    def tick(self) -> None:
        with self.service.database.checked_out():
            self._every_job()
        self.last_tick_at = datetime.now(timezone.utc)

    def _every_job(self) -> None:
        self.leading = self.lock.held()
        if self.leading:
            self.roll_over_the_day()
            self.return_held_tickets()
        self.live.drop_revoked()   # every process, its own clients
        self.live.tell_old_skips()   # every process: its rooms' places in the log lag ≤ a tick
        self.beat()
        self.supervision.settle()   # every process: what a burst of its own tickets left owed
        if self.leading:
            self.supervision.on_timer()
            self.mark_missed_bookings()
            self.lapse_remote_tickets()
            if self.notifications is not None:
                self.notifications.queue_reminders()
            if self.uploads is not None:
                self.uploads.tick()   # starts a run of its own when one is due; never waits for it
            self.live.forget_gone_processes()

    def beat(self) -> None:
        """This process is alive and holds these devices; a beat that cannot be written (the
        database busy or read-only) is tried again next tick, and the timed work goes on."""
        try:
            self.live.beat()
        except Exception as exc:
            log.warning("this process's beat was not written: %s", exc)

    @property
    def running(self) -> bool:
        return self.keeper is not None

    def roll_over_the_day(self) -> None:
        """Tickets of past days expire; the first tick of a server started after midnight too."""
        today = self.service.today()
        if today != self.day:
            outcome = self.service.expire_past_days()
            if outcome.events:
                log.info("day rollover to %s: %d events", today, len(outcome.events))
            purged = personal.purge_expired(self.service)
            if purged:
                log.info("personal data of %d past visits purged", purged)
            self.day = today

    def return_held_tickets(self) -> None:
        for ticket_id in due_hold_returns(self.service.snapshot(), self.service.clock()):
            try:
                self.service.execute(c.ResumeTicket(ticket_id=ticket_id, actor="system"))
            except QueueError:
                pass  # a clerk resumed or moved it at the same moment

    def mark_missed_bookings(self) -> None:
        no_shows = self.appointments.mark_no_shows()
        if no_shows:
            self.live.broadcast_appointment("no_show", {"count": no_shows})

    def lapse_remote_tickets(self) -> None:
        """远程取号 not activated by its deadline lapses; the supervisors hear of it."""
        if self.remote is None:
            return
        lapsed = self.remote.lapse_due()
        if lapsed:
            self.live.broadcast_appointment("remote_lapsed", {"count": lapsed})

    # --- ticking on the process's timekeeper ----------------------------------------------

    def take_turn(self) -> bool:
        self.tick()
        return False   # ticks again after the keeper's interval

    def take_turns(self, keeper: "Timekeeper") -> None:
        """Ticks on `keeper`, with every other hall of the process, until `stop`."""
        self.started_at = time.monotonic()
        self.keeper = keeper
        keeper.add(self)

    def stop(self) -> None:
        """Ends the ticking; returns once a tick under way has finished."""
        if self.keeper is not None:
            self.keeper.remove(self)
            self.keeper = None
        self.lock.release()   # another process takes the hall's timed work at its next tick
        if self.uploads is not None:
            self.uploads.wait(timeout=5.0)   # a run under way logs its attempt if it can


class Timekeeper:
    """One loop of a server process that gives each of its halls a turn in order (a clockwork's
    tick, a courier's pass), then waits `interval` unless a turn said there is more to do now or
    someone woke it. One bad hall's turn is logged and the next hall's comes all the same. It
    ends on `stop`, or once none of its halls has an open database (a test's app closed)."""

    def __init__(self, name: str, interval: float):
        self.name = name
        self.interval = interval
        self._members: list = []
        self._current = None   # the member whose turn is under way
        self._turns = threading.Condition()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._task = None

    def add(self, member) -> None:
        """`member` (with `take_turn()` and a `service`) gets its turns from the next round;
        a hall added while the keeper waits has its first at once."""
        with self._turns:
            self._members.append(member)
        self.wake()

    def remove(self, member) -> None:
        """No more turns for `member`; returns once its turn under way, if any, has ended."""
        with self._turns:
            if member in self._members:
                self._members.remove(member)
            self._turns.wait_for(lambda: self._current is not member)

    def wake(self) -> None:
        self._wake.set()

    def run(self) -> None:
        while not self._stopped.is_set():
            # a wake that came before this round is answered by it (a hall added before the
            # start has its first turn now, not a second one straight after); one that comes
            # during the round brings the next round at once
            self._wake.clear()
            with self._turns:
                members = [m for m in self._members if not m.service.database.closed]
            if not members:
                return
            more = False
            for member in members:
                more = self._turn(member) or more
            if not more:
                self._wake.wait(self.interval)

    def _turn(self, member) -> bool:
        with self._turns:
            if member not in self._members or self._stopped.is_set():
                return False
            self._current = member
        try:
            return bool(member.take_turn())
        except Exception:  # one bad hall's turn never stops the others'
            log.exception("%s: a hall's turn failed", self.name)
            return False
        finally:
            with self._turns:
                self._current = None
                self._turns.notify_all()

    def start(self, start_task: Callable[..., Any] | None = None) -> None:
        """On `start_task` (the server's background-task starter), else a thread of its own."""
        self._stopped.clear()
        if start_task is not None:
            self._task = start_task(self.run)
        else:
            self._task = threading.Thread(target=self.run, name=self.name, daemon=True)
            self._task.start()

    def stop(self) -> None:
        """Ends the loop; returns once the turn under way has ended."""
        self._stopped.set()
        self._wake.set()
        if self._task is not None and hasattr(self._task, "join"):
            self._task.join()
        self._task = None
