"""One server process serving several halls at once (server/halls.py): every REST call, page and
live connection is answered by its own credential's hall, the same user name lives in two halls,
another hall's ids are as unknown as made-up ones to every kind of token, and a hall added while
the server runs is served from its first request."""

from __future__ import annotations

import re

import pytest
import requests

from client.hall_client import wait_until
from common.launcher import hall_server
from protocol import live
from server import accounts, repository as repo
from server.app import create_app, socketio as server_socketio
from server.datadir import add_hall, open_data_dir
from server.permissions import ANONYMOUS, LISTENERS, PRINCIPALS, TICKET
from server.services import HallService
from tests.cli.test_admin import jiaohao
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.server.test_live import Board

PASSWORDS = {"home": "Home-hall-2026", "east": "East-hall-2026"}
#: the deployment's city account (added with the home hall; it signs in at either)
CITY_ACCOUNT, CITY_PASSWORD = "metro", "City-wide-2026"
PEOPLE = (("clerk3", "clerk"), ("boss", "supervisor"), ("root", "admin"), ("checker", "auditor"))
NO_SUCH_TICKET = 987_654
BOOKING_RULES = {"enabled": True, "slot_minutes": 30, "capacity": 3, "hours": "09:00-12:00", "days_ahead": 7}
TOMORROW = "2026-11-27"   # the day after FakeClock's morning


def hall_config(tmp_path, code: str, name: str, **sections) -> str:
    document = small_hall_document(**sections)
    document["hall"] = {**document["hall"], "code": code, "name": name, "name_en": f"{code} centre"}
    path = tmp_path / f"{code}.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    return str(path)


class HallPeople:
    """One hall's code, accounts and device tokens in the app under test."""

    def __init__(self, app, hall_id: int, code: str, name: str, password: str):
        self.app, self.hall_id, self.code, self.name, self.password = app, hall_id, code, name, password
        database = app.extensions["jiaohao"].database
        self.user_ids = {name: add_user(database, hall_id, name, role, password, f"{code}-{name}", "G1")
                         for name, role in PEOPLE}
        self.devices = {kind: accounts.add_device(database, hall_id, f"{kind}-1", kind,
                                                  3 if kind == "window" else None,
                                                  windows=(3,) if kind == "bridge" else ()).token
                        for kind in ("kiosk", "display", "window", "bridge")}

    def login(self, username: str, hall: str | None = "own") -> str:
        body = {"username": username, "password": self.password}
        if hall is not None:
            body["hall"] = self.code if hall == "own" else hall
        reply = self.app.test_client().post("/api/v1/auth/login", json=body)
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()["token"]

    def issue(self) -> dict:
        reply = self.app.test_client().post("/api/v1/tickets", json={"service": "A01"},
                                            headers=bearer(self.devices["kiosk"]))
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()

    def tokens(self) -> dict[str, str | None]:
        """A token for every kind of caller of this hall; the "ticket" one tracks a fresh ticket."""
        ticket = self.issue()
        city = self.app.test_client().post("/api/v1/auth/login", json={
            "username": CITY_ACCOUNT, "password": CITY_PASSWORD, "hall": self.code}).get_json()["token"]
        return {ANONYMOUS: None, "admin": self.login("root"), "supervisor": self.login("boss"),
                "clerk": self.login("clerk3"), "auditor": self.login("checker"), "city": city, **self.devices,
                TICKET: ticket["track_url"].rsplit("/", 1)[1]}

    def last_seq(self) -> int:
        database = self.app.extensions["jiaohao"].database
        return repo.last_seq(database.connection(), self.hall_id)


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def city(tmp_path, small_config_file):
    """An app serving two halls of one database: the config's hall ("home") and xc-east."""
    app = create_app(tmp_path / "var", small_config_file, clock=FakeClock(), start_clockwork=False)
    home = app.extensions["jiaohao"]
    east_id, _ = add_hall(tmp_path / "var", hall_config(tmp_path, "xc-east", "东区便民服务中心",
                                                       appointments=BOOKING_RULES))
    info = home.service.setup().hall
    app.home = HallPeople(app, home.service.hall_id, info.code, info.name, PASSWORDS["home"])
    add_user(home.database, home.service.hall_id, CITY_ACCOUNT, "city", CITY_PASSWORD, city=True)
    app.east = HallPeople(app, east_id, "xc-east", "东区便民服务中心", PASSWORDS["east"])
    yield app
    home.data.close()


