"""The server processes of a deployment and the devices each has connected (migration 018).

Times here are the wall clock in UTC (ISO text, compared as text): a process's liveness is not
hall time, and a test's fake hall clock must not make a live process look dead.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from .dialect import iso


def beat(conn: sqlite3.Connection, process: str, now: datetime) -> None:
    """This process is alive now (a row of its own, made on its first beat)."""
    conn.execute("INSERT INTO server_processes (process, started_at, beat_at) VALUES (?, ?, ?) "
                 "ON CONFLICT (process) DO UPDATE SET beat_at = excluded.beat_at",
                 (process, iso(now), iso(now)))


def add_connection(conn: sqlite3.Connection, process: str, sid: str, hall_id: int, device_id: int,
                   now: datetime) -> None:
    beat(conn, process, now)
    conn.execute("INSERT INTO live_connections (process, sid, hall_id, device_id, connected_at) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (process, sid) DO NOTHING",
                 (process, sid, hall_id, device_id, iso(now)))


def hold_connections(conn: sqlite3.Connection, process: str, hall_id: int, devices: dict[str, int],
                     now: datetime) -> None:
    """A beat: the process is alive, and its rows for the hall are exactly `devices` (sid →
    device id); rows of clients gone since are removed, any missing are added."""
    beat(conn, process, now)
    kept = {row[0] for row in conn.execute("SELECT sid FROM live_connections WHERE process = ? AND hall_id = ?",
                                           (process, hall_id))}
    gone = [(process, sid) for sid in kept - set(devices)]
    new = [(process, sid, hall_id, device, iso(now)) for sid, device in devices.items() if sid not in kept]
    if gone:
        conn.executemany("DELETE FROM live_connections WHERE process = ? AND sid = ?", gone)
    if new:
        conn.executemany("INSERT INTO live_connections (process, sid, hall_id, device_id, connected_at) "
                         "VALUES (?, ?, ?, ?, ?)", new)


def connected_devices(conn: sqlite3.Connection, hall_id: int, alive_since: datetime,
                      besides: str) -> set[int]:
    """The hall's devices with a live connection to any process but `besides` (which knows its
    own) that beat since `alive_since`."""
    rows = conn.execute("SELECT DISTINCT c.device_id FROM live_connections c "
                        "JOIN server_processes p ON p.process = c.process "
                        "WHERE c.hall_id = ? AND p.beat_at >= ? AND c.process <> ?",
                        (hall_id, iso(alive_since), besides))
    return {row[0] for row in rows}


def live_processes(conn: sqlite3.Connection, alive_since: datetime) -> list[dict]:
    """The processes that beat since `alive_since`, each with its number of live devices."""
    rows = conn.execute("SELECT p.process, p.started_at, p.beat_at, "
                        "(SELECT COUNT(*) FROM live_connections c WHERE c.process = p.process) AS devices "
                        "FROM server_processes p WHERE p.beat_at >= ? ORDER BY p.started_at",
                        (iso(alive_since),))
    return [dict(row) for row in rows]


def forget_dead_processes(conn: sqlite3.Connection, before: datetime) -> int:
    """Processes that stopped beating before `before` (killed, their machine lost), and the
    connections they held; returns how many processes."""
    dead = [row[0] for row in conn.execute("SELECT process FROM server_processes WHERE beat_at < ?",
                                           (iso(before),))]
    for process in dead:
        conn.execute("DELETE FROM live_connections WHERE process = ?", (process,))
        conn.execute("DELETE FROM server_processes WHERE process = ?", (process,))
    return len(dead)
