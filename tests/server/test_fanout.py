"""Broadcasts written straight to each board (server/fanout.py): the frames, then real boards
on a real server: every board gets every message once and in order, whether its messages go
out directly or through its writer thread, and a board that stops reading holds up no one."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio
from engineio import packet as eio_packet

from bench.hall_listeners import masked_frame, upgrade_request
from client.hall_client import wait_until
from server.fanout import BoardQueue, BoardWebSocket, RawFrame, frame_of, text_frame
from tests.server.test_live import Board, clerk_session, issue, live_hall  # noqa: F401 (fixture)


BOARD_EVENTS = ("ticket_issued", "ticket_called", "ticket_changed", "window_changed", "queue_changed")


def unframe(frame: bytes) -> tuple[int, str]:
    size, start = frame[1] & 0x7F, 2
    if size == 126:
        size, start = struct.unpack_from("!H", frame, 2)[0], 4
    elif size == 127:
        size, start = struct.unpack_from("!Q", frame, 2)[0], 10
    assert not frame[1] & 0x80 and len(frame) == start + size   # servers never mask
    return frame[0], frame[start:].decode()


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_a_text_frame_carries_its_text_at_every_length_encoding(size) -> None:
    text = "号" * (size // 3) + "x" * (size % 3)
    assert unframe(text_frame(text)) == (0x81, text)


def test_a_message_is_framed_once_and_other_packets_not_at_all() -> None:
    message = eio_packet.Packet(eio_packet.MESSAGE, '2["ticket_called",{"seq":3}]')
    first = frame_of(message)
    assert unframe(first) == (0x81, '42["ticket_called",{"seq":3}]')
    assert frame_of(message) is first   # the same bytes for every board of a broadcast
    assert frame_of(eio_packet.Packet(eio_packet.PING)) is None
    assert frame_of(eio_packet.Packet(eio_packet.MESSAGE, b"\x01binary")) is None


# --- a board whose socket fills up: on a socket pair, with the engine's writer loop ---------------

class FakeEngineWebSocket:
    """What simple-websocket gives the wrapper: a socket, `connected`, and a framing send."""

    def __init__(self, sock: socket.socket):
        self.sock, self.connected = sock, True

    def send(self, text: str) -> None:
        self.sock.sendall(text_frame(text))


def writer_loop(board_queue: BoardQueue, board: BoardWebSocket, seen: list) -> None:
    """Engine.IO's writer thread: take what is queued, `ws.send(item.encode())`, until None."""
    while (item := board_queue.get()) is not None:
        seen.append(type(item))
        board.send(item.encode())


def read_texts(sock: socket.socket, count: int) -> list[str]:
    buffer, texts = b"", []
    while len(texts) < count:
        buffer += sock.recv(1 << 20)
        while len(buffer) >= 10 and len(buffer) >= 10 + struct.unpack_from("!Q", buffer, 2)[0]:
            size = struct.unpack_from("!Q", buffer, 2)[0]
            texts.append(buffer[10:10 + size].decode())
            buffer = buffer[10 + size:]
    return texts


def test_a_full_socket_queues_the_rest_of_a_frame_and_everything_after_it_in_order() -> None:
    server_end, board_end = socket.socketpair()
    board_queue = BoardQueue()
    board = BoardWebSocket(lambda ws: None, None)
    board.ws, board.queue, board_queue.board = FakeEngineWebSocket(server_end), board_queue, board
    messages = [eio_packet.Packet(eio_packet.MESSAGE, f"{n:03d}" + "号" * 30000) for n in range(40)]
    for message in messages:   # ~3.6 MB: far more than a socket pair holds unread
        board_queue.put(message)
    assert board_queue.unsent > 0   # the socket filled: the rest waits for the writer thread
    seen: list = []
    writer = threading.Thread(target=writer_loop, args=(board_queue, board, seen))
    writer.start()
    texts = read_texts(board_end, len(messages))
    board_queue.put(None)
    writer.join(5)
    assert texts == ["4" + m.data for m in messages]   # whole, once each, in order
    assert RawFrame in seen and board_queue.unsent == 0
    server_end.close()
    board_end.close()


# --- real boards on a real server -------------------------------------------------------------------

def seqs_in_order(board: Board) -> bool:
    seqs = [payload["seq"] for _, payload in board.messages]
    return seqs == sorted(seqs)


def events_after_snapshot(board: Board) -> list[tuple[str, int, int | None]]:
    return [(name, payload["seq"], payload.get("ticket", {}).get("id"))
            for name, payload in board.messages if name != "hall_snapshot"]


def test_websocket_and_upgraded_boards_all_get_every_message_in_order(live_hall) -> None:
    direct = [Board(live_hall.url, live_hall.tokens["board"]) for _ in range(6)]
    upgraded = socketio.Client(reconnection=False)   # long-polling first, as a browser connects
    polled = Board.__new__(Board)
    polled.messages, polled.client = [], upgraded
    for name in ("hall_snapshot", *BOARD_EVENTS):
        upgraded.on(name, lambda payload, name=name: polled.messages.append((name, payload)))
    upgraded.connect(live_hall.url, auth={"token": live_hall.tokens["board"]}, wait_timeout=5)
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
    board = Board(live_hall.url, live_hall.tokens["board"])
    assert wait_until(lambda: board.of("hall_snapshot"))
    began = time.monotonic()
    issued = [issue(live_hall)["id"] for _ in range(150)]
    assert wait_until(lambda: len(board.of("ticket_issued")) == 150, timeout=20)
    assert time.monotonic() - began < 20
    events = stalled.read_events(until=150)
    assert [e["ticket"]["id"] for e in events if e["name"] == "ticket_issued"] == issued
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    heard = [(e["name"], e["seq"]) for e in events if e["name"] in BOARD_EVENTS]   # what Board listens to
    assert heard == [(n, p["seq"]) for n, p in board.messages[1:len(heard) + 1]]
    stalled.sock.close()
    board.client.disconnect()


# --- what a connected board keeps on the server ---------------------------------------------------

def test_an_untested_engineio_release_keeps_engineio_s_own_classes(monkeypatch, caplog) -> None:
    from types import SimpleNamespace

    from server import fanout
    original = {"queue": object, "websocket": object}
    server = SimpleNamespace(async_mode="threading", _async=dict(original))
    monkeypatch.setattr(fanout.metadata, "version", lambda name: "9.0.0")
    fanout.install(server)
    assert server._async == original and "not one the direct fan-out was tested with" in caplog.text
    monkeypatch.setattr(fanout.metadata, "version", lambda name: "4.15.1")
    fanout.install(server)
    assert server._async["queue"] is fanout.BoardQueue and server._async["websocket"] is fanout.BoardWebSocket
