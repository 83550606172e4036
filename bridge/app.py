"""The bridge process: the server through client/ (REST and the live channel), the ports
through bus.py, the decisions of presenter.py and keys.py carried out.

Threads: one per port reads frames and answers at once (a keypad's echo must come within
100 ms; how long each answer took is kept in `acknowledgements`); one worker carries out keypad
and rater actions in order, against the server; the live connection's thread redraws strips and
starts raters; a ticker ends rating prompts that waited too long. Nothing is queued for a server
that is away: a key that could not be carried out within a moment gets the refused display and
beep, and is forgotten.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from client.hall_client import ClientError, HallClient, ServerUnreachable

from . import frames
from .bus import Bus
from .config import BridgeConfig, Keypad, Rater
from .keys import Action, KeySequence
from .presenter import HallPresenter, Refused, ShowStrips, StartRater

log = logging.getLogger(__name__)

#: an identical frame again within this long is the device repeating itself, not a new press
RETRANSMISSION_SECONDS = 0.5
#: a key still waiting for the worker after this long is refused, not carried out late
STALE_SECONDS = 2.0
#: how long one REST call may take before the keypad is told the server is unreachable
REQUEST_TIMEOUT = 2.0
TICK_SECONDS = 0.2
#: a keypad wants its frame echoed within this long (docs/hardware.md), else it sends it again
ECHO_SECONDS = 0.1
#: how many of the latest acknowledgements are kept, with how long each took
ACKNOWLEDGEMENTS_KEPT = 200


@dataclass(frozen=True)
class Acknowledgement:
    """A device's frame answered from its port's thread: `arrived` is when the frame came off the
    port, `seconds` how long after that the answer was written, both by the bridge's clock."""
    port: str
    address: int
    answer: bytes
    arrived: float
    seconds: float


@dataclass(frozen=True)
class Job:
    kind: str            # "key" | "rate" | "skip"
    device: Keypad | Rater | None
    value: int
    at: float


