"""One serial port of the hall's bus, through any pyserial URL (`/dev/ttyUSB0`, `rfc2217://…`,
`socket://host:port` for a serial server on the LAN): opened at 8N1, read in a thread of its
own, its frames handed on; a port that disappears is reopened with a growing pause. Writes
while it is closed are dropped, never kept for later: a strip or keypad shows what is true
when it is back.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Callable

import serial

from .config import Port
from .frames import A090Reader, Ff68Reader, Skipped

log = logging.getLogger(__name__)

#: a frame cut short this long is dropped (at 9600 baud a 20-byte frame takes 21 ms)
QUIET_SECONDS = 0.2
FIRST_RETRY, LONGEST_RETRY = 0.2, 5.0
READ_TIMEOUT = 0.05

#: on_frame(bus, frame, arrived): `arrived` is the bus's clock when the frame's bytes came off the port
FrameHandler = Callable[["Bus", object, float], None]
OpenHandler = Callable[["Bus"], None]


def close_link(link: serial.SerialBase) -> None:
    """Close a port and the socket under it. pyserial's socket:// port shuts its connection
    down before closing it and, when the shutdown fails, skips the close and forgets the
    socket: a serial server that reset the connection (or answered a write with a reset)
    leaves it in that state, and the socket would stay open until the garbage collector."""
    held = getattr(link, "_socket", None)   # socket:// and rfc2217:// ports keep it here
    try:
        link.close()
    except (serial.SerialException, OSError):
        pass
    if isinstance(held, socket.socket):
        held.close()   # a no-op when pyserial did close it


def check_url(url: str) -> None:
    """ValueError when pyserial does not know the URL's scheme (checked before anything opens)."""
    serial.serial_for_url(url, do_not_open=True)


class Bus:
    def __init__(self, port: Port, on_frame: FrameHandler, on_open: OpenHandler,
                 clock: Callable[[], float] = time.monotonic):
        self.port = port
        self.on_frame, self.on_open = on_frame, on_open
        self.clock = clock
        self._link: serial.SerialBase | None = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.opened = 0        # how many times the port was opened (reopens count)

    @property
    def name(self) -> str:
        return self.port.name

    @property
    def is_open(self) -> bool:
        return self._link is not None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"bus-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def write(self, data: bytes) -> bool:
        """Send now, or drop (False) when the port is not open."""
        with self._write_lock:
            link = self._link
            if link is None:
                log.warning("port %s is not open: %d bytes not sent", self.name, len(data))
                return False
            try:
                link.write(data)
                return True
            except (serial.SerialException, OSError) as exc:
                log.warning("port %s: write failed: %s", self.name, exc)
                return False

    # --- the port's own thread -------------------------------------------------------------------

    def _run(self) -> None:
        delay, failing = FIRST_RETRY, False
        while not self._stop.is_set():
            link = self._open(quiet=failing)
            if link is None:
                failing = True
                self._stop.wait(delay)
                delay = min(delay * 2, LONGEST_RETRY)
                continue
            failing, delay = False, FIRST_RETRY
            self._serve(link)
            if not self._stop.is_set():
                self._stop.wait(delay)

    def _open(self, quiet: bool) -> serial.SerialBase | None:
        link = None
        try:
            link = serial.serial_for_url(self.port.url, baudrate=self.port.baud, bytesize=serial.EIGHTBITS,
                                         parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                                         timeout=READ_TIMEOUT, do_not_open=True)
            link.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            if link is not None:   # a serial server that resets just after connecting fails the open
                close_link(link)
            if not quiet:   # one line per outage, not one per retry
                log.warning("port %s (%s) cannot be opened, retrying: %s", self.name, self.port.url, exc)
            return None
        log.info("port %s (%s) open", self.name, self.port.url)
        return link

    def _serve(self, link: serial.SerialBase) -> None:
        reader = Ff68Reader() if self.port.protocol == "ff68" else A090Reader()
        with self._write_lock:
            self._link = link
        self.opened += 1
        try:
            self._safely(self.on_open, self)
            self._read(link, reader)
        except (serial.SerialException, OSError) as exc:
            log.warning("port %s lost, reopening: %s", self.name, exc)
        finally:
            with self._write_lock:
                self._link = None
            close_link(link)

    def _read(self, link: serial.SerialBase, reader) -> None:
        last = self.clock()
        while not self._stop.is_set():
            data = self._available(link)
            now = self.clock()
            if data:
                last = now
                items = reader.feed(data)
            elif reader.buffer and now - last > QUIET_SECONDS:
                items = reader.expire()
            else:
                continue
            for item in items:
                if isinstance(item, Skipped):
                    log.warning("port %s: skipped %d bytes, %s: %s", self.name, len(item.data), item.reason,
                                item.data.hex(" "))
                else:
                    self._safely(self.on_frame, self, item, now)

    @staticmethod
    def _available(link: serial.SerialBase) -> bytes:
        """What has arrived: the first byte waited for (up to READ_TIMEOUT), the rest taken as it
        is — read(n) would wait out the timeout for n bytes and hold every echo back."""
        data = link.read(1)
        while data and len(data) < 4096:
            waiting = link.in_waiting
            if not waiting:
                break
            data += link.read(waiting)
        return data

    def _safely(self, handler, *args) -> None:
        """A handler's failure is logged; it never stops the port."""
        try:
            handler(*args)
        except Exception:
            log.exception("port %s: handling failed", self.name)
