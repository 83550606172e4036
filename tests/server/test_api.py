"""Each REST route with its permission failures and bad inputs (Flask's test client)."""

from __future__ import annotations

import re

import pytest

from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, add_user

PASSWORD = "password-1"


@pytest.fixture
def hall_app(tmp_path, small_config_file, seeded):
    clock = FakeClock()
    app = create_app(seeded(tmp_path / "var", small_config_file), small_config_file, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk2", "clerk"), ("clerk3", "clerk"), ("boss", "supervisor"), ("root", "admin")):
        add_user(hall.database, hall.service.hall_id, name, role, PASSWORD, f"{name}-名", "G1")
    tokens = {kind: accounts.add_device(hall.database, hall.service.hall_id, f"{kind}-1", kind,
                                        3 if kind == "window" else None).token
              for kind in ("kiosk", "display", "window")}
    app.clock = clock
    app.tokens = tokens
    yield app
    hall.data.close()


class Api:
    def __init__(self, app, token: str | None = None):
        self.client = app.test_client()
        self.token = token

    def call(self, method: str, path: str, json=None, token: str | None = None, data=None):
        headers = {}
        if token or self.token:
            headers["Authorization"] = f"Bearer {token or self.token}"
        kwargs = {"json": json} if data is None else {"data": data, "content_type": "application/json"}
        response = self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)
        return response.status_code, response.get_json()

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json if json is not None else {}, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)


