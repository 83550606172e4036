"""Notifications: who asked to be told, the outbox, and the delivery log."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from typing import Any

from .dialect import iso


def utc(value: datetime) -> str:
    """Times the outbox compares as text are all written in UTC, so text order is time order."""
    return iso(value.astimezone(timezone.utc))


# --- subscriptions ---------------------------------------------------------------------------

def save_subscription(conn: sqlite3.Connection, hall_id: int, row: dict[str, Any], now: datetime) -> None:
    """A ticket's wish to be told, new or changed (a second opt-in replaces the first)."""
    conn.execute(
        "INSERT INTO notify_subscriptions (ticket_id, hall_id, business_date, mobile_sealed, mobile_index, "
        "openid_sealed, ahead, called, ahead_done, via, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?) "
        "ON CONFLICT (ticket_id) DO UPDATE SET mobile_sealed = excluded.mobile_sealed, "
        "mobile_index = excluded.mobile_index, openid_sealed = excluded.openid_sealed, "
        "ahead = excluded.ahead, called = excluded.called, via = excluded.via",
        (row["ticket_id"], hall_id, row["business_date"], row["mobile_sealed"], row["mobile_index"],
         row["openid_sealed"], int(row["ahead"]), int(row["called"]), row["via"], utc(now)))


def delete_subscription(conn: sqlite3.Connection, hall_id: int, ticket_id: int) -> bool:
    cur = conn.execute("DELETE FROM notify_subscriptions WHERE hall_id = ? AND ticket_id = ?",
                       (hall_id, ticket_id))
    return cur.rowcount == 1


def subscription(conn: sqlite3.Connection, hall_id: int, ticket_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM notify_subscriptions WHERE hall_id = ? AND ticket_id = ?",
                        (hall_id, ticket_id)).fetchone()


def subscriptions_of(conn: sqlite3.Connection, hall_id: int, ticket_ids: list[int]) -> list[sqlite3.Row]:
    if not ticket_ids:
        return []
    marks = ",".join("?" * len(ticket_ids))
    return conn.execute(f"SELECT * FROM notify_subscriptions WHERE hall_id = ? AND ticket_id IN ({marks})",
                        (hall_id, *ticket_ids)).fetchall()


def awaiting_ahead(conn: sqlite3.Connection, hall_id: int, ticket_ids: list[int] | None = None) -> list[sqlite3.Row]:
    """Subscriptions whose "N ahead" message is still to come: all, or those of these tickets."""
    sql = "SELECT * FROM notify_subscriptions WHERE hall_id = ? AND ahead_done = 0 AND ahead = 1"
    params: list[Any] = [hall_id]
    if ticket_ids is not None:
        if not ticket_ids:
            return []
        sql += f" AND ticket_id IN ({','.join('?' * len(ticket_ids))})"
        params += ticket_ids
    return conn.execute(sql, params).fetchall()


def mark_ahead_done(conn: sqlite3.Connection, ticket_id: int) -> None:
    conn.execute("UPDATE notify_subscriptions SET ahead_done = 1 WHERE ticket_id = ?", (ticket_id,))


# --- the outbox ------------------------------------------------------------------------------

def queue_message(conn: sqlite3.Connection, hall_id: int, row: dict[str, Any], now: datetime) -> bool:
    """Put a message in the outbox unless its idempotency key is there already."""
    cur = conn.execute(
        "INSERT INTO notify_outbox (hall_id, idem_key, kind, ticket_id, booking_id, mobile_sealed, mobile_index, "
        "openid_sealed, number, service, \"window\", ahead, text, text_en, created_at, state, next_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (idem_key) DO NOTHING",
        (hall_id, row["idem_key"], row["kind"], row.get("ticket_id"), row.get("booking_id"),
         row["mobile_sealed"], row["mobile_index"], row.get("openid_sealed"), row.get("number", ""),
         row.get("service", ""), row.get("window"), row.get("ahead", 0), row["text"], row["text_en"], utc(now), utc(now)))
    return cur.rowcount == 1


def message_queued(conn: sqlite3.Connection, idem_key: str) -> bool:
    return conn.execute("SELECT 1 FROM notify_outbox WHERE idem_key = ?", (idem_key,)).fetchone() is not None


