"""Device tokens (kiosks, boards, window screens, hardware bridges and their windows) and what
each last reported."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any, Iterable

from .dialect import iso


def insert_device(conn: sqlite3.Connection, hall_id: int, name: str, kind: str, token_hash: str,
                  now: datetime, window_number: int | None = None) -> int:
    cur = conn.execute(
        "INSERT INTO devices (hall_id, name, kind, token_hash, created_at, window_number) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", (hall_id, name, kind, token_hash, iso(now), window_number))
    return int(cur.fetchone()[0])


def set_device_windows(conn: sqlite3.Connection, device_id: int, windows: Iterable[int]) -> None:
    conn.executemany("INSERT INTO device_windows (device_id, window_number) VALUES (?, ?)",
                     [(device_id, number) for number in windows])


def device_windows(conn: sqlite3.Connection, device_id: int) -> tuple[int, ...]:
    """The windows a bridge acts at, in order."""
    rows = conn.execute("SELECT window_number FROM device_windows WHERE device_id = ? ORDER BY window_number",
                        (device_id,))
    return tuple(row[0] for row in rows)


def live_device_named(conn: sqlite3.Connection, hall_id: int, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM devices WHERE hall_id = ? AND name = ? AND revoked_at IS NULL",
                        (hall_id, name)).fetchone()


def device_by_token_hash(conn: sqlite3.Connection, token_hash: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM devices WHERE token_hash = ?", (token_hash,)).fetchone()


def list_devices(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM devices WHERE hall_id = ? ORDER BY revoked_at IS NOT NULL, name",
                        (hall_id,)).fetchall()


def revoke_device(conn: sqlite3.Connection, device_id: int, now: datetime) -> None:
    conn.execute("UPDATE devices SET revoked_at = ? WHERE id = ?", (iso(now), device_id))


def touch_device(conn: sqlite3.Connection, device_id: int, now: datetime) -> None:
    conn.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (iso(now), device_id))


def revoked_devices(conn: sqlite3.Connection, device_ids: Iterable[int]) -> set[int]:
    ids = list(device_ids)
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(f"SELECT id FROM devices WHERE revoked_at IS NOT NULL AND id IN ({marks})", ids)
    return {row[0] for row in rows}


def set_device_status(conn: sqlite3.Connection, device_id: int, status: dict[str, Any], now: datetime) -> None:
    conn.execute("UPDATE devices SET status = ?, status_at = ?, last_seen_at = ? WHERE id = ?",
                 (json.dumps(status, ensure_ascii=False), iso(now), iso(now), device_id))


def live_devices(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM devices WHERE hall_id = ? AND revoked_at IS NULL ORDER BY kind, name",
                        (hall_id,)).fetchall()
