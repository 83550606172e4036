"""A `bridge` device token (the process that drives a hall's RS-485 keypads, strips and raters):
at its windows it does what that window's clerk may do, for that clerk; anywhere else, and
anything else, is 403 and changes nothing."""

from __future__ import annotations

import pytest

from server import accounts, repository as repo
from server.app import create_app
from tests.conftest import FakeClock, add_user

PASSWORD = "password-1"


@pytest.fixture
def hall_app(tmp_path, small_config_file, seeded):
    app = create_app(seeded(tmp_path / "var", small_config_file), small_config_file, clock=FakeClock(),
                     start_clockwork=False)
    hall = app.extensions["jiaohao"]
    app.clerk_id = add_user(hall.database, hall.service.hall_id, "clerk3", "clerk", PASSWORD, "王芳", "A1003")
    device = accounts.add_device(hall.database, hall.service.hall_id, "bridge-1", "bridge", windows=(3, 4))
    app.bridge, app.bridge_id = device.token, device.id
    app.kiosk = accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token
    yield app
    hall.data.close()


def call(app, method: str, path: str, token: str | None, json=None):
    reply = app.test_client().open("/api/v1" + path, method=method, json=json if json is not None else {},
                                   headers={"Authorization": f"Bearer {token}"} if token else {})
    return reply.status_code, reply.get_json()


def clerk_session(app) -> str:
    status, reply = call(app, "POST", "/auth/login", None, {"username": "clerk3", "password": PASSWORD})
    assert status == 200
    return reply["token"]


def issue(app, service: str = "A01") -> dict:
    status, reply = call(app, "POST", "/tickets", app.kiosk, {"service": service})
    assert status == 201
    return reply


def last_seq(app) -> int:
    hall = app.extensions["jiaohao"]
    return repo.last_seq(hall.database.connection(), hall.service.hall_id)


def test_me_names_the_bridge_and_its_windows(hall_app) -> None:
    status, me = call(hall_app, "GET", "/me", hall_app.bridge)
    assert status == 200 and me["role"] == "bridge" and me["windows"] == [3, 4]


def test_no_clerk_at_the_window_is_a_clear_refusal_that_changes_nothing(hall_app) -> None:
    issue(hall_app)
    before = last_seq(hall_app)
    status, reply = call(hall_app, "POST", "/windows/3/call-next", hall_app.bridge)
    assert status == 403 and reply["error"] == "not_signed_in"
    assert "无人签到" in reply["message"] and "no clerk is signed in at window 3" in reply["message"]
    assert last_seq(hall_app) == before


def test_keypad_actions_count_for_the_clerk_and_the_log_names_the_bridge(hall_app) -> None:
    session = clerk_session(hall_app)
    assert call(hall_app, "POST", "/windows/3/sign-in", session)[0] == 200
    ticket = issue(hall_app)
    status, called = call(hall_app, "POST", "/windows/3/call-next", hall_app.bridge)
    assert status == 200 and called["ticket"]["id"] == ticket["id"]
    for action in ("recall", "start", "finish"):
        assert call(hall_app, "POST", f"/tickets/{ticket['id']}/{action}", hall_app.bridge)[0] == 200, action
    hall = hall_app.extensions["jiaohao"]
    actors = {row["actor"] for row in hall.database.connection().execute(
        "SELECT actor FROM events WHERE ticket_id = ? AND kind != 'ticket_issued'", (ticket["id"],))}
    assert actors == {f"user:{hall_app.clerk_id} via device:{hall_app.bridge_id}"}
    status, today = call(hall_app, "GET", "/me/today", session)
    assert status == 200
    assert (today["counts"]["called"], today["counts"]["recalled"],
                                                        today["counts"]["started"], today["counts"]["served"]) \
        == (1, 1, 1, 1)
    status, rated = call(hall_app, "POST", f"/tickets/{ticket['id']}/evaluation", hall_app.bridge, {"rating": 4})
    assert status == 200 and rated["rating"] == 4


def test_pause_resume_and_call_a_number_at_its_window(hall_app) -> None:
    assert call(hall_app, "POST", "/windows/3/sign-in", clerk_session(hall_app))[0] == 200
    status, paused = call(hall_app, "POST", "/windows/3/pause", hall_app.bridge, {"reason": "暂离"})
    assert status == 200 and paused["window"]["status"] == "paused"
    status, resumed = call(hall_app, "POST", "/windows/3/resume", hall_app.bridge)
    assert status == 200 and resumed["window"]["status"] == "open"
    issue(hall_app)
    second = issue(hall_app)
    status, called = call(hall_app, "POST", "/windows/3/call", hall_app.bridge, {"number": second["number"]})
    assert status == 200 and called["ticket"]["number"] == second["number"]


@pytest.mark.parametrize("method,path,json", [
    ("POST", "/windows/1/call-next", None),       # a window it was not given
    ("POST", "/windows/2/pause", {"reason": "x"}),
    ("POST", "/windows/3/sign-out", None),        # not a keypad's action
    ("POST", "/windows/3/sign-in", None),
    ("POST", "/tickets", {"service": "A01"}),
    ("POST", "/tickets/{id}/transfer", {"window": 4}),
    ("POST", "/tickets/{id}/cancel", None),
])
def test_anything_else_is_403_and_changes_nothing(hall_app, method, path, json) -> None:
    assert call(hall_app, "POST", "/windows/3/sign-in", clerk_session(hall_app))[0] == 200
    ticket = issue(hall_app)
    before = last_seq(hall_app)
    status, reply = call(hall_app, method, path.replace("{id}", str(ticket["id"])), hall_app.bridge, json)
    assert status == 403 and reply["error"] == "forbidden" and " / " in reply["message"]
    assert last_seq(hall_app) == before


def test_a_ticket_called_at_a_window_it_was_not_given_is_refused(hall_app) -> None:
    session = clerk_session(hall_app)
    assert call(hall_app, "POST", "/windows/2/sign-in", session)[0] == 200
    ticket = issue(hall_app)
    assert call(hall_app, "POST", "/windows/2/call-next", session)[0] == 200
    before = last_seq(hall_app)
    status, reply = call(hall_app, "POST", f"/tickets/{ticket['id']}/recall", hall_app.bridge)
    assert status == 403 and reply["error"] == "not_your_ticket"
    assert last_seq(hall_app) == before


def test_a_bridge_needs_its_windows(hall_app) -> None:
    hall = hall_app.extensions["jiaohao"]
    with pytest.raises(accounts.AccountError, match="--windows"):
        accounts.add_device(hall.database, hall.service.hall_id, "bridge-2", "bridge")
    with pytest.raises(accounts.AccountError, match="no window 9"):
        accounts.add_device(hall.database, hall.service.hall_id, "bridge-2", "bridge", windows=(3, 9))
