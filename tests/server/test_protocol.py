"""Every message the server sends has exactly the shape protocol.live declares for it, and
the pages get the protocol from the server, generated from the same package."""

from __future__ import annotations

import pytest

from protocol import javascript, live
from server import accounts, protocol
from server.app import create_app
from server.app import socketio as server_socketio
from tests.conftest import FakeClock
from tests.protocol.shapes import problems

PASSWORD = "password-1"


@pytest.fixture
def app(tmp_path, small_config_file):
    app = create_app(tmp_path / "var", small_config_file, clock=FakeClock(), start_clockwork=False)
    hall = app.extensions["jiaohao"]
    app.tokens = {kind: accounts.add_device(hall.database, hall.service.hall_id, kind, kind,
                                            3 if kind == "window" else None).token
                  for kind in ("display", "kiosk", "window")}
    accounts.add_user(hall.database, hall.service.hall_id, "clerk3", "clerk", PASSWORD)
    accounts.add_user(hall.database, hall.service.hall_id, "boss", "supervisor", PASSWORD)
    yield app
    hall.data.close()


def a_busy_morning(app, before_the_calls=lambda tickets: None) -> None:
    """Issue, call, recall, start, finish, a bad rating (an alert), a hold, a transfer, a
    pause: every kind of message at least once."""
    http = app.test_client()
    kiosk = {"Authorization": f"Bearer {app.tokens['kiosk']}"}
    screen = {"Authorization": f"Bearer {app.tokens['window']}"}
    token = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": PASSWORD}).get_json()["token"]
    clerk = {"Authorization": f"Bearer {token}"}

    def post(path, headers=clerk, **body):
        response = http.post("/api/v1" + path, json=body, headers=headers)
        assert response.status_code < 300, response.get_json()
        return response.get_json()
    first, second, third = (post("/tickets", kiosk, service="A01") for _ in range(3))
    before_the_calls((first, second, third))
    post("/windows/3/sign-in")
    post("/windows/3/call-next")
    post(f"/tickets/{first['id']}/recall")
    post(f"/tickets/{first['id']}/start")
    post(f"/tickets/{first['id']}/finish", case_no="C-1")
    post(f"/tickets/{first['id']}/evaluation", screen, rating=1)   # 差评: an alert
    post("/windows/3/call-next")
    post(f"/tickets/{second['id']}/hold", minutes=10)
    post(f"/tickets/{third['id']}/transfer", service="A02")
    post("/windows/3/pause", reason="午休")


def supervisor_listening(app):
    """A supervisor hears every message (a board hears all but the alerts)."""
    http = app.test_client()
    token = http.post("/api/v1/auth/login", json={"username": "boss", "password": PASSWORD}).get_json()["token"]
    return token, server_socketio.test_client(app, auth={"token": token})


def test_every_message_sent_has_its_declared_shape(app) -> None:
    _, board = supervisor_listening(app)
    a_busy_morning(app)
    hall = app.extensions["jiaohao"]
    hall.supervision.on_timer()
    received = board.get_received()
    seen = {message["name"] for message in received}
    assert seen >= {live.HALL_SNAPSHOT, *live.SEQUENCED, live.ALERT_RAISED}, seen
    for message in received:
        (payload,) = message["args"]
        assert problems(payload, live.PAYLOADS[message["name"]]) == [], message["name"]


def test_what_a_phone_hears_has_the_declared_shapes(app) -> None:
    phones = []

    def follow(tickets) -> None:
        token = tickets[0]["track_url"].rsplit("/", 1)[1]
        phones.append(server_socketio.test_client(app, auth={"token": token}))
    a_busy_morning(app, follow)
    received = phones[0].get_received()
    assert {m["name"] for m in received} >= {live.HALL_SNAPSHOT, live.TICKET_CALLED, live.TICKET_CHANGED}
    for message in received:
        (payload,) = message["args"]
        assert problems(payload, live.PAYLOADS[message["name"]]) == [], message["name"]


def test_alert_cleared_and_appointment_messages_have_their_declared_shape(app) -> None:
    hall = app.extensions["jiaohao"]
    token, board = supervisor_listening(app)
    a_busy_morning(app)
    hall.supervision.on_timer()
    alert = next(m["args"][0]["alert"] for m in board.get_received() if m["name"] == live.ALERT_RAISED)
    http = app.test_client()
    acked = http.post(f"/api/v1/alerts/{alert['id']}/acknowledge", headers={"Authorization": f"Bearer {token}"})
    assert acked.status_code == 200
    assert problems(acked.get_json()["alert"], live.Alert) == []
    later = [m for m in board.get_received() if m["name"] in live.ALERTS]
    assert later and all(problems(m["args"][0], live.AlertMessage) == [] for m in later)
    for change, booking in (("booked", {"service": "A01", "date": "2026-11-27", "start": "09:00",
                                        "state": "booked", "code": "K3X9", "mobile": "13800000000"}),
                            ("no_show", {"count": 2})):
        name, payload = protocol.appointment_message(change, booking)
        assert name == live.APPOINTMENT_CHANGED
        assert problems(payload, live.AppointmentChanged) == []
        assert "mobile" not in payload and "code" not in payload


def test_the_rest_views_use_the_same_shapes(app) -> None:
    http = app.test_client()
    kiosk = {"Authorization": f"Bearer {app.tokens['kiosk']}"}
    issued = http.post("/api/v1/tickets", json={"service": "A01"}, headers=kiosk).get_json()
    assert problems(issued["ticket"], live.Ticket) == [] and problems(issued["estimated_wait"], live.Estimate) == []
    shown = http.get(f"/api/v1/tickets/{issued['id']}", headers=kiosk).get_json()
    assert problems(shown, live.Ticket) == [] and "waiting_ahead" in shown
    assert problems(http.get("/api/v1/hall", headers=kiosk).get_json(), live.HallSnapshot) == []


def test_the_pages_get_the_protocol_generated_from_the_package(app) -> None:
    http = app.test_client()
    response = http.get("/static/protocol.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.get_data(as_text=True) == javascript.script()
    with http.get("/static/pages/common.js") as static:
        assert static.status_code == 200, "the static files are still served"
    for page in ("/clerk", "/supervisor", "/window/3", "/desk", "/reports", "/admin"):
        html = http.get(page).get_data(as_text=True)
        assert html.index('src="/static/protocol.js"') < html.index("pages/common.js"), page
