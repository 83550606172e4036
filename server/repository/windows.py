"""The windows' state: open, paused or closed, and who sits at each."""

from __future__ import annotations

import sqlite3

from hall.tickets import WindowState, WindowStatus

from .dialect import dt, iso


def load_windows(conn: sqlite3.Connection, hall_id: int) -> dict[int, WindowState]:
    rows = conn.execute(
        "SELECT number, status, clerk_id, pause_reason, status_since FROM windows "
        "WHERE hall_id = ? AND active = 1", (hall_id,))
    return {row["number"]: WindowState(row["number"], WindowStatus(row["status"]), row["clerk_id"],
                                       row["pause_reason"], dt(row["status_since"]))
            for row in rows}


def window_exists(conn: sqlite3.Connection, hall_id: int, number: int) -> bool:
    return conn.execute("SELECT 1 FROM windows WHERE hall_id = ? AND number = ? AND active = 1",
                        (hall_id, number)).fetchone() is not None


def save_window(conn: sqlite3.Connection, hall_id: int, window: WindowState) -> None:
    conn.execute(
        "UPDATE windows SET status = ?, clerk_id = ?, pause_reason = ?, status_since = ? "
        "WHERE hall_id = ? AND number = ?",
        (window.status.value, window.clerk, window.pause_reason, iso(window.since),
         hall_id, window.number))
