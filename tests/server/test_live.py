"""The live protocol: the Flask-SocketIO test client for the event flow, then real
python-socketio clients over real websockets against a real server process."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from client.hall_client import wait_until
from server import accounts
from server.app import create_app
from server.datadir import open_data_dir
from server.app import socketio as server_socketio
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from common.launcher import ServerProcess, hall_server

PASSWORD = "password-1"


# --- in-process: the Flask-SocketIO test client ---------------------------------------------------

@pytest.fixture(params=[False, True], ids=["publish-in-request", "publish-in-background"])
def app(request, tmp_path, small_config_file, seeded):
    app = create_app(seeded(tmp_path / "var", small_config_file), small_config_file, clock=FakeClock(), start_clockwork=False,
                     publish_in_background=request.param)
    hall = app.extensions["jiaohao"]
    app.board = accounts.add_device(hall.database, hall.service.hall_id, "board", "display").token
    app.kiosk = accounts.add_device(hall.database, hall.service.hall_id, "kiosk", "kiosk").token
    add_user(hall.database, hall.service.hall_id, "clerk3", "clerk", PASSWORD)
    yield app
    hall.data.close()


def names(received: list[dict]) -> list[str]:
    return [message["name"] for message in received]


def received_by(client, app) -> list[dict]:
    """What `client` got, once every committed batch was published (at once without a
    background publisher)."""
    publications = app.extensions["jiaohao"].service.publications
    if publications is not None:
        assert publications.wait()
    return client.get_received()


def test_connect_needs_a_token(app) -> None:
    client = server_socketio.test_client(app, auth={"token": "wrong"})
    assert not client.is_connected()
    client = server_socketio.test_client(app)
    assert not client.is_connected()


def test_a_connect_gives_its_database_connection_back_when_the_handler_returns(app) -> None:
    """A board's websocket thread lives as long as the board stays connected: the reads made
    when it connects must not keep a connection (and its page cache) for all that time."""
    database = app.extensions["jiaohao"].database
    database.release()   # the set-up above ran on this thread too
    board = server_socketio.test_client(app, auth={"token": app.board})
    assert names(board.get_received()) == ["hall_snapshot"]
    assert not database.holds_connection()
    board.disconnect()


def test_event_flow_of_an_issue_and_a_call(app) -> None:
    board = server_socketio.test_client(app, auth={"token": app.board})
    first = board.get_received()
    assert names(first) == ["hall_snapshot"] and first[0]["args"][0]["seq"] == 0
    http = app.test_client()
    kiosk = {"Authorization": f"Bearer {app.kiosk}"}
    issued = http.post("/api/v1/tickets", json={"service": "A01"}, headers=kiosk).get_json()
    received = received_by(board, app)
    assert names(received) == ["ticket_issued", "queue_changed"]
    assert received[0]["args"][0]["ticket"]["number"] == issued["number"]
    assert received[1]["args"][0]["services"][0]["waiting"] == 1
    token = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": PASSWORD}).get_json()["token"]
    clerk = {"Authorization": f"Bearer {token}"}
    http.post("/api/v1/windows/3/sign-in", headers=clerk)
    http.post("/api/v1/windows/3/call-next", headers=clerk)
    received = received_by(board, app)
    assert names(received) == ["window_changed", "queue_changed", "ticket_called", "window_changed",
                               "queue_changed"]
    call = received[2]["args"][0]
    assert call["window"] == 3 and call["text"] == "请 A001 号 到 3 号窗口 办理"
    assert call["spoken"] == "请 A 零 零 一 号 到 3 号窗口 办理" and call["recall"] is False
    seqs = [m["args"][0]["seq"] for m in received]
    assert seqs == sorted(seqs) and seqs[-1] == 3
    http.post(f"/api/v1/tickets/{issued['id']}/recall", headers=clerk)
    recall = received_by(board, app)[0]["args"][0]
    assert recall["recall"] is True and recall["text"].startswith("再次呼叫")


def test_a_finished_visit_is_announced_live(app) -> None:
    """A done ticket leaves the open ones; its service_finished still reaches the window screen."""
    http = app.test_client()
    issued = http.post("/api/v1/tickets", json={"service": "A01"},
                       headers={"Authorization": f"Bearer {app.kiosk}"}).get_json()
    token = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": PASSWORD}).get_json()["token"]
    clerk = {"Authorization": f"Bearer {token}"}
    http.post("/api/v1/windows/3/sign-in", headers=clerk)
    http.post("/api/v1/windows/3/call-next", headers=clerk)
    http.post(f"/api/v1/tickets/{issued['id']}/start", headers=clerk)
    board = server_socketio.test_client(app, auth={"token": app.board})
    received_by(board, app)
    http.post(f"/api/v1/tickets/{issued['id']}/finish", headers=clerk)
    received = received_by(board, app)
    assert names(received) == ["ticket_changed", "window_changed"]
    finished = received[0]["args"][0]
    assert finished["change"] == "service_finished" and finished["ticket"]["state"] == "done"
    assert received[1]["args"][0]["window"]["current"] is None


def test_resync_replays_what_was_missed(app) -> None:
    http = app.test_client()
    kiosk = {"Authorization": f"Bearer {app.kiosk}"}
    board = server_socketio.test_client(app, auth={"token": app.board})
    received_by(board, app)
    for _ in range(3):
        http.post("/api/v1/tickets", json={"service": "A01"}, headers=kiosk)
    received_by(board, app)   # pretend these were lost
    ack = board.emit("resync", {"since": 1}, callback=True)
    assert ack == {"ok": True, "snapshot": False, "count": 3}   # two issues and one queue_changed
    replayed = received_by(board, app)
    assert [m["args"][0]["seq"] for m in replayed if m["name"] == "ticket_issued"] == [2, 3]
    assert board.emit("resync", {"since": "x"}, callback=True)["error"] == "bad_request"


# --- a real server process and real websocket clients --------------------------------------------

@pytest.fixture
def live_hall(tmp_path):
    document = small_hall_document()
    # twenty comprehensive windows for the concurrency test
    document["windows"] = [{"number": n, "name": f"综合{n}", "name_en": f"Window {n}",
                            "kind": "comprehensive", "departments": ["SCJG", "RSJ", "SWJ"]}
                           for n in range(1, 21)]
    config = tmp_path / "config.toml"
    config.write_text(to_toml(document), encoding="utf-8")
    data_path = tmp_path / "var"
    data = open_data_dir(data_path, config)
    tokens = {"board": accounts.add_device(data.database, data.hall_id, "board", "display").token,
              "kiosk": accounts.add_device(data.database, data.hall_id, "kiosk", "kiosk").token}
    for n in range(1, 21):
        add_user(data.database, data.hall_id, f"clerk{n}", "clerk", PASSWORD)
    data.close()
    server = hall_server(data_path, config).start()
    server.tokens = tokens
    yield server
    server.stop()


class OrderedClient:
    """A real python-socketio client that hands over messages in the order they arrived.

    The threaded `socketio.Client` handles every message on a thread of its own, so two messages
    a moment apart can reach their handlers swapped, which would make an order test fail for the
    client's reason, not the server's. The asyncio client handles them one after another as they
    come; this runs it on a loop of its own behind the blocking calls the tests use."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sio = self._run(self._client())

    @staticmethod
    async def _client() -> socketio.AsyncClient:   # made on its loop
        return socketio.AsyncClient(reconnection=False)

    def _run(self, work, timeout: float = 15):
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def on(self, name: str, handler) -> None:
        self.sio.on(name, handler)

    def connect(self, url: str, **options) -> None:
        self._run(self.sio.connect(url, **options))

    def call(self, event: str, data, timeout: float = 5):
        return self._run(self.sio.call(event, data, timeout=timeout), timeout + 5)

    @property
    def connected(self) -> bool:
        return self.sio.connected

    def disconnect(self) -> None:
        self._run(self.sio.disconnect())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class Board:
    """A real Socket.IO client, as the hall board uses (websocket, or long-polling first as a
    browser connects when `transports` is None)."""

    def __init__(self, url: str, token: str, transports: list[str] | None = ["websocket"]):
        self.messages: list[tuple[str, dict]] = []
        self.client = OrderedClient()
        for name in ("hall_snapshot", "ticket_issued", "ticket_called", "ticket_changed",
                     "window_changed", "queue_changed"):
            self.client.on(name, lambda payload, name=name: self.messages.append((name, payload)))
        self.client.connect(url, auth={"token": token}, transports=transports, wait_timeout=5)

    def of(self, name: str) -> list[dict]:
        return [payload for kind, payload in self.messages if kind == name]


