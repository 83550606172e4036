"""What the city dashboard reads of each hall: counted by the database, never a hall's queue
loaded ticket by ticket (a city of twenty halls is polled every few seconds)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from hall.city import Line
from hall.tickets import CALLABLE_STATES

from .dialect import dt, iso

#: the states of a ticket standing in a line, as the queue core names them
_IN_LINE = tuple(sorted(state.value for state in CALLABLE_STATES))


def waiting_lines(conn: sqlite3.Connection, hall_id: int, day: date) -> list[Line]:
    """Each line of the hall's day that someone stands in: its size and earliest issue time."""
    marks = ", ".join("?" for _ in _IN_LINE)
    rows = conn.execute(
        "SELECT service, target_window, COUNT(*) AS waiting, MIN(issued_at) AS earliest FROM tickets "
        f"WHERE hall_id = ? AND business_date = ? AND state IN ({marks}) "
        "GROUP BY service, target_window", (hall_id, day.isoformat(), *_IN_LINE))
    return [Line(row["service"], row["target_window"], int(row["waiting"]), dt(row["earliest"]))
            for row in rows]


def open_alert_levels(conn: sqlite3.Connection, hall_id: int) -> dict[str, int]:
    """How many of the hall's alerts are open now, per level (yellow, red)."""
    rows = conn.execute("SELECT level, COUNT(*) FROM alerts WHERE hall_id = ? AND cleared_at IS NULL "
                        "GROUP BY level", (hall_id,))
    return {level: int(count) for level, count in rows}


def ratings_given(conn: sqlite3.Connection, hall_id: int, day: date, start: datetime,
                  end: datetime) -> list[int]:
    """Every rating given from `start` to `end` to a ticket of `day`, as reports count them
    (a skipped prompt is no rating)."""
    rating = conn.dialect.json_int("e.details", "rating")
    rows = conn.execute(
        f"SELECT {rating} AS rating, COUNT(*) FROM events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE e.hall_id = ? AND e.kind = 'service_rated' AND e.at >= ? AND e.at < ? "
        f"AND t.business_date = ? AND {rating} IS NOT NULL GROUP BY {rating}",
        (hall_id, iso(start), iso(end), day.isoformat()))
    return [int(value) for value, count in rows for _ in range(int(count))]
