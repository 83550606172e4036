"""Many board-like live connections in one process: a minimal Socket.IO v5 client over
Engine.IO v4 websockets, on asyncio.

A python-socketio client holds several threads per connection, so a thousand boards would
cost the measuring process more than the server it measures. Here each connection is one
asyncio protocol object: the HTTP upgrade, websocket text frames, the Engine.IO ping ("2")
answered with a pong ("3"), the namespace connect ("40{auth}") and event packets
("42[name, payload]"). Only what a board does is spoken: no binary packets, no acks. A
listener connects as the project's pages do, asking for a commit's messages as one bundle
(its connect options say so: {"bundle": true}), and finds a call inside one.

The event loop runs in its own thread, so the measuring thread can make HTTP calls with
`requests` meanwhile; the two meet only in `Tally`. Thousands of listeners parse thousands of
frames a second, and a thread of the same process waits for the interpreter lock meanwhile:
`ListenersApart` runs them in a process of their own, so the process that times requests
does nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import json
import multiprocessing
import os
import struct
import threading
import time
from collections import defaultdict

TEXT, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x0, 0x8, 0x9, 0xA
SNAPSHOT, CALLED, BUNDLED = '42["hall_snapshot",', '42["ticket_called",', '42["bundle",'
CALLED_INSIDE = '["ticket_called",'   # a call among a bundle's messages
DECODER = json.JSONDecoder()
CONNECT_BATCH = 50        # connections opened at once: the server sends each a snapshot
CONNECT_TIMEOUT = 30.0


class Tally:
    """Which listener received which call, and when; shared between the loop and the caller."""

    def __init__(self, listeners: int):
        self.listeners = listeners
        self.received: dict[int, list[float]] = defaultdict(list)   # ticket id → receipt times
        self.messages = [0] * listeners       # frames (a message, or a commit's bundle) per listener
        self.lock = threading.Condition()

    def called(self, ticket_id: int, at: float) -> None:
        with self.lock:
            times = self.received[ticket_id]
            times.append(at)
            if len(times) == self.listeners:
                self.lock.notify_all()

    def wait_for_call(self, ticket_id: int, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: len(self.received[ticket_id]) >= self.listeners, timeout)

    def wait_until_quiet(self, quiet: float = 0.05, timeout: float = 10.0) -> None:
        """Until every listener has seen as many messages as the others and none came for `quiet`
        seconds: the previous command's broadcasts are out before the next call is timed."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            now = (min(self.messages), max(self.messages))
            if now == last and now[0] == now[1]:
                return
            last = now
            time.sleep(quiet)

    def wait_until_still(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Until no listener received anything for `quiet` seconds: for listeners of different
        kinds, which hear different numbers of messages (wait_until_quiet's equal counts never come)."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            now = sum(self.messages)
            if now == last:
                return
            last = now
            time.sleep(quiet)


def masked_frame(text: str, opcode: int = TEXT) -> bytes:
    """A client → server frame: clients must mask (RFC 6455 §5.3)."""
    data = text.encode()
    mask = os.urandom(4)
    size = len(data)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def upgrade_request(host: str, port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n").encode()


class HallListener(asyncio.Protocol):
    """One board: connects with a device token, waits for its snapshot, notes every call."""

    def __init__(self, number: int, auth: dict, address: tuple[str, int], tally: Tally):
        self.number, self.auth, self.address, self.tally = number, auth, address, tally
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.ready = asyncio.get_running_loop().create_future()   # done at the hall snapshot
        self.closed = False

    # --- transport --------------------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(upgrade_request(*self.address))

    def connection_lost(self, exc) -> None:
        self.closed = True
        self._fail(ConnectionError(f"listener {self.number}: connection lost ({exc})"))

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()   # first: a receipt is timed when its bytes arrive
        self.buffer += data
        if not self.upgraded and not self._read_upgrade():
            return
        for opcode, payload in self._frames():
            self._on_frame(opcode, payload, at)

    def send(self, text: str) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(text))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame("", CLOSE))
            self.transport.close()

    # --- websocket framing --------------------------------------------------------------------------

    def _read_upgrade(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        status = bytes(self.buffer[:end]).split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            self._fail(ConnectionError(f"listener {self.number}: upgrade refused: {status!r}"))
            self.transport.close()
            return False
        del self.buffer[:end + 4]
        self.upgraded = True
        return True

    def _frames(self):
        """Whole frames from the buffer (server frames are never masked)."""
        buf = self.buffer
        while len(buf) >= 2:
            first, size = buf[0], buf[1] & 0x7F
            start = 2
            if size == 126:
                if len(buf) < 4:
                    return
                size, start = struct.unpack_from("!H", buf, 2)[0], 4
            elif size == 127:
                if len(buf) < 10:
                    return
                size, start = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < start + size:
                return
            payload = bytes(buf[start:start + size])
            del buf[:start + size]
            yield first, payload

    def _on_frame(self, first: int, payload: bytes, at: float) -> None:
        opcode, final = first & 0x0F, first & 0x80
        if opcode in (TEXT, CONTINUATION):
            self.fragments.append(payload)
            if final:
                text = b"".join(self.fragments).decode()
                self.fragments = []
                self._on_packet(text, at)
        elif opcode == PING:
            self.transport.write(masked_frame(payload.decode(errors="replace"), PONG))
        elif opcode == CLOSE:
            self.transport.close()

    # --- Engine.IO and Socket.IO packets ---------------------------------------------------------------

    def _on_packet(self, text: str, at: float) -> None:
        kind = text[:1]
        if kind == "0":                       # Engine.IO open: join the default namespace
            self.send("40" + json.dumps(self.auth))
        elif kind == "2":                     # the server's heartbeat
            self.send("3")
        elif text.startswith("42"):
            self._on_event(text, at)
        elif text.startswith("44"):
            self._fail(ConnectionError(f"listener {self.number}: refused: {text[2:]}"))

    def _on_event(self, text: str, at: float) -> None:
        """Only a snapshot and a call are decoded: a thousand boards decoding every message
        would make this process, not the server, the slowest part of the hall."""
        self.tally.messages[self.number] += 1
        if text.startswith(SNAPSHOT) and not self.ready.done():
            self.ready.set_result(json.loads(text[2:])[1].get("seq"))
        elif text.startswith(CALLED):
            self._called(json.loads(text[2:])[1], at)
        elif text.startswith(BUNDLED):
            self._called_in_bundle(text, at)

    def _called_in_bundle(self, text: str, at: float) -> None:
        for payload in calls_in_bundle(text):
            self._called(payload, at)

    def _called(self, payload: dict, at: float) -> None:
        if not payload.get("recall"):
            self.tally.called(payload["ticket"]["id"], at)

    def _fail(self, exc: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc)


def calls_in_bundle(text: str) -> list[dict]:
    """The calls inside a bundle's frame: only their payloads are decoded, not the window's and
    the waiting figures' around them (a thousand boards decoding whole bundles would time this
    process, not the server). Inside a JSON string the name's quotes are escaped, so only a
    message's name matches."""
    found, start = [], text.find(CALLED_INSIDE)
    while start >= 0:
        payload, end = DECODER.raw_decode(text, start + len(CALLED_INSIDE))
        found.append(payload)
        start = text.find(CALLED_INSIDE, end)
    return found


class HallListeners:
    """`count` listeners on their own event loop thread; use as a context manager. `token` is
    every listener's, or a list with one per listener (boards, window screens, clerks and
    phones together); `narrowed` the zone or window each says it shows ({"zone": "*"}), one
    for all or one per listener; `batch` listeners connect at once."""

    def __init__(self, url: str, token: str | list[str], count: int, batch: int = CONNECT_BATCH,
                 narrowed: dict | list[dict] | None = None, batch_timeout: float = CONNECT_TIMEOUT):
        host, port = url.removeprefix("http://").split(":")
        self.address, self.count, self.batch = (host, int(port)), count, batch
        self.batch_timeout = batch_timeout   # seconds for one batch to connect
        self.tokens = token if isinstance(token, list) else [token] * count
        self.narrowed = narrowed if isinstance(narrowed, list) else [narrowed or {}] * count
        if len(self.tokens) != count or len(self.narrowed) != count:
            raise ValueError(f"{count} listeners need {count} tokens and connect options")
        self.tally = Tally(count)
        self.listeners: list[HallListener] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="hall-listeners", daemon=True)

    def __enter__(self) -> "HallListeners":
        self.thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._connect_all(), self.loop).result(
                self.batch_timeout * (1 + self.count // self.batch) + self.count / 10)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self._close_all(), self.loop).result(30)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    async def _connect_all(self) -> None:
        """In batches: a thousand upgrades at once would overrun the server's listen queue."""
        for first in range(0, self.count, self.batch):
            batch = range(first, min(first + self.batch, self.count))
            await asyncio.wait_for(asyncio.gather(*(self._connect(n) for n in batch)), self.batch_timeout)

    async def _connect(self, number: int) -> None:
        loop = asyncio.get_running_loop()
        _, listener = await loop.create_connection(
            lambda: HallListener(number, {"token": self.tokens[number]} | self.narrowed[number],
                                 self.address, self.tally), *self.address)
        self.listeners.append(listener)
        await listener.ready

    async def _close_all(self) -> None:
        for listener in self.listeners:
            listener.close()
        await asyncio.sleep(0.2)   # let the close frames leave before the loop stops

    def connected(self) -> int:
        """Listeners still connected that got their snapshot."""
        return sum(1 for l in self.listeners if l.ready.done() and not l.ready.exception() and not l.closed)


# --- listeners in a process of their own -------------------------------------------------------------

class ListenersApart:
    """HallListeners (same arguments) in a child process, driven over a pipe: the connected
    count (listeners that have their snapshot) and the messages each listener heard come back
    as numbers. Receipt times stay in the child: what is timed in the caller's process is
    timed there alone."""

    def __init__(self, url: str, token: str | list[str], count: int, batch: int = CONNECT_BATCH,
                 narrowed: dict | list[dict] | None = None, batch_timeout: float = CONNECT_TIMEOUT):
        self.count = count
        self.wait_s = batch_timeout * (1 + count // batch) + count / 10 + 60   # + the child's start
        context = multiprocessing.get_context("spawn")   # no copy of the caller's threads and sockets
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(target=listen_apart, name="hall-listeners", daemon=True,
                                       args=(child_end, url, token, count, batch, narrowed, batch_timeout))
        self.connect_s = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def __enter__(self) -> "ListenersApart":
        self.process.start()
        try:
            self.connect_s = self._answer(self.wait_s)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process.is_alive():
            try:
                self.pipe.send(("close",))
            except OSError:
                pass   # the child has gone already
            self.process.join(40)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(10)
        self.pipe.close()

    def connected(self) -> int:
        """Listeners still connected that got their snapshot."""
        return self._ask("connected")

    def messages_when_still(self) -> list[int]:
        """Messages heard per listener, once none came for a while (Tally.wait_until_still)."""
        return self._ask("still")

    def _ask(self, command: str, timeout: float = 60.0):
        self.pipe.send((command,))
        return self._answer(timeout)

    def _answer(self, timeout: float):
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"the listeners' process did not answer within {timeout:.0f} s")
        kind, value = self.pipe.recv()
        if kind == "failed":
            raise ConnectionError(value)
        return value


def listen_apart(pipe, url: str, token: str | list[str], count: int, batch: int,
                 narrowed: dict | list[dict] | None, batch_timeout: float) -> None:
    """The child of ListenersApart: connect, report the seconds it took, answer until "close"."""
    began = time.perf_counter()
    try:
        listeners = HallListeners(url, token, count, batch, narrowed, batch_timeout).__enter__()
    except Exception as exc:   # reported to the caller, who raises it
        pipe.send(("failed", f"{type(exc).__name__}: {exc}"[:300]))
        return
    try:
        pipe.send(("ok", time.perf_counter() - began))
        answers = {"connected": listeners.connected,
                   "still": lambda: (listeners.tally.wait_until_still(), list(listeners.tally.messages))[1]}
        while (command := pipe.recv()[0]) != "close":
            pipe.send(("ok", answers[command]()))
    finally:
        listeners.__exit__()
