"""What the city dashboard reads of each hall beside its day so far (server/reports.py's
DaySoFar): a few rows, however many people wait."""

from __future__ import annotations

import sqlite3


def open_alert_levels(conn: sqlite3.Connection, hall_id: int) -> dict[str, int]:
    """How many of the hall's alerts are open now, per level (yellow, red)."""
    rows = conn.execute("SELECT level, COUNT(*) FROM alerts WHERE hall_id = ? AND cleared_at IS NULL "
                        "GROUP BY level", (hall_id,))
    return {level: int(count) for level, count in rows}
