"""好差评 export in the GB/T 39046-2020 rating fields, checked against a hand-made day."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, signed_in


@pytest.fixture
def coded_hall(tmp_path):
    """The small hall with its platform codes: region, and item A01's 事项实施编码 and department."""
    document = small_hall_document()
    document["hall"] = document["hall"] | {"region_code": "210402"}
    document["services"][0] = document["services"][0] | {
        "implementation_code": "11210402MB0000000X4000111017000", "department_code": "11210402MB0000000X"}
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    clock = FakeClock()
    app = create_app(tmp_path / "var", path, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    accounts.add_user(hall.database, hall.service.hall_id, "clerk3", "clerk", PASSWORD, "王芳", "G0317")
    accounts.add_user(hall.database, hall.service.hall_id, "boss", "supervisor", PASSWORD, "李主任", "S01")
    app.clock = clock
    app.screen_token = accounts.add_device(hall.database, hall.service.hall_id, "screen-3", "window", 3).token
    app.kiosk_token = accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token
    yield app
    hall.data.close()


def serve(app, clerk: Api, service: str, case_no: str | None) -> dict:
    issued = Api(app, app.kiosk_token).post("/tickets", {"service": service})[1]
    clerk.post("/windows/3/call-next")
    clerk.post(f"/tickets/{issued['id']}/start")
    clerk.post(f"/tickets/{issued['id']}/finish", {"case_no": case_no} if case_no else {})
    return issued


def hand_made_day(app) -> list[dict]:
    """Four visits at window 3 on 2026-11-26 (Beijing time 10:00 onwards): rated 非常满意 on the
    screen, rated 非常不满意 with reasons on the phone, rated 基本满意 with no case number, and one
    left unrated (the prompt timed out)."""
    clerk = signed_in(app, "clerk3", 3)
    screen = Api(app, app.screen_token)
    first = serve(app, clerk, "A01", "SCJG-2026-0001")
    app.clock.advance(minutes=5)
    assert screen.post(f"/tickets/{first['id']}/evaluation", {"rating": 5})[0] == 200
    second = serve(app, clerk, "A01", "SCJG-2026-0002")
    app.clock.advance(minutes=5, seconds=7)
    phone = Api(app, second["track_url"].rsplit("/", 1)[1])
    status, reply = phone.post(f"/tickets/{second['id']}/evaluation",
                               {"rating": 1, "reasons": ["wait", "attitude"], "comment": "等了很久"})
    assert status == 200, reply
    third = serve(app, clerk, "A02", None)
    app.clock.advance(minutes=1)
    assert screen.post(f"/tickets/{third['id']}/evaluation", {"rating": 3})[0] == 200
    fourth = serve(app, clerk, "A02", "SCJG-2026-0004")
    assert screen.post(f"/tickets/{fourth['id']}/evaluation/skip")[0] == 200
    return [first, second, third, fourth]


def test_export_rows_and_codes(coded_hall) -> None:
    first, second, third, _ = hand_made_day(coded_hall)
    boss = Api(coded_hall, Api(coded_hall).post("/auth/login", {"username": "boss", "password": PASSWORD})[1]["token"])
    status, data = boss.get("/reports/ratings.json?from=2026-11-26&to=2026-11-26")
    assert status == 200 and data["standard"] == "GB/T 39046-2020"
    rows = data["rows"]
    assert [row["ticket"] for row in rows] == [first["number"], second["number"], third["number"]], \
        "the unrated visit is not a row"
    very_good, very_bad, fair = rows
    assert very_good == {
        "case_no": "SCJG-2026-0001", "channel": "4", "rated_at": "20261126T100500", "satisfaction": 1,
        "reasons": [], "comment": "", "service_code": "11210402MB0000000X4000111017000",
        "department_code": "11210402MB0000000X", "region_code": "210402", "window": 3,
        "staff_no": "G0317", "ticket": first["number"]}
    assert very_bad["satisfaction"] == 5 and very_bad["channel"] == "3"
    assert very_bad["rated_at"] == "20261126T101007"
    assert [r["code"] for r in very_bad["reasons"]] == ["wait", "attitude"] and very_bad["comment"] == "等了很久"
    assert fair["satisfaction"] == 3 and fair["case_no"] == "" and fair["service_code"] == "A02", \
        "an item without a 事项实施编码 is named by its own code"
    assert boss.get("/reports/ratings.json?from=2026-11-27&to=2026-11-27")[1]["rows"] == []


def test_export_as_csv_and_xlsx(coded_hall) -> None:
    hand_made_day(coded_hall)
    token = Api(coded_hall).post("/auth/login", {"username": "boss", "password": PASSWORD})[1]["token"]
    client = coded_hall.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/reports/ratings.csv?from=2026-11-26", headers=headers)
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    table = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row["satisfaction"] for row in table] == ["1", "5", "3"]
    assert table[1]["reasons"] == "wait attitude" and table[0]["rated_at"] == "20261126T100500"
    response = client.get("/api/v1/reports/ratings.xlsx?from=2026-11-26", headers=headers)
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("case_no", "channel", "rated_at", "satisfaction")
    assert [row[3] for row in values[2:]] == [1, 5, 3] and values[2][0] == "SCJG-2026-0001"


def test_export_refusals(coded_hall) -> None:
    clerk = signed_in(coded_hall, "clerk3", 3)
    assert clerk.get("/reports/ratings.json")[0] == 403
    assert Api(coded_hall).get("/reports/ratings.json")[0] == 401
    token = Api(coded_hall).post("/auth/login", {"username": "boss", "password": PASSWORD})[1]["token"]
    boss = Api(coded_hall, token)
    assert boss.get("/reports/ratings.json?from=2026-13-01")[1]["error"] == "bad_field"
    assert boss.get("/reports/ratings.json?from=2026-11-26&to=2026-11-01")[1]["error"] == "bad_range"


def test_bad_rating_reasons_are_checked(coded_hall) -> None:
    clerk = signed_in(coded_hall, "clerk3", 3)
    visit = serve(coded_hall, clerk, "A01", None)
    screen = Api(coded_hall, coded_hall.screen_token)
    path = f"/tickets/{visit['id']}/evaluation"
    assert screen.post(path, {"rating": 5, "reasons": ["slow"]})[1]["error"] == "bad_reasons", \
        "reasons go with a 差评 only"
    assert screen.post(path, {"rating": 2, "reasons": ["nonsense"]})[1]["error"] == "bad_reasons"
    assert screen.post(path, {"rating": 2, "reasons": "slow"})[1]["error"] == "bad_field"
    assert screen.post(path, {"rating": 2, "comment": "长" * 201})[0] == 422
    status, reply = screen.post(path, {"rating": 2, "reasons": ["slow"]})
    assert status == 200 and reply["rating"] == 2