def clerk_session(server: ServerProcess, n: int) -> requests.Session:
    session = requests.Session()
    token = session.post(f"{server.url}/api/v1/auth/login",
                         json={"username": f"clerk{n}", "password": PASSWORD}, timeout=10).json()["token"]
    session.headers["Authorization"] = f"Bearer {token}"
    assert session.post(f"{server.url}/api/v1/windows/{n}/sign-in", timeout=10).status_code == 200
    return session


def issue(server: ServerProcess, service: str = "A01") -> dict:
    reply = requests.post(f"{server.url}/api/v1/tickets", json={"service": service}, timeout=10,
                          headers={"Authorization": f"Bearer {server.tokens['kiosk']}"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_issue_and_call_reach_a_connected_board(live_hall) -> None:
    board = Board(live_hall.url, live_hall.tokens["board"])
    assert wait_until(lambda: board.of("hall_snapshot"))
    ticket = issue(live_hall)
    assert wait_until(lambda: board.of("ticket_issued"))
    assert board.of("ticket_issued")[0]["ticket"]["number"] == ticket["number"]
    clerk_session(live_hall, 7).post(f"{live_hall.url}/api/v1/windows/7/call-next", timeout=10)
    assert wait_until(lambda: board.of("ticket_called"))
    call = board.of("ticket_called")[0]
    assert (call["window"], call["ticket"]["number"]) == (7, ticket["number"])
    assert "7 号窗口" in call["text"]
    board.client.disconnect()


def test_a_disconnected_board_catches_up_with_resync(live_hall) -> None:
    board = Board(live_hall.url, live_hall.tokens["board"])
    assert wait_until(lambda: board.of("hall_snapshot"))
    issue(live_hall)
    assert wait_until(lambda: board.of("ticket_issued"))
    last_seq = max(p["seq"] for _, p in board.messages)
    board.client.disconnect()
    missed = [issue(live_hall)["number"] for _ in range(3)]
    board = Board(live_hall.url, live_hall.tokens["board"])
    assert wait_until(lambda: board.of("hall_snapshot"))
    assert board.of("hall_snapshot")[0]["seq"] == last_seq + 3
    ack = board.client.call("resync", {"since": last_seq}, timeout=5)
    assert ack["ok"] and not ack["snapshot"]
    assert wait_until(lambda: len(board.of("ticket_issued")) == 3)
    assert [p["ticket"]["number"] for p in board.of("ticket_issued")] == missed
    board.client.disconnect()


def test_revoked_board_is_disconnected(live_hall, tmp_path) -> None:
    board = Board(live_hall.url, live_hall.tokens["board"])
    assert wait_until(lambda: board.of("hall_snapshot"))
    data = open_data_dir(live_hall.data, live_hall.config)
    accounts.revoke_device(data.database, data.hall_id, "board")
    data.close()
    assert wait_until(lambda: not board.client.connected, timeout=8), "dropped within a clockwork tick"
    with pytest.raises(socketio.exceptions.ConnectionError):
        Board(live_hall.url, live_hall.tokens["board"])


def test_twenty_clerks_calling_at_once_never_share_a_ticket(live_hall) -> None:
    issued = [issue(live_hall, ("A01", "A02", "B01", "C01")[i % 4] if i % 4 != 2 else "A01")["id"]
              for i in range(100)]
    sessions = {n: clerk_session(live_hall, n) for n in range(1, 21)}
    start = threading.Barrier(20)

    def work(n: int) -> list[int]:
        session, got = sessions[n], []
        start.wait()
        while True:
            reply = session.post(f"{live_hall.url}/api/v1/windows/{n}/call-next", timeout=30).json()
            if reply["ticket"] is None:
                return got
            tid = reply["ticket"]["id"]
            got.append(tid)
            assert session.post(f"{live_hall.url}/api/v1/tickets/{tid}/start", timeout=30).ok
            assert session.post(f"{live_hall.url}/api/v1/tickets/{tid}/finish", timeout=30).ok

    with ThreadPoolExecutor(20) as pool:
        called = [tid for got in pool.map(work, range(1, 21)) for tid in got]
    assert len(called) == len(set(called)), "no ticket called twice"
    assert sorted(called) == sorted(issued), "none skipped"


def test_kill_9_during_a_burst_loses_nothing_acknowledged(live_hall) -> None:
    acknowledged: list[tuple[int, str]] = []
    stop = threading.Event()

    def burst() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {live_hall.tokens['kiosk']}"
        while not stop.is_set():
            try:
                reply = session.post(f"{live_hall.url}/api/v1/tickets", json={"service": "C01"}, timeout=5)
            except requests.RequestException:
                return
            if reply.status_code == 201:
                acknowledged.append((reply.json()["id"], reply.json()["number"]))

    threads = [threading.Thread(target=burst) for _ in range(4)]
    for t in threads:
        t.start()
    assert wait_until(lambda: len(acknowledged) >= 50, timeout=30)
    live_hall.kill()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    before = len(acknowledged)
    live_hall.start()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {live_hall.tokens['kiosk']}"
    for ticket_id, number in acknowledged:
        reply = session.get(f"{live_hall.url}/api/v1/tickets/{ticket_id}", timeout=10)
        assert reply.status_code == 200 and reply.json()["number"] == number
    after = [issue(live_hall, "C01")["number"] for _ in range(5)]
    assert not set(after) & {number for _, number in acknowledged}, "no number reused"
    assert len({number for _, number in acknowledged}) == before, "no number handed out twice"