class Bridge:
    def __init__(self, config: BridgeConfig, server: str, token: str,
                 clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.clock = clock
        self.presenter = HallPresenter(config)
        self.client = HallClient(server, token, on_message=self._message, on_status=self._status)
        self.buses = {port.name: Bus(port, self._frame, self._opened, clock) for port in config.ports}
        self.keypads = {(k.port, k.address): k for k in config.keypads}
        self.raters = {(r.port, r.address): r for r in config.raters}
        self.sequences = {key: KeySequence() for key in self.keypads}
        self._last_frame: dict[tuple[str, int], tuple[bytes, float]] = {}
        self.acknowledgements: deque[Acknowledgement] = deque(maxlen=ACKNOWLEDGEMENTS_KEPT)
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()          # the presenter, from the live and worker threads
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- lifetime ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        for target, name in ((self._work, "bridge-worker"), (self._tick, "bridge-ticker")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        for bus in self.buses.values():
            bus.start()
        self.client.start()

    def stop(self) -> None:
        self._stop.set()
        self._jobs.put(None)
        self.client.stop()
        for bus in self.buses.values():
            bus.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    # --- frames from the bus (the port's thread: answer now, act later) ---------------------------

    def _frame(self, bus: Bus, frame: Any, arrived: float) -> None:
        if not isinstance(frame, frames.Ff68Frame):
            log.warning("port %s: a strip sent a frame (address %d): ignored", bus.name, frame.address)
            return
        where = (bus.name, frame.address)
        if where in self.raters and frame.func == frames.FUNC_RATER_KEY and frame.data:
            self._acknowledge(bus, frame, frames.rater_ack(frame.address, frame.data[-1]).encode(), arrived)
            if not self._repeated(where, frame, arrived):
                self._jobs.put(Job("rate", self.raters[where], frame.data[-1], arrived))
        elif where in self.keypads and frame.func != frames.FUNC_RATER_KEY:
            # the keypad's acknowledgement is its own frame echoed
            self._acknowledge(bus, frame, frame.encode(), arrived)
            if not self._repeated(where, frame, arrived) and frame.key is not None:
                self._jobs.put(Job("key", self.keypads[where], frame.key, arrived))
        else:
            log.warning("port %s: frame from unknown device (address %d, FUNC %#04x): skipped",
                        bus.name, frame.address, frame.func)

    def _acknowledge(self, bus: Bus, frame: frames.Ff68Frame, answer: bytes, arrived: float) -> None:
        """Answer at once, before anything is asked of the server; a late answer is logged, as a
        keypad that waited too long repeats its frame."""
        bus.write(answer)
        seconds = self.clock() - arrived
        self.acknowledgements.append(Acknowledgement(bus.name, frame.address, answer, arrived, seconds))
        if seconds > ECHO_SECONDS:
            log.warning("port %s: address %d answered %.0f ms after its frame came in (devices wait %.0f ms)",
                        bus.name, frame.address, seconds * 1000, ECHO_SECONDS * 1000)

    def _repeated(self, where: tuple[str, int], frame: frames.Ff68Frame, arrived: float) -> bool:
        raw = frame.encode()
        last = self._last_frame.get(where)
        self._last_frame[where] = (raw, arrived)
        if last is not None and last[0] == raw and arrived - last[1] < RETRANSMISSION_SECONDS:
            log.info("port %s: address %d repeated its frame: acknowledged, acted on once", *where)
            return True
        return False

    def _opened(self, bus: Bus) -> None:
        """A port (re)opened: its strips show the hall as it is now."""
        with self._lock:
            if not self.presenter.synced:
                return
            strips = [s for s in self.config.strips if s.port == bus.name]
            drawn = [self.presenter.strip_frame(s) for s in strips]
        for frame in drawn:
            bus.write(frame.encode())

    # --- the live channel ----------------------------------------------------------------------------

    def _status(self, status: str, reason: str | None) -> None:
        log.info("server %s%s", status, f": {reason}" if reason else "")

    def _message(self, name: str, payload: dict) -> None:
        with self._lock:
            effects = self.presenter.apply(name, payload, self.clock())
            writes = []
            for effect in effects:
                if isinstance(effect, ShowStrips):
                    writes += [(s.port, self.presenter.strip_frame(s)) for s in self.presenter.strips_of(effect.windows)]
                elif isinstance(effect, StartRater):
                    writes.append((effect.rater.port, frames.rater_start(effect.rater.address)))
        for port, frame in writes:
            self.buses[port].write(frame.encode())

    # --- the worker: keys and ratings against the server, in order ----------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            job = self._jobs.get()
            if job is None:
                return
            try:
                self._do(job)
            except Exception:   # one bad job must not end the worker
                log.exception("bridge job %s failed", job)

    def _do(self, job: Job) -> None:
        if job.kind == "key":
            self._key(job)
        elif job.kind == "rate":
            self._rate(job.device, job.value)
        elif job.kind == "skip":
            self._post(f"/api/v1/tickets/{job.value}/evaluation/skip")

    def _key(self, job: Job) -> None:
        keypad: Keypad = job.device
        action = self.sequences[(keypad.port, keypad.address)].press(job.value)
        if action is None:
            return
        if self.clock() - job.at > STALE_SECONDS:
            log.warning("keypad %d at window %d: %s came too late to carry out: refused", keypad.address,
                        keypad.window, action.name)
            return self._show(keypad, None, refused=True)
        try:
            number = self._carry_out(action, keypad.window)
        except (Refused, ClientError, ServerUnreachable) as exc:
            log.warning("keypad %d at window %d: %s refused: %s", keypad.address, keypad.window, action.name,
                        getattr(exc, "message", None) or exc)
            return self._show(keypad, None, refused=True)
        self._show(keypad, number)

    def _carry_out(self, action: Action, window: int) -> str | None:
        with self._lock:
            requests = self.presenter.requests_for(action, window)
        not_found: ClientError | None = None
        for request in requests:
            try:
                reply = self.client.post(request.path, request.body, timeout=REQUEST_TIMEOUT)
            except ClientError as exc:
                if exc.status == 404 and len(requests) > 1:
                    not_found = exc   # not with this prefix: try the next item's
                    continue
                raise
            if action.name == "call_next" and reply.get("ticket") is None:
                raise Refused("没有人等候 / nobody is waiting")
            with self._lock:
                self.presenter.note_reply(window, reply)
            return self.presenter.number_after(reply)
        raise not_found or Refused(f"今天没有 {action.digits} 号 / no ticket {action.digits} today")

    def _show(self, keypad: Keypad, number: str | None, refused: bool = False) -> None:
        bus = self.buses[keypad.port]
        shown = frames.refused_frames(keypad.address) if refused else [frames.display_frame(keypad.address, number)]
        for frame in shown:
            bus.write(frame.encode())

    def _rate(self, rater: Rater, value: int) -> None:
        with self._lock:
            rated = self.presenter.rated(rater, value)
        if rated is None:
            log.warning("rater %d at window %d: value %d with no visit to rate (or not in levels): ignored",
                        rater.address, rater.window, value)
            return
        ticket_id, level = rated
        self._post(f"/api/v1/tickets/{ticket_id}/evaluation", {"rating": level})

    def _post(self, path: str, body: dict | None = None) -> None:
        try:
            self.client.post(path, body, timeout=REQUEST_TIMEOUT)
        except (ClientError, ServerUnreachable) as exc:
            log.warning("%s refused: %s", path, getattr(exc, "message", None) or exc)

    # --- rating prompts that waited too long ------------------------------------------------------

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            with self._lock:
                late = self.presenter.timed_out(self.clock())
            for ticket_id in late:
                self._jobs.put(Job("skip", None, ticket_id, self.clock()))
