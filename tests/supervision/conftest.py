"""A real hall server process with supervision thresholds of seconds, and the system Chromium."""

from __future__ import annotations

import pytest
import requests

from server import accounts
from server.datadir import open_data_dir
from tests.conftest import add_user, chosen_backends, small_hall_document, to_toml
from common.launcher import ServerProcess, hall_server


def pytest_generate_tests(metafunc) -> None:
    """Alerts are raised, acknowledged and cleared under the hall's lock: the API's tests run on
    SQLite and on PostgreSQL (tests/conftest.py); the pages and the rules stay on SQLite."""
    if "backend" in metafunc.fixturenames:
        markers = {m.name for m in metafunc.definition.iter_markers()}
        if metafunc.module.__name__.rsplit(".", 1)[-1] != "test_api":
            markers.add("sqlite_only")
        metafunc.parametrize("backend", chosen_backends(metafunc.config, markers), indirect=True)


@pytest.fixture(autouse=True)
def _on_backend(backend: str) -> str:
    return backend


PASSWORD = "password-1"
#: thresholds of seconds, so a browser test sees an alert without waiting minutes
QUICK = {"wait_minutes": [30, 60], "handling_minutes": [30, 60], "queue_length": [15, 30],
         "paused_minutes": [0.1, 0.5], "empty_window_minutes": [0.1, 0.5],
         "device_offline_minutes": [2, 10], "check_seconds": 1}

#: short slots around the clock, so a booking for today exists whatever the hour a test runs
BOOKING = {"enabled": True, "slot_minutes": 5, "capacity": 3, "hours": "00:00-24:00", "days_ahead": 1}


class QuickHall:
    """The running server, its accounts, and short ways to act on it over REST."""

    def __init__(self, process: ServerProcess, kiosk: str, screen: str):
        self.process, self.url, self.kiosk, self.screen = process, process.url, kiosk, screen

    def call(self, method: str, path: str, token: str, json=None) -> dict:
        reply = requests.request(method, f"{self.url}/api/v1{path}", json=json, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"})
        assert reply.ok, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def login(self, username: str) -> str:
        return requests.post(f"{self.url}/api/v1/auth/login", timeout=10,
                             json={"username": username, "password": PASSWORD}).json()["token"]


def started_quick_hall(root, document: dict, users: tuple[tuple[str, str], ...]) -> QuickHall:
    """A real server of the small hall `document` with these users, a kiosk and window 4's
    screen; the caller stops `.process`."""
    config = root / "config.toml"
    config.write_text(to_toml(document), encoding="utf-8")
    data = open_data_dir(root / "var", config)
    for name, role in users:
        add_user(data.database, data.hall_id, name, role, PASSWORD, f"{name}-名", "G1")
    kiosk = accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token
    screen = accounts.add_device(data.database, data.hall_id, "window-4", "window", 4).token
    data.close()
    return QuickHall(hall_server(root / "var", config).start(), kiosk, screen)


@pytest.fixture(scope="session")
def quick_hall(tmp_path_factory):
    hall = started_quick_hall(tmp_path_factory.mktemp("supervision"),
                              small_hall_document(supervision=QUICK, appointments=BOOKING),
                              (("clerk2", "clerk"), ("clerk4", "clerk"), ("boss", "supervisor")))
    yield hall
    hall.process.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
