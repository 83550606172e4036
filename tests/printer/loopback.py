"""A network "printer" on 127.0.0.1 for the transport tests: it records every byte it
receives and can answer real-time status requests, or stall like a jammed printer."""

from __future__ import annotations

import socket
import threading

DLE_EOT = b"\x10\x04"


class LoopbackPrinter:
    """Serves connections one at a time, as most 9100 printers do.

    answers: status reply per DLE EOT n (e.g. {1: 0x12, 4: 0x12}); None = never answer.
    stall:   accept connections but never read from them (a jammed or busy printer).
    """

    def __init__(self, answers: dict[int, int] | None = None, stall: bool = False):
        self.answers = answers
        self.stall = stall
        self.jobs: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        if stall:
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
            with conn:
                self.jobs.append(self._receive(conn))
            self.done.set()

    def _receive(self, conn: socket.socket) -> bytes:
        conn.settimeout(5)
        received = bytearray()
        answered = 0
        while not self._stopping.is_set():
            try:
                chunk = conn.recv(65536)
            except (TimeoutError, ConnectionError):
                break
            if not chunk:
                break
            received += chunk
            answered = self._answer(conn, received, answered)
        return bytes(received)

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
