"""Appointments (预约): bookings of slots, their states and the figures for reports."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any

from .dialect import dt, iso


#: the states that hold a place in their slot
PLACE_HOLDING = ("booked", "checked_in", "no_show")


def booked_in_slot(conn: sqlite3.Connection, hall_id: int, service: str, day: date, start: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM bookings WHERE hall_id = ? AND service = ? AND slot_date = ? "
        "AND slot_start = ? AND state IN (?, ?, ?)",
        (hall_id, service, day.isoformat(), start, *PLACE_HOLDING)).fetchone()
    return int(row[0])


def open_bookings_taken_at(conn: sqlite3.Connection, hall_id: int, service: str, day: date,
                           start: str) -> list[datetime]:
    """When each open booking citizens made of a slot was made or moved into it (its last
    change); the desk's bookings, for people standing in front of it, are not counted."""
    rows = conn.execute(
        "SELECT updated_at FROM bookings WHERE hall_id = ? AND service = ? AND slot_date = ? "
        "AND slot_start = ? AND state = 'booked' AND at_desk = 0",
        (hall_id, service, day.isoformat(), start))
    return [dt(row[0]) for row in rows]


def booked_per_slot(conn: sqlite3.Connection, hall_id: int, service: str, day: date) -> dict[str, int]:
    rows = conn.execute(
        "SELECT slot_start, COUNT(*) FROM bookings WHERE hall_id = ? AND service = ? AND slot_date = ? "
        "AND state IN (?, ?, ?) GROUP BY slot_start", (hall_id, service, day.isoformat(), *PLACE_HOLDING))
    return {row[0]: int(row[1]) for row in rows}


def open_bookings_of(conn: sqlite3.Connection, hall_id: int, mobile_index: str, *, day: date | None = None,
                     service: str | None = None, besides: int | None = None) -> int:
    """The mobile number's bookings still to come, on one day or for one item; the number is
    found by its keyed index (server/personal.py), never by its clear text."""
    sql = ("SELECT COUNT(*) FROM bookings WHERE hall_id = ? AND mobile_index = ? AND state = 'booked' "
           "AND id != ?")
    params: list[Any] = [hall_id, mobile_index, besides or 0]
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
        "mobile_sealed, mobile_index, at_desk, remind, name, state, created_at, created_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?) RETURNING id",
        (hall_id, row["code"], row["manage_token_hash"], row["service"], row["slot_date"], row["slot_start"],
         row["slot_end"], row["mobile_sealed"], row["mobile_index"], int(row["at_desk"]),
         int(row.get("remind", False)), row["name"], iso(now), row["created_by"], iso(now)))
    return int(cur.fetchone()[0])


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
        (state, ticket_id, None if on_time is None else int(on_time), iso(now), booking_id))
    return cur.rowcount == 1


def move_booking(conn: sqlite3.Connection, booking_id: int, day: date, start: str, end: str,
                 now: datetime) -> None:
    conn.execute("UPDATE bookings SET slot_date = ?, slot_start = ?, slot_end = ?, updated_at = ? "
                 "WHERE id = ? AND state = 'booked'", (day.isoformat(), start, end, iso(now), booking_id))


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


# --- personal data --------------------------------------------------------------------------

def clear_mobiles(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """During migration 008 only: the numbers still stored in clear text."""
    return conn.execute("SELECT id, mobile FROM bookings WHERE mobile != ''").fetchall()


def seal_clear_mobile(conn: sqlite3.Connection, booking_id: int, sealed: str, index: str) -> None:
    """During migration 008 only: one number sealed and its clear text emptied."""
    conn.execute("UPDATE bookings SET mobile_sealed = ?, mobile_index = ?, mobile = '' WHERE id = ?",
                 (sealed, index, booking_id))


def purge_booking_personal_data(conn: sqlite3.Connection, hall_id: int, before: date) -> int:
    """Forget the mobile number and name of bookings whose slot was before `before` and which
    no longer hold a place to come (a booking still 'booked' is decided first)."""
    cur = conn.execute(
        "UPDATE bookings SET mobile_sealed = NULL, mobile_index = NULL, name = '', remind = 0 "
        "WHERE hall_id = ? AND slot_date < ? AND state != 'booked' "
        "AND (mobile_sealed IS NOT NULL OR name != '')", (hall_id, before.isoformat()))
    return cur.rowcount


def bookings_to_remind(conn: sqlite3.Connection, hall_id: int, first: date, last: date) -> list[sqlite3.Row]:
    """Bookings still to come in [first, last] whose citizen asked for reminders."""
    return conn.execute("SELECT * FROM bookings WHERE hall_id = ? AND state = 'booked' AND remind = 1 "
                        "AND mobile_sealed IS NOT NULL AND slot_date BETWEEN ? AND ?",
                        (hall_id, first.isoformat(), last.isoformat())).fetchall()
