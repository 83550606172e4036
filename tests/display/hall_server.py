"""A real demo hall server in a subprocess, and the clerk and kiosk actions tests need.

Used by the integration tests and by the bench and screenshot scripts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "demo-only-2026"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


class DemoHall:
    """`jiaohao demo --headless` on a free port with a fresh data directory."""

    def __init__(self, data: Path, port: int | None = None):
        self.data = data
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.sessions: dict[int, requests.Session] = {}

    def start(self) -> "DemoHall":
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.log = open(self.data.parent / f"server-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jiaohao", "demo", "--headless", "--port", str(self.port),
             "--data", str(self.data), "--config", str(REPO / "config.toml")],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, START_TIMEOUT, self.process)
        self.tokens = read_credentials(self.data / "demo-credentials.txt")
        return self

    def stop(self) -> None:
        for session in self.sessions.values():
            session.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()

    @property
    def board_token(self) -> str:
        return self.tokens["board token"]

    # --- what people in the hall do ----------------------------------------------------------

    def _post(self, session: requests.Session, path: str, json: dict | None = None) -> dict:
        reply = session.post(self.url + path, json=json or {}, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def issue(self, service: str) -> dict:
        kiosk = requests.Session()
        kiosk.headers["Authorization"] = f"Bearer {self.tokens['kiosk token']}"
        with kiosk:
            return self._post(kiosk, "/api/v1/tickets", {"service": service})

    def open_window(self, number: int) -> requests.Session:
        """clerkNN signs in and takes window NN."""
        session = requests.Session()
        token = self._post(session, "/api/v1/auth/login",
                           {"username": f"clerk{number:02d}", "password": PASSWORD})["token"]
        session.headers["Authorization"] = f"Bearer {token}"
        self._post(session, f"/api/v1/windows/{number}/sign-in")
        self.sessions[number] = session
        return session

    def call_next(self, window: int) -> dict | None:
        return self._post(self.sessions[window], f"/api/v1/windows/{window}/call-next")["ticket"]

    def recall(self, window: int, ticket_id: int) -> dict:
        return self._post(self.sessions[window], f"/api/v1/tickets/{ticket_id}/recall")

    def start_service(self, window: int, ticket_id: int) -> dict:
        return self._post(self.sessions[window], f"/api/v1/tickets/{ticket_id}/start")

    def finish(self, window: int, ticket_id: int) -> dict:
        """The citizen came: served and done, so the window may call the next one."""
        self.start_service(window, ticket_id)
        return self._post(self.sessions[window], f"/api/v1/tickets/{ticket_id}/finish")

    def pause(self, window: int, reason: str) -> dict:
        return self._post(self.sessions[window], f"/api/v1/windows/{window}/pause", {"reason": reason})


def read_credentials(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if " = " in line and not line.startswith("#"):
            key, value = line.split(" = ", 1)
            values[key.strip()] = value.strip()
    return values


def started_board(qtbot, url: str, token: str, wait_ms: int):
    """A real board (connection, presenter, widget, announcer with a recording speaker)
    connected to `url` and synced; yields (board, speaker) and stops the board afterwards."""
    from display.announcer import VoiceSettings
    from display.app import build_board
    from display.settings import DisplaySettings
    from display.speech import RecordingSpeaker

    speaker = RecordingSpeaker()
    board = build_board(DisplaySettings(server=url, token=token), VoiceSettings(repeat=2), volume=80,
                        speaker=speaker)
    qtbot.addWidget(board.widget)
    board.connection.start()
    qtbot.waitUntil(lambda: board.presenter.synced, timeout=wait_ms)
    yield board, speaker
    board.stop()


def spoken_number(number: str) -> str:
    """A number as the announcement reads it: digit by digit (A001 → A 零 零 一)."""
    return " ".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in number)
