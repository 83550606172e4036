"""A hall's rows, table by table, for moving it from one database to another (SQLite into the
city's PostgreSQL): what to read, in which order to write so every reference finds its row,
and how to renumber ids so they cannot collide with the halls already there."""

from __future__ import annotations

import json
from typing import Any

#: (table, how its rows are found for a hall, the column pointing at another copied table's id)
#: in an order where every reference is written after the row it points at
TABLES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("hall_counters", "hall_id = ?", {}),
    ("hall_setups", "hall_id = ?", {}),
    ("departments", "hall_id = ?", {}),
    ("services", "hall_id = ?", {}),
    ("users", "hall_id = ?", {}),
    ("windows", "hall_id = ?", {"clerk_id": "users"}),
    ("window_services", "hall_id = ?", {}),
    ("devices", "hall_id = ?", {}),
    ("device_windows", "device_id IN (SELECT id FROM devices WHERE hall_id = ?)", {"device_id": "devices"}),
    ("tickets", "hall_id = ?", {}),
    ("events", "hall_id = ?", {"ticket_id": "tickets"}),
    ("issue_requests", "hall_id = ?", {"ticket_id": "tickets"}),
    ("sessions", "user_id IN (SELECT id FROM users WHERE hall_id = ?)", {"user_id": "users"}),
    ("sign_in_failures", "user_id IN (SELECT id FROM users WHERE hall_id = ?)", {"user_id": "users"}),
    ("sign_in_log", "hall_id = ?", {}),
    ("audit_log", "hall_id = ?", {}),
    ("alerts", "hall_id = ?", {}),
    ("alert_events", "hall_id = ?", {"alert_id": "alerts"}),
    ("bookings", "hall_id = ?", {"ticket_id": "tickets"}),
    ("rating_deliveries", "hall_id = ?", {}),
    ("notify_subscriptions", "hall_id = ?", {"ticket_id": "tickets"}),
    ("notify_outbox", "hall_id = ?", {"ticket_id": "tickets", "booking_id": "bookings"}),
    ("notify_attempts", "hall_id = ?", {"outbox_id": "notify_outbox"}),
    ("bad_rating_cases", "hall_id = ?", {"ticket_id": "tickets"}),
    ("bad_rating_case_steps", "case_id IN (SELECT id FROM bad_rating_cases WHERE hall_id = ?)",
     {"case_id": "bad_rating_cases"}),
    ("ticket_people", "hall_id = ?", {"ticket_id": "tickets"}),
    ("person_limit_refusals", "hall_id = ?", {}),
    ("remote_tickets", "hall_id = ?", {"ticket_id": "tickets"}),
    ("remote_ticket_log", "hall_id = ?", {"remote_id": "remote_tickets", "ticket_id": "tickets"}),
)

#: tables with an `id` of their own (renumbered by an offset on the way in)
WITH_IDS = frozenset({"hall_setups", "users", "devices", "tickets", "events", "sessions", "sign_in_failures",
                      "sign_in_log", "audit_log", "alerts", "alert_events", "bookings", "rating_deliveries",
                      "notify_outbox", "notify_attempts", "bad_rating_cases", "bad_rating_case_steps",
                      "person_limit_refusals", "remote_tickets", "remote_ticket_log"})


def hall_rows(conn, table: str, where: str, hall_id: int) -> list[dict[str, Any]]:
    order = " ORDER BY id" if table in WITH_IDS else ""
    return [dict(row) for row in conn.execute(f"SELECT * FROM {table} WHERE {where}{order}", (hall_id,))]


def id_offset(conn, table: str) -> int:
    """How far this table's copied ids move: past every id the target holds or handed out."""
    return int(conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])


def insert_rows(conn, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                     [tuple(row[c] for c in columns) for row in rows])


def move_id_counters(conn, tables: list[str]) -> None:
    """After rows were written with their ids: the identity sequences continue past them."""
    for table in tables:
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))")


def renumbered_details(details: str, clerk_offset: int) -> str:
    """An event's details with its clerk (a user id, on window events) renumbered."""
    fields = json.loads(details)
    if fields.get("clerk") is not None:
        fields["clerk"] += clerk_offset
        return json.dumps(fields, ensure_ascii=False)
    return details
