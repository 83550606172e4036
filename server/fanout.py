"""One frame for the whole hall: live messages written straight to each board's websocket.

Why: in the threading mode Engine.IO gives every websocket its own writer thread fed by a
queue. A broadcast to N boards is N queue puts, each waking a thread that then takes the GIL
from the publisher. Measured with 1,000 boards on 2 cores, ~80 % of the server's GIL time went
to those hand-offs (Condition.notify / Condition.wait) and ~4 % to writing to sockets, and the
call-next reply waited for all of them.

Here a message to a board whose queue is empty is framed once for all boards (server frames
are not masked, so every board gets the same bytes) and written from the publishing thread with
a send that never blocks. Everything else goes through the board's writer thread as before: a
board with packets still queued or being written, a socket whose buffer is full, a connection
upgraded from long-polling (its queue is drained by HTTP polls too). A board therefore still
gets its messages in the order they were sent, and a slow board never holds up the others.
"""

from __future__ import annotations

import logging
import queue
import socket
import struct
import threading
from importlib import metadata

from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

log = logging.getLogger(__name__)


class RawFrame(bytes):
    """The unsent end of a frame that a direct write could only start: the writer finishes it."""

    def encode(self) -> "RawFrame":   # the writer thread sends `item.encode()`
        return self


def text_frame(text: str) -> bytes:
    """A final, unmasked websocket text frame (RFC 6455 §5.2), as a server sends it."""
    data = text.encode()
    size = len(data)
    if size < 126:
        return struct.pack("!BB", 0x81, size) + data
    if size < 65536:
        return struct.pack("!BBH", 0x81, 126, size) + data
    return struct.pack("!BBQ", 0x81, 127, size) + data


def frame_of(item) -> bytes | None:
    """The frame of an Engine.IO text message, built once per packet: a room broadcast hands
    the same packet object to every board."""
    if not isinstance(item, eio_packet.Packet) or item.packet_type != eio_packet.MESSAGE or item.binary:
        return None
    frame = item.__dict__.get("_hall_frame")
    if frame is None:
        frame = item._hall_frame = text_frame(item.encode())
    return frame


class BoardQueue(queue.Queue):
    """An Engine.IO socket's send queue that first offers each message to a direct write.

    `unsent` counts the packets put here that the writer thread has not finished sending;
    while it is above zero every message queues behind them, which keeps each board's order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.board: BoardWebSocket | None = None
        self.unsent = 0
        self.counting = threading.Lock()

    def put(self, item, block=True, timeout=None) -> None:
        if item is not None:
            if self.board is not None and self.board.write_now(item):
                return
            self.count(+1)
        super().put(item, block, timeout)

    def put_remainder(self, rest: bytes) -> None:
        self.count(+1)
        super().put(RawFrame(rest))

    def count(self, change: int) -> None:
        with self.counting:
            self.unsent += change


class BoardWebSocket(SimpleWebSocketWSGI):
    """Engine.IO's websocket wrapper, with a lock that orders the writer thread's sends and the
    direct writes of broadcasts on one socket."""

    def __init__(self, handler, server, **kwargs):
        super().__init__(self._attaching(handler), server, **kwargs)
        self.lock = threading.Lock()
        self.queue: BoardQueue | None = None

    def _attaching(self, handler):
        def run(ws):
            self._attach(getattr(handler, "__self__", None))
            return handler(ws)
        return run

    def _attach(self, eio_socket) -> None:
        board_queue = getattr(eio_socket, "queue", None)
        sock = getattr(self.ws, "sock", None)
        # only a websocket from the start: an upgraded one still has HTTP polls draining its queue;
        # only a blocking socket: on one with a timeout Python would wait for room instead
        if isinstance(board_queue, BoardQueue) and not eio_socket.connected \
                and isinstance(sock, socket.socket) and sock.gettimeout() is None:
            self.queue = board_queue
            board_queue.board = self

    def write_now(self, item) -> bool:
        """Write `item` straight away if nothing is ahead of it; False to queue it instead."""
        frame = frame_of(item)
        if frame is None or not self.lock.acquire(blocking=False):
            return False   # the writer thread is sending on this socket: queue behind it
        try:
            if self.queue.unsent or not self.ws.connected:
                return False
            try:
                sent = self.ws.sock.send(frame, socket.MSG_DONTWAIT)
            except OSError:   # full (nothing went out) or broken: the writer meets it as before
                return False
            if sent < len(frame):
                self.queue.put_remainder(frame[sent:])
            return True
        finally:
            self.lock.release()

    def send(self, message) -> None:
        with self.lock:
            try:
                if isinstance(message, RawFrame):
                    self.ws.sock.sendall(message)
                else:
                    super().send(message)
            finally:
                if self.queue is not None:
                    self.queue.count(-1)

    def close(self) -> None:
        with self.lock:   # no direct write may follow the close frame
            super().close()


#: the python-engineio releases whose threading driver (its queue and websocket classes) this
#: was written and tested against; requirements.lock pins one of them
KNOWN_ENGINEIO = ("4.15.",)


def install(eio_server) -> None:
    """Use board queues and websockets on this Engine.IO server (threading mode only). On an
    Engine.IO release it was not tested with, the server keeps Engine.IO's own classes: slower
    fan-out, the same messages."""
    if eio_server.async_mode != "threading":
        return
    version = metadata.version("python-engineio")
    if not version.startswith(KNOWN_ENGINEIO):
        log.warning("python-engineio %s is not one the direct fan-out was tested with (%s): "
                    "broadcasts go through each board's writer thread", version, ", ".join(KNOWN_ENGINEIO))
        return
    eio_server._async = {**eio_server._async, "queue": BoardQueue, "websocket": BoardWebSocket}
