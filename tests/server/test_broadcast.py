"""Broadcasts reach every board: websocket boards and boards upgraded from long-polling get
every message in order, and a board that stops reading holds up no one and loses nothing."""

from __future__ import annotations

import json
import socket
import struct
import time
from concurrent.futures import ThreadPoolExecutor

import socketio

from bench.hall_listeners import masked_frame, upgrade_request
from client.hall_client import wait_until
from tests.server.test_live import Board, clerk_session, issue, live_hall  # noqa: F401 (fixture)

BOARD_EVENTS = ("ticket_issued", "ticket_called", "ticket_changed", "window_changed", "queue_changed")


def seqs_in_order(board: Board) -> bool:
    seqs = [payload["seq"] for _, payload in board.messages]
    return seqs == sorted(seqs)


def events_after_snapshot(board: Board) -> list[tuple[str, int, int | None]]:
    return [(name, payload["seq"], payload.get("ticket", {}).get("id"))
            for name, payload in board.messages if name != "hall_snapshot"]


def test_websocket_and_upgraded_boards_all_get_every_message_in_order(live_hall) -> None:
    direct = [Board(live_hall.url, live_hall.tokens["board"]) for _ in range(6)]
    polled = Board(live_hall.url, live_hall.tokens["board"], transports=None)   # long-polling first, as a browser connects
    boards = direct + [polled]
    assert wait_until(lambda: all(b.of("hall_snapshot") for b in boards))
    for _ in range(24):
        issue(live_hall)

    def calls(n: int) -> None:   # four clerks calling at once: publishes come from four threads
        session = clerk_session(live_hall, n)
        for _ in range(4):
            called = session.post(f"{live_hall.url}/api/v1/windows/{n}/call-next", timeout=10)
            assert called.status_code == 200, called.text
            for step in ("start", "finish"):   # the window is free for its next call
                done = session.post(f"{live_hall.url}/api/v1/tickets/{called.json()['ticket']['id']}/{step}",
                                    json={}, timeout=10)
                assert done.status_code == 200, done.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(calls, range(1, 5)))
    assert wait_until(lambda: all(len(b.of("ticket_called")) == 16 for b in boards), timeout=10)
    time.sleep(0.3)   # anything still on its way would show up as a difference below
    reference = events_after_snapshot(direct[0])
    assert len({ticket for name, _, ticket in reference if name == "ticket_called"}) == 16
    for board in boards:
        assert seqs_in_order(board)
        assert events_after_snapshot(board) == reference
    for board in boards:
        board.client.disconnect()


class StalledBoard:
    """A raw websocket board that joins the hall and then stops reading, as a frozen screen."""

    def __init__(self, url: str, token: str):
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)   # fills quickly
        self.sock.connect((host, int(port)))
        self.sock.sendall(upgrade_request(host, int(port)))
        self.buffer = b""
        self._read_until(b"\r\n\r\n")
        self.buffer = self.buffer.split(b"\r\n\r\n", 1)[1]
        self.sock.sendall(masked_frame("40" + json.dumps({"token": token})))

    def _read_until(self, marker: bytes) -> None:
        while marker not in self.buffer:
            self.buffer += self.sock.recv(65536)

    def read_events(self, until: int, timeout: float = 20) -> list[dict]:
        """Every event until `until` ticket_issued messages were seen, in the order received."""
        self.sock.settimeout(timeout)
        events, issued = [], 0
        while issued < until:
            frame = self._next_frame()
            if frame.startswith("2"):
                self.sock.sendall(masked_frame("3"))   # the server's heartbeat
            elif frame.startswith("42"):
                name, payload = json.loads(frame[2:])
                if name != "hall_snapshot":
                    events.append({"name": name, **payload})
                issued += name == "ticket_issued"
        return events

    def _next_frame(self) -> str:
        while True:
            if len(self.buffer) >= 2:
                size, start = self.buffer[1] & 0x7F, 2
                if size == 126 and len(self.buffer) >= 4:
                    size, start = struct.unpack_from("!H", self.buffer, 2)[0], 4
                elif size == 127 and len(self.buffer) >= 10:
                    size, start = struct.unpack_from("!Q", self.buffer, 2)[0], 10
                if size < 126 or start > 2:
                    if len(self.buffer) >= start + size:
                        text = self.buffer[start:start + size].decode()
                        self.buffer = self.buffer[start + size:]
                        return text
            self.buffer += self.sock.recv(65536)


def test_a_board_that_stops_reading_holds_up_no_one_and_loses_nothing(live_hall) -> None:
    stalled = StalledBoard(live_hall.url, live_hall.tokens["board"])
    board = None
    try:   # closed even when an assertion fails: a socket the server reset must not wait for the collector
        board = Board(live_hall.url, live_hall.tokens["board"])
        assert wait_until(lambda: board.of("hall_snapshot"))
        issued, slowest = [], 0.0
        for _ in range(150):
            began = time.monotonic()
            issued.append(issue(live_hall)["id"])
            slowest = max(slowest, time.monotonic() - began)
        assert wait_until(lambda: len(board.of("ticket_issued")) == 150, timeout=20)
        # a send that waited on the stalled board's full buffer would hold its request (and every
        # request behind it) for as long as the board does not read: seconds, or for ever. Each
        # reply is timed on its own, so a loaded machine's slower replies do not add up to a failure
        assert slowest < 5, f"an issue waited {slowest:.1f} s"
        events = stalled.read_events(until=150)
        assert [e["ticket"]["id"] for e in events if e["name"] == "ticket_issued"] == issued
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs)
        heard = [(e["name"], e["seq"]) for e in events if e["name"] in BOARD_EVENTS]   # what Board listens to
        assert heard == [(n, p["seq"]) for n, p in board.messages[1:len(heard) + 1]]
    finally:
        stalled.sock.close()
        if board is not None:
            board.client.disconnect()


# --- what a connected board keeps on the server ---------------------------------------------------
