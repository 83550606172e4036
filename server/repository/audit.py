"""The administration audit trail: who changed what, with the before and after."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from .dialect import iso


#: the two trails: what people changed, and who signed in (or failed to) from where
TRAILS = {"changes": "audit_log", "sign_in": "sign_in_log"}
AUDIT_KINDS = tuple(TRAILS)


def insert_audit(conn: sqlite3.Connection, hall_id: int, now: datetime, actor: str, action: str,
                 subject: str, before: Any, after: Any, trail: str = "changes") -> int:
    cur = conn.execute(
        f"INSERT INTO {TRAILS[trail]} (hall_id, at, actor, action, subject, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (hall_id, iso(now), actor, action, subject,
         None if before is None else json.dumps(before, ensure_ascii=False, default=str),
         None if after is None else json.dumps(after, ensure_ascii=False, default=str)))
    return int(cur.fetchone()[0])


def _entry(row) -> dict[str, Any]:
    return dict(row) | {"before": None if row["before"] is None else json.loads(row["before"]),
                        "after": None if row["after"] is None else json.loads(row["after"])}


def audit_entries(conn: sqlite3.Connection, hall_id: int, limit: int = 100,
                  before_id: int | None = None, kind: str = "changes") -> list[dict[str, Any]]:
    """The newest entries of one trail first; `before_id` pages further back."""
    rows = conn.execute(
        f"SELECT * FROM {TRAILS[kind]} WHERE hall_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        (hall_id, before_id if before_id is not None else 2**62, limit))
    return [_entry(row) for row in rows]


def audit_entries_between(conn: sqlite3.Connection, hall_id: int, start: datetime,
                          end: datetime) -> list[sqlite3.Row]:
    """Every entry of both trails from `start` (inclusive) to `end` (exclusive), oldest first."""
    return conn.execute(
        "SELECT 'changes' AS trail, * FROM audit_log WHERE hall_id = ? AND at >= ? AND at < ? UNION ALL "
        "SELECT 'sign_in' AS trail, * FROM sign_in_log WHERE hall_id = ? AND at >= ? AND at < ? "
        "ORDER BY at, trail, id", (hall_id, iso(start), iso(end)) * 2).fetchall()


def purge_audit_before(conn: sqlite3.Connection, hall_id: int, cutoff: datetime) -> int:
    """Remove entries of both trails older than `cutoff`; the database itself refuses any younger
    than 180 days."""
    return sum(conn.execute(f"DELETE FROM {table} WHERE hall_id = ? AND at < ?", (hall_id, iso(cutoff))).rowcount
               for table in TRAILS.values())


def insert_rating_delivery(conn: sqlite3.Connection, hall_id: int, day: str, now: datetime,
                           destination: str, rows: int, attempts: int, result: str, detail: str) -> int:
    cur = conn.execute(
        "INSERT INTO rating_deliveries (hall_id, business_date, at, destination, rows, attempts, result, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", (hall_id, day, iso(now), destination, rows, attempts, result, detail))
    return int(cur.fetchone()[0])


def rating_deliveries(conn: sqlite3.Connection, hall_id: int, limit: int = 100) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM rating_deliveries WHERE hall_id = ? ORDER BY id DESC LIMIT ?",
                        (hall_id, limit)).fetchall()


def delivered_rating_days(conn: sqlite3.Connection, hall_id: int, since_day: str) -> set[str]:
    """The business days from `since_day` on that reached the platform at least once."""
    return {row[0] for row in conn.execute(
        "SELECT DISTINCT business_date FROM rating_deliveries WHERE hall_id = ? AND business_date >= ? "
        "AND result = 'delivered'", (hall_id, since_day))}
