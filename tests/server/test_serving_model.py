"""How a server process holds its connections: `jiaohao server` and gunicorn's gevent worker run
on one event loop, so a connected board costs no thread; SQLite's waits on the disk run on a
native thread meanwhile; the tests' own process (and every Qt client) stays on threads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bench.hall_listeners import HallListeners
from bench.live_bench import status_field
from client.hall_client import wait_until
from common.launcher import ServerProcess, free_port
from server import serving
from server.app import socketio as server_socketio
from tests.conftest import REPO
from tests.server.test_live import Board, clerk_session, issue, live_hall  # noqa: F401 (fixture)


def test_a_hundred_connected_boards_cost_the_server_no_thread(live_hall) -> None:
    pid = live_hall.process.pid
    before = status_field(pid, "Threads")
    with HallListeners(live_hall.url, live_hall.tokens["board"], 100) as boards:
        assert boards.connected() == 100
        ticket = issue(live_hall)
        session = clerk_session(live_hall, 1)
        called = session.post(f"{live_hall.url}/api/v1/windows/1/call-next", timeout=10).json()["ticket"]
        assert called["id"] == ticket["id"]
        assert boards.tally.wait_for_call(ticket["id"], 10), "every board heard the call"
        during = status_field(pid, "Threads")
    # the main thread and gevent's pool of native threads for SQLite's waits, whatever the boards
    assert during <= max(before, 1) + 4, (before, during)


def test_the_tests_own_process_stays_on_threads(app_for_mode) -> None:
    assert not serving.gevent_in_effect()
    assert server_socketio.async_mode == "threading"


@pytest.fixture
def app_for_mode(tmp_path, small_config_file, seeded):
    from server.app import create_app
    app = create_app(seeded(tmp_path / "var", small_config_file), small_config_file, start_clockwork=False)
    yield app
    app.extensions["jiaohao"].data.close()


COMMIT_OFF_THE_LOOP = """
import sys, threading
from server import serving
serving.use_gevent()
import gevent
from server import db
assert serving.async_mode() == "gevent"
loop_thread = threading.get_native_id()
ticks = []
def tick():   # another connection's greenlet, served while the commit waits
    while True:
        ticks.append(1)
        gevent.sleep(0.0005)
ticker = gevent.spawn(tick)
gevent.sleep(0.01)
where = []
def slow_commit(conn, statement):
    where.append(threading.get_native_id())
    import time; time.sleep(0.2)   # a real thread sleeps: the disk taking its time
    return conn.execute(statement)
database = db.Database(sys.argv[1])
conn = database.connection()
conn.execute("CREATE TABLE t (x)")
before = len(ticks)
db.wait_on_disk(slow_commit, conn, "INSERT INTO t VALUES (1)")
served = len(ticks) - before
ticker.kill()
database.close()
print(where[0] != loop_thread, served)
"""


def test_under_gevent_a_wait_on_the_disk_leaves_the_loop_serving(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-c", COMMIT_OFF_THE_LOOP, str(tmp_path / "db.sqlite3")],
                            cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    other_thread, served = result.stdout.split()
    assert other_thread == "True"
    assert int(served) > 20, "the loop kept serving while the disk was waited for"


@pytest.mark.slow
def test_gunicorn_with_the_shipped_settings_serves_live_boards(live_hall_data) -> None:
    pytest.importorskip("gunicorn")
    data, config, tokens = live_hall_data
    port = free_port()
    server = ServerProcess([sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf",
                            "--bind", f"127.0.0.1:{port}", "--no-control-socket", "server.wsgi:app"],
                           port, data.parent / "gunicorn.log", cwd=REPO, data=data, config=config,
                           env={"JIAOHAO_DATA": str(data), "JIAOHAO_CONFIG": str(config),
                                "JIAOHAO_TRUSTED_PROXIES": "0"})
    with server:
        server.tokens = tokens
        board = Board(server.url, tokens["board"])
        assert wait_until(lambda: board.of("hall_snapshot"))
        ticket = issue(server)
        called = clerk_session(server, 2).post(f"{server.url}/api/v1/windows/2/call-next", timeout=10)
        assert called.json()["ticket"]["id"] == ticket["id"]
        assert wait_until(lambda: [t["ticket"]["id"] for t in board.of("ticket_called")] == [ticket["id"]])
        board.client.disconnect()
        workers = [p for p in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
                   .read_text().split()]
        assert len(workers) == 1
    assert "Traceback" not in server.log_tail(200)


@pytest.fixture
def live_hall_data(tmp_path, live_hall):
    """The live_hall's data directory and tokens, its own server stopped (one per directory)."""
    live_hall.stop()
    yield live_hall.data, live_hall.config, live_hall.tokens


def test_the_listener_hands_no_delay_to_every_connection_it_accepts() -> None:
    """Without TCP_NODELAY the reply's second send (gevent writes headers and body apart)
    waits for the client's delayed ACK: 40 ms on every kept-alive request."""
    import socket
    listener = serving.listener_without_delay("127.0.0.1", 0)
    try:
        client = socket.create_connection(listener.getsockname()[:2], timeout=5)
        accepted, _ = listener.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        listener.close()


def test_kept_alive_requests_do_not_wait_for_delayed_acks(live_hall) -> None:
    """Nagle's algorithm against the client's delayed ACK costs every request on a kept-alive
    connection at least 40 ms; without it the fastest of twenty is a few milliseconds, however
    loaded the machine."""
    with requests.Session() as session:
        times = []
        for _ in range(20):
            started = time.perf_counter()
            assert session.get(f"{live_hall.url}/api/v1/health", timeout=10).status_code == 200
            times.append(time.perf_counter() - started)
    assert min(times) < 0.03, sorted(times)[:5]


SCRYPT_OFF_THE_LOOP = """
import sys
from server import serving
serving.use_gevent()
import gevent
from server import security
assert serving.async_mode() == "gevent"
stored = security.hash_password("a sign-in")   # the real cost
ticks = []
def tick():   # another connection's greenlet, served while a sign-in's scrypt runs
    while True:
        ticks.append(1)
        gevent.sleep(0.0005)
ticker = gevent.spawn(tick)
gevent.sleep(0.01)
before = len(ticks)
assert security.check_password("a sign-in", stored)
assert not security.check_password("another", stored)
print(len(ticks) - before)
ticker.kill()
"""


def test_under_gevent_a_sign_ins_scrypt_leaves_the_loop_serving(tmp_path) -> None:
    """scrypt's ~100 ms run on a native thread (hashlib lets go of the GIL): on the loop, a
    clerk signing in would stop every board and phone for that long."""
    result = subprocess.run([sys.executable, "-c", SCRYPT_OFF_THE_LOOP], cwd=REPO, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 20, "the loop kept serving while the passwords were checked"
