"""A network "printer" on 127.0.0.1: it keeps every byte it receives, with the moments the
first and the last byte of each connection came in, and can answer real-time status
requests, or stall like a jammed printer.

The transport tests, the kiosk tests and the kiosk benchmark (bench/kiosk_latency.py) print
to it; it is also a way to try a kiosk without a printer on the desk.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

DLE_EOT = b"\x10\x04"


@dataclass(frozen=True)
class ReceivedJob:
    """One connection's bytes; times are time.perf_counter() values of this process."""

    data: bytes
    first_byte: float | None   # None: the connection closed without sending anything
    last_byte: float | None


class LoopbackPrinter:
    """Serves connections one at a time, as most 9100 printers do.

    answers:     status reply per DLE EOT n (e.g. {1: 0x12, 4: 0x12}); None = never answer.
    stall:       accept connections but never read from them (a jammed or busy printer).
    stall_after: read this many bytes of each connection, then nothing more (a printer
                 that jams in the middle of a slip); the connection is held open.
    """

    def __init__(self, answers: dict[int, int] | None = None, stall: bool = False,
                 stall_after: int | None = None):
        self.answers = answers
        self.stall = stall
        self.stall_after = stall_after
        self.jobs: list[bytes] = []
        self.received: list[ReceivedJob] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        if stall or stall_after is not None:
            # a small receive window so a stalled printer fills up quickly
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.url = f"network://127.0.0.1:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._held: list[socket.socket] = []
        self.done = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self.listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            if self.stall:
                self._held.append(conn)   # keep it open, read nothing
                continue
            if self.stall_after is not None:
                self._held.append(conn)   # jammed mid-slip: it never reads the rest
                self._keep(self._receive(conn, limit=self.stall_after))
                continue
            with conn:
                self._keep(self._receive(conn))
            self.done.set()

    def _keep(self, job: ReceivedJob) -> None:
        self.received.append(job)
        self.jobs.append(job.data)

    def _receive(self, conn: socket.socket, limit: int | None = None) -> ReceivedJob:
        conn.settimeout(5)
        received = bytearray()
        first = last = None
        answered = 0
        while not self._stopping.is_set() and (limit is None or len(received) < limit):
            try:
                chunk = conn.recv(65536 if limit is None else min(65536, limit - len(received)))
            except (TimeoutError, ConnectionError):
                break
            if not chunk:
                break
            last = time.perf_counter()
            first = first or last
            received += chunk
            answered = self._answer(conn, received, answered)
        return ReceivedJob(bytes(received), first, last)

    def _answer(self, conn: socket.socket, received: bytearray, answered: int) -> int:
        if self.answers is None:
            return answered
        requests = received.count(DLE_EOT)
        start = 0
        for index in range(requests):
            start = received.index(DLE_EOT, start) + 2
            if index < answered or start >= len(received):
                continue
            reply = self.answers.get(received[start])
            if reply is not None:
                conn.sendall(bytes((reply,)))
            answered = index + 1
        return answered