def login(app, username: str) -> Api:
    status, reply = Api(app).post("/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200, reply
    return Api(app, reply["token"])


@pytest.fixture
def kiosk(hall_app) -> Api:
    return Api(hall_app, hall_app.tokens["kiosk"])


def signed_in(app, username: str, window: int) -> Api:
    api = login(app, username)
    assert api.post(f"/windows/{window}/sign-in")[0] == 200
    return api


# --- sign-in --------------------------------------------------------------------------------

def test_login_logout(hall_app) -> None:
    api = login(hall_app, "clerk2")
    status, me = api.get("/me")
    assert status == 200 and me["role"] == "clerk" and me["name"] == "clerk2-名"
    assert api.post("/auth/logout")[0] == 200
    assert api.get("/me")[0] == 401, "a signed-out token stops working at once"


@pytest.mark.parametrize("payload,status,code", [
    ({"username": "clerk2", "password": "wrong-one"}, 401, "bad_credentials"),
    ({"username": "nobody", "password": "whatever1"}, 401, "bad_credentials"),
    ({"username": "clerk2"}, 422, "missing_field"),
    ({"username": 5, "password": "x"}, 422, "bad_field"),
    ([], 400, "bad_json"),
])
def test_login_refusals(hall_app, payload, status, code) -> None:
    got, reply = Api(hall_app).post("/auth/login", payload)
    assert (got, reply["error"]) == (status, code) and reply["message"]


def test_repeated_failed_logins_are_slowed_down(hall_app) -> None:
    api = Api(hall_app)
    for _ in range(5):
        assert api.post("/auth/login", {"username": "clerk2", "password": "bad-guess"})[0] == 401
    status, reply = api.post("/auth/login", {"username": "clerk2", "password": PASSWORD})
    assert status == 429 and reply["error"] == "too_many_attempts"


def test_disabled_account_cannot_sign_in(hall_app) -> None:
    hall = hall_app.extensions["jiaohao"]
    api = login(hall_app, "clerk3")
    accounts.set_disabled(hall.database, "clerk3")
    assert api.get("/me")[0] == 401
    assert Api(hall_app).post("/auth/login", {"username": "clerk3", "password": PASSWORD})[0] == 401


def test_malformed_json_is_a_400_not_a_500(hall_app, kiosk) -> None:
    status, reply = kiosk.call("POST", "/tickets", data="{not json")
    assert status == 400 and reply["error"] == "bad_json"


# --- tickets --------------------------------------------------------------------------------

def test_kiosk_issues_a_ticket(hall_app, kiosk) -> None:
    status, reply = kiosk.post("/tickets", {"service": "A01"})
    assert status == 201
    assert reply["number"] == "A001" and reply["waiting_ahead"] == 0 and reply["windows"] == [1, 2, 3]
    assert reply["track_url"].startswith("http://localhost/t/") and len(reply["track_url"]) > 50
    assert reply["estimated_wait"]["text"]
    status, ticket = kiosk.get(f"/tickets/{reply['id']}")
    assert status == 200 and ticket["state"] == "waiting" and ticket["service_name"] == "企业设立登记"


def test_a_retried_request_gets_the_same_ticket(kiosk) -> None:
    first = kiosk.post("/tickets", {"service": "A01", "request_id": "touch-42"})
    again = kiosk.post("/tickets", {"service": "A01", "request_id": "touch-42"})
    assert (first[0], again[0]) == (201, 200)
    assert first[1]["id"] == again[1]["id"] and again[1]["repeated"] is True
    assert first[1]["track_url"] == again[1]["track_url"]
    assert kiosk.post("/tickets", {"service": "A01", "request_id": "touch-43"})[1]["number"] == "A002"


@pytest.mark.parametrize("payload,status,code", [
    ({}, 422, "missing_field"),
    ({"service": "ZZ9"}, 422, "unknown_service"),
    ({"service": 12}, 422, "bad_field"),
    ({"service": "A01", "priority": "vip"}, 422, "bad_field"),
    ({"service": "A01" * 100}, 422, "bad_field"),
])
def test_issue_refusals(hall_app, kiosk, payload, status, code) -> None:
    got, reply = kiosk.post("/tickets", payload)
    assert (got, reply["error"]) == (status, code)
    assert kiosk.get("/hall")[1]["seq"] == 0, "a refusal changes nothing"


def test_daily_cap_is_a_409(kiosk) -> None:
    for _ in range(3):
        assert kiosk.post("/tickets", {"service": "B01"})[0] == 201
    status, reply = kiosk.post("/tickets", {"service": "B01"})
    assert status == 409 and reply["error"] == "daily_cap_reached"


def test_who_may_issue(hall_app) -> None:
    assert Api(hall_app).post("/tickets", {"service": "A01"})[0] == 401
    assert Api(hall_app, "not-a-token").post("/tickets", {"service": "A01"})[0] == 401
    assert Api(hall_app, hall_app.tokens["display"]).post("/tickets", {"service": "A01"})[0] == 403
    assert Api(hall_app, hall_app.tokens["window"]).post("/tickets", {"service": "A01"})[0] == 403
    assert login(hall_app, "clerk2").post("/tickets", {"service": "A01"})[0] == 201


def test_unknown_ticket_is_404(kiosk) -> None:
    assert kiosk.get("/tickets/999")[1]["error"] == "ticket_not_found"


# --- a clerk's day ------------------------------------------------------------------------------

def test_clerk_calls_serves_and_finishes(hall_app, kiosk) -> None:
    issued = kiosk.post("/tickets", {"service": "A01"})[1]
    clerk = signed_in(hall_app, "clerk3", 3)
    status, reply = clerk.post("/windows/3/call-next")
    assert status == 200 and reply["ticket"]["number"] == issued["number"]
    assert clerk.post("/windows/3/call-next")[1]["error"] == "window_busy"
    tid = issued["id"]
    assert clerk.post(f"/tickets/{tid}/recall")[1]["recalls"] == 1
    assert clerk.post(f"/tickets/{tid}/start")[1]["state"] == "serving"
    status, done = clerk.post(f"/tickets/{tid}/finish", {"case_no": "2026-118"})
    assert done["state"] == "done" and done["case_no"] == "2026-118"
    assert clerk.post("/windows/3/call-next") == (200, {"ticket": None})


def test_every_reply_carries_the_halls_seq(hall_app, kiosk) -> None:
    """A command's reply carries its own last event's seq; a read, where the log stood before it;
    a refusal changes nothing and says so."""
    def seq_of(response) -> int:
        return int(response.headers["X-Hall-Seq"])

    def last_seq() -> int:
        hall = hall_app.extensions["jiaohao"]
        return max(s for s, in hall.database.connection().execute("SELECT seq FROM events"))

    issued = kiosk.post("/tickets", {"service": "A01"})[1]
    clerk = signed_in(hall_app, "clerk3", 3)
    headers = {"Authorization": f"Bearer {clerk.token}"}
    called = clerk.client.post("/api/v1/windows/3/call-next", headers=headers)
    assert seq_of(called) == last_seq()
    kiosk.post("/tickets", {"service": "A01"})   # a later event elsewhere in the hall
    read = clerk.client.get(f"/api/v1/tickets/{issued['id']}", headers=headers)
    assert seq_of(read) == last_seq() > seq_of(called)
    started = clerk.client.post(f"/api/v1/tickets/{issued['id']}/start", headers=headers)
    assert seq_of(started) == last_seq() == seq_of(read) + 1
    refused = clerk.client.post("/api/v1/windows/3/call-next", headers=headers)
    assert refused.status_code == 409 and seq_of(refused) == last_seq()
    assert seq_of(clerk.client.get("/api/v1/hall", headers=headers)) == clerk.get("/hall")[1]["seq"]


def test_clerk_acts_only_at_their_own_window(hall_app, kiosk) -> None:
    kiosk.post("/tickets", {"service": "A01"})
    mine = signed_in(hall_app, "clerk3", 3)
    other = signed_in(hall_app, "clerk2", 2)
    status, reply = other.post("/windows/3/call-next")
    assert status == 403 and reply["error"] == "not_your_window"
    called = mine.post("/windows/3/call-next")[1]["ticket"]
    tax = kiosk.post("/tickets", {"service": "C01"})[1]
    # window 2 does not serve the tax item, and the called ticket belongs to window 3
    assert other.post(f"/tickets/{tax['id']}/cancel")[0] == 403
    assert other.post(f"/tickets/{called['id']}/start")[1]["error"] == "not_your_ticket"
    boss = login(hall_app, "boss")
    assert boss.post(f"/tickets/{called['id']}/start")[0] == 200, "supervisors act anywhere"


def test_devices_cannot_act_at_windows(hall_app) -> None:
    for kind in ("kiosk", "display", "window"):
        status, reply = Api(hall_app, hall_app.tokens[kind]).post("/windows/3/call-next")
        assert status == 403 and reply["error"] == "forbidden"


@pytest.mark.parametrize("path,payload,status,code", [
    ("/windows/3/pause", {}, 422, "missing_field"),
    ("/windows/3/pause", {"reason": "   "}, 422, "reason_required"),
    ("/windows/3/resume", {}, 409, "window_not_paused"),
    ("/windows/3/call", {"number": "Z999"}, 404, "ticket_not_found"),
    ("/windows/99/call-next", {}, 404, "window_not_found"),
])
def test_window_refusals(hall_app, path, payload, status, code) -> None:
    clerk = signed_in(hall_app, "clerk3", 3)
    got, reply = clerk.post(path, payload)
    assert (got, reply["error"]) == (status, code)


def test_ticket_action_refusals(hall_app, kiosk) -> None:
    tid = kiosk.post("/tickets", {"service": "A01"})[1]["id"]
    clerk = signed_in(hall_app, "clerk3", 3)
    assert clerk.post(f"/tickets/{tid}/finish") [1]["error"] == "illegal_transition"
    clerk.post("/windows/3/call-next")
    assert clerk.post(f"/tickets/{tid}/hold", {"minutes": "soon"})[1]["error"] == "bad_field"
    assert clerk.post(f"/tickets/{tid}/hold", {"return_to": "moon"})[0] == 422
    assert clerk.post(f"/tickets/{tid}/transfer", {})[1]["error"] == "bad_transfer"
    assert clerk.post(f"/tickets/{tid}/transfer", {"window": "two"})[1]["error"] == "bad_field"
    assert clerk.post(f"/tickets/{tid}/no-show")[1]["error"] == "no_show_too_early"
    assert clerk.post(f"/tickets/{tid}/transfer", {"service": "C01"})[1]["state"] == "transferred"


def test_call_specific_pause_and_resume(hall_app, kiosk) -> None:
    kiosk.post("/tickets", {"service": "A01"})
    second = kiosk.post("/tickets", {"service": "A01"})[1]
    clerk = signed_in(hall_app, "clerk3", 3)
    status, reply = clerk.post("/windows/3/call", {"number": second["number"].lower(), "reason": "预约"})
    assert status == 200 and reply["ticket"]["id"] == second["id"]
    clerk.post(f"/tickets/{second['id']}/start")
    clerk.post(f"/tickets/{second['id']}/finish")
    status, paused = clerk.post("/windows/3/pause", {"reason": "午休 lunch"})
    assert paused["window"]["status"] == "paused" and paused["window"]["pause_reason"] == "午休 lunch"
    assert clerk.post("/windows/3/resume")[1]["window"]["status"] == "open"
    assert clerk.post("/windows/3/sign-out")[1]["window"]["status"] == "closed"


def test_hold_resume_and_late_return(hall_app, kiosk) -> None:
    tid = kiosk.post("/tickets", {"service": "A01"})[1]["id"]
    clerk = signed_in(hall_app, "clerk3", 3)
    clerk.post("/windows/3/call-next")
    held = clerk.post(f"/tickets/{tid}/hold", {"minutes": 10})[1]
    assert held["state"] == "held" and held["hold_until"]
    assert clerk.post(f"/tickets/{tid}/resume")[1]["target_window"] == 3
    clerk.post("/windows/3/call-next")
    hall_app.clock.advance(minutes=6)
    assert clerk.post(f"/tickets/{tid}/no-show")[1]["state"] == "no_show"
    assert clerk.post(f"/tickets/{tid}/return")[1]["state"] == "waiting"


# --- ratings ------------------------------------------------------------------------------------

def finished_ticket(hall_app, kiosk) -> dict:
    issued = kiosk.post("/tickets", {"service": "A01"})[1]
    clerk = signed_in(hall_app, "clerk3", 3)
    clerk.post("/windows/3/call-next")
    clerk.post(f"/tickets/{issued['id']}/start")
    clerk.post(f"/tickets/{issued['id']}/finish")
    return issued


def test_window_screen_rates_once(hall_app, kiosk) -> None:
    issued = finished_ticket(hall_app, kiosk)
    screen = Api(hall_app, hall_app.tokens["window"])   # the screen of window 3
    assert screen.post(f"/tickets/{issued['id']}/evaluation", {"rating": 9})[1]["error"] == "bad_rating"
    status, rated = screen.post(f"/tickets/{issued['id']}/evaluation", {"rating": 5})
    assert status == 200 and rated["rating"] == 5
    assert screen.post(f"/tickets/{issued['id']}/evaluation", {"rating": 1})[1]["error"] == "already_rated"


def test_track_token_rates_only_its_own_ticket(hall_app, kiosk) -> None:
    issued = finished_ticket(hall_app, kiosk)
    other = kiosk.post("/tickets", {"service": "A02"})[1]
    track = Api(hall_app, issued["track_url"].rsplit("/", 1)[1])
    assert track.get(f"/tickets/{issued['id']}")[0] == 200
    assert track.get(f"/tickets/{other['id']}")[0] == 403
    assert track.post(f"/tickets/{other['id']}/evaluation", {"rating": 4})[0] == 403
    assert track.post(f"/tickets/{issued['id']}/evaluation", {"rating": 2})[1]["rating"] == 2
    assert track.get("/hall")[0] == 401, "a track token is not a device"


def test_only_the_serving_windows_screen_rates(hall_app, kiosk) -> None:
    issued = finished_ticket(hall_app, kiosk)
    for token in (hall_app.tokens["kiosk"], hall_app.tokens["display"]):
        assert Api(hall_app, token).post(f"/tickets/{issued['id']}/evaluation", {"rating": 5})[0] == 403
    assert login(hall_app, "clerk3").post(f"/tickets/{issued['id']}/evaluation", {"rating": 5})[0] == 403


def test_unfinished_visit_cannot_be_rated(hall_app, kiosk) -> None:
    issued = kiosk.post("/tickets", {"service": "A01"})[1]
    track = Api(hall_app, issued["track_url"].rsplit("/", 1)[1])
    assert track.post(f"/tickets/{issued['id']}/evaluation", {"rating": 5})[1]["error"] == "not_finished"


# --- the hall, devices, the contract ---------------------------------------------------------------

def test_hall_snapshot_shape(hall_app, kiosk) -> None:
    kiosk.post("/tickets", {"service": "A01"})
    signed_in(hall_app, "clerk3", 3)
    status, hall = Api(hall_app, hall_app.tokens["display"]).get("/hall")
    assert status == 200 and hall["seq"] == 2
    assert hall["hall"]["name"] == "测试大厅" and hall["hall"]["business_date"] == "2026-11-26"
    a01 = next(s for s in hall["services"] if s["code"] == "A01")
    assert a01["waiting"] == 1 and a01["open"] and a01["estimated_wait"]["windows"] == 1
    window3 = next(w for w in hall["windows"] if w["number"] == 3)
    assert window3["status"] == "open" and window3["clerk"]["name"] == "clerk3-名"
    assert next(w for w in hall["windows"] if w["number"] == 2)["nearest_open"] == 3


def test_device_reports_its_printer(hall_app, kiosk) -> None:
    status, reply = kiosk.post("/devices/status", {"printer": {"online": False, "paper": "unknown",
                                                               "detail": "打印机未连接"}})
    assert status == 200 and reply["status"]["printer"]["online"] is False
    assert kiosk.post("/devices/status", {"printer": {"online": "yes"}})[0] == 422
    assert login(hall_app, "clerk2").post("/devices/status", {})[0] == 403


def test_revoked_device_stops_at_once(hall_app, kiosk) -> None:
    hall = hall_app.extensions["jiaohao"]
    assert kiosk.get("/hall")[0] == 200
    accounts.revoke_device(hall.database, hall.service.hall_id, "kiosk-1")
    assert kiosk.get("/hall")[0] == 401


def test_openapi_lists_every_route(hall_app) -> None:
    document = hall_app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routes = set()
    for rule in hall_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>",
                      lambda m: "{id}" if m[1] in ("ticket_id", "alert_id") else "{" + m[1] + "}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


def test_unknown_route_and_method_are_json(hall_app) -> None:
    client = hall_app.test_client()
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.get("/api/v1/tickets")
    assert wrong.status_code == 405 and wrong.get_json()["error"]


@pytest.mark.parametrize("path", ["/tickets/99999999999999999999999", "/tickets/99999999999999999999999/start"])
def test_huge_ids_are_404_not_500(hall_app, kiosk, path) -> None:
    clerk = login(hall_app, "boss")
    status, reply = (kiosk.get(path) if path.count("/") == 2 else clerk.post(path))
    assert status == 404 and reply["error"] == "ticket_not_found"


def test_huge_window_numbers_are_404(hall_app) -> None:
    boss = login(hall_app, "boss")
    assert boss.post("/windows/99999999999999999999999/call-next")[0] == 404
    assert boss.post("/windows/99999999999999999999999/sign-in")[0] == 404


def test_window_screen_records_a_timed_out_rating(hall_app, kiosk) -> None:
    issued = finished_ticket(hall_app, kiosk)
    screen = Api(hall_app, hall_app.tokens["window"])
    assert Api(hall_app, hall_app.tokens["kiosk"]).post(f"/tickets/{issued['id']}/evaluation/skip")[0] == 403
    status, ticket = screen.post(f"/tickets/{issued['id']}/evaluation/skip")
    assert status == 200 and ticket["rating"] is None
    track = Api(hall_app, issued["track_url"].rsplit("/", 1)[1])
    assert track.post(f"/tickets/{issued['id']}/evaluation", {"rating": 4})[1]["rating"] == 4
