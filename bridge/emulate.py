"""Emulated hall devices on a TCP port, as a serial server on the LAN would present them: the
bridge opens `socket://HOST:PORT` and talks to them byte for byte. For demos (a keypad you type
keys into, a strip that prints what it shows) and for the tests.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Callable

from . import frames

log = logging.getLogger(__name__)

#: the FUNC an emulated keypad sends its keys with (any FUNC but 0x11 is a key frame)
KEY_FUNC = 0x05


class DeviceServer:
    """Listens on `host:port`; serves one connection (the bridge) at a time; every byte it
    receives is decoded by `reader` and each decoded item handed to `received`."""

    def __init__(self, reader_type, host: str = "127.0.0.1", port: int = 0):
        self.reader_type = reader_type
        self.listener = socket.create_server((host, port))
        self.listener.settimeout(0.1)
        self.host, self.port = self.listener.getsockname()[:2]
        self.items: list = []            # every frame and skipped run, in order
        self.arrived: list[float] = []    # when each of them arrived (time.monotonic)
        self.raw = bytearray()            # every byte received, as it came
        self.connections = 0
        self._conn: socket.socket | None = None
        self._lock = threading.RLock()   # predicates given to wait_for read under it too
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"device-{self.port}", daemon=True)
        self.on_item: Callable[[object], None] = lambda item: None

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def start(self) -> "DeviceServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.drop()
        self.listener.close()

    def __enter__(self) -> "DeviceServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def send(self, data: bytes) -> None:
        with self._lock:
            conn = self._conn
        if conn is None:
            raise ConnectionError("no bridge is connected")
        conn.sendall(data)

    def drop(self) -> None:
        """Cut the bridge off, as a serial server that restarts does."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until `predicate()` holds, checked again whenever something arrives."""
        end = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.1)
            with self._lock:
                self._conn = conn
                self.connections += 1
                self._changed.notify_all()
            self._read(conn)

    def _read(self, conn: socket.socket) -> None:
        reader = self.reader_type()
        while not self._stop.is_set() and self._conn is conn:
            try:
                data = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            items = reader.feed(data)
            now = time.monotonic()
            with self._changed:
                self.raw += data
                self.items += items
                self.arrived += [now] * len(items)
                self._changed.notify_all()
            for item in items:
                self.on_item(item)
        with self._lock:
            if self._conn is conn:
                self._conn = None
        conn.close()


class KeypadBus(DeviceServer):
    """Caller keypads and raters (ff68) on one bus."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(frames.Ff68Reader, host, port)

    def press(self, address: int, key: int, func: int = KEY_FUNC) -> bytes:
        frame = frames.Ff68Frame(address, func, bytes((key,))).encode()
        self.send(frame)
        return frame

    def rate(self, address: int, value: int) -> bytes:
        frame = frames.Ff68Frame(address, frames.FUNC_RATER_KEY, bytes((value,))).encode()
        self.send(frame)
        return frame

    def frames_to(self, address: int) -> list[frames.Ff68Frame]:
        return [f for _, f in self.timed_frames_to(address)]

    def timed_frames_to(self, address: int) -> list[tuple[float, frames.Ff68Frame]]:
        """(when it arrived, frame) for each frame sent to `address`."""
        with self._lock:
            return [(at, f) for at, f in zip(self.arrived, self.items)
                    if isinstance(f, frames.Ff68Frame) and f.address == address]


class StripBus(DeviceServer):
    """LED strips (a090) on one bus: what each address shows now."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(frames.A090Reader, host, port)

    def shown(self, address: int) -> str | None:
        drawn = self.drawn(address)
        return drawn[-1].text if drawn else None

    def drawn(self, address: int) -> list[frames.A090Frame]:
        with self._lock:
            return [f for f in self.items if isinstance(f, frames.A090Frame) and f.address == address]


# --- the command line's emulators -----------------------------------------------------------------

#: what the demo keypad's letters send
TYPED_KEYS = {"c": 0x0C, "r": 0x0D, "s": 0x0A, "f": 0x0F}


def typed_keys(text: str) -> list[int]:
    """"12c" → 1, 2, call; "2f" → 2, function (finish). Unknown letters raise ValueError."""
    keys = []
    for char in text.lower():
        if char.isdigit():
            keys.append(int(char))
        elif char in TYPED_KEYS:
            keys.append(TYPED_KEYS[char])
        elif not char.isspace():
            raise ValueError(f"unknown key {char!r}")
    return keys


def describe(item) -> str:
    if isinstance(item, frames.A090Frame):
        return f"strip {item.address}: {item.text}"
    if isinstance(item, frames.Ff68Frame):
        return f"address {item.address} FUNC {item.func:02X} data {item.data.hex(' ').upper() or '-'}"
    return f"skipped {item.reason}: {item.data.hex(' ')}"


def run_keypad(server: KeypadBus, lines, out) -> None:
    """Lines like `1 12c` (address 1 types 1, 2, call) or `rate 33 3`, until the input ends."""
    for line in lines:
        words = line.split()
        try:
            if len(words) == 3 and words[0] == "rate":
                server.rate(int(words[1]), int(words[2]))
            elif len(words) == 2:
                for key in typed_keys(words[1]):
                    server.press(int(words[0]), key)
                    time.sleep(0.6)   # longer than the bridge's retransmission window
            elif words:
                print("? ADDRESS KEYS (digits, c call, r recall, s start, f function) or rate ADDRESS VALUE",
                      file=out, flush=True)
        except (ValueError, ConnectionError) as exc:
            print(f"? {exc}", file=out, flush=True)
