"""The kiosk, offscreen, in front of the real server (in this process, with its own clock): a
capped item whose last places today are held for remote tickets is greyed as 已发完 / Fully
issued with the reason, from the server's own item views, whether the walk-ins or a remote
ticket took the last free place. Only the transport is a stand-in: the kiosk's HTTP and live
messages go through Flask's and Flask-SocketIO's test clients."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from client.hall_client import ClientError
from kiosk.app import build_kiosk
from kiosk.presenter import HOME, TICKET
from kiosk.settings import KioskSettings
from kiosk.speech import Recording
from printer.config import PrinterSettings
from printer.transport import DummyTransport
from server import accounts
from server.app import create_app
from server.app import socketio as server_socketio
from tests.conftest import FakeClock, small_hall_document, to_toml
from tests.kiosk.test_widgets import button_for, texts, touch
from tests.printer.conftest import GOLDEN_HALL
from tests.server.test_api import Api

#: B01 (人社 RSJ) has a daily cap of 3; half of it rounded down, one place, goes to remote tickets
REMOTE = {"enabled": True, "daily_share": 0.5, "activate_minutes": 30}


class InProcessClient:
    """HallClient's surface over the app in this process: REST through Flask's test client, the
    live channel through Flask-SocketIO's; `deliver()` passes on what the live channel got, as
    HallClient's receiving thread would."""

    def __init__(self, app, token: str, on_message, on_status):
        self.app, self.token = app, token
        self.on_message, self.on_status = on_message, on_status
        self.rest = app.test_client()
        self.live = None
        self.connected = False
        self.posts: list[tuple[str, Any]] = []

    def start(self) -> None:
        self.live = server_socketio.test_client(self.app, auth={"token": self.token})
        self.connected = True
        self.on_status("connected", None)
        self.deliver()

    def stop(self) -> None:
        self.connected = False
        if self.live is not None and self.live.is_connected():
            self.live.disconnect()

    def deliver(self) -> None:
        publications = self.app.extensions["jiaohao"].service.publications
        if publications is not None:
            assert publications.wait()
        for message in self.live.get_received():
            self.on_message(message["name"], message["args"][0])

    def get(self, path: str, **kw) -> Any:
        return self._answer(self.rest.get(path, headers=self._headers()))

    def post(self, path: str, json: Any = None, **kw) -> Any:
        self.posts.append((path, json))
        return self._answer(self.rest.post(path, json=json, headers=self._headers()))

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @staticmethod
    def _answer(response) -> Any:
        reply = response.get_json()
        if response.status_code >= 400:
            raise ClientError(response.status_code, reply["error"], reply["message"], reply)
        return reply


@pytest.fixture
def hall(tmp_path, seeded):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(small_hall_document(remote=REMOTE)), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc))   # 09:00 in the hall
    app = create_app(seeded(tmp_path / "var", path), path, clock=clock, start_clockwork=False)
    app.clock = clock
    jiaohao = app.extensions["jiaohao"]
    app.kiosk_token = accounts.add_device(jiaohao.database, jiaohao.service.hall_id, "kiosk-1", "kiosk").token
    yield app
    jiaohao.data.close()


@pytest.fixture
def kiosk(qtbot, hall):
    clients: list[InProcessClient] = []
    made = build_kiosk(
        KioskSettings(server="http://in-process", token=hall.kiosk_token, idle_seconds=30, ticket_seconds=10),
        PrinterSettings(), GOLDEN_HALL, speaker=Recording(), printer_transport=DummyTransport(),
        client_factory=lambda **kw: clients.append(InProcessClient(hall, hall.kiosk_token, **kw)) or clients[0],
        clock=hall.clock, quit_app=lambda: None)
    qtbot.addWidget(made.window)
    made.window.resize(1080, 1920)
    made.window.show()
    made.app.start()
    made.client = clients[0]
    qtbot.waitUntil(lambda: made.presenter.has_snapshot, timeout=5000)
    yield made
    made.app.stop()


def b01(kiosk, qtbot):
    """The B01 button, on the 人社 page opened from home."""
    if kiosk.presenter.screen != HOME:
        kiosk.presenter.go_home()
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    return button_for(kiosk.window.items, "B01")


def walk_in(kiosk, qtbot) -> None:
    touch(qtbot, b01(kiosk, qtbot))
    qtbot.waitUntil(lambda: kiosk.presenter.screen == TICKET, timeout=5000)
    kiosk.client.deliver()   # the live messages of the issue, as the socket brings them
    kiosk.presenter.go_home()


def take_remote(hall) -> None:
    status, reply = Api(hall).post("/remote-tickets", {"service": "B01", "mobile": "13800138000"})
    assert status == 201, reply


def assert_fully_issued_for_remote(kiosk, qtbot) -> None:
    qtbot.waitUntil(lambda: not b01(kiosk, qtbot).isEnabled(), timeout=5000)
    button = b01(kiosk, qtbot)
    assert "已发完" in texts(button) and "远程取号" in texts(button)
    before = len(kiosk.client.posts)
    touch(qtbot, button)
    assert len(kiosk.client.posts) == before   # no tap that the server would refuse


def test_walk_ins_that_reach_the_held_places_grey_the_item(kiosk, hall, qtbot, tmp_path):
    take_remote(hall)
    assert b01(kiosk, qtbot).isEnabled()
    walk_in(kiosk, qtbot)
    assert b01(kiosk, qtbot).isEnabled()   # one free place left
    walk_in(kiosk, qtbot)
    assert_fully_issued_for_remote(kiosk, qtbot)
    item = kiosk.presenter.items["B01"]
    assert item.closed.en == "Fully issued (1 kept for remote tickets)"
    b01(kiosk, qtbot)
    assert kiosk.window.grab().save(str(tmp_path / "kiosk-held-for-remote.png"))   # to look at


def test_a_remote_ticket_that_takes_the_last_free_place_greys_the_item(kiosk, hall, qtbot):
    walk_in(kiosk, qtbot)
    walk_in(kiosk, qtbot)
    assert b01(kiosk, qtbot).isEnabled()   # 2 of 3 issued, nothing held yet
    take_remote(hall)
    kiosk.client.deliver()   # appointment_changed "remote_taken": the kiosk asks for the items again
    assert_fully_issued_for_remote(kiosk, qtbot)
