"""Faults of the serving process, on real `jiaohao server` processes: a second server on the
same data directory, SIGTERM with a request in flight, a data directory that cannot be
written at start, and a disk that fills up while the hall works (a real small tmpfs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from server import accounts
from server.datadir import open_data_dir
from tests.conftest import REPO, small_hall_document, to_toml
from common.launcher import free_port, hall_server

CHINESE_AND_ENGLISH = (lambda text: any("\u4e00" <= ch <= "\u9fff" for ch in text) and " / " in text)


def prepared(root: Path) -> tuple[Path, Path, str]:
    """A data directory with a kiosk token; (data, config, token)."""
    config = root / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    data = open_data_dir(root / "var", config)
    token = accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token
    data.close()
    return root / "var", config, token


def run_server(data: Path, config: Path, port: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jiaohao", "server", "--data", str(data), "--config",
                           str(config), "--port", str(port)], cwd=REPO, capture_output=True, text=True,
                          timeout=60)


def issue(url: str, token: str) -> requests.Response:
    return requests.post(f"{url}/api/v1/tickets", json={"service": "A01"}, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def test_a_second_server_on_the_same_data_directory_is_refused(tmp_path) -> None:
    data, config, token = prepared(tmp_path)
    first = hall_server(data, config).start()
    try:
        second = run_server(data, config, free_port())
        assert second.returncode == 1
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, second.stderr
        assert "another jiaohao server" in lines[0] and str(first.process.pid) in lines[0]
        assert "Traceback" not in second.stdout + second.stderr
        assert issue(first.url, token).status_code == 201, "the first server goes on serving"
    finally:
        first.stop()
    again = hall_server(data, config).start()   # the lock went with the process
    again.stop()


def test_a_read_only_data_directory_stops_the_server_at_start(tmp_path) -> None:
    data, config, _ = prepared(tmp_path)
    if subprocess.run(["chattr", "+i", str(data)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        started = run_server(data, config, free_port())
    finally:
        subprocess.run(["chattr", "-i", str(data)], check=True)
    assert started.returncode == 1
    lines = [line for line in started.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot be written" in lines[0] and str(data) in lines[0], started.stderr


def refuses_connections(port: int, seconds: float) -> bool:
    """The listening socket closed within `seconds` (the server checks for a stop twice a second)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_sigterm_answers_the_request_in_flight_then_exits(tmp_path) -> None:
    data, config, token = prepared(tmp_path)
    server = hall_server(data, config).start()
    body = b'{"service": "A01", "request_id": "in-flight-1"}'
    head = (f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(head + body[:10])
            time.sleep(0.5)                         # the request is being read: it is in flight
            server.process.send_signal(signal.SIGTERM)
            assert refuses_connections(server.port, 10), "no longer accepting after SIGTERM"
            conn.sendall(body[10:])
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and b'"number"' in answer:
                    break
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
        assert server.process.wait(timeout=15) == 0
    finally:
        server.stop()
    check = open_data_dir(data, config)
    try:
        rows = check.database.connection().execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    finally:
        check.close()
    assert rows == 1


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(path: Path) -> Path:
    filler = path / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_named_reads_go_on_and_writes_come_back(small_disk) -> None:
    data, config, token = prepared(small_disk)
    server = hall_server(data, config).start()
    try:
        first = issue(server.url, token)
        assert first.status_code == 201
        filler = fill(small_disk)
        refused = [issue(server.url, token) for _ in range(3)]
        for reply in refused:
            assert reply.status_code == 507, reply.text
            assert reply.json()["error"] == "storage_full" and CHINESE_AND_ENGLISH(reply.json()["message"])
        track = first.json()["track_url"].rsplit("/", 1)[1]
        assert requests.get(f"{server.url}/api/v1/track/{track}", timeout=10).status_code == 200
        assert requests.get(f"{server.url}/api/v1/hall", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}).status_code == 200
        filler.unlink()
        assert issue(server.url, token).status_code == 201, "space is back: no restart needed"
    finally:
        server.stop()
    log = (small_disk / f"server-{server.port}.log").read_text(encoding="utf-8")
    assert "Traceback" not in log
    assert 1 <= sum("storage" in line for line in log.splitlines()) <= 6, log


