"""Supervision alerts (电子监察) and their history: raised, escalated, acknowledged, cleared."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any

from .dialect import iso


def open_alerts(conn: sqlite3.Connection, hall_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND cleared_at IS NULL ORDER BY id",
                        (hall_id,)).fetchall()


def get_alert(conn: sqlite3.Connection, hall_id: int, alert_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND id = ?", (hall_id, alert_id)).fetchone()


def insert_alert(conn: sqlite3.Connection, hall_id: int, alert: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO alerts (hall_id, key, rule, level, subject, message, message_en, business_date, "
        "\"window\", service, raised_at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (hall_id, alert["key"], alert["rule"], alert["level"], alert["subject"], alert["message"],
         alert["message_en"], iso(alert["business_date"]), alert.get("window"), alert.get("service"),
         iso(alert["at"]), json.dumps(alert.get("details") or {}, ensure_ascii=False)))
    return int(cur.fetchone()[0])


def escalate_alert(conn: sqlite3.Connection, alert_id: int, message: str, message_en: str,
                   details: dict[str, Any], now: datetime) -> None:
    conn.execute("UPDATE alerts SET level = 'red', escalated_at = ?, message = ?, message_en = ?, "
                 "details = ? WHERE id = ?",
                 (iso(now), message, message_en, json.dumps(details, ensure_ascii=False), alert_id))


def acknowledge_alert(conn: sqlite3.Connection, alert_id: int, actor: str, now: datetime) -> None:
    conn.execute("UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                 (iso(now), actor, alert_id))


def clear_alert(conn: sqlite3.Connection, alert_id: int, now: datetime) -> None:
    conn.execute("UPDATE alerts SET cleared_at = ? WHERE id = ?", (iso(now), alert_id))


def append_alert_event(conn: sqlite3.Connection, hall_id: int, alert_id: int, action: str, level: str,
                       now: datetime, actor: str) -> None:
    conn.execute("INSERT INTO alert_events (hall_id, alert_id, action, level, at, actor) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (hall_id, alert_id, action, level, iso(now), actor))


def acknowledged_alert_keys(conn: sqlite3.Connection, hall_id: int, day: date) -> set[str]:
    rows = conn.execute("SELECT key FROM alerts WHERE hall_id = ? AND business_date = ? "
                        "AND acknowledged_at IS NOT NULL", (hall_id, day.isoformat()))
    return {row[0] for row in rows}


def alerts_between(conn: sqlite3.Connection, hall_id: int, first: date, last: date) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND business_date BETWEEN ? AND ? "
                        "ORDER BY raised_at", (hall_id, first.isoformat(), last.isoformat())).fetchall()
