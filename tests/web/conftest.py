"""A real demo hall server and the system Chromium, shared by the web page tests.

The demo hall is made once per session (it takes seconds to create its accounts); each test
works at its own windows with their own items, so tests never call each other's citizens.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
import requests

from tests.browser import CHROMIUM, CHROMIUM_ARGS, browser, pages  # noqa: F401 (fixture)
from tests.conftest import REPO
from tests.server.live_server import free_port

PASSWORD = "demo-only-2026"


class DemoHall:
    """The running demo server, its tokens, and short ways to act on it over REST."""

    def __init__(self, data: Path, port: int):
        self.data, self.port = data, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.tokens: dict[str, str] = {}

    def start(self, timeout: float = 60) -> None:
        log = open(self.data.parent / "demo-server.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jiaohao", "demo", "--headless", "--port", str(self.port),
             "--data", str(self.data)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the demo server exited: see demo-server.log")
            try:
                requests.get(self.url + "/api/openapi.json", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise TimeoutError("the demo server did not start")
        self.tokens = self._read_credentials()

    def _read_credentials(self) -> dict[str, str]:
        tokens = {}
        for line in (self.data / "demo-credentials.txt").read_text(encoding="utf-8").splitlines():
            if " = " in line and not line.startswith("#"):
                key, value = line.split(" = ", 1)
                tokens[key] = value
        return tokens

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    # --- REST --------------------------------------------------------------------------------

    def window_token(self, number: int) -> str:
        return self.tokens[f"window {number} screen token"]

    def request(self, method: str, path: str, token: str | None = None, json=None) -> dict:
        token = token or self.tokens["kiosk token"]
        reply = requests.request(method, f"{self.url}/api/v1{path}", json=json, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"})
        assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def login(self, username: str) -> str:
        reply = requests.post(f"{self.url}/api/v1/auth/login", timeout=10,
                              json={"username": username, "password": PASSWORD})
        assert reply.ok, reply.text
        return reply.json()["token"]

    def issue(self, service: str, count: int = 1) -> list[dict]:
        return [self.request("POST", "/tickets", json={"service": service}) for _ in range(count)]

    def ticket(self, ticket_id: int) -> dict:
        return self.request("GET", f"/tickets/{ticket_id}")

    def window(self, number: int) -> dict:
        return next(w for w in self.request("GET", "/hall")["windows"] if w["number"] == number)

    # --- the database file, read-only ----------------------------------------------------------

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        uri = f"file:{self.data / 'jiaohao.sqlite3'}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> DemoHall:
    hall = DemoHall(tmp_path_factory.mktemp("web") / "demo", free_port())
    hall.start()
    yield hall
    hall.stop()


@pytest.fixture
def new_page(browser):  # noqa: F811 (the fixture imported above)
    """Pages in separate browser contexts: like two PCs, nothing shared between them."""
    yield from pages(browser, height=768)
