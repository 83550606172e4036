"""The city role, dashboard and reports: three halls in one deployment, two with traffic; the
city's figures checked against each hall's own (its queue core, its own report), the workbook
read back cell by cell, and every refusal: a city account changes nothing, a hall's staff (its
admin too) read no city route, bad dates are a bilingual 422."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from hall import alerts, commands as c, order
from hall.tickets import CALLABLE_STATES
from server import db, reports, repository as repo
from server.app import Hall, create_app, socketio
from server.services import HallService
from server.datadir import add_hall, open_data_dir
from tests.cli.test_admin import jiaohao
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml

PASSWORD = "Counter-2026"
HOME, EAST, WEST = "test-hall", "xc-east", "xc-west"
DAY = date(2026, 11, 26)   # HALL_MORNING's business day in Asia/Shanghai


def hall_config(tmp_path: Path, code: str, name: str, name_en: str) -> Path:
    document = small_hall_document()
    document["hall"] = {**document["hall"], "code": code, "name": name, "name_en": name_en}
    path = tmp_path / f"{code}.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    return path


@pytest.fixture
def city(tmp_path, small_config_file, seeded):
    """A deployment of three halls served by the home hall's app; a clock shared by all."""
    var = seeded(tmp_path / "var", small_config_file)
    open_data_dir(var, small_config_file).close()
    add_hall(var, hall_config(tmp_path, EAST, "东区便民服务中心", "East District Service Centre"))
    add_hall(var, hall_config(tmp_path, WEST, "西区便民服务中心", "West District Service Centre"))
    clock = FakeClock()
    app = create_app(var, small_config_file, clock=clock, start_clockwork=False, hall=HOME)
    home = app.extensions["jiaohao"]
    database = home.database
    ids = {row["code"]: row["id"] for row in repo.list_halls(database.connection())}
    # each hall as a server process of its own would run it (only the home hall is served here)
    halls = {code: home if code == HOME else Hall(replace(home.data, hall_id=hall_id), socketio, clock=clock)
             for code, hall_id in ids.items()}
    services = {code: hall.service for code, hall in halls.items()}
    people = {}
    for code, hall_id in ids.items():
        for role in ("clerk", "supervisor", "admin"):
            people[(code, role)] = add_user(database, hall_id, f"{code}-{role}", role, PASSWORD)
    add_user(database, ids[HOME], "metro", "city", PASSWORD, "市政务服务管理局", city=True)
    yield SimpleNamespace(app=app, http=app.test_client(), clock=clock, ids=ids, halls=halls, services=services,
                          people=people, database=database)
    home.data.close()


def serve(service: HallService, window: int, rating: int | None) -> None:
    """The window calls its next citizen, serves them, and they rate (or not)."""
    called = service.execute(c.CallNext(window=window)).events[0]
    service.execute(c.StartService(ticket_id=called.ticket_id))
    service.execute(c.FinishService(ticket_id=called.ticket_id))
    if rating is not None:
        service.execute(c.RateService(ticket_id=called.ticket_id, rating=rating))


def traffic(city) -> None:
    """Home: window 3 open, B01 waits with windows 1 and 2 closed. East: window 4 paused with
    C01 waiting, A01 waiting too. West: nobody."""
    home, east = city.services[HOME], city.services[EAST]
    home.execute(c.SignIn(window=3, clerk=city.people[(HOME, "clerk")]))
    for service in ("A01", "A01", "A02", "A01", "B01", "A01"):
        home.issue(service)
    serve(home, 3, 5)
    serve(home, 3, 2)
    serve(home, 3, None)
    east.execute(c.SignIn(window=4, clerk=city.people[(EAST, "clerk")]))
    for service in ("C01", "C01", "C01", "A01"):
        east.issue(service)
    serve(east, 4, 4)
    serve(east, 4, 3)
    east.execute(c.PauseWindow(window=4, reason="午休"))
    city.clock.advance(minutes=40)
    for code in (HOME, EAST):   # each hall's own supervision raises its alerts
        city.halls[code].supervision.evaluate()


def login(city, username: str) -> dict:
    reply = city.http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    return {"Authorization": f"Bearer {reply.get_json()['token']}"}