def operations(app) -> list[tuple[str, str]]:
    document = app.test_client().get("/api/openapi.json").get_json()
    return [(path, method) for path, ops in document["paths"].items() for method in ops]


def with_ticket(path: str, ticket_id: int) -> str:
    return path.replace("{id}", str(ticket_id))


def test_two_halls_issue_call_and_hear_their_own_at_once(city) -> None:
    home, east = city.home, city.east
    http = city.test_client()
    boards = {hall.code: server_socketio.test_client(city, auth={"token": hall.devices["display"]})
              for hall in (home, east)}
    for hall in (home, east):
        snapshot = boards[hall.code].get_received()[0]["args"][0]
        assert snapshot["hall"]["code"] == hall.code
    issued = {hall.code: hall.issue() for hall in (home, east)}
    assert issued[home.code]["number"] == issued[east.code]["number"] == "A001", "each hall counts its own"
    called = {}
    for hall in (home, east):
        clerk = bearer(hall.login("clerk3"))
        assert http.post("/api/v1/windows/3/sign-in", headers=clerk, json={}).status_code == 200
        reply = http.post("/api/v1/windows/3/call-next", headers=clerk, json={})
        assert reply.status_code == 200, reply.get_json()
        called[hall.code] = reply.get_json()["ticket"]["id"]
        assert called[hall.code] == issued[hall.code]["id"]
        assert http.get("/api/v1/hall", headers=clerk).get_json()["hall"]["code"] == hall.code
        token = issued[hall.code]["track_url"].rsplit("/", 1)[1]
        assert hall.name in http.get(f"/t/{token}").get_data(as_text=True), "the phone page is its hall's"
        track = http.get(f"/api/v1/track/{token}").get_json()
        assert track["state"] == "called" and track["hall"]["name"] == hall.name
    for hall in (home, east):
        heard = [m["args"][0] for m in boards[hall.code].get_received() if m["name"] == live.TICKET_CALLED]
        assert [m["ticket"]["id"] for m in heard] == [called[hall.code]], "a board hears its own hall only"
        boards[hall.code].disconnect()


@pytest.mark.parametrize("kind", PRINCIPALS)
def test_another_halls_ticket_ids_are_unknown_to_every_kind_of_token(city, kind: str) -> None:
    """Whatever a home token asks of an east ticket id, it gets the answer a made-up id gets
    (404 where an id is looked up), and nothing of the east hall changes."""
    home, east = city.home, city.east
    token = home.tokens()[kind]
    target = east.issue()["id"]
    database = city.extensions["jiaohao"].database
    east_before, target_before = east.last_seq(), repo.get_ticket(database.connection(), east.hall_id, target)
    http = city.test_client()
    compared = 0
    for path, method in operations(city):
        if "{id}" not in path or not path.startswith("/api/v1/tickets/"):
            continue
        answers = []
        for ticket_id in (target, NO_SUCH_TICKET):
            with http.open(with_ticket(path, ticket_id), method=method.upper(), json={},
                           headers=bearer(token)) as reply:
                answers.append((reply.status_code, (reply.get_json(silent=True) or {}).get("error")))
        assert answers[0] == answers[1], (kind, method, path, answers)
        compared += 1
    assert compared >= 10
    assert east.last_seq() == east_before, "nothing of the other hall changed"
    assert repo.get_ticket(database.connection(), east.hall_id, target) == target_before


def test_a_staff_member_of_one_hall_cannot_touch_the_others_ticket_admitted_or_not(city) -> None:
    """The strongest tokens, a supervisor's and an admin's, on the other hall's ticket: 404."""
    home, east = city.home, city.east
    target = east.issue()["id"]
    http = city.test_client()
    for name in ("boss", "root"):
        headers = bearer(home.login(name))
        for method, path in (("GET", ""), ("POST", "/recall"), ("POST", "/cancel"), ("POST", "/hold"),
                             ("POST", "/transfer"), ("POST", "/no-show")):
            with http.open(f"/api/v1/tickets/{target}{path}", method=method, json={}, headers=headers) as reply:
                assert reply.status_code == 404, (name, path, reply.get_json())
                assert reply.get_json()["error"] == "ticket_not_found"


