"""Remote walk-in tickets (远程取号): the held places, their activation and lapse, and their log."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from typing import Any

from .dialect import iso


def _utc(moment: datetime) -> str:
    """Stored in UTC, so text comparison in SQL is time order."""
    return iso(moment.astimezone(timezone.utc))


def insert_remote_ticket(conn: sqlite3.Connection, hall_id: int, row: dict[str, Any], now: datetime) -> int:
    return int(conn.execute(
        "INSERT INTO remote_tickets (hall_id, code, business_date, service, mobile_index, mobile_sealed, "
        "person_index, masked, green_category, state, taken_at, deadline, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'taken', ?, ?, ?) RETURNING id",
        (hall_id, row["code"], iso(row["business_date"]), row["service"], row["mobile_index"],
         row["mobile_sealed"], row["person_index"], row["masked"], row["green_category"], _utc(now), _utc(row["deadline"]),
         _utc(now))).fetchone()[0])


def remote_ticket_by(conn: sqlite3.Connection, hall_id: int, column: str, value: Any) -> sqlite3.Row | None:
    assert column in ("id", "code")
    return conn.execute(f"SELECT * FROM remote_tickets WHERE hall_id = ? AND {column} = ?",
                        (hall_id, value)).fetchone()


def remote_counts_on(conn: sqlite3.Connection, hall_id: int, day: date, service: str) -> dict[str, int]:
    """Today's remote tickets of one item by state."""
    rows = conn.execute("SELECT state, COUNT(*) FROM remote_tickets WHERE hall_id = ? AND business_date = ? "
                        "AND service = ? GROUP BY state", (hall_id, iso(day), service)).fetchall()
    return {state: int(count) for state, count in rows}


def remote_held_on(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[str, int]:
    """Per item, the day's remote tickets that hold a place and are not activated yet."""
    rows = conn.execute("SELECT service, COUNT(*) FROM remote_tickets WHERE hall_id = ? AND business_date = ? "
                        "AND state = 'taken' GROUP BY service ORDER BY service", (hall_id, iso(day))).fetchall()
    return {service: int(count) for service, count in rows}


def remote_tickets_of_mobile(conn: sqlite3.Connection, hall_id: int, mobile_index: str, day: date) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM remote_tickets WHERE hall_id = ? AND mobile_index = ? "
                            "AND business_date = ?", (hall_id, mobile_index, iso(day))).fetchone()[0])


def activate_remote_ticket(conn: sqlite3.Connection, remote_id: int, ticket_id: int, via: str,
                           now: datetime) -> bool:
    """Only a ticket still waiting to be activated is: two kiosks with one code get one ticket."""
    return conn.execute("UPDATE remote_tickets SET state = 'activated', ticket_id = ?, activated_via = ?, "
                        "changed_at = ? WHERE id = ? AND state = 'taken'",
                        (ticket_id, via, _utc(now), remote_id)).rowcount == 1


def remote_tickets_due(conn: sqlite3.Connection, hall_id: int, now: datetime) -> list[sqlite3.Row]:
    """Remote tickets never activated whose deadline has passed."""
    return conn.execute("SELECT * FROM remote_tickets WHERE hall_id = ? AND state = 'taken' AND deadline < ? "
                        "ORDER BY deadline, id", (hall_id, _utc(now))).fetchall()


def lapse_remote_ticket(conn: sqlite3.Connection, remote_id: int, now: datetime) -> bool:
    return conn.execute("UPDATE remote_tickets SET state = 'lapsed', changed_at = ? WHERE id = ? "
                        "AND state = 'taken'", (_utc(now), remote_id)).rowcount == 1


def log_remote(conn: sqlite3.Connection, hall_id: int, row: sqlite3.Row | dict, kind: str, at: datetime,
               actor: str, ticket_id: int | None = None, via: str | None = None) -> None:
    conn.execute("INSERT INTO remote_ticket_log (hall_id, remote_id, business_date, service, kind, at, actor, "
                 "ticket_id, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (hall_id, row["id"], row["business_date"], row["service"], kind, _utc(at), actor,
                  ticket_id, via))


def remote_log(conn: sqlite3.Connection, hall_id: int, first: date, last: date) -> list[sqlite3.Row]:
    """The remote tickets' log for business days [first, last], in order."""
    return conn.execute("SELECT business_date, service, kind, at, actor, ticket_id, via FROM remote_ticket_log "
                        "WHERE hall_id = ? AND business_date BETWEEN ? AND ? ORDER BY id",
                        (hall_id, iso(first), iso(last))).fetchall()


def purge_remote_personal_data(conn: sqlite3.Connection, hall_id: int, before: date) -> int:
    """Forget whose remote tickets those of days before `before` were."""
    return conn.execute("UPDATE remote_tickets SET mobile_index = NULL, mobile_sealed = NULL, person_index = NULL, "
                        "masked = NULL WHERE hall_id = ? AND business_date < ? AND (mobile_index IS NOT NULL "
                        "OR person_index IS NOT NULL)", (hall_id, iso(before))).rowcount
