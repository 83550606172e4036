"""The rate limits' buckets and the sign-in throttle's failures, shared by a deployment's
processes (migration 018). Keys come hashed; times are seconds since 1970."""

from __future__ import annotations

import sqlite3


def bucket(conn: sqlite3.Connection, key: str, full: float, now: float) -> tuple[float, float]:
    """The bucket's (tokens, last seen), made full now if it did not exist; its row stays
    locked until the transaction ends (PostgreSQL; SQLite's write lock is the file's)."""
    conn.execute("INSERT INTO rate_buckets (key, tokens, seen) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                 (key, full, now))
    row = conn.execute("SELECT tokens, seen FROM rate_buckets WHERE key = ?" + conn.dialect.for_update,
                       (key,)).fetchone()
    return float(row[0]), float(row[1])


def set_bucket(conn: sqlite3.Connection, key: str, tokens: float, now: float) -> None:
    conn.execute("UPDATE rate_buckets SET tokens = ?, seen = ? WHERE key = ?", (tokens, now, key))


def forget_buckets(conn: sqlite3.Connection, idle_since: float) -> None:
    conn.execute("DELETE FROM rate_buckets WHERE seen < ?", (idle_since,))


def add_attempts(conn: sqlite3.Connection, keys: list[str], now: float) -> None:
    conn.executemany("INSERT INTO sign_in_attempts (key, at) VALUES (?, ?)", [(key, now) for key in keys])


def recent_attempts(conn: sqlite3.Connection, key: str, since: float) -> tuple[int, float | None]:
    """How many failures of `key` since `since`, and when the last was."""
    row = conn.execute("SELECT COUNT(*), MAX(at) FROM sign_in_attempts WHERE key = ? AND at >= ?",
                       (key, since)).fetchone()
    return int(row[0]), (None if row[1] is None else float(row[1]))


def forget_attempts(conn: sqlite3.Connection, key: str | None = None, before: float | None = None) -> None:
    if key is not None:
        conn.execute("DELETE FROM sign_in_attempts WHERE key = ?", (key,))
    if before is not None:
        conn.execute("DELETE FROM sign_in_attempts WHERE at < ?", (before,))