def test_the_live_channel_keeps_each_hall_to_its_own(city) -> None:
    home, east = city.home, city.east
    tokens = {hall.code: hall.tokens() for hall in (home, east)}
    listeners = {(code, kind): server_socketio.test_client(city, auth={"token": token} if token else None)
                 for code, kinds in tokens.items() for kind, token in kinds.items()}
    connected = {key: client for key, client in listeners.items() if client.is_connected()}
    assert {kind for code, kind in connected if code == east.code} == set(LISTENERS.admits)
    for (code, kind), client in connected.items():
        first = client.get_received()[0]
        assert first["name"] == live.HALL_SNAPSHOT and first["args"][0]["hall"]["code"] == code, (code, kind)

    east_clerk = bearer(east.login("clerk3"))
    http = city.test_client()
    http.post("/api/v1/windows/3/sign-in", headers=east_clerk, json={})
    called = http.post("/api/v1/windows/3/call-next", headers=east_clerk, json={}).get_json()["ticket"]
    for (code, kind), client in connected.items():
        heard = client.get_received()
        if code == home.code:
            assert heard == [], (kind, heard)
    board = connected[(home.code, "display")]
    board.emit(live.RESYNC, {"since": 0})
    replayed = [m["args"][0] for m in board.get_received()]
    assert all(message.get("ticket", {}).get("id") != called["id"] for message in replayed)
    assert all(message["hall"]["code"] == home.code for message in replayed if "hall" in message)
    for client in connected.values():
        client.disconnect()


def test_the_same_user_name_signs_in_at_each_hall(city) -> None:
    home, east = city.home, city.east
    http = city.test_client()
    home_token, east_token = home.login("clerk3"), east.login("clerk3")
    assert http.get("/api/v1/me", headers=bearer(home_token)).get_json()["id"] == home.user_ids["clerk3"]
    assert http.get("/api/v1/me", headers=bearer(east_token)).get_json()["id"] == east.user_ids["clerk3"]
    assert home.user_ids["clerk3"] != east.user_ids["clerk3"]
    # without a hall code the sign-in is the home hall's, so east's password is wrong there
    assert home.login("clerk3", hall=None)
    wrong = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": east.password})
    assert wrong.status_code == 401
    crossed = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": home.password,
                                                    "hall": east.code})
    assert crossed.status_code == 401, "a password is its own hall's"
    unknown = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": home.password,
                                                    "hall": "nowhere"})
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "hall_not_found"
    assert "/" in unknown.get_json()["message"]
    bad = http.post("/api/v1/auth/login", json={"username": "clerk3", "password": home.password, "hall": 7})
    assert bad.status_code == 422
    database = city.extensions["jiaohao"].database
    with pytest.raises(accounts.AccountError) as again:
        add_user(database, east.hall_id, "clerk3", "clerk", east.password)
    assert again.value.code == "user_exists"
    # an account is managed in its own hall: east's admin disables east's clerk3 only
    east_admin = bearer(east.login("root"))
    assert http.put("/api/v1/admin/staff/clerk3/disabled", json={"disabled": True},
                    headers=east_admin).status_code == 200
    assert http.post("/api/v1/auth/login", json={"username": "clerk3", "password": east.password,
                                                 "hall": east.code}).status_code == 401
    assert home.login("clerk3")


def test_wrong_passwords_for_a_name_in_one_hall_leave_the_same_name_in_another_free(city) -> None:
    home, east = city.home, city.east
    http = city.test_client()
    answers = [http.post("/api/v1/auth/login", json={"username": "clerk3", "password": "Wrong-guess-1",
                                                     "hall": home.code}).status_code for _ in range(7)]
    assert answers[:5] == [401] * 5 and answers[-1] in (423, 429), answers
    assert east.login("clerk3"), "east's clerk3 is another account"


def test_public_pages_name_their_hall_and_sign_in_pages_ask_for_it(city) -> None:
    http = city.test_client()
    page = http.get("/book?hall=xc-east")
    assert page.status_code == 200 and "东区便民服务中心" in page.get_data(as_text=True)
    assert http.get("/book?hall=nowhere").status_code == 404
    services = http.get("/api/v1/appointments/services?hall=xc-east")
    assert services.status_code == 200, services.get_json()
    for path in ("/clerk", "/supervisor", "/admin", "/reports", "/desk"):
        html = http.get(f"{path}?hall=xc-east").get_data(as_text=True)
        assert re.search(r'id="login-hall"[^>]*value="xc-east"', html), path