def due_messages(conn: sqlite3.Connection, now: datetime, limit: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM notify_outbox WHERE state = 'pending' AND next_at <= ? "
                        "ORDER BY next_at, id LIMIT ?", (utc(now), limit)).fetchall()


def next_due_at(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT MIN(next_at) FROM notify_outbox WHERE state = 'pending'").fetchone()
    return row[0]


def claim_message(conn: sqlite3.Connection, message_id: int, seen_next_at: str, until: datetime) -> bool:
    """Take a due message for one send: its next_at moves to the end of the lease, so no other
    courier takes it meanwhile, and one that died mid-send leaves it due again afterwards."""
    cur = conn.execute("UPDATE notify_outbox SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at = ?",
                       (utc(until), message_id, seen_next_at))
    return cur.rowcount == 1


def settle_message(conn: sqlite3.Connection, message_id: int, state: str, attempts: int,
                   next_at: datetime, done_at: datetime | None, detail: str) -> None:
    conn.execute("UPDATE notify_outbox SET state = ?, attempts = ?, next_at = ?, done_at = ?, detail = ? "
                 "WHERE id = ?", (state, attempts, utc(next_at), None if done_at is None else utc(done_at),
                                  detail[:300], message_id))


def drop_pending_of_ticket(conn: sqlite3.Connection, ticket_id: int, detail: str, now: datetime) -> int:
    cur = conn.execute("UPDATE notify_outbox SET state = 'dropped', done_at = ?, detail = ? "
                       "WHERE ticket_id = ? AND state = 'pending'", (utc(now), detail, ticket_id))
    return cur.rowcount


def record_attempt(conn: sqlite3.Connection, hall_id: int, message_id: int, now: datetime, provider: str,
                   result: str, detail: str, millis: int) -> None:
    conn.execute("INSERT INTO notify_attempts (hall_id, outbox_id, at, provider, result, detail, millis) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (hall_id, message_id, utc(now), provider, result, detail[:300], millis))


def sent_to_mobile_since(conn: sqlite3.Connection, mobile_index: str, since: datetime) -> int:
    row = conn.execute("SELECT COUNT(*) FROM notify_outbox WHERE mobile_index = ? AND state = 'sent' "
                       "AND done_at >= ?", (mobile_index, utc(since))).fetchone()
    return int(row[0])


def delivery_log(conn: sqlite3.Connection, hall_id: int, limit: int) -> list[sqlite3.Row]:
    """The latest attempts with what they were about, newest first."""
    return conn.execute(
        "SELECT a.id, a.at, a.provider, a.result, a.detail, a.millis, o.id AS message_id, o.kind, o.number, "
        "o.service, o.\"window\", o.mobile_sealed, o.state, o.attempts FROM notify_attempts a "
        "JOIN notify_outbox o ON o.id = a.outbox_id WHERE a.hall_id = ? ORDER BY a.id DESC LIMIT ?",
        (hall_id, limit)).fetchall()


def attempt_counts(conn: sqlite3.Connection, hall_id: int, first: datetime, last: datetime) -> list[sqlite3.Row]:
    """Attempts per provider and result in [first, last)."""
    return conn.execute(
        "SELECT provider, result, COUNT(*) AS n FROM notify_attempts WHERE hall_id = ? AND at >= ? AND at < ? "
        "GROUP BY provider, result ORDER BY provider, result", (hall_id, utc(first), utc(last))).fetchall()


def outbox_of_ticket(conn: sqlite3.Connection, ticket_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM notify_outbox WHERE ticket_id = ? ORDER BY id", (ticket_id,)).fetchall()


# --- personal data ---------------------------------------------------------------------------

def purge_notify_personal_data(conn: sqlite3.Connection, hall_id: int, before: date) -> int:
    """Forget the numbers given for tickets of days before `before`, and those in old messages."""
    removed = conn.execute("DELETE FROM notify_subscriptions WHERE hall_id = ? AND business_date < ?",
                           (hall_id, before.isoformat())).rowcount
    removed += conn.execute(
        "UPDATE notify_outbox SET mobile_sealed = NULL, mobile_index = NULL, openid_sealed = NULL "
        "WHERE hall_id = ? AND created_at < ? AND state != 'pending' "
        "AND (mobile_sealed IS NOT NULL OR openid_sealed IS NOT NULL)",
        (hall_id, before.isoformat())).rowcount
    return removed
