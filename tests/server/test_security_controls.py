"""等保 level 2 through the real app: password policy, lockout kept in the database across a
restart, the sign-in trail, idle and absolute session limits on a fake clock."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlite3

import pytest

from server import accounts, db
from server.app import create_app
from tests.cli.test_admin import jiaohao
from tests.conftest import FakeClock

PASSWORD = "Counter-2026"
WALL = datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)


class Client:
    """Requests from one address, as a browser at one terminal would send them."""

    def __init__(self, app, address: str = "10.0.0.5", token: str | None = None):
        self.client = app.test_client()
        self.address, self.token = address, token

    def call(self, method: str, path: str, json=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.open("/api/v1" + path, method=method, json=json, headers=headers,
                                    environ_base={"REMOTE_ADDR": self.address})
        return response.status_code, response.get_json(), response.headers

    def login(self, username: str, password: str = PASSWORD):
        return self.call("POST", "/auth/login", {"username": username, "password": password})


def start(tmp_path, config, session_clock) -> object:
    return create_app(tmp_path / "var", config, clock=FakeClock(), start_clockwork=False,
                      session_clock=session_clock)


@pytest.fixture
def wall() -> FakeClock:
    return FakeClock(WALL)


@pytest.fixture
def hall_app(tmp_path, small_config_file, wall):
    app = start(tmp_path, small_config_file, wall)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk3", "clerk"), ("boss", "supervisor"), ("root", "admin")):
        accounts.add_user(hall.database, hall.service.hall_id, name, role, PASSWORD, name, "G1")
    yield app
    hall.data.close()


def signed_in(app, username: str, password: str = PASSWORD) -> Client:
    status, reply, _ = Client(app).login(username, password)
    assert status == 200, reply
    return Client(app, token=reply["token"])


# --- password policy ----------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["12345678", "abcdefghijk", "abcdefgh123", "zhangwei-2026A",
                                      "P@ssw0rd123", "Admin@123456", "Short-1"])
def test_weak_passwords_are_refused_by_the_admin_api(hall_app, password) -> None:
    root = signed_in(hall_app, "root")
    status, reply, _ = root.call("POST", "/admin/staff", {"username": "zhangwei", "role": "clerk",
                                                          "password": password})
    assert (status, reply["error"]) == (422, "weak_password") and " / " in reply["message"]
    status, reply, _ = root.call("POST", "/admin/staff/clerk3/password",
                                 {"password": password.replace("zhangwei", "clerk3")})
    assert (status, reply["error"]) == (422, "weak_password")
    assert Client(hall_app).login("clerk3")[0] == 200, "a refused change leaves the old password"


def test_weak_passwords_are_refused_by_the_cli(tmp_path, small_config_file) -> None:
    data = tmp_path / "cli-var"
    refused = jiaohao("admin", "user", "add", "wang", "--role", "clerk", "--password", "12345678",
                      data=data, config=small_config_file)
    assert refused.returncode != 0 and "10" in refused.stderr
    refused = jiaohao("admin", "user", "add", "wang", "--role", "clerk", "--password", "wang-Fang-88",
                      data=data, config=small_config_file)
    assert refused.returncode != 0 and "user name" in refused.stderr
    assert jiaohao("admin", "user", "add", "wang", "--role", "clerk", "--password", "Window-desk-7",
                   data=data, config=small_config_file).returncode == 0
    assert jiaohao("admin", "user", "passwd", "wang", stdin="qwertyuiop\n", data=data).returncode != 0


def test_a_stricter_hall_policy_is_enforced_and_a_laxer_one_refused(tmp_path, small_config_file, wall) -> None:
    app = start(tmp_path, small_config_file, wall)
    hall = app.extensions["jiaohao"]
    accounts.add_user(hall.database, hall.service.hall_id, "root", "admin", PASSWORD)
    root = signed_in(app, "root")
    status, reply, _ = root.call("PUT", "/admin/setup/security", {"password_min_length": 8})
    assert status == 422, "below the level-2 floor of 10"
    assert root.call("PUT", "/admin/setup/security", {"password_min_length": 14})[0] == 200
    status, reply, _ = root.call("POST", "/admin/staff", {"username": "li", "role": "clerk",
                                                          "password": "Window-desk-7"})
    assert reply["error"] == "weak_password" and "14" in reply["message"]
    hall.data.close()


def test_own_password_change_ends_every_session(hall_app) -> None:
    first, second = signed_in(hall_app, "boss"), signed_in(hall_app, "boss")
    status, reply, _ = Client(hall_app).call("POST", "/auth/password", {
        "username": "boss", "password": PASSWORD, "new_password": "12345678"})
    assert (status, reply["error"]) == (422, "weak_password")
    assert first.call("GET", "/me")[0] == 200
    status, reply, _ = Client(hall_app).call("POST", "/auth/password", {
        "username": "boss", "password": PASSWORD, "new_password": "Second-Desk-9"})
    assert status == 200, reply
    assert first.call("GET", "/me")[0] == 401 and second.call("GET", "/me")[0] == 401
    assert Client(hall_app).login("boss", "Second-Desk-9")[0] == 200


def test_an_expired_password_must_be_changed_first(hall_app, wall) -> None:
    root = signed_in(hall_app, "root")
    status, reply, _ = root.call("PUT", "/admin/setup/security", {"password_expiry_days": 90})
    assert status == 200, reply
    wall.advance(days=91)
    status, reply, _ = Client(hall_app).login("boss")
    assert (status, reply["error"]) == (403, "password_expired")
    assert Client(hall_app).call("POST", "/auth/password", {
        "username": "boss", "password": PASSWORD, "new_password": "Renewed-Desk-3"})[0] == 200
    assert Client(hall_app).login("boss", "Renewed-Desk-3")[0] == 200


# --- lockout --------------------------------------------------------------------------------------

def test_lockout_survives_a_restart_and_an_admin_unlocks(tmp_path, small_config_file, wall) -> None:
    app = start(tmp_path, small_config_file, wall)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk3", "clerk"), ("root", "admin")):
        accounts.add_user(hall.database, hall.service.hall_id, name, role, PASSWORD)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"):   # the account, not the address
        status, reply, _ = Client(app, address).login("clerk3", "Wrong-guess-1")
        assert (status, reply["error"]) == (401, "bad_credentials")
    hall.data.close()

    app = start(tmp_path, small_config_file, wall)   # a restart forgets nothing kept in the database
    hall = app.extensions["jiaohao"]
    status, reply, headers = Client(app, "10.0.0.9").login("clerk3")
    assert (status, reply["error"]) == (423, "account_locked") and int(headers["Retry-After"]) == 15 * 60
    assert "锁定" in reply["message"] and "locked" in reply["message"]
    root = signed_in(app, "root")
    assert root.call("GET", "/admin/staff")[1]["staff"][0]["locked_until"] is not None
    assert root.call("POST", "/admin/staff/clerk3/unlock")[0] == 200
    clerk = signed_in(app, "clerk3")
    assert clerk.call("POST", "/auth/logout")[0] == 200

    entries = root.call("GET", "/admin/audit?kind=sign_in&limit=50")[1]["entries"]
    trail = [(e["action"], e["subject"], e["after"]["result"], e["after"]["address"]) for e in reversed(entries)]
    assert trail[:6] == [("auth.sign_in_failed", "user clerk3", "wrong_password", f"10.0.0.{i}")
                         for i in range(1, 6)] + [("auth.lockout", "user clerk3", "locked", "10.0.0.5")]
    assert trail[6:] == [("auth.sign_in_failed", "user clerk3", "locked", "10.0.0.9"),
                         ("auth.sign_in", "user root", "ok", "10.0.0.5"),
                         ("auth.unlock", "user clerk3", "unlocked", "10.0.0.5"),
                         ("auth.sign_in", "user clerk3", "ok", "10.0.0.5"),
                         ("auth.sign_out", "user clerk3", "signed_out", "10.0.0.5")]
    assert all(e["at"].startswith("2026-12-04") for e in entries)
    assert "auth.sign_in" not in {e["action"] for e in root.call("GET", "/admin/audit")[1]["entries"]}, \
        "the change trail stays a list of changes"
    hall.data.close()


def test_a_lock_ends_by_itself(hall_app, wall) -> None:
    for _ in range(5):
        Client(hall_app, "10.0.1.1").login("boss", "Wrong-guess-1")
    assert Client(hall_app, "10.0.1.2").login("boss")[0] == 423
    wall.advance(minutes=15, seconds=1)
    assert Client(hall_app, "10.0.1.2").login("boss")[0] == 200


def test_failures_outside_the_window_do_not_lock(hall_app, wall) -> None:
    for _ in range(4):
        Client(hall_app, "10.0.2.1").login("boss", "Wrong-guess-1")
    wall.advance(minutes=16)
    Client(hall_app, "10.0.2.2").login("boss", "Wrong-guess-1")
    assert Client(hall_app, "10.0.2.3").login("boss")[0] == 200


# --- session limits -------------------------------------------------------------------------------

def test_an_idle_staff_session_ends(hall_app, wall) -> None:
    boss = signed_in(hall_app, "boss")
    wall.advance(minutes=29)
    assert boss.call("GET", "/me")[0] == 200, "used within the idle timeout"
    wall.advance(minutes=29)
    assert boss.call("GET", "/me")[0] == 200, "each use starts the idle time again"
    wall.advance(minutes=30, seconds=1)
    assert boss.call("GET", "/me")[0] == 401
    entries = signed_in(hall_app, "root").call("GET", "/admin/audit?kind=sign_in")[1]["entries"]
    assert any(e["action"] == "auth.sign_out" and e["after"]["result"] == "idle" for e in entries)


def test_a_clerk_at_a_window_keeps_a_longer_idle_time(hall_app, wall) -> None:
    clerk = signed_in(hall_app, "clerk3")
    assert clerk.call("POST", "/windows/3/sign-in")[0] == 200
    wall.advance(minutes=200)
    assert clerk.call("GET", "/me")[0] == 200
    wall.advance(minutes=241)
    assert clerk.call("GET", "/me")[0] == 401


def test_a_session_ends_at_its_absolute_limit_however_busy(hall_app, wall) -> None:
    boss = signed_in(hall_app, "boss")
    for _ in range(33):   # used every 25 minutes for 13 h 45 min
        wall.advance(minutes=25)
        assert boss.call("GET", "/me")[0] == 200
    wall.advance(minutes=20)   # 14 h 05 min after sign-in, only 20 min idle
    assert boss.call("GET", "/me")[0] == 401


# --- the audit trail: kept, exported, read by the auditor ---------------------------------------------

def test_the_auditor_reads_audit_and_reports_and_changes_nothing(hall_app) -> None:
    root = signed_in(hall_app, "root")
    status, reply, _ = root.call("POST", "/admin/staff", {"username": "shenji", "role": "auditor",
                                                          "password": "Audit-Desk-42"})
    assert status == 201, reply
    auditor = signed_in(hall_app, "shenji", "Audit-Desk-42")
    assert auditor.call("GET", "/reports?from=2026-11-26")[0] == 200
    assert auditor.call("GET", "/reports/ratings.json?from=2026-11-26")[0] == 200
    assert "staff.add" in {e["action"] for e in auditor.call("GET", "/audit")[1]["entries"]}
    assert "auth.sign_in" in {e["action"] for e in auditor.call("GET", "/audit?kind=sign_in")[1]["entries"]}
    response = auditor.client.get("/api/v1/audit/export.csv?from=2026-12-04&to=2026-12-05",
                                  headers={"Authorization": f"Bearer {auditor.token}"})
    assert response.status_code == 200 and b"Audit-Desk" not in response.data
    assert b"staff.add" in response.data and b"auth.sign_in" in response.data
    for method, path, body in (("POST", "/windows/3/sign-in", None), ("POST", "/windows/3/call-next", None),
                               ("GET", "/admin/staff", None), ("POST", "/admin/audit/purge", {"older_than_days": 400}),
                               ("POST", "/alerts/1/acknowledge", None), ("GET", "/supervision", None)):
        assert auditor.call(method, path, body)[0] == 403, path
    assert signed_in(hall_app, "clerk3").call("GET", "/audit")[0] == 403
    assert signed_in(hall_app, "boss").call("GET", "/audit")[0] == 403


def test_the_audit_trail_is_kept_180_days_and_append_only(hall_app, wall) -> None:

    hall = hall_app.extensions["jiaohao"]
    wall.now = datetime(2025, 1, 1, tzinfo=timezone.utc)   # entries from long ago …
    signed_in(hall_app, "clerk3")
    wall.now = WALL
    root = signed_in(hall_app, "root")
    status, reply, _ = root.call("POST", "/admin/audit/purge", {"older_than_days": 179})
    assert (status, reply["error"]) == (422, "retention_too_short") and "180" in reply["message"]
    assert root.call("PUT", "/admin/setup/security", {"audit_retention_days": 90})[0] == 422
    status, reply, _ = root.call("POST", "/admin/audit/purge", {"older_than_days": 200})
    assert status == 200 and reply["removed"] == 1, "the sign-in of 2025 goes; this year's stay"
    conn = hall.database.connection()
    for table in ("audit_log", "sign_in_log"):
        with pytest.raises(db.IntegrityError, match="append-only"):
            conn.execute(f"UPDATE {table} SET actor = 'someone else'")
        with pytest.raises(db.IntegrityError, match="180 days"):
            conn.execute(f"DELETE FROM {table}")
    actions = [e["action"] for e in root.call("GET", "/audit?kind=changes")[1]["entries"]]
    assert actions[0] == "audit.purge"


@pytest.mark.sqlite_only
def test_the_migration_keeps_accounts_and_sessions(tmp_path) -> None:
    """A database of the release before: its accounts and sessions come through the rebuild."""
    from server import db
    conn = db.connect(tmp_path / "old.sqlite3")
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at TEXT NOT NULL)")
    for version, name, script in db._migrations():
        if version < 6:
            with db.write(conn):
                for statement in db._statements(script):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 'then')", (version, name))
    with db.write(conn):
        conn.execute("INSERT INTO halls (id, code, name, name_en, timezone, created_at) "
                     "VALUES (1, 'h', '厅', 'Hall', 'Asia/Shanghai', '2026-01-01')")
        conn.execute("INSERT INTO users (id, hall_id, username, display_name, role, password_hash, created_at) "
                     "VALUES (7, 1, 'wang', '王芳', 'clerk', 'scrypt$x', '2026-01-02T00:00:00+00:00')")
        conn.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                     "VALUES ('t', 7, '2026-01-02T00:00:00+00:00', '2026-01-02T14:00:00+00:00')")
    assert db.migrate(conn)[0] == 6
    user = conn.execute("SELECT * FROM users WHERE id = 7").fetchone()
    assert user["username"] == "wang" and user["password_changed_at"] == "2026-01-02T00:00:00+00:00"
    assert conn.execute("SELECT last_seen_at FROM sessions").fetchone()[0] == "2026-01-02T00:00:00+00:00"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('u', 99, 'a', 'b')")
    conn.execute("UPDATE users SET role = 'auditor' WHERE id = 7")
    conn.close()