def test_a_booking_link_is_its_halls_and_its_code_checks_in_there_only(city) -> None:
    home, east = city.home, city.east
    http = city.test_client()
    made = http.post("/api/v1/appointments?hall=xc-east", json={"service": "A01", "date": TOMORROW,
                                                                 "start": "09:00", "mobile": "13900001111"})
    assert made.status_code == 201, made.get_json()
    booking = made.get_json()
    assert http.post("/api/v1/appointments", json={"service": "A01", "date": TOMORROW, "start": "09:00",
                                                   "mobile": "13900002222"}).status_code != 201, \
        "without ?hall= the booking is the home hall's, which takes none"
    managed = http.get(f"/api/v1/appointments/manage/{booking['manage_token']}")
    assert managed.status_code == 200, "the link's token names its hall"
    assert "东区便民服务中心" in http.get(f"/book/m/{booking['manage_token']}").get_data(as_text=True)
    elsewhere = http.post("/api/v1/appointments/check-in", json={"code": booking["code"]},
                          headers=bearer(home.devices["kiosk"]))
    assert elsewhere.status_code == 404, elsewhere.get_json()


def test_a_hall_added_while_serving_is_served_from_its_first_request(city, tmp_path) -> None:
    west_id, code = add_hall(tmp_path / "var", hall_config(tmp_path, "xc-west", "西区便民服务中心"))
    west = HallPeople(city, west_id, code, "西区便民服务中心", "West-hall-2026")
    ticket = west.issue()
    assert ticket["number"] == "A001"
    http = city.test_client()
    assert http.get("/api/v1/hall", headers=bearer(west.login("boss"))).get_json()["hall"]["code"] == code
    assert "西区便民服务中心" in http.get(f"/book?hall={code}").get_data(as_text=True)
    board = server_socketio.test_client(city, auth={"token": west.devices["display"]})
    assert board.get_received()[0]["args"][0]["hall"]["code"] == code
    board.disconnect()
    served = {hall.service.hall_id for hall in city.extensions["jiaohao.halls"].served()}
    assert west_id in served


def test_a_process_pinned_to_one_hall_serves_it_alone(tmp_path, small_config_file) -> None:
    app = create_app(tmp_path / "var", small_config_file, clock=FakeClock(), start_clockwork=False)
    home = app.extensions["jiaohao"]
    code = home.service.setup().hall.code
    east_id, _ = add_hall(tmp_path / "var", hall_config(tmp_path, "xc-east", "东区便民服务中心"))
    home.data.close()
    pinned = create_app(tmp_path / "var", small_config_file, clock=FakeClock(), start_clockwork=False, hall=code)
    try:
        kiosk = accounts.add_device(pinned.extensions["jiaohao"].database, east_id, "k", "kiosk").token
        http = pinned.test_client()
        assert http.post("/api/v1/tickets", json={"service": "A01"}, headers=bearer(kiosk)).status_code == 401
        assert http.get("/book?hall=xc-east").status_code == 404
        assert not server_socketio.test_client(pinned, auth={"token": kiosk}).is_connected()
        assert [h.service.hall_id for h in pinned.extensions["jiaohao.halls"].served()] == \
            [pinned.extensions["jiaohao"].service.hall_id]
    finally:
        pinned.extensions["jiaohao"].data.close()
    every = create_app(tmp_path / "var", small_config_file, clock=FakeClock(), start_clockwork=False, hall="all")
    try:
        issued = every.test_client().post("/api/v1/tickets", json={"service": "A01"}, headers=bearer(kiosk))
        assert issued.status_code == 201, "--hall all serves every hall"
    finally:
        every.extensions["jiaohao"].data.close()


def test_a_hall_admin_downloads_no_database_that_holds_other_halls(city) -> None:
    reply = city.test_client().get("/api/v1/admin/backup", headers=bearer(city.east.login("root")))
    assert reply.status_code == 409 and reply.get_json()["error"] == "backup_elsewhere"
    assert "/" in reply.get_json()["message"]


# --- a real server process serving every hall -------------------------------------------------------

