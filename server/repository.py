"""All of the hall's SQL, with `?` placeholders, and the mapping between rows and values.

Functions take an open connection; the caller (the service layer) owns the transaction.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any, Iterable

from hall.config import HallConfig, HallInfo
from hall.events import event_record
from hall.tickets import OPEN_STATES, Priority, Ticket, TicketState, WindowState, WindowStatus


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# --- halls and their setup -------------------------------------------------------------------

def find_hall(conn: sqlite3.Connection, code: str | None = None) -> sqlite3.Row | None:
    if code is None:
        return conn.execute("SELECT * FROM halls ORDER BY id LIMIT 1").fetchone()
    return conn.execute("SELECT * FROM halls WHERE code = ?", (code,)).fetchone()


def hall_by_id(conn: sqlite3.Connection, hall_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM halls WHERE id = ?", (hall_id,)).fetchone()


def insert_hall(conn: sqlite3.Connection, info: HallInfo, now: datetime) -> int:
    cur = conn.execute(
        "INSERT INTO halls (code, name, name_en, timezone, created_at) VALUES (?, ?, ?, ?, ?)",
        (info.code, info.name, info.name_en, info.timezone, _iso(now)))
    return int(cur.lastrowid)


def update_hall(conn: sqlite3.Connection, hall_id: int, info: HallInfo) -> None:
    conn.execute("UPDATE halls SET name = ?, name_en = ?, timezone = ? WHERE id = ?",
                 (info.name, info.name_en, info.timezone, hall_id))


def insert_setup(conn: sqlite3.Connection, hall_id: int, document: dict[str, Any],
                 actor: str, now: datetime) -> int:
    row = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM hall_setups WHERE hall_id = ?",
                       (hall_id,)).fetchone()
    version = int(row[0])
    conn.execute(
        "INSERT INTO hall_setups (hall_id, version, document, created_at, created_by) "
        "VALUES (?, ?, ?, ?, ?)",
        (hall_id, version, json.dumps(document, ensure_ascii=False, default=str), _iso(now), actor))
    return version


def current_setup(conn: sqlite3.Connection, hall_id: int) -> tuple[int, dict[str, Any]]:
    row = conn.execute(
        "SELECT version, document FROM hall_setups WHERE hall_id = ? ORDER BY version DESC LIMIT 1",
        (hall_id,)).fetchone()
    if row is None:
        raise LookupError(f"hall {hall_id} has no setup")
    return int(row["version"]), json.loads(row["document"])


def project_setup(conn: sqlite3.Connection, hall_id: int, setup: HallConfig) -> None:
    """Mirror the setup in force into the relational tables; retired rows stay, inactive."""
    conn.execute("UPDATE departments SET active = 0 WHERE hall_id = ?", (hall_id,))
    conn.execute("UPDATE services SET active = 0 WHERE hall_id = ?", (hall_id,))
    conn.execute("UPDATE windows SET active = 0 WHERE hall_id = ?", (hall_id,))
    conn.execute("DELETE FROM window_services WHERE hall_id = ?", (hall_id,))
    conn.executemany(
        "INSERT INTO departments (hall_id, code, name, name_en, prefix, active) VALUES (?, ?, ?, ?, ?, 1) "
        "ON CONFLICT (hall_id, code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, "
        "prefix = excluded.prefix, active = 1",
        [(hall_id, d.code, d.name, d.name_en, d.prefix) for d in setup.departments])
    conn.executemany(
        "INSERT INTO services (hall_id, code, department, name, name_en, prefix, handling_minutes, active) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (hall_id, code) DO UPDATE SET "
        "department = excluded.department, name = excluded.name, name_en = excluded.name_en, "
        "prefix = excluded.prefix, handling_minutes = excluded.handling_minutes, active = 1",
        [(hall_id, s.code, s.department, s.name, s.name_en, s.prefix, s.handling_minutes)
         for s in setup.services])
    conn.executemany(
        "INSERT INTO windows (hall_id, number, name, name_en, kind, zone, active) VALUES (?, ?, ?, ?, ?, ?, 1) "
        "ON CONFLICT (hall_id, number) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, "
        "kind = excluded.kind, zone = excluded.zone, active = 1",
        [(hall_id, w.number, w.name, w.name_en, w.kind, w.zone) for w in setup.windows])
    conn.executemany(
        "INSERT INTO window_services (hall_id, window_number, service_code, priority) VALUES (?, ?, ?, ?)",
        [(hall_id, w.number, code, priority) for w in setup.windows for code, priority in w.priorities])


# --- windows ---------------------------------------------------------------------------------

def load_windows(conn: sqlite3.Connection, hall_id: int) -> dict[int, WindowState]:
    rows = conn.execute(
        "SELECT number, status, clerk_id, pause_reason, status_since FROM windows "
        "WHERE hall_id = ? AND active = 1", (hall_id,))
    return {row["number"]: WindowState(row["number"], WindowStatus(row["status"]), row["clerk_id"],
                                       row["pause_reason"], _dt(row["status_since"]))
            for row in rows}


def window_exists(conn: sqlite3.Connection, hall_id: int, number: int) -> bool:
    return conn.execute("SELECT 1 FROM windows WHERE hall_id = ? AND number = ? AND active = 1",
                        (hall_id, number)).fetchone() is not None


def save_window(conn: sqlite3.Connection, hall_id: int, window: WindowState) -> None:
    conn.execute(
        "UPDATE windows SET status = ?, clerk_id = ?, pause_reason = ?, status_since = ? "
        "WHERE hall_id = ? AND number = ?",
        (window.status.value, window.clerk, window.pause_reason, _iso(window.since),
         hall_id, window.number))


# --- tickets ---------------------------------------------------------------------------------

TICKET_COLUMNS = ("id", "business_date", "prefix", "serial", "number", "service", "priority",
                  "state", "issued_at", "rank_at", "boosted", "window", "target_window", "recalls",
                  "called_at", "no_show_at", "case_no", "hold_return", "hold_until", "rating", "started_at")


def ticket_from_row(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"], business_date=date.fromisoformat(row["business_date"]), service=row["service"],
        prefix=row["prefix"], serial=row["serial"], number=row["number"],
        priority=Priority(row["priority"]), state=TicketState(row["state"]),
        issued_at=_dt(row["issued_at"]), rank_at=_dt(row["rank_at"]), boosted=bool(row["boosted"]),
        window=row["window"], target_window=row["target_window"], recalls=row["recalls"],
        called_at=_dt(row["called_at"]), no_show_at=_dt(row["no_show_at"]), case_no=row["case_no"],
        hold_return=row["hold_return"], hold_until=_dt(row["hold_until"]), rating=row["rating"],
        started_at=_dt(row["started_at"]))


def _ticket_values(ticket: Ticket) -> tuple:
    return (ticket.id, _iso(ticket.business_date), ticket.prefix, ticket.serial, ticket.number,
            ticket.service, ticket.priority.value, ticket.state.value, _iso(ticket.issued_at),
            _iso(ticket.rank_at), int(ticket.boosted), ticket.window, ticket.target_window,
            ticket.recalls, _iso(ticket.called_at), _iso(ticket.no_show_at), ticket.case_no,
            ticket.hold_return, _iso(ticket.hold_until), ticket.rating, _iso(ticket.started_at))


def insert_ticket(conn: sqlite3.Connection, hall_id: int, ticket: Ticket, track_hash: str | None) -> None:
    columns = ", ".join(TICKET_COLUMNS)
    marks = ", ".join("?" for _ in TICKET_COLUMNS)
    conn.execute(f"INSERT INTO tickets (hall_id, track_hash, issued_service, {columns}) "
                 f"VALUES (?, ?, ?, {marks})", (hall_id, track_hash, ticket.service, *_ticket_values(ticket)))


def update_ticket(conn: sqlite3.Connection, hall_id: int, ticket: Ticket) -> None:
    sets = ", ".join(f"{name} = ?" for name in TICKET_COLUMNS[1:])
    cur = conn.execute(f"UPDATE tickets SET {sets} WHERE id = ? AND hall_id = ?",
                       (*_ticket_values(ticket)[1:], ticket.id, hall_id))
    if cur.rowcount != 1:
        raise LookupError(f"ticket {ticket.id} is not in hall {hall_id}")


def next_ticket_id(conn: sqlite3.Connection) -> int:
    """Safe only inside a write transaction, which serialises all writers."""
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()[0])


def open_tickets(conn: sqlite3.Connection, hall_id: int, also: Iterable[int] = ()) -> dict[int, Ticket]:
    states = sorted(s.value for s in OPEN_STATES)
    marks = ", ".join("?" for _ in states)
    rows = list(conn.execute(f"SELECT * FROM tickets WHERE hall_id = ? AND state IN ({marks})",
                             (hall_id, *states)))
    extra = [i for i in also if i is not None]
    if extra:
        marks = ", ".join("?" for _ in extra)
        rows += conn.execute(f"SELECT * FROM tickets WHERE hall_id = ? AND id IN ({marks})",
                             (hall_id, *extra)).fetchall()
    return {row["id"]: ticket_from_row(row) for row in rows}


def tickets_by_id(conn: sqlite3.Connection, hall_id: int, ids: Iterable[int]) -> dict[int, Ticket]:
    ids = list(ids)
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(f"SELECT * FROM tickets WHERE hall_id = ? AND id IN ({marks})", (hall_id, *ids))
    return {row["id"]: ticket_from_row(row) for row in rows}


def get_ticket(conn: sqlite3.Connection, hall_id: int, ticket_id: int) -> Ticket | None:
    row = conn.execute("SELECT * FROM tickets WHERE hall_id = ? AND id = ?",
                       (hall_id, ticket_id)).fetchone()
    return None if row is None else ticket_from_row(row)


def ticket_by_number(conn: sqlite3.Connection, hall_id: int, day: date, number: str) -> Ticket | None:
    row = conn.execute("SELECT * FROM tickets WHERE hall_id = ? AND business_date = ? AND number = ?",
                       (hall_id, day.isoformat(), number)).fetchone()
    return None if row is None else ticket_from_row(row)


def ticket_by_track_hash(conn: sqlite3.Connection, track_hash: str) -> tuple[int, Ticket] | None:
    row = conn.execute("SELECT * FROM tickets WHERE track_hash = ?", (track_hash,)).fetchone()
    return None if row is None else (row["hall_id"], ticket_from_row(row))


def all_tickets(conn: sqlite3.Connection, hall_id: int) -> list[Ticket]:
    rows = conn.execute("SELECT * FROM tickets WHERE hall_id = ? ORDER BY id", (hall_id,))
    return [ticket_from_row(row) for row in rows]


def last_serials(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[tuple[date, str], int]:
    rows = conn.execute("SELECT prefix, MAX(serial) FROM tickets WHERE hall_id = ? AND business_date = ? "
                        "GROUP BY prefix", (hall_id, day.isoformat()))
    return {(day, prefix): serial for prefix, serial in rows}


def issued_counts(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[tuple[date, str], int]:
    # by the item it was issued for: a ticket transferred away still used its item's cap
    rows = conn.execute("SELECT issued_service, COUNT(*) FROM tickets WHERE hall_id = ? "
                        "AND business_date = ? GROUP BY issued_service", (hall_id, day.isoformat()))
    return {(day, service): count for service, count in rows}


# --- the event log ---------------------------------------------------------------------------

def append_event(conn: sqlite3.Connection, hall_id: int, record: dict[str, Any]) -> int:
    """Append one event; returns its place in the hall's sequence (safe inside a write transaction)."""
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE hall_id = ?",
                       (hall_id,)).fetchone()[0]
    conn.execute(
        "INSERT INTO events (hall_id, seq, at, kind, ticket_id, window, actor, from_state, to_state, "
        "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (hall_id, seq, record["at"], record["kind"], record["ticket_id"], record["window"],
         record["actor"], record["from_state"], record["to_state"],
         json.dumps(record["details"], ensure_ascii=False)))
    return int(seq)