def own_report(city, code: str, first: date = DAY) -> dict:
    """The hall's own report from `first` to today, as its supervisors read it on /reports
    (today alone: the day so far, kept added up; a range: its log replayed)."""
    return reports.report(city.halls[code], first, DAY, "department")


def core_view(service: HallService, now) -> dict:
    """What the hall's queue core says of itself now: waiting, longest wait, 空岗."""
    state = service.snapshot()
    today = state.today(now)
    waiting = [t for t in state.tickets.values() if t.state in CALLABLE_STATES and t.business_date == today]
    empty = sorted(spec.number for spec in state.setup.windows
                   if spec.number in state.windows
                   and alerts.empty_since(state.windows[spec.number],
                                          alerts.waiting_since(state, spec.number, now)) is not None)
    oldest = min((t.issued_at for t in waiting), default=None)
    return {"waiting": len(waiting), "longest": 0 if oldest is None else round((now - oldest).total_seconds()),
            "empty": empty, "open": sum(1 for n in (1, 2, 3, 4) if order.is_open(state, n))}


def test_the_dashboard_agrees_with_each_halls_own_figures(city) -> None:
    traffic(city)
    reply = city.http.get("/api/v1/city/dashboard", headers=login(city, "metro"))
    assert reply.status_code == 200, reply.get_json()
    board = reply.get_json()
    halls = {hall["code"]: hall for hall in board["halls"]}
    assert set(halls) == {HOME, EAST, WEST}
    conn = city.database.connection()
    for code, service in city.services.items():
        mine, core = halls[code], core_view(service, city.clock())
        assert mine["waiting"] == core["waiting"]
        assert mine["longest_wait_seconds"] == core["longest"]
        assert [w["window"] for w in sorted(mine["empty"], key=lambda w: w["window"])] == core["empty"]
        assert mine["empty_windows"] == len(core["empty"])
        assert mine["windows_open"] == core["open"]
        opened = repo.open_alerts(conn, city.ids[code])
        assert mine["alerts"] == {level: sum(1 for a in opened if a["level"] == level) for level in ("red", "yellow")}
        own = own_report(city, code)["summary"]
        assert mine["satisfaction"]["satisfaction_rate"] == own["satisfaction_rate"]
        assert mine["satisfaction"]["ratings"] == own["ratings"]
        assert mine["satisfaction"]["bad_ratings"] == own["bad_ratings"]
    # and what those are, worked out by hand
    assert (halls[HOME]["waiting"], halls[EAST]["waiting"], halls[WEST]["waiting"]) == (3, 2, 0)
    assert halls[HOME]["empty_windows"] == 2          # windows 1 and 2 closed while B01 waits
    assert halls[EAST]["empty_windows"] == 4          # window 4 paused with C01 waiting, 1-3 closed for A01
    assert halls[EAST]["windows_paused"] == 1 and halls[HOME]["windows_open"] == 1
    assert halls[HOME]["longest_wait_seconds"] == 40 * 60
    assert halls[HOME]["satisfaction"]["satisfaction_rate"] == 0.5
    assert halls[EAST]["satisfaction"]["satisfaction_rate"] == 1.0
    assert halls[HOME]["alerts"]["red"] + halls[HOME]["alerts"]["yellow"] > 0, "40 minutes' wait is alerted"
    assert board["city"]["waiting"] == 5 and board["city"]["empty_windows"] == 6
    assert board["city"]["satisfaction"]["satisfaction_rate"] == 0.75     # 5, 2, 4, 3: three of four
    assert board["city"]["alerts"] == {level: sum(h["alerts"][level] for h in halls.values())
                                       for level in ("red", "yellow")}


