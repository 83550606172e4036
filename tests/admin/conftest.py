"""An in-process hall with an admin, a supervisor, a clerk and one device of each kind."""

from __future__ import annotations

import pytest

from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, add_user
from tests.browser import pages

PASSWORD = "password-1"


class Api:
    """Flask's test client speaking to /api/v1 with one token."""

    def __init__(self, app, token: str | None = None):
        self.client = app.test_client()
        self.token = token

    def call(self, method: str, path: str, json=None, data=None, token: str | None = None):
        headers = {"Authorization": f"Bearer {token or self.token}"} if (token or self.token) else {}
        response = self.client.open("/api/v1" + path, method=method, headers=headers, json=json, data=data)
        return response

    def json(self, method: str, path: str, json=None) -> tuple[int, dict]:
        response = self.call(method, path, json=json)
        return response.status_code, response.get_json()


def login(app, username: str) -> Api:
    reply = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    return Api(app, reply.get_json()["token"])


@pytest.fixture
def hall_app(tmp_path, small_config_file, seeded):
    app = create_app(seeded(tmp_path / "var", small_config_file), small_config_file, clock=FakeClock(), start_clockwork=False)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk2", "clerk"), ("boss", "supervisor"), ("root", "admin")):
        add_user(hall.database, hall.service.hall_id, name, role, PASSWORD, f"{name}-名", "G1")
    app.tokens = {kind: accounts.add_device(hall.database, hall.service.hall_id, f"{kind}-1", kind,
                                            3 if kind == "window" else None).token
                  for kind in ("kiosk", "display", "window")}
    yield app
    hall.data.close()


@pytest.fixture
def root(hall_app) -> Api:
    return login(hall_app, "root")


# --- a real demo hall and the system Chromium, for the page tests -----------------------------------

# module-scoped: other test packages start their own Playwright, and two cannot run at once
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from common.launcher import free_port
    from tests.web.conftest import DemoHall
    hall = DemoHall(tmp_path_factory.mktemp("admin-web") / "demo", free_port())
    hall.start()
    yield hall
    hall.stop()


@pytest.fixture
def new_page(browser):
    yield from pages(browser, height=860)