def append_events(conn: sqlite3.Connection, hall_id: int, events: Iterable[Any]) -> list[int]:
    return [append_event(conn, hall_id, event_record(event)) for event in events]


def event_records(conn: sqlite3.Connection, hall_id: int, after: int = 0,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """The log in order, from the event after sequence number `after`."""
    sql = "SELECT * FROM events WHERE hall_id = ? AND seq > ? ORDER BY seq"
    params: tuple = (hall_id, after)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    return [dict(row) | {"details": json.loads(row["details"])} for row in conn.execute(sql, params)]


def last_seq(conn: sqlite3.Connection, hall_id: int) -> int:
    row = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE hall_id = ?", (hall_id,)).fetchone()
    return int(row[0])


def recent_calls(conn: sqlite3.Connection, hall_id: int, day: date, limit: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT e.seq, e.at, e.kind, e.window, t.id AS ticket_id, t.number, t.service FROM events e "
        "JOIN tickets t ON t.id = e.ticket_id WHERE e.hall_id = ? AND t.business_date = ? "
        "AND e.kind IN ('ticket_called', 'ticket_recalled') ORDER BY e.seq DESC LIMIT ?",
        (hall_id, day.isoformat(), limit)).fetchall()


# --- people ----------------------------------------------------------------------------------

def insert_user(conn: sqlite3.Connection, hall_id: int, username: str, display_name: str,
                staff_no: str | None, role: str, password_hash: str, now: datetime) -> int:
    cur = conn.execute(
        "INSERT INTO users (hall_id, username, display_name, staff_no, role, password_hash, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (hall_id, username, display_name, staff_no, role, password_hash, _iso(now)))
    return int(cur.lastrowid)


def find_user(conn: sqlite3.Connection, username: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()


def get_user(conn: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()


def list_users(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM users WHERE hall_id = ? ORDER BY username", (hall_id,)).fetchall()


def set_password_hash(conn: sqlite3.Connection, user_id: int, password_hash: str) -> None:
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))


def set_user_disabled(conn: sqlite3.Connection, user_id: int, disabled: bool) -> None:
    conn.execute("UPDATE users SET disabled = ? WHERE id = ?", (int(disabled), user_id))


# --- devices ---------------------------------------------------------------------------------

def insert_device(conn: sqlite3.Connection, hall_id: int, name: str, kind: str, token_hash: str,
                  now: datetime, window_number: int | None = None) -> int:
    cur = conn.execute(
        "INSERT INTO devices (hall_id, name, kind, token_hash, created_at, window_number) "
        "VALUES (?, ?, ?, ?, ?, ?)", (hall_id, name, kind, token_hash, _iso(now), window_number))
    return int(cur.lastrowid)


def live_device_named(conn: sqlite3.Connection, hall_id: int, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM devices WHERE hall_id = ? AND name = ? AND revoked_at IS NULL",
                        (hall_id, name)).fetchone()


def device_by_token_hash(conn: sqlite3.Connection, token_hash: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM devices WHERE token_hash = ?", (token_hash,)).fetchone()


def list_devices(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM devices WHERE hall_id = ? ORDER BY revoked_at IS NOT NULL, name",
                        (hall_id,)).fetchall()


def revoke_device(conn: sqlite3.Connection, device_id: int, now: datetime) -> None:
    conn.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", (_iso(now), device_id))


def touch_device(conn: sqlite3.Connection, device_id: int, now: datetime) -> None:
    conn.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (_iso(now), device_id))


def revoked_devices(conn: sqlite3.Connection, device_ids: Iterable[int]) -> set[int]:
    ids = list(device_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(f"SELECT id FROM devices WHERE revoked_at IS NOT NULL AND id IN ({marks})", ids)
    return {row[0] for row in rows}


# --- sessions --------------------------------------------------------------------------------

def insert_session(conn: sqlite3.Connection, user_id: int, token_hash: str, now: datetime,
                   expires: datetime) -> int:
    cur = conn.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                       "VALUES (?, ?, ?, ?)", (token_hash, user_id, _iso(now), _iso(expires)))
    return int(cur.lastrowid)


def session_user(conn: sqlite3.Connection, token_hash: str, now: datetime) -> sqlite3.Row | None:
    """The signed-in user behind a live session token."""
    return conn.execute(
        "SELECT u.*, s.id AS session_id FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0",
        (token_hash, _iso(now))).fetchone()


def revoke_session(conn: sqlite3.Connection, session_id: int, now: datetime) -> None:
    conn.execute("UPDATE sessions SET revoked_at = ? WHERE id = ?", (_iso(now), session_id))


def dead_sessions(conn: sqlite3.Connection, session_ids: Iterable[int], now: datetime) -> set[int]:
    """Of these sessions, the ones signed out, expired, or whose user was disabled."""
    ids = list(session_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(
        f"SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id IN ({marks}) "
        "AND (s.revoked_at IS NOT NULL OR s.expires_at <= ? OR u.disabled = 1)", (*ids, _iso(now)))
    return {row[0] for row in rows}


# --- repeated issue requests -----------------------------------------------------------------

def ticket_for_request(conn: sqlite3.Connection, hall_id: int, actor: str, request_id: str) -> int | None:
    row = conn.execute("SELECT ticket_id FROM issue_requests WHERE hall_id = ? AND actor = ? AND request_id = ?",
                       (hall_id, actor, request_id)).fetchone()
    return None if row is None else int(row[0])


def remember_request(conn: sqlite3.Connection, hall_id: int, actor: str, request_id: str, ticket_id: int,
                     now: datetime) -> None:
    conn.execute("INSERT INTO issue_requests (hall_id, actor, request_id, ticket_id, created_at) "
                 "VALUES (?, ?, ?, ?, ?)", (hall_id, actor, request_id, ticket_id, _iso(now)))


def clerk_names(conn: sqlite3.Connection, hall_id: int) -> dict[int, tuple[str, str | None]]:
    rows = conn.execute("SELECT id, display_name, staff_no FROM users WHERE hall_id = ?", (hall_id,))
    return {row[0]: (row[1], row[2]) for row in rows}


def set_device_status(conn: sqlite3.Connection, device_id: int, status: dict[str, Any], now: datetime) -> None:
    conn.execute("UPDATE devices SET status = ?, status_at = ?, last_seen_at = ? WHERE id = ?",
                 (json.dumps(status, ensure_ascii=False), _iso(now), _iso(now), device_id))


# --- a clerk's day ------------------------------------------------------------------------------

def actor_counts_for_day(conn: sqlite3.Connection, hall_id: int, actor: str, day: date) -> dict[str, int]:
    """How many events of each kind this actor recorded on tickets of one business day."""
    rows = conn.execute(
        "SELECT e.kind, COUNT(*) FROM tickets t JOIN events e ON e.ticket_id = t.id "
        "WHERE t.hall_id = ? AND t.business_date = ? AND e.actor = ? GROUP BY e.kind",
        (hall_id, day.isoformat(), actor))
    return {kind: count for kind, count in rows}


# --- administration: audit trail, staff roles ----------------------------------------------------

def insert_audit(conn: sqlite3.Connection, hall_id: int, now: datetime, actor: str, action: str,
                 subject: str, before: Any, after: Any) -> int:
    cur = conn.execute(
        "INSERT INTO audit_log (hall_id, at, actor, action, subject, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (hall_id, _iso(now), actor, action, subject,
         None if before is None else json.dumps(before, ensure_ascii=False, default=str),
         None if after is None else json.dumps(after, ensure_ascii=False, default=str)))
    return int(cur.lastrowid)


def audit_entries(conn: sqlite3.Connection, hall_id: int, limit: int = 100,
                  before_id: int | None = None) -> list[dict[str, Any]]:
    """The newest entries first; `before_id` pages further back."""
    rows = conn.execute(
        "SELECT * FROM audit_log WHERE hall_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        (hall_id, before_id if before_id is not None else 2**62, limit))
    return [dict(row) | {"before": None if row["before"] is None else json.loads(row["before"]),
                         "after": None if row["after"] is None else json.loads(row["after"])}
            for row in rows]


def set_user_profile(conn: sqlite3.Connection, user_id: int, role: str, display_name: str,
                     staff_no: str | None) -> None:
    conn.execute("UPDATE users SET role = ?, display_name = ?, staff_no = ? WHERE id = ?",
                 (role, display_name, staff_no, user_id))


def active_admins(conn: sqlite3.Connection, hall_id: int) -> list[str]:
    rows = conn.execute("SELECT username FROM users WHERE hall_id = ? AND role = 'admin' AND disabled = 0",
                        (hall_id,))
    return [row[0] for row in rows]


def log_and_setup_versions(conn: sqlite3.Connection, hall_id: int) -> tuple[int, int]:
    """The last sequence number of the hall's log and its setup version, in one query."""
    row = conn.execute("SELECT (SELECT COALESCE(MAX(seq), 0) FROM events WHERE hall_id = ?), "
                       "(SELECT COALESCE(MAX(version), 0) FROM hall_setups WHERE hall_id = ?)",
                       (hall_id, hall_id)).fetchone()
    return int(row[0]), int(row[1])


def setup_version(conn: sqlite3.Connection, hall_id: int) -> int:
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM hall_setups WHERE hall_id = ?",
                       (hall_id,)).fetchone()
    return int(row[0])


# --- supervision: alerts, ratings, devices, and the log for reports ----------------------------

def open_alerts(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND cleared_at IS NULL ORDER BY id",
                        (hall_id,)).fetchall()


def get_alert(conn: sqlite3.Connection, hall_id: int, alert_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND id = ?", (hall_id, alert_id)).fetchone()


def insert_alert(conn: sqlite3.Connection, hall_id: int, alert: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO alerts (hall_id, key, rule, level, subject, message, message_en, business_date, "
        "window, service, raised_at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (hall_id, alert["key"], alert["rule"], alert["level"], alert["subject"], alert["message"],
         alert["message_en"], _iso(alert["business_date"]), alert.get("window"), alert.get("service"),
         _iso(alert["at"]), json.dumps(alert.get("details") or {}, ensure_ascii=False)))
    return int(cur.lastrowid)


def escalate_alert(conn: sqlite3.Connection, alert_id: int, message: str, message_en: str,
                   details: dict[str, Any], now: datetime) -> None:
    conn.execute("UPDATE alerts SET level = 'red', escalated_at = ?, message = ?, message_en = ?, "
                 "details = ? WHERE id = ?",
                 (_iso(now), message, message_en, json.dumps(details, ensure_ascii=False), alert_id))


def acknowledge_alert(conn: sqlite3.Connection, alert_id: int, actor: str, now: datetime) -> None:
    conn.execute("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                 (_iso(now), actor, alert_id))


def clear_alert(conn: sqlite3.Connection, alert_id: int, now: datetime) -> None:
    conn.execute("UPDATE alerts SET cleared_at = ? WHERE id = ?", (_iso(now), alert_id))


def append_alert_event(conn: sqlite3.Connection, hall_id: int, alert_id: int, action: str, level: str,
                       now: datetime, actor: str) -> None:
    conn.execute("INSERT INTO alert_events (hall_id, alert_id, action, level, at, actor) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (hall_id, alert_id, action, level, _iso(now), actor))


def alert_events_of(conn: sqlite3.Connection, alert_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id", (alert_id,)).fetchall()


def acknowledged_alert_keys(conn: sqlite3.Connection, hall_id: int, day: date) -> set[str]:
    rows = conn.execute("SELECT key FROM alerts WHERE hall_id = ? AND business_date = ? "
                        "AND acknowledged_at IS NOT NULL", (hall_id, day.isoformat()))
    return {row[0] for row in rows}


def alerts_between(conn: sqlite3.Connection, hall_id: int, first: date, last: date) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND business_date BETWEEN ? AND ? "
                        "ORDER BY raised_at", (hall_id, first.isoformat(), last.isoformat())).fetchall()


def ratings_for_day(conn: sqlite3.Connection, hall_id: int, day: date) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT t.id AS ticket_id, t.number, t.window, e.at, "
        "CAST(json_extract(e.details, '$.rating') AS INTEGER) AS rating FROM events e "
        "JOIN tickets t ON t.id = e.ticket_id WHERE e.hall_id = ? AND e.kind = 'service_rated' "
        "AND t.business_date = ? ORDER BY e.seq", (hall_id, day.isoformat())).fetchall()


def live_devices(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM devices WHERE hall_id = ? AND revoked_at IS NULL ORDER BY kind, name",
                        (hall_id,)).fetchall()


def event_records_between(conn: sqlite3.Connection, hall_id: int, start: datetime,
                          end: datetime) -> list[dict[str, Any]]:
    """The log from `start` (inclusive) to `end` (exclusive), in order: what reports read."""
    rows = conn.execute("SELECT * FROM events WHERE hall_id = ? AND at >= ? AND at < ? ORDER BY seq",
                        (hall_id, _iso(start), _iso(end)))
    return [dict(row) | {"details": json.loads(row["details"])} for row in rows]

# --- handling times, for the wait estimate ---------------------------------------------------

#: the estimate weighs the latest services most; older ones hardly count and cost a query
HANDLING_SAMPLES = 50


def handling_minutes(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[str, tuple[float, ...]]:
    """Today's handling times per item, oldest first: from each 办结 back to the start of
    that service (a held and resumed ticket counts only its last stretch at a window)."""
    rows = conn.execute(
        "SELECT t.service, f.at AS finished, (SELECT s.at FROM events s WHERE s.ticket_id = f.ticket_id "
        "AND s.hall_id = f.hall_id AND s.kind = 'service_started' AND s.seq < f.seq "
        "ORDER BY s.seq DESC LIMIT 1) AS started "
        "FROM tickets t JOIN events f ON f.ticket_id = t.id "   # today's tickets first: the index by day
        "WHERE t.hall_id = ? AND t.business_date = ? AND f.kind = 'service_finished' ORDER BY f.seq",
        (hall_id, day.isoformat()))
    samples: dict[str, list[float]] = {}
    for service, finished, started in rows:
        if started is not None:
            minutes = (_dt(finished) - _dt(started)).total_seconds() / 60
            samples.setdefault(service, []).append(minutes)
    return {service: tuple(times[-HANDLING_SAMPLES:]) for service, times in samples.items()}


# --- appointments (预约) ------------------------------------------------------------------------

#: the states that hold a place in their slot
PLACE_HOLDING = ("booked", "checked_in", "no_show")


def booked_in_slot(conn: sqlite3.Connection, hall_id: int, service: str, day: date, start: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM bookings WHERE hall_id = ? AND service = ? AND slot_date = ? "
        "AND slot_start = ? AND state IN (?, ?, ?)",
        (hall_id, service, day.isoformat(), start, *PLACE_HOLDING)).fetchone()
    return int(row[0])


def booked_per_slot(conn: sqlite3.Connection, hall_id: int, service: str, day: date) -> dict[str, int]:
    rows = conn.execute(
        "SELECT slot_start, COUNT(*) FROM bookings WHERE hall_id = ? AND service = ? AND slot_date = ? "
        "AND state IN (?, ?, ?) GROUP BY slot_start", (hall_id, service, day.isoformat(), *PLACE_HOLDING))
    return {row[0]: int(row[1]) for row in rows}


def open_bookings_of(conn: sqlite3.Connection, hall_id: int, mobile: str, *, day: date | None = None,
                     service: str | None = None, besides: int | None = None) -> int:
    """The mobile number's bookings still to come, on one day or for one item."""
    sql = "SELECT COUNT(*) FROM bookings WHERE hall_id = ? AND mobile = ? AND state = 'booked' AND id != ?"
    params: list[Any] = [hall_id, mobile, besides or 0]
    if day is not None:
        sql += " AND slot_date = ?"
        params.append(day.isoformat())
    if service is not None:
        sql += " AND service = ?"
        params.append(service)
    return int(conn.execute(sql, params).fetchone()[0])


def insert_booking(conn: sqlite3.Connection, hall_id: int, row: dict[str, Any], now: datetime) -> int:
    cur = conn.execute(
        "INSERT INTO bookings (hall_id, code, manage_token_hash, service, slot_date, slot_start, slot_end, "
        "mobile, name, state, created_at, created_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?)",
        (hall_id, row["code"], row["manage_token_hash"], row["service"], row["slot_date"], row["slot_start"],
         row["slot_end"], row["mobile"], row["name"], _iso(now), row["created_by"], _iso(now)))
    return int(cur.lastrowid)


def booking_by(conn: sqlite3.Connection, hall_id: int, column: str, value: Any) -> sqlite3.Row | None:
    if column not in ("id", "code", "manage_token_hash"):
        raise ValueError(column)
    return conn.execute(f"SELECT * FROM bookings WHERE hall_id = ? AND {column} = ?",
                        (hall_id, value)).fetchone()


def set_booking_state(conn: sqlite3.Connection, booking_id: int, state: str, now: datetime, *,
                      ticket_id: int | None = None, on_time: bool | None = None) -> bool:
    """Move a booking out of 'booked'; False when someone else already did."""
    cur = conn.execute(
        "UPDATE bookings SET state = ?, ticket_id = ?, on_time = ?, updated_at = ? "
        "WHERE id = ? AND state = 'booked'",
        (state, ticket_id, None if on_time is None else int(on_time), _iso(now), booking_id))
    return cur.rowcount == 1


def move_booking(conn: sqlite3.Connection, booking_id: int, day: date, start: str, end: str,
                 now: datetime) -> None:
    conn.execute("UPDATE bookings SET slot_date = ?, slot_start = ?, slot_end = ?, updated_at = ? "
                 "WHERE id = ? AND state = 'booked'", (day.isoformat(), start, end, _iso(now), booking_id))


def bookings_due_for_no_show(conn: sqlite3.Connection, hall_id: int, up_to: date) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM bookings WHERE hall_id = ? AND state = 'booked' AND slot_date <= ?",
                        (hall_id, up_to.isoformat())).fetchall()


def slot_bookings(conn: sqlite3.Connection, hall_id: int, day: date) -> list[sqlite3.Row]:
    """The day's slots that hold bookings, per item: booked (still to come), checked in (and
    of those on time), no-show, cancelled."""
    return conn.execute(
        "SELECT service, slot_start, slot_end, "
        "COUNT(*) FILTER (WHERE state = 'booked') AS booked, "
        "COUNT(*) FILTER (WHERE state = 'checked_in') AS checked_in, "
        "COUNT(*) FILTER (WHERE state = 'checked_in' AND on_time = 1) AS on_time, "
        "COUNT(*) FILTER (WHERE state = 'no_show') AS no_show, "
        "COUNT(*) FILTER (WHERE state = 'cancelled') AS cancelled "
        "FROM bookings WHERE hall_id = ? AND slot_date = ? "
        "GROUP BY service, slot_start, slot_end ORDER BY slot_start, service",
        (hall_id, day.isoformat())).fetchall()


def booking_figures(conn: sqlite3.Connection, hall_id: int, first: date, last: date) -> dict[str, int]:
    """Booked, checked-in, on-time and no-show counts for slots in [first, last]."""
    row = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE state != 'cancelled'), "
        "COUNT(*) FILTER (WHERE state = 'checked_in'), "
        "COUNT(*) FILTER (WHERE state = 'checked_in' AND on_time = 1), "
        "COUNT(*) FILTER (WHERE state = 'no_show'), COUNT(*) FILTER (WHERE state = 'cancelled') "
        "FROM bookings WHERE hall_id = ? AND slot_date BETWEEN ? AND ?",
        (hall_id, first.isoformat(), last.isoformat())).fetchone()
    return dict(zip(("booked", "checked_in", "on_time", "no_show", "cancelled"), (int(v) for v in row)))