@pytest.mark.parametrize("first", [DAY, DAY - timedelta(days=6)], ids=["today", "a week"])
def test_the_reports_agree_with_each_halls_own_report(city, first: date) -> None:
    traffic(city)
    reply = city.http.get(f"/api/v1/city/reports?from={first}&to={DAY}", headers=login(city, "metro"))
    assert reply.status_code == 200, reply.get_json()
    data = reply.get_json()
    halls = {hall["code"]: hall for hall in data["halls"]}
    for code in (HOME, EAST, WEST):
        own = own_report(city, code, first)
        assert halls[code]["three_rates"] == own["summary"]["three_rates"]
        for field in ("issued", "served", "accepted", "ratings", "bad_ratings", "alerts"):
            assert halls[code][field] == own["summary"][field], (code, field)
        departments = {row["key"]: row for row in own["rows"]}
        for dept in data["departments"]:
            in_hall = next(h for h in dept["halls"] if h["code"] == code)
            row = departments.get(dept["code"])
            if row is None:   # nobody came for the department in this hall
                assert in_hall["three_rates"]["window_completion_rate"] is None
                assert in_hall["three_rates"]["satisfaction_rate"] is None
            else:
                assert in_hall["three_rates"]["satisfaction_rate"] == row["satisfaction_rate"]
                assert in_hall["three_rates"]["window_completion_rate"] == (
                    row["served"] / row["accepted"] if row["accepted"] else None)
    # by hand: home served A01, A01, A02 (2 of its 4 items present); east C01 twice (1 of 4)
    assert halls[HOME]["three_rates"]["item_presence_rate"] == 0.5
    assert halls[EAST]["three_rates"]["item_presence_rate"] == 0.25
    assert halls[WEST]["three_rates"]["item_presence_rate"] == 0.0
    assert data["city"]["three_rates"] == {"item_presence_rate": 3 / 12, "window_completion_rate": 1.0,
                                           "satisfaction_rate": 0.75}
    scjg = next(d for d in data["departments"] if d["code"] == "SCJG")
    assert scjg["city"]["three_rates"]["item_presence_rate"] == 2 / 6     # A01, A02 at home, of 2 items × 3 halls
    assert scjg["city"]["three_rates"]["satisfaction_rate"] == 0.5        # home's 5 and 2


def test_the_workbook_holds_the_same_figures_cell_by_cell(city) -> None:
    traffic(city)
    metro = login(city, "metro")
    data = city.http.get(f"/api/v1/city/reports?from={DAY}&to={DAY}", headers=metro).get_json()
    for path in (f"/api/v1/city/reports?from={DAY}&to={DAY}&format=xlsx", f"/api/v1/city/reports.xlsx?from={DAY}"):
        reply = city.http.get(path, headers=metro)
        assert reply.status_code == 200
        assert reply.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert f"jiaohao-city-{DAY}-{DAY}.xlsx" in reply.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(reply.data))
        assert book.sheetnames == ["各大厅 Halls", "各部门 Departments"]
        halls = book["各大厅 Halls"]
        assert str(DAY) in halls["A1"].value
        assert [cell.value for cell in halls[2]][:5] == ["大厅 Hall", "代码 Code", "项目进驻率 Items served in the hall",
                                                         "窗口办结率 Finished at the window",
                                                         "群众满意率 Citizen satisfaction"]
        for number, hall in enumerate(data["halls"], start=3):
            row = [cell.value for cell in halls[number]]
            rates = hall["three_rates"]
            assert row[:5] == [hall["name"], hall["code"], *(None if rates[f] is None else round(rates[f], 4)
                                                            for f in ("item_presence_rate", "window_completion_rate",
                                                                      "satisfaction_rate"))]
            assert row[5:7] == [hall["issued"], hall["served"]]
            assert halls.cell(number, 3).number_format == "0.0%"
        city_row = [cell.value for cell in halls[3 + len(data["halls"])]][:5]
        assert city_row == ["全市 City", None, 0.25, 1.0, 0.75]
        departments = book["各部门 Departments"]
        rows = [[cell.value for cell in row] for row in departments.iter_rows(min_row=3)]
        expected = [[dept["name"], hall["name"], *(None if hall["three_rates"][f] is None
                                                   else round(hall["three_rates"][f], 4)
                                                   for f in ("item_presence_rate", "window_completion_rate",
                                                             "satisfaction_rate"))]
                    for dept in data["departments"]
                    for hall in [*dept["halls"], {"name": "全市 City", "three_rates": dept["city"]["three_rates"]}]]
        assert rows == expected


