"""Staff accounts and their sign-in sessions."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Iterable

from .dialect import iso


def insert_user(conn: sqlite3.Connection, hall_id: int, username: str, display_name: str,
                staff_no: str | None, role: str, password_hash: str, now: datetime) -> int:
    cur = conn.execute(
        "INSERT INTO users (hall_id, username, display_name, staff_no, role, password_hash, created_at, "
        "password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (hall_id, username, display_name, staff_no, role, password_hash, iso(now), iso(now)))
    return int(cur.fetchone()[0])


def find_user(conn: sqlite3.Connection, username: str, hall_id: int | None = None) -> sqlite3.Row | None:
    """The account of that name in `hall_id` (names are unique per hall); without a hall, the
    deployment's only account of that name (None when none, or several halls have one)."""
    found = users_named(conn, username, hall_id)
    return found[0] if len(found) == 1 else None


def users_named(conn: sqlite3.Connection, username: str, hall_id: int | None = None) -> list[sqlite3.Row]:
    """The accounts of that name: in `hall_id`, or in every hall of the deployment."""
    if hall_id is not None:
        return conn.execute("SELECT * FROM users WHERE hall_id = ? AND username = ?",
                            (hall_id, username)).fetchall()
    return conn.execute("SELECT * FROM users WHERE username = ? ORDER BY hall_id LIMIT 2", (username,)).fetchall()


def city_user_named(conn: sqlite3.Connection, username: str) -> sqlite3.Row | None:
    """The city account of that name: it belongs to the deployment, so its name is taken in every hall."""
    return conn.execute("SELECT * FROM users WHERE username = ? AND role = 'city'", (username,)).fetchone()


def name_taken_anywhere(conn: sqlite3.Connection, username: str) -> bool:
    return conn.execute("SELECT 1 FROM users WHERE username = ? LIMIT 1", (username,)).fetchone() is not None


def get_user(conn: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()


def list_users(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM users WHERE hall_id = ? ORDER BY username", (hall_id,)).fetchall()


def set_password_hash(conn: sqlite3.Connection, user_id: int, password_hash: str, now: datetime) -> None:
    conn.execute("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                 (password_hash, iso(now), user_id))


def record_sign_in_failure(conn: sqlite3.Connection, user_id: int, now: datetime, address: str) -> None:
    conn.execute("INSERT INTO sign_in_failures (user_id, at, address) VALUES (?, ?, ?)",
                 (user_id, iso(now), address))


def sign_in_failures_since(conn: sqlite3.Connection, user_id: int, since: datetime) -> int:
    row = conn.execute("SELECT COUNT(*) FROM sign_in_failures WHERE user_id = ? AND at > ?",
                       (user_id, iso(since))).fetchone()
    return int(row[0])


def forget_sign_in_failures(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute("DELETE FROM sign_in_failures WHERE user_id = ?", (user_id,))


def set_locked_until(conn: sqlite3.Connection, user_id: int, until: datetime | None) -> None:
    conn.execute("UPDATE users SET locked_until = ? WHERE id = ?", (iso(until), user_id))


def set_user_disabled(conn: sqlite3.Connection, user_id: int, disabled: bool) -> None:
    conn.execute("UPDATE users SET disabled = ? WHERE id = ?", (int(disabled), user_id))


def insert_session(conn: sqlite3.Connection, user_id: int, token_hash: str, now: datetime,
                   expires: datetime) -> int:
    cur = conn.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) "
                       "VALUES (?, ?, ?, ?, ?) RETURNING id", (token_hash, user_id, iso(now), iso(expires), iso(now)))
    return int(cur.fetchone()[0])


def session_user(conn: sqlite3.Connection, token_hash: str, now: datetime) -> sqlite3.Row | None:
    """The signed-in user behind a live session token."""
    return conn.execute(
        "SELECT u.*, s.id AS session_id, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0",
        (token_hash, iso(now))).fetchone()


def touch_session(conn: sqlite3.Connection, session_id: int, now: datetime) -> None:
    conn.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", (iso(now), session_id))


def revoke_session(conn: sqlite3.Connection, session_id: int, now: datetime) -> None:
    conn.execute("UPDATE sessions SET revoked_at = ? WHERE id = ?", (iso(now), session_id))


def revoke_user_sessions(conn: sqlite3.Connection, user_id: int, now: datetime) -> int:
    """End every open session of one person (a new password, a disabled account)."""
    cur = conn.execute("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                       (iso(now), user_id))
    return cur.rowcount


def dead_sessions(conn: sqlite3.Connection, session_ids: Iterable[int], now: datetime) -> set[int]:
    """Of these sessions, the ones signed out, expired, or whose user was disabled."""
    ids = list(session_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(
        f"SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id IN ({marks}) "
        "AND (s.revoked_at IS NOT NULL OR s.expires_at <= ? OR u.disabled = 1)", (*ids, iso(now)))
    return {row[0] for row in rows}


def clerk_names(conn: sqlite3.Connection, hall_id: int) -> dict[int, tuple[str, str | None]]:
    rows = conn.execute("SELECT id, display_name, staff_no FROM users WHERE hall_id = ?", (hall_id,))
    return {row[0]: (row[1], row[2]) for row in rows}


def set_user_profile(conn: sqlite3.Connection, user_id: int, role: str, display_name: str,
                     staff_no: str | None) -> None:
    conn.execute("UPDATE users SET role = ?, display_name = ?, staff_no = ? WHERE id = ?",
                 (role, display_name, staff_no, user_id))


def active_admins(conn: sqlite3.Connection, hall_id: int) -> list[str]:
    rows = conn.execute("SELECT username FROM users WHERE hall_id = ? AND role = 'admin' AND disabled = 0",
                        (hall_id,))
    return [row[0] for row in rows]
