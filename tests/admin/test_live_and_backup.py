"""Against a real server process: a setup change reaches connected boards and kiosks live, and
a backup taken during a burst of issuing holds every ticket acknowledged before it began, and
restores into a working hall."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
import requests
import socketio

from client.hall_client import wait_until
from server import accounts
from server.datadir import open_data_dir
from tests.conftest import REPO, add_user, small_hall_document, to_toml
from common.launcher import ServerProcess, hall_server

PASSWORD = "password-1"


@pytest.fixture
def live_hall(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    data_path = tmp_path / "var"
    data = open_data_dir(data_path, config)
    tokens = {kind: accounts.add_device(data.database, data.hall_id, f"{kind}-1", kind).token
              for kind in ("display", "kiosk")}
    add_user(data.database, data.hall_id, "root", "admin", PASSWORD)
    data.close()
    server = hall_server(data_path, config).start()
    server.tokens = tokens
    server.admin = requests.post(f"{server.url}/api/v1/auth/login", timeout=10,
                                 json={"username": "root", "password": PASSWORD}).json()["token"]
    yield server
    server.stop()


def admin_call(server: ServerProcess, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{server.url}/api/v1/admin{path}", timeout=30,
                            headers={"Authorization": f"Bearer {server.admin}"}, **kwargs)


class Listener:
    """A real Socket.IO client with a device token, keeping every hall_snapshot it receives."""

    def __init__(self, url: str, token: str):
        self.snapshots: list[dict] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("hall_snapshot", self.snapshots.append)
        self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=5)


def test_a_setup_change_reaches_a_connected_board_and_kiosk(live_hall) -> None:
    board = Listener(live_hall.url, live_hall.tokens["display"])
    kiosk = Listener(live_hall.url, live_hall.tokens["kiosk"])
    try:
        assert wait_until(lambda: board.snapshots and kiosk.snapshots)
        reply = admin_call(live_hall, "PUT", "/setup/hall", json={"notice": "下午 3 点起暂停办理不动产业务"})
        assert reply.status_code == 200
        assert wait_until(lambda: len(board.snapshots) == 2 and len(kiosk.snapshots) == 2)
        assert board.snapshots[-1]["hall"]["notice"] == "下午 3 点起暂停办理不动产业务"
        item = next(s for s in admin_call(live_hall, "GET", "/setup").json()["document"]["services"]
                    if s["code"] == "B01")
        reply = admin_call(live_hall, "PUT", "/services/B01", json=item | {"name": "社保卡补领、换领"})
        assert reply.status_code == 200
        assert wait_until(lambda: len(kiosk.snapshots) == 3 and len(board.snapshots) == 3)
        for listener in (board, kiosk):
            names = {s["code"]: s["name"] for s in listener.snapshots[-1]["services"]}
            assert names["B01"] == "社保卡补领、换领"
        # a refused change tells nobody anything
        assert admin_call(live_hall, "PUT", "/setup/hall", json={"issuing_hours": "9-5"}).status_code == 422
        time.sleep(0.3)
        assert len(board.snapshots) == 3
    finally:
        board.client.disconnect()
        kiosk.client.disconnect()


class Burst:
    """Threads issuing tickets over REST; remembers when each ticket was acknowledged."""

    def __init__(self, server: ServerProcess, threads: int = 6):
        self.server, self.acked, self.lock = server, [], threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.issue, args=(code,), daemon=True)
                        for code in ("A01", "A02", "C01") * (threads // 3)]

    def issue(self, code: str) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {self.server.tokens['kiosk']}"
            while not self.stop.is_set():
                reply = session.post(f"{self.server.url}/api/v1/tickets", json={"service": code}, timeout=30)
                assert reply.status_code == 201, reply.text
                with self.lock:
                    self.acked.append((time.monotonic(), reply.json()["id"], reply.json()["number"]))

    def acked_before(self, moment: float) -> dict[int, str]:
        with self.lock:
            return {tid: number for at, tid, number in self.acked if at < moment}

    def __enter__(self) -> "Burst":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def tickets_in(path) -> dict[int, str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(conn.execute("SELECT id, number FROM tickets"))


def test_backups_during_a_burst_hold_every_acknowledged_ticket_and_restore(live_hall, tmp_path) -> None:
    cli_copy, page_copy = tmp_path / "cli-backup.sqlite3", tmp_path / "page-backup.sqlite3"
    with Burst(live_hall) as burst:
        assert wait_until(lambda: len(burst.acked) >= 40, timeout=20)
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "jiaohao", "admin", "--data", str(live_hall.data),
                               "--config", str(live_hall.config), "backup", str(cli_copy)],
                              cwd=REPO, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        cli_expected = burst.acked_before(began)
        began = time.monotonic()
        response = admin_call(live_hall, "GET", "/backup")
        assert response.status_code == 200
        page_copy.write_bytes(response.content)
        page_expected = burst.acked_before(began)
    assert len(cli_expected) >= 40 and len(page_expected) >= len(cli_expected)
    for copy, expected in ((cli_copy, cli_expected), (page_copy, page_expected)):
        held = tickets_in(copy)
        missing = {tid: n for tid, n in expected.items() if held.get(tid) != n}
        assert not missing, f"{copy.name} lacks {len(missing)} acknowledged tickets"
    assert len(set(burst.acked)) == len(burst.acked)

    # restore as docs/administration.md says: into a fresh data directory, then start the server
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    shutil.copyfile(page_copy, restored_dir / "jiaohao.sqlite3")
    restored = hall_server(restored_dir, live_hall.config).start()
    try:
        headers = {"Authorization": f"Bearer {live_hall.tokens['kiosk']}"}
        for tid, number in list(page_expected.items())[:: max(1, len(page_expected) // 25)]:
            reply = requests.get(f"{restored.url}/api/v1/tickets/{tid}", headers=headers, timeout=10)
            assert reply.status_code == 200 and reply.json()["number"] == number
        issued = requests.post(f"{restored.url}/api/v1/tickets", json={"service": "A01"}, headers=headers,
                               timeout=10).json()
        assert issued["id"] > max(page_expected)   # numbering continues, never repeats
    finally:
        restored.stop()
