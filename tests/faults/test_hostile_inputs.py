"""Hostile inputs against every writing route: each is refused with a 4xx and the JSON error
shape, and leaves every table as it was. Free text that is merely odd (HTML, SQL) is accepted
as text and comes back verbatim in JSON, never interpreted."""

from __future__ import annotations

import hashlib

import pytest

from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, login

TABLES = ("tickets", "events", "windows", "users", "devices", "hall_setups", "issue_requests",
          "alerts", "audit_log")
SQL = "'; DROP TABLE tickets; --"
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(1)>"
CONTROL = "A01\u0000\u202e\u0007"


def fingerprint(app) -> str:
    """A hash of every row of the tables a request could change."""
    conn = app.extensions["jiaohao"].database.connection()
    digest = hashlib.sha256()
    for table in TABLES:
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def make_app(root):
    config = root / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    app = create_app(root / "var", config, clock=FakeClock(), start_clockwork=False)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk3", "clerk"), ("boss", "supervisor")):
        add_user(hall.database, hall.service.hall_id, name, role, PASSWORD, name, "G1")
    app.tokens = {kind: accounts.add_device(hall.database, hall.service.hall_id, f"{kind}-1", kind,
                                            3 if kind == "window" else None).token
                  for kind in ("kiosk", "window")}
    return app