def test_under_gunicorn_sigterm_answers_the_request_in_flight(tmp_path) -> None:
    pytest.importorskip("gunicorn")
    data, config, token = prepared(tmp_path)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")
    env = {**os.environ, "JIAOHAO_DATA": str(data), "JIAOHAO_CONFIG": str(config),
           "JIAOHAO_TRUSTED_PROXIES": "0", "PYTHONUNBUFFERED": "1"}
    master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf",
                               "--bind", f"127.0.0.1:{port}", "--threads", "8", "server.wsgi:app"],
                              cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        body = b'{"service": "A01"}'
        head = (f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(head + body[:5])
            time.sleep(0.5)
            master.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            conn.sendall(body[5:])
            answer = conn.recv(65536)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
        assert master.wait(timeout=30) == 0
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
        log.close()
    text = (tmp_path / "gunicorn.log").read_text(encoding="utf-8")
    assert "Traceback" not in text, text


@pytest.fixture
def gunicorn_hall(tmp_path):
    """The hall under gunicorn as docs/deployment.md runs it: (master process, url, kiosk token)."""
    pytest.importorskip("gunicorn")
    data, config, token = prepared(tmp_path)
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")
    env = {**os.environ, "JIAOHAO_DATA": str(data), "JIAOHAO_CONFIG": str(config),
           "JIAOHAO_TRUSTED_PROXIES": "0", "PYTHONUNBUFFERED": "1"}
    master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf",
                               "--bind", f"127.0.0.1:{port}", "--threads", "8", "server.wsgi:app"],
                              cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/api/openapi.json", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield master, url, token
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
        log.close()
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text(encoding="utf-8")


def test_under_gunicorn_sigterm_lets_live_clients_go_and_the_worker_exits_promptly(gunicorn_hall) -> None:
    """Websockets are connections gunicorn waits for: without letting them go, a stop takes the
    whole graceful_timeout (20 s). They are let go once the requests in flight answered, and
    their clients were told by the server, so they reconnect to the one that takes over."""
    import socketio as socketio_client
    master, url, token = gunicorn_hall
    boards, reasons = [], []
    try:
        for _ in range(3):
            board = socketio_client.Client(reconnection=False)
            board.on("disconnect", lambda reason=None: reasons.append(str(reason)))
            board.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
            boards.append(board)
        assert issue(url, token).status_code == 201
        asked_to_stop = time.monotonic()
        master.send_signal(signal.SIGTERM)
        assert master.wait(timeout=30) == 0
        took = time.monotonic() - asked_to_stop
        assert took < 8, f"the stop took {took:.1f} s: the websockets held the worker"
        assert len(reasons) == 3 and all(reason == "server disconnect" for reason in reasons), reasons
    finally:
        for board in boards:
            board.disconnect()


def whole_answer(conn: socket.socket) -> bytes:
    """One HTTP answer off the connection: its head, then as many body bytes as it announced."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += conn.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.mark.parametrize("framing", ["chunked", "short"])
def test_under_gunicorn_a_body_that_trickles_in_is_cut_off_at_its_total_deadline(gunicorn_hall, framing) -> None:
    """A byte every 0.3 s never lets one read wait long: the body's 10 s are counted in total,
    and gunicorn's early end of the cut body is answered 408, not read as a short body."""
    master, url, token = gunicorn_hall
    port = int(url.rsplit(":", 1)[1])
    length = "Transfer-Encoding: chunked" if framing == "chunked" else "Content-Length: 500"
    head = (f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\n{length}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        started = time.monotonic()
        conn.sendall(head.encode() + (b"1f4\r\n" if framing == "chunked" else b""))
        answered = threading.Event()

        def trickle() -> None:
            while not answered.wait(0.3):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return
        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        answer = whole_answer(conn)
        took = time.monotonic() - started
        answered.set()
        trickler.join(5)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b'"request_timeout"' in answer, answer
    assert 9.5 < took < 14, f"cut off after {took:.1f} s"
    assert issue(url, token).json()["number"] == "A001", "nothing was issued by the cut body"