def test_one_server_process_serves_every_hall_and_one_added_while_it_runs(tmp_path, small_config_file) -> None:
    data = tmp_path / "var"
    opened = open_data_dir(data, small_config_file)
    home_code = HallService(opened.database, opened.hall_id).setup().hall.code
    east_id, _ = add_hall(data, hall_config(tmp_path, "xc-east", "东区便民服务中心"))
    kiosks, boards = {}, {}
    for code, hall_id in ((home_code, opened.hall_id), ("xc-east", east_id)):
        add_user(opened.database, hall_id, "clerk3", "clerk", PASSWORDS["home"], f"{code}-clerk3", "G3")
        kiosks[code] = accounts.add_device(opened.database, hall_id, "kiosk-1", "kiosk").token
        boards[code] = accounts.add_device(opened.database, hall_id, "board-1", "display").token
    opened.close()

    server = hall_server(data, small_config_file).start()   # no --hall: every hall
    listening = {}
    try:
        listening = {code: Board(server.url, token) for code, token in boards.items()}
        for code, board in listening.items():
            assert wait_until(lambda board=board: board.of("hall_snapshot"))
            assert board.of("hall_snapshot")[0]["hall"]["code"] == code
        called = {}
        for code in (home_code, "xc-east"):
            issued = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, timeout=10,
                                   headers=bearer(kiosks[code]))
            assert issued.status_code == 201, issued.text
            login = requests.post(f"{server.url}/api/v1/auth/login", timeout=10, json={
                "username": "clerk3", "password": PASSWORDS["home"], "hall": code})
            clerk = bearer(login.json()["token"])
            assert requests.post(f"{server.url}/api/v1/windows/3/sign-in", headers=clerk, timeout=10).ok
            reply = requests.post(f"{server.url}/api/v1/windows/3/call-next", headers=clerk, timeout=10)
            called[code] = reply.json()["ticket"]["id"]
            assert called[code] == issued.json()["id"]
        for code, board in listening.items():
            assert wait_until(lambda board=board: board.of("ticket_called"))
            assert [m["ticket"]["id"] for m in board.of("ticket_called")] == [called[code]]
            assert [m["ticket"]["id"] for m in board.of("ticket_issued")] == [called[code]]

        # a hall added with the admin CLI while the server runs: served from its first request
        added = jiaohao("admin", "hall", "add", "--config", hall_config(tmp_path, "xc-west", "西区便民服务中心"),
                        data=data, config=small_config_file)
        assert added.returncode == 0, added.stderr
        made = jiaohao("admin", "device", "add", "west-kiosk", "--kind", "kiosk", "--hall", "xc-west",
                       data=data, config=small_config_file)
        assert made.returncode == 0, made.stderr
        west_kiosk = next(line.split(": ", 1)[1] for line in made.stdout.splitlines() if line.startswith("token: "))
        issued = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, timeout=10,
                               headers=bearer(west_kiosk))
        assert issued.status_code == 201 and issued.json()["number"] == "A001", issued.text
        page = requests.get(f"{server.url}/book?hall=xc-west", timeout=10)
        assert page.status_code == 200 and "西区便民服务中心" in page.text
        assert 'id="login-hall"' in requests.get(f"{server.url}/clerk", timeout=10).text
    finally:
        for board in listening.values():
            board.client.disconnect()
        server.stop()


def past_day_ticket(database, hall_id: int) -> int:
    """A ticket still waiting from a past business day (FakeClock's morning): the hall's
    clockwork expires it at its first tick, and nothing else does."""
    return HallService(database, hall_id, clock=FakeClock()).issue("A01").ticket.id


def ticket_state(data, config, ticket_id: int) -> str:
    opened = open_data_dir(data, config, home_of_several=True)
    try:
        with opened.database.checked_out() as conn:
            return conn.execute("SELECT state FROM tickets WHERE id = ?", (ticket_id,)).fetchone()[0]
    finally:
        opened.close()


def test_every_halls_timed_work_runs_from_the_start_and_for_a_hall_added_later(tmp_path, small_config_file) -> None:
    """`--hall all`: a hall nobody has asked anything of, and one added while the server runs,
    each get their day rolled over by their own clockwork, without a request or a restart."""
    data = tmp_path / "var"
    opened = open_data_dir(data, small_config_file)
    east_id, _ = add_hall(data, hall_config(tmp_path, "xc-east", "东区便民服务中心"))
    stale = {"xc-east": past_day_ticket(opened.database, east_id)}
    opened.close()

    server = hall_server(data, small_config_file, hall="all", log_path=tmp_path / "server.log").start()
    try:
        assert wait_until(lambda: ticket_state(data, small_config_file, stale["xc-east"]) == "expired",
                          timeout=60, step=0.5), "the untouched hall's clockwork ran from the start"

        west_id, _ = add_hall(data, hall_config(tmp_path, "xc-west", "西区便民服务中心"))
        opened = open_data_dir(data, small_config_file, home_of_several=True)
        try:
            stale["xc-west"] = past_day_ticket(opened.database, west_id)
        finally:
            opened.close()
        assert wait_until(lambda: ticket_state(data, small_config_file, stale["xc-west"]) == "expired",
                          timeout=60, step=0.5), "a hall added while the server runs gets its clockwork too"
        assert server.running
    finally:
        server.stop()