def prepared(hall_app) -> dict:
    """A ticket being served at window 3 and one waiting, so every ticket route has a target."""
    kiosk = Api(hall_app, hall_app.tokens["kiosk"])
    clerk = login(hall_app, "clerk3")
    served = kiosk.post("/tickets", {"service": "A01"})[1]["id"]
    waiting = kiosk.post("/tickets", {"service": "A02"})[1]["id"]
    assert clerk.post("/windows/3/sign-in")[0] == 200
    assert clerk.post("/windows/3/call-next")[1]["ticket"]["id"] == served
    assert clerk.post(f"/tickets/{served}/start")[0] == 200
    return {"app": hall_app, "kiosk": kiosk, "clerk": clerk, "boss": login(hall_app, "boss"),
            "screen": Api(hall_app, hall_app.tokens["window"]), "served": served, "waiting": waiting}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One hall for every refusal: a refusal changes nothing, which each test checks."""
    app = make_app(tmp_path_factory.mktemp("hostile"))
    yield prepared(app)
    app.extensions["jiaohao"].data.close()


@pytest.fixture
def hall(tmp_path):
    """A hall of its own, for the test that does change data."""
    app = make_app(tmp_path)
    yield prepared(app)
    app.extensions["jiaohao"].data.close()


#: (who, path, JSON body) — `{served}` and `{waiting}` name the fixture's tickets
REFUSED = [
    # wrong types
    ("kiosk", "/tickets", {"service": 123}),
    ("kiosk", "/tickets", {"service": ["A01"]}),
    ("kiosk", "/tickets", {"service": {"code": "A01"}}),
    ("kiosk", "/tickets", {"service": True}),
    ("kiosk", "/tickets", {"service": "A01", "priority": 1}),
    ("kiosk", "/tickets", {"service": "A01", "request_id": {"$ne": 1}}),
    ("anyone", "/auth/login", {"username": ["clerk3"], "password": PASSWORD}),
    ("screen", "/tickets/{served}/evaluation", {"rating": "5"}),
    ("screen", "/tickets/{served}/evaluation", {"rating": 4.5}),
    ("clerk", "/tickets/{served}/hold", {"minutes": "ten"}),
    ("clerk", "/tickets/{served}/transfer", {"window": "4"}),
    ("devices", "/devices/status", {"printer": "online"}),
    ("devices", "/devices/status", {"printer": {"online": "yes", "paper": "ok"}}),
    # huge, negative and non-finite numbers
    ("screen", "/tickets/{served}/evaluation", {"rating": 10**30}),
    ("screen", "/tickets/{served}/evaluation", {"rating": 1e308}),
    ("screen", "/tickets/{served}/evaluation", {"rating": -1}),
    ("clerk", "/tickets/{served}/hold", {"minutes": 1e308}),
    ("clerk", "/tickets/{served}/hold", {"minutes": 10**30}),
    ("clerk", "/tickets/{served}/hold", {"minutes": -5}),
    ("clerk", "/tickets/{served}/hold", {"minutes": float("nan")}),
    ("clerk", "/tickets/{served}/hold", {"minutes": float("-inf")}),
    ("clerk", "/tickets/{served}/transfer", {"window": 10**30}),
    ("clerk", "/tickets/{served}/transfer", {"window": -3}),
    ("clerk", f"/tickets/{10**30}/finish", {}),
    ("clerk", "/tickets/-1/finish", {}),
    ("clerk", "/windows/99999999999999999999/call-next", {}),
    # empty strings, SQL, script and control characters where a code or a name is expected
    ("kiosk", "/tickets", {"service": ""}),
    ("kiosk", "/tickets", {"service": SQL}),
    ("kiosk", "/tickets", {"service": SCRIPT}),
    ("kiosk", "/tickets", {"service": CONTROL}),
    ("kiosk", "/tickets", {"service": "A01", "priority": SQL}),
    ("kiosk", "/tickets", {"service": "A" * 10_000}),
    ("anyone", "/auth/login", {"username": SQL, "password": SQL}),
    ("anyone", "/auth/login", {"username": "clerk3' OR '1'='1", "password": "' OR '1'='1"}),
    ("anyone", "/auth/login", {"username": "", "password": ""}),
    ("clerk", "/windows/3/call", {"number": SQL}),
    ("clerk", "/windows/3/call", {"number": SCRIPT}),
    ("clerk", "/windows/3/call", {"number": ""}),
    ("clerk", "/tickets/{served}/transfer", {"service": SQL}),
    ("clerk", "/tickets/{served}/transfer", {"service": CONTROL}),
    ("clerk", "/tickets/{served}/hold", {"return_to": SCRIPT}),
    ("clerk", "/tickets/{served}/finish", {"case_no": "x" * 201}),
    ("clerk", "/windows/3/pause", {"reason": ""}),
    ("clerk", "/windows/3/pause", {"reason": 0}),
    ("devices", "/devices/status", {"printer": {"online": True, "paper": SQL}}),
    # the right fields on the wrong ticket or window
    ("clerk", "/tickets/{waiting}/finish", {"case_no": SCRIPT}),
    ("screen", "/tickets/{waiting}/evaluation", {"rating": 5}),
]

#: raw bodies that are not a JSON object at all
BROKEN = [
    b'{"service": ',
    b'{"service": "A01"',
    b"{'service': 'A01'}",
    b'{"service": "\xff\xfe\xfd"}',
    b"\xef\xbb\xbf\xff",
    b'["A01"]',
    b'"A01"',
    b"null",
    b"12345678901234567890",
    b"<html><script>alert(1)</script></html>",
]


def token_for(hall: dict, who: str) -> str | None:
    if who == "anyone":
        return None
    if who == "devices":
        return hall["app"].tokens["kiosk"]
    return hall[who].token


def assert_refused(hall: dict, status: int, reply) -> None:
    assert 400 <= status < 500, (status, reply)
    assert isinstance(reply, dict) and isinstance(reply.get("error"), str) and reply["error"]
    assert isinstance(reply.get("message"), str) and reply["message"]


@pytest.mark.parametrize("who, path, payload", REFUSED)
def test_hostile_fields_are_refused_without_a_change(shared, who, path, payload) -> None:
    hall = shared
    before = fingerprint(hall["app"])
    path = path.format(served=hall["served"], waiting=hall["waiting"])
    status, reply = Api(hall["app"]).call("POST", path, payload, token=token_for(hall, who))
    assert_refused(hall, status, reply)
    assert fingerprint(hall["app"]) == before


@pytest.mark.parametrize("raw", BROKEN)
@pytest.mark.parametrize("who, path", [("kiosk", "/tickets"), ("anyone", "/auth/login"),
                                       ("clerk", "/windows/3/pause"), ("clerk", "/tickets/{served}/finish"),
                                       ("screen", "/tickets/{served}/evaluation")])
def test_broken_bodies_are_refused_without_a_change(shared, who, path, raw) -> None:
    hall = shared
    before = fingerprint(hall["app"])
    path = path.format(served=hall["served"])
    status, reply = Api(hall["app"]).call("POST", path, token=token_for(hall, who), data=raw)
    assert status == 400 and reply["error"] == "bad_json", (status, reply)
    assert_refused(hall, status, reply)
    assert fingerprint(hall["app"]) == before


def test_a_body_over_64_kib_is_refused_with_413(shared) -> None:
    hall = shared
    before = fingerprint(hall["app"])
    padding = "x" * (65 * 1024)
    status, reply = hall["kiosk"].post("/tickets", {"service": "A01", "request_id": padding})
    assert status == 413
    assert_refused(hall, status, reply)
    status, reply = Api(hall["app"]).call("POST", "/auth/login", data=b"[" * (70 * 1024))
    assert status == 413
    assert fingerprint(hall["app"]) == before


def test_html_and_sql_in_free_text_are_kept_as_plain_text(hall) -> None:
    """A pause reason or a case number is the clerk's own text: stored and returned verbatim, as
    JSON strings; the pages that show them escape it (tests/web)."""
    clerk, served = hall["clerk"], hall["served"]
    status, reply = clerk.post(f"/tickets/{served}/finish", {"case_no": SCRIPT[:50]})   # GB/T 39046: ≤ 50
    assert status == 200 and reply["case_no"] == SCRIPT[:50]
    status, reply = clerk.post("/windows/3/pause", {"reason": SQL})
    assert status == 200 and reply["window"]["pause_reason"] == SQL
    conn = hall["app"].extensions["jiaohao"].database.connection()
    assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 2   # the table survived
    response = hall["app"].test_client().get("/api/v1/hall",
                                             headers={"Authorization": f"Bearer {hall['boss'].token}"})
    assert response.mimetype == "application/json" and SQL in response.get_data(as_text=True)
