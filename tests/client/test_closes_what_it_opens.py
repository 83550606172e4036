"""A hall client closes every socket it opened, also when the server resets a connection in the
middle of a catch-up (a server process killed while it had bytes unread): engine.io ends its read
loop on a reset without closing the websocket, so a socket left behind would be closed by the
garbage collector, with a ResourceWarning, in whatever test ran then."""

from __future__ import annotations

import os
import select
import socket
import struct
import threading

import pytest

from client.hall_client import HallClient
from common.launcher import hall_server
from server import accounts
from server.datadir import open_data_dir
from tests.conftest import small_hall_document, to_toml

pytestmark = pytest.mark.slow


class ResettingLink:
    """A TCP relay to the server that resets the client's connection (RST, not FIN) instead of
    passing on the server's answer to a Socket.IO call: the client hears nothing more, as from
    a server killed at that moment."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.resets = 0
        self.clients: list[tuple[str, int]] = []   # the address each client connected from
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "ResettingLink":
        self._start(self._accept)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.listener.close()

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, address = self.listener.accept()
            except TimeoutError:
                continue
            self.clients.append(address)
            self._start(self._relay, client, socket.create_connection(self.target, timeout=5))

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        """Both directions in one thread (a socket another thread is reading from would not be
        reset when closed): the client's bytes as they are; the server's HTTP upgrade answer,
        then its websocket frames whole, until a Socket.IO ack."""
        buffer, upgraded = b"", False
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([client, server], [], [], 0.1)
                if client in ready:
                    data = client.recv(65536)
                    if not data:
                        return
                    server.sendall(data)
                if server in ready:
                    data = server.recv(65536)
                    if not data:
                        return
                    buffer += data
                    if not upgraded and b"\r\n\r\n" in buffer:
                        head, buffer = buffer.split(b"\r\n\r\n", 1)
                        client.sendall(head + b"\r\n\r\n")
                        upgraded = True
                    while upgraded and (frame := _whole_frame(buffer)) is not None:
                        raw, payload = frame
                        if payload.startswith(b"43"):   # engine.io message, Socket.IO ack
                            self._reset(client)
                            return
                        client.sendall(raw)
                        buffer = buffer[len(raw):]
        except OSError:
            pass
        finally:
            client.close()
            server.close()

    def _reset(self, client: socket.socket) -> None:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        self.resets += 1


def _whole_frame(buffer: bytes) -> tuple[bytes, bytes] | None:
    """(the frame's bytes, its payload) when `buffer` starts with a whole unmasked frame."""
    if len(buffer) < 2:
        return None
    size, start = buffer[1] & 0x7F, 2
    if size == 126:
        if len(buffer) < 4:
            return None
        size, start = struct.unpack_from("!H", buffer, 2)[0], 4
    elif size == 127:
        if len(buffer) < 10:
            return None
        size, start = struct.unpack_from("!Q", buffer, 2)[0], 10
    if len(buffer) < start + size:
        return None
    return buffer[:start + size], buffer[start:start + size]


def open_sockets_from(addresses: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Which of `addresses` a socket this process holds open is still bound to."""
    bound = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            with socket.socket(fileno=os.dup(int(fd))) as copy:
                bound.append(copy.getsockname())
        except OSError:
            pass   # closed since it was listed, or not an internet socket
    return [address for address in addresses if address in bound]


@pytest.fixture
def board_hall(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    data = open_data_dir(tmp_path / "var", config)
    token = accounts.add_device(data.database, data.hall_id, "board", "display").token
    data.close()
    server = hall_server(tmp_path / "var", config).start()
    yield server, token
    server.stop()


def test_a_catch_up_reset_by_its_server_leaves_no_socket_open(board_hall) -> None:
    server, token = board_hall
    with ResettingLink(server.port) as link:
        client = HallClient(link.url, token, timeout=2)
        try:
            client._catch_up(0, 1)   # what a board does when a snapshot shows it missed messages
            assert link.resets == 1, "the server's answer was cut off by a reset"
            assert len(link.clients) == 1
            assert open_sockets_from(link.clients) == [], "the catch-up's socket was closed, not left to the collector"
        finally:
            client.stop()
