"""The hall and its setup: the versioned setup documents and their mirror in the relational tables."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from hall.setup import HallConfig, HallInfo

from .dialect import iso


def find_hall(conn: sqlite3.Connection, code: str | None = None) -> sqlite3.Row | None:
    if code is None:
        return conn.execute("SELECT * FROM halls ORDER BY id LIMIT 1").fetchone()
    return conn.execute("SELECT * FROM halls WHERE code = ?", (code,)).fetchone()


def list_halls(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM halls ORDER BY code").fetchall()


def hall_by_id(conn: sqlite3.Connection, hall_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM halls WHERE id = ?", (hall_id,)).fetchone()


def insert_hall(conn: sqlite3.Connection, info: HallInfo, now: datetime) -> int:
    cur = conn.execute(
        "INSERT INTO halls (code, name, name_en, timezone, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (info.code, info.name, info.name_en, info.timezone, iso(now)))
    hall_id = int(cur.fetchone()[0])
    conn.execute("INSERT INTO hall_counters (hall_id, last_seq) VALUES (?, 0)", (hall_id,))
    return hall_id


def lock_hall(conn: sqlite3.Connection, hall_id: int) -> int:
    """The first statement of a write transaction that changes a hall: takes the hall's counter
    row, so the hall's writers in every process go one at a time, and returns the last sequence
    number of its log as the previous writer committed it."""
    row = conn.execute("UPDATE hall_counters SET last_seq = last_seq WHERE hall_id = ? RETURNING last_seq",
                       (hall_id,)).fetchone()
    if row is None:
        raise LookupError(f"hall {hall_id} has no counter row")
    return int(row[0])


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
        (hall_id, version, json.dumps(document, ensure_ascii=False, default=str), iso(now), actor))
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


def log_and_setup_versions(conn: sqlite3.Connection, hall_id: int) -> tuple[int, int]:
    """The last sequence number of the hall's log and its setup version, in one query."""
    row = conn.execute("SELECT (SELECT last_seq FROM hall_counters WHERE hall_id = ?), "
                       "(SELECT COALESCE(MAX(version), 0) FROM hall_setups WHERE hall_id = ?)",
                       (hall_id, hall_id)).fetchone()
    return int(row[0]), int(row[1])


def setup_version(conn: sqlite3.Connection, hall_id: int) -> int:
    row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM hall_setups WHERE hall_id = ?",
                       (hall_id,)).fetchone()
    return int(row[0])


def hall_of_token(conn: sqlite3.Connection, token_hash: str) -> int | None:
    """The hall a token belongs to — a staff session's, a device's, a ticket's track token's or a
    booking's manage token's —, whether or not it is still live (the hall itself judges that)."""
    row = conn.execute(
        "SELECT users.hall_id FROM sessions JOIN users ON users.id = sessions.user_id "
        "WHERE sessions.token_hash = ? "
        "UNION ALL SELECT hall_id FROM devices WHERE token_hash = ? "
        "UNION ALL SELECT hall_id FROM tickets WHERE track_hash = ? "
        "UNION ALL SELECT hall_id FROM bookings WHERE manage_token_hash = ?",
        (token_hash,) * 4).fetchone()
    return None if row is None else int(row[0])
