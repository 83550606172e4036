"""Supervision over REST and Socket.IO, with Flask's test clients and a fake clock: who may,
bad inputs, alerts raised / acknowledged / cleared and pushed live, reports and their exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from server import accounts
from server.app import create_app
from server.app import socketio
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml

PASSWORD = "password-1"
SUPERVISION = {"wait_minutes": [30, 60], "handling_minutes": [30, 60], "queue_length": [15, 30],
               "paused_minutes": [10, 20], "empty_window_minutes": [5, 15], "device_offline_minutes": [2, 10]}
ROUTES = ["/supervision", "/alerts?open=1", "/reports", "/reports/export.csv", "/reports/export.xlsx"]


@pytest.fixture
def app(tmp_path, seeded):
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(supervision=SUPERVISION)), encoding="utf-8")
    clock = FakeClock()
    app = create_app(seeded(tmp_path / "var", config), config, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk4", "clerk"), ("boss", "supervisor"), ("root", "admin")):
        add_user(hall.database, hall.service.hall_id, name, role, PASSWORD, f"{name}-名", "G4")
    app.kiosk = accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token
    app.screen = accounts.add_device(hall.database, hall.service.hall_id, "window-4", "window", 4).token
    app.clock, app.hall = clock, hall
    yield app
    hall.data.close()


class Client:
    def __init__(self, app, token: str | None = None):
        self.http, self.token = app.test_client(), token

    def request(self, method: str, path: str, json=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.open("/api/v1" + path, method=method, headers=headers, json=json)

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, json=None):
        reply = self.request("POST", path, json if json is not None else {})
        assert reply.status_code < 300, reply.get_json()
        return reply.get_json()


def login(app, username: str) -> Client:
    reply = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return Client(app, reply.get_json()["token"])


def test_only_supervisors_and_admins(app) -> None:
    anonymous, clerk = Client(app), login(app, "clerk4")
    kiosk, screen = Client(app, app.kiosk), Client(app, app.screen)
    for path in ROUTES:
        assert anonymous.get(path).status_code == 401
        for who in (clerk, kiosk, screen):
            reply = who.get(path)
            assert reply.status_code == 403 and reply.get_json()["error"] == "forbidden", path
        for boss in (login(app, "boss"), login(app, "root")):
            assert boss.get(path).status_code == 200, path
    assert clerk.request("POST", "/alerts/1/acknowledge").status_code == 403
    assert anonymous.request("POST", "/alerts/1/acknowledge").status_code == 401


@pytest.mark.parametrize("query, code", [
    ("from=2026-13-01", "bad_field"), ("from=yesterday", "bad_field"), ("from=2026-1-5", "bad_field"),
    ("by=weather", "bad_field"), ("from=2026-11-26&to=2026-11-01", "bad_range"),
    ("from=2020-01-01&to=2026-11-26", "bad_range"), ("from=%00", "bad_field"),
])
def test_bad_report_parameters_are_422(app, query, code) -> None:
    boss = login(app, "boss")
    for path in ("/reports", "/reports/export.csv", "/reports/export.xlsx"):
        reply = boss.get(f"{path}?{query}")
        assert reply.status_code == 422 and reply.get_json()["error"] == code
        assert "/" in reply.get_json()["message"]   # bilingual


def test_bad_alert_parameters(app) -> None:
    boss = login(app, "boss")
    assert boss.get("/alerts?open=maybe").status_code == 422
    assert boss.get("/alerts?date=26.11.2026").status_code == 422
    reply = boss.request("POST", "/alerts/999/acknowledge")
    assert reply.status_code == 404 and reply.get_json()["error"] == "alert_not_found"
    assert boss.request("POST", f"/alerts/{2**63}/acknowledge").status_code == 404


def test_empty_window_alert_raised_acknowledged_cleared_and_pushed(app) -> None:
    boss, clerk, kiosk = login(app, "boss"), login(app, "clerk4"), Client(app, app.kiosk)
    live = socketio.test_client(app, auth={"token": boss.token})
    clerk.post("/windows/4/sign-in")
    clerk.post("/windows/4/pause", {"reason": "临时离开"})
    kiosk.post("/tickets", {"service": "C01"})
    supervision = app.hall.supervision
    app.clock.advance(minutes=4, seconds=59)
    supervision.evaluate()
    assert all(a["key"] != "empty_window:4" for a in boss.get("/alerts?open=1").get_json()["alerts"])
    live.get_received()
    app.clock.advance(seconds=1)
    supervision.evaluate()
    raised = [m for m in live.get_received() if m["name"] == "alert_raised"]
    alert = next(m["args"][0] for m in raised if m["args"][0]["alert"]["key"] == "empty_window:4")
    assert alert["alert"]["level"] == "yellow" and alert["alert"]["rule_name"] == "空岗"
    assert alert["seq"] == 3   # the log's own position after sign-in, pause, issue: no seq of its own
    alert_id = alert["alert"]["id"]
    acked = boss.post(f"/alerts/{alert_id}/acknowledge")["alert"]
    assert acked["acknowledged_by"].startswith("user:") and acked["cleared_at"] is None
    app.clock.advance(minutes=10)
    supervision.evaluate()
    assert next(a for a in boss.get("/alerts?open=1").get_json()["alerts"] if a["id"] == alert_id)["level"] == "red"
    live.get_received()
    clerk.post("/windows/4/resume")           # on the event, not waiting for the timer
    cleared = [m["args"][0]["alert"] for m in live.get_received() if m["name"] == "alert_cleared"]
    assert any(a["id"] == alert_id and a["cleared_at"] for a in cleared)
    actions = [row["action"] for row in app.hall.database.connection().execute(
        "SELECT action FROM alert_events WHERE alert_id = ? ORDER BY id", (alert_id,))]
    assert actions == ["raised", "acknowledged", "escalated", "cleared"]
    today = {a["id"]: a for a in boss.get("/alerts?date=2026-11-26").get_json()["alerts"]}
    assert today[alert_id]["cleared_at"] and today[alert_id]["acknowledged_at"]


def test_bad_rating_clears_once_acknowledged(app) -> None:
    boss, clerk, kiosk, screen = (login(app, "boss"), login(app, "clerk4"), Client(app, app.kiosk),
                                  Client(app, app.screen))
    clerk.post("/windows/4/sign-in")
    ticket = kiosk.post("/tickets", {"service": "C01"})
    clerk.post("/windows/4/call-next")
    clerk.post(f"/tickets/{ticket['id']}/start")
    clerk.post(f"/tickets/{ticket['id']}/finish")
    screen.post(f"/tickets/{ticket['id']}/evaluation", {"rating": 1})
    alert = next(a for a in boss.get("/alerts?open=1").get_json()["alerts"] if a["rule"] == "bad_rating")
    assert alert["level"] == "red" and alert["window"] == 4
    boss.post(f"/alerts/{alert['id']}/acknowledge")
    assert all(a["rule"] != "bad_rating" for a in boss.get("/alerts?open=1").get_json()["alerts"])
    app.hall.supervision.evaluate()
    assert all(a["rule"] != "bad_rating" for a in boss.get("/alerts?open=1").get_json()["alerts"])


def test_printer_fault_from_a_kiosk_report(app) -> None:
    boss, kiosk = login(app, "boss"), Client(app, app.kiosk)
    kiosk.post("/devices/status", {"printer": {"online": True, "paper": "out"}})
    app.hall.supervision.evaluate()
    alert = next(a for a in boss.get("/alerts?open=1").get_json()["alerts"] if a["rule"] == "printer")
    assert alert["level"] == "red" and "缺纸" in alert["message"]
    kiosk.post("/devices/status", {"printer": {"online": True, "paper": "ok"}})
    app.hall.supervision.evaluate()
    assert all(a["rule"] != "printer" for a in boss.get("/alerts?open=1").get_json()["alerts"])


def test_dashboard_shows_windows_items_and_devices(app) -> None:
    boss, clerk, kiosk = login(app, "boss"), login(app, "clerk4"), Client(app, app.kiosk)
    board = socketio.test_client(app, auth={"token": app.kiosk})
    clerk.post("/windows/4/sign-in")
    kiosk.post("/tickets", {"service": "C01"})
    app.clock.advance(minutes=3)
    data = boss.get("/supervision").get_json()
    four = next(w for w in data["windows"] if w["number"] == 4)
    assert four["status"] == "open" and four["clerk"]["name"] == "clerk4-名" and four["departments"] == ["SWJ"]
    c01 = next(s for s in data["services"] if s["code"] == "C01")
    assert c01["waiting"] == 1 and c01["longest_wait_seconds"] == 180 and c01["estimated_wait"]["text"]
    devices = {d["name"]: d for d in data["devices"]}
    assert devices["kiosk-1"]["connected"] is True and devices["window-4"]["connected"] is False
    assert devices["kiosk-1"]["last_seen_at"]
    assert data["thresholds"]["empty_window_minutes"] == [5, 15]
    board.disconnect()


def a_working_morning(app) -> None:
    clerk, kiosk, screen = login(app, "clerk4"), Client(app, app.kiosk), Client(app, app.screen)
    clerk.post("/windows/4/sign-in")
    for _ in range(3):
        kiosk.post("/tickets", {"service": "C01"})
    for rating in (5, 2):
        app.clock.advance(minutes=10)
        ticket = clerk.post("/windows/4/call-next")["ticket"]
        clerk.post(f"/tickets/{ticket['id']}/start")
        app.clock.advance(minutes=6)
        clerk.post(f"/tickets/{ticket['id']}/finish")
        screen.post(f"/tickets/{ticket['id']}/evaluation", {"rating": rating})


def test_report_json(app) -> None:
    a_working_morning(app)
    data = login(app, "boss").get("/reports?from=2026-11-26&to=2026-11-26&by=window").get_json()
    four = next(r for r in data["rows"] if r["key"] == 4)
    assert four["label"] == "4 号窗口 税务" and four["served"] == 2 and four["issued"] == 0
    # waits: 10 min and 26 min (issued at 10:00, called 10:10 and 10:26)
    assert data["summary"]["wait_mean"] == 18 * 60 and data["summary"]["handling_mean"] == 360
    assert data["summary"]["satisfaction_rate"] == 0.5 and data["summary"]["bad_ratings"] == 1
    assert data["summary"]["three_rates"]["window_completion_rate"] == 1.0
    assert data["charts"]["by_hour"] == [{"hour": 10, "issued": 3, "served": 2}]
    assert sum(b["count"] for b in data["charts"]["wait_histogram"]) == 2


def test_todays_report_is_kept_as_the_day_goes_and_equals_the_replay_of_its_log(app) -> None:
    from datetime import date, timezone

    from hall import kpi
    from server import db, reports
    from server import repository as repo
    boss, kiosk, hall = login(app, "boss"), Client(app, app.kiosk), app.hall
    day = date(2026, 11, 26)

    def replayed(by: str) -> dict:
        setup = hall.service.setup()
        start, end = kpi.day_bounds(day, day, setup.hall.tz)
        conn = hall.database.connection()
        with db.read(conn):
            records = repo.event_records_between(conn, hall.service.hall_id, start.astimezone(timezone.utc),
                                                 end.astimezone(timezone.utc))
            alerts = [dict(row) for row in repo.alerts_between(conn, hall.service.hall_id, day, day)]
            clerks = repo.clerk_names(conn, hall.service.hall_id)
        facts = kpi.measure(records, setup, start, end, app.clock(), alerts)
        return reports.shaped(hall, setup, clerks, [], kpi.Tallies.of(facts), [], day, day, by)

    a_working_morning(app)
    app.clock.advance(minutes=7)
    for by in kpi.DIMENSIONS:
        assert reports.report(hall, day, day, by) == replayed(by)
    fed = hall.day_so_far._live.fed
    for _ in range(3):
        kiosk.post("/tickets", {"service": "A01"})
    app.clock.advance(minutes=2)
    data = boss.get("/reports?by=hour").get_json()
    # only the three new records were read and added: not the day's log again
    assert hall.day_so_far._live.fed == fed + 3
    assert data["summary"]["issued"] == 6 and data == boss.get("/reports?from=2026-11-26&by=hour").get_json()
    assert reports.report(hall, day, day, "hour") == replayed("hour")


def test_exports_open(app) -> None:
    a_working_morning(app)
    boss = login(app, "boss")
    reply = boss.get("/reports/export.csv?from=2026-11-26&by=item")
    assert reply.mimetype == "text/csv" and "attachment" in reply.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert rows[1][0] == "事项 Item" and rows[1][1] == "取号数 Issued"
    c01 = next(r for r in rows if r[0].startswith("发票申领"))
    assert c01[1:3] == ["3", "2"]
    assert ["项目进驻率 Items served in the hall", "0.25"] in rows   # C01 only, of 4 items
    reply = boss.get("/reports/export.xlsx?from=2026-11-26&by=clerk")
    book = load_workbook(io.BytesIO(reply.data))
    sheet = book["报表 Report"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "工作人员 Clerk"
    clerk_row = next(r for r in values if r[0] == "clerk4-名 (G4)")
    assert clerk_row[2] == 2 and clerk_row[values[1].index("满意率 Satisfaction")] == 0.5
    rates = {r[0].value: r[1].value for r in book["三率 Three rates"].iter_rows(min_row=2)}
    assert rates["窗口办结率 Finished at the window"] == 1.0
