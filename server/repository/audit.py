"""The administration audit trail: who changed what, with the before and after."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from .dialect import iso


def insert_audit(conn: sqlite3.Connection, hall_id: int, now: datetime, actor: str, action: str,
                 subject: str, before: Any, after: Any) -> int:
    cur = conn.execute(
        "INSERT INTO audit_log (hall_id, at, actor, action, subject, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (hall_id, iso(now), actor, action, subject,
         None if before is None else json.dumps(before, ensure_ascii=False, default=str),
         None if after is None else json.dumps(after, ensure_ascii=False, default=str)))
    return int(cur.lastrowid)


#: which entries a reader asks for: the administration changes, the sign-in trail, or both
AUDIT_KINDS = {"changes": "AND action NOT LIKE 'auth.%'", "sign_in": "AND action LIKE 'auth.%'", "all": ""}


def audit_entries(conn: sqlite3.Connection, hall_id: int, limit: int = 100,
                  before_id: int | None = None, kind: str = "changes") -> list[dict[str, Any]]:
    """The newest entries first; `before_id` pages further back."""
    rows = conn.execute(
        f"SELECT * FROM audit_log WHERE hall_id = ? AND id < ? {AUDIT_KINDS[kind]} ORDER BY id DESC LIMIT ?",
        (hall_id, before_id if before_id is not None else 2**62, limit))
    return [dict(row) | {"before": None if row["before"] is None else json.loads(row["before"]),
                         "after": None if row["after"] is None else json.loads(row["after"])}
            for row in rows]


def audit_entries_between(conn: sqlite3.Connection, hall_id: int, start: datetime,
                          end: datetime) -> list[sqlite3.Row]:
    """Every entry from `start` (inclusive) to `end` (exclusive), oldest first: the export."""
    return conn.execute("SELECT * FROM audit_log WHERE hall_id = ? AND at >= ? AND at < ? ORDER BY id",
                        (hall_id, iso(start), iso(end))).fetchall()


def purge_audit_before(conn: sqlite3.Connection, hall_id: int, cutoff: datetime) -> int:
    """Remove entries older than `cutoff`; the database itself refuses any younger than 180 days."""
    return conn.execute("DELETE FROM audit_log WHERE hall_id = ? AND at < ?", (hall_id, iso(cutoff))).rowcount


def insert_rating_delivery(conn: sqlite3.Connection, hall_id: int, day: str, now: datetime,
                           destination: str, rows: int, attempts: int, result: str, detail: str) -> int:
    cur = conn.execute(
        "INSERT INTO rating_deliveries (hall_id, business_date, at, destination, rows, attempts, result, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (hall_id, day, iso(now), destination, rows, attempts, result, detail))
    return int(cur.lastrowid)


def rating_deliveries(conn: sqlite3.Connection, hall_id: int, limit: int = 100) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM rating_deliveries WHERE hall_id = ? ORDER BY id DESC LIMIT ?",
                        (hall_id, limit)).fetchall()