def test_a_city_account_changes_nothing_in_any_hall(city) -> None:
    traffic(city)
    metro = login(city, "metro")
    conn = city.database.connection()
    before = {code: repo.last_seq(conn, hall_id) for code, hall_id in city.ids.items()}
    waiting = next(t for t in city.services[HOME].snapshot().tickets.values() if t.state in CALLABLE_STATES)
    writes = (("post", "/api/v1/tickets", {"service": "A01"}), ("post", "/api/v1/windows/3/call-next", {}),
              ("post", "/api/v1/windows/1/sign-in", {}), ("post", f"/api/v1/tickets/{waiting.id}/cancel", {}),
              ("post", f"/api/v1/tickets/{waiting.id}/transfer", {"service": "A02"}),
              ("post", "/api/v1/alerts/1/acknowledge", {}), ("post", "/api/v1/admin/staff",
                                                            {"username": "x1", "role": "clerk", "password": PASSWORD}),
              ("post", "/api/v1/admin/devices", {"name": "k9", "kind": "kiosk"}), ("post", "/api/v1/appointments", {}))
    for method, path, body in writes:
        reply = city.http.open(path, method=method.upper(), json=body, headers=metro)
        assert reply.status_code == 403, (path, reply.status_code, reply.get_json())
        assert reply.get_json()["error"] == "forbidden" and " / " in reply.get_json()["message"]
    assert {code: repo.last_seq(conn, hall_id) for code, hall_id in city.ids.items()} == before
    # it reads the hall it asks, and who it is
    assert city.http.get("/api/v1/me", headers=metro).get_json()["role"] == "city"
    assert city.http.get("/api/v1/hall", headers=metro).status_code == 200
    # the live channel (where alerts and calls go) is a hall's own staff's and devices'
    listener = socketio.test_client(city.app, auth={"token": metro["Authorization"][7:]})
    assert not listener.is_connected()


def test_a_halls_own_staff_read_no_city_route_and_manage_no_city_account(city) -> None:
    for role in ("admin", "supervisor", "clerk"):
        own = login(city, f"{HOME}-{role}")
        for path in ("/api/v1/city/dashboard", f"/api/v1/city/reports?from={DAY}",
                     f"/api/v1/city/reports.xlsx?from={DAY}", f"/api/v1/city/reports?from={DAY}&format=xlsx"):
            reply = city.http.get(path, headers=own)
            assert reply.status_code == 403, (role, path)
            assert reply.get_json()["error"] == "forbidden"
    assert city.http.get("/api/v1/city/dashboard").status_code == 401
    admin = login(city, f"{HOME}-admin")
    listed = city.http.get("/api/v1/admin/staff", headers=admin).get_json()["staff"]
    assert "metro" not in {row["username"] for row in listed}
    for method, path, body in (("put", "/api/v1/admin/staff/metro", {"role": "clerk", "display_name": "x"}),
                               ("post", "/api/v1/admin/staff/metro/password", {"password": "Another-2026x"}),
                               ("put", "/api/v1/admin/staff/metro/disabled", {"disabled": True})):
        reply = city.http.open(path, method=method.upper(), json=body, headers=admin)
        assert reply.status_code == 404, (path, reply.get_json())
    made = city.http.post("/api/v1/admin/staff", headers=admin,
                          json={"username": "metro2", "role": "city", "password": PASSWORD})
    assert made.status_code == 422 and made.get_json()["error"] == "bad_role"
    assert repo.find_user(city.database.connection(), "metro2") is None
    assert city.http.get("/api/v1/city/dashboard", headers=login(city, "metro")).status_code == 200


@pytest.mark.parametrize("query, code", [
    ("from=2026-13-01", "bad_field"), ("from=26-11-2026", "bad_field"), ("from=2026-11-26&to=tomorrow", "bad_field"),
    ("from=2026-11-27&to=2026-11-26", "bad_range"), ("from=2024-01-01&to=2026-11-26", "bad_range"),
    ("from=2026-11-26&format=pdf", "bad_field")])
