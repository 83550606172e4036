"""A real demo hall server and the system Chromium, shared by the web page tests.

The demo hall is made once per session (it takes seconds to create its accounts); each test
works at its own windows with their own items, so tests never call each other's citizens.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import requests

from common.launcher import DEMO_PASSWORD as PASSWORD, demo_server, free_port, read_credentials
from tests.browser import CHROMIUM, CHROMIUM_ARGS, pages  # noqa: F401 (the screenshot scripts import them from here)


class DemoHall:
    """The running demo server, its tokens, and short ways to act on it over REST."""

    def __init__(self, data: Path, port: int | None = None, config: Path | None = None):
        self.data, self.config = data, config
        self.server = demo_server(data, config=config, port=port, log_path=data.parent / "demo-server.log")
        self.port, self.url = self.server.port, self.server.url
        self.tokens: dict[str, str] = {}

    def start(self) -> None:
        self.server.start()
        self.tokens = read_credentials(self.data)

    def stop(self) -> None:
        self.server.stop()

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
def new_page(browser):
    """Pages in separate browser contexts: like two PCs, nothing shared between them."""
    yield from pages(browser, height=768)