def test_bad_dates_are_a_bilingual_422(city, query: str, code: str) -> None:
    metro = login(city, "metro")
    for path in ("/api/v1/city/reports", "/api/v1/city/reports.xlsx"):
        if "format" in query and path.endswith(".xlsx"):
            continue
        reply = city.http.get(f"{path}?{query}", headers=metro)
        assert reply.status_code == 422, (path, query)
        body = reply.get_json()
        assert body["error"] == code
        zh, en = body["message"].split(" / ", 1)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii()


def test_a_city_account_is_added_from_the_shell_for_the_whole_deployment(tmp_path, small_config_file) -> None:
    var = tmp_path / "var"
    open_data_dir(var, small_config_file).close()
    add_hall(var, hall_config(tmp_path, EAST, "东区便民服务中心", "East District Service Centre"))
    added = jiaohao("admin", "user", "add", "metro", "--role", "city", "--password", PASSWORD,
                    data=var, config=small_config_file)
    assert added.returncode == 0, added.stderr
    again = jiaohao("admin", "user", "add", "metro", "--role", "clerk", "--password", PASSWORD,
                    "--hall", EAST, data=var, config=small_config_file)
    assert again.returncode != 0 and "metro" in again.stderr
    everywhere = create_app(var, small_config_file, start_clockwork=False)   # one process, every hall
    try:
        http = everywhere.test_client()
        assert 'id="login-hall"' in http.get("/supervisor").get_data(as_text=True), "a hall's staff name their hall"
        assert 'id="login-hall"' not in http.get("/city").get_data(as_text=True), "the city's account needs none"
        signed = http.post("/api/v1/auth/login", json={"username": "metro", "password": PASSWORD})
        assert signed.status_code == 200, signed.get_json()
        board = http.get("/api/v1/city/dashboard", headers={"Authorization": f"Bearer {signed.get_json()['token']}"})
        assert {hall["code"] for hall in board.get_json()["halls"]} == {HOME, EAST}
    finally:
        everywhere.extensions["jiaohao"].data.close()
    for code in (HOME, EAST):   # it signs in at either hall's pinned server, and reads the city there
        app = create_app(var, small_config_file, start_clockwork=False, hall=code)
        try:
            http = app.test_client()
            token = http.post("/api/v1/auth/login", json={"username": "metro", "password": PASSWORD}).get_json()
            board = http.get("/api/v1/city/dashboard", headers={"Authorization": f"Bearer {token['token']}"})
            assert board.status_code == 200
            assert {hall["code"] for hall in board.get_json()["halls"]} == {HOME, EAST}
        finally:
            app.extensions["jiaohao"].data.close()


def dashboard_steps(city) -> tuple[dict, int]:
    """The dashboard, and how many SQLite virtual-machine steps its reads took (None on
    PostgreSQL, which has no such counter): the work done in the database, however loaded
    the machine is."""
    conn = city.database.connection()   # this thread's: the dashboard reads on it
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0
    if isinstance(conn, sqlite3.Connection):
        conn.set_progress_handler(count, 1)
    try:
        board = city.app.extensions["jiaohao.city"].dashboard()
    finally:
        if isinstance(conn, sqlite3.Connection):
            conn.set_progress_handler(None, 1)
    return board, (steps[0] if isinstance(conn, sqlite3.Connection) else None)


def test_the_dashboard_costs_the_same_with_many_people_waiting(city, backend) -> None:
    """The city never loads a hall's waiting tickets nor counts them in the database: each
    look reads the records committed since the last one, and the hall's windows and alerts."""
    home = city.services[HOME]
    looks, in_line = {}, 0
    for waiting in (10, 1_000):
        for _ in range(waiting - 1 - in_line):
            home.issue("A01")
        in_line = waiting
        dashboard_steps(city)          # catches up with the tickets just issued
        home.issue("B01")              # one more ticket since: what every look reads
        board, steps = dashboard_steps(city)
        row = next(hall for hall in board["halls"] if hall["code"] == HOME)
        assert row["waiting"] == board["city"]["waiting"] == waiting, "one more in line B01"
        assert row["longest_wait_seconds"] == 0, "the fake clock stands still: the first came just now"
        looks[waiting] = steps
    if backend == "sqlite":
        assert looks[1_000] <= looks[10] * 1.1 + 20, f"database steps at 10 and 1,000 waiting: {looks}"
