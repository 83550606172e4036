"""The hall's event log: appended in order, read back for resync, the board, reports and estimates."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from hall.commands import VIA
from hall.events import event_record

from .dialect import dt, iso


def append_event(conn: sqlite3.Connection, hall_id: int, record: dict[str, Any]) -> int:
    """Append one event; returns its place in the hall's sequence, counted on the hall's row,
    which the write transaction already holds (halls.lock_hall)."""
    seq = conn.execute("UPDATE hall_counters SET last_seq = last_seq + 1 WHERE hall_id = ? RETURNING last_seq",
                       (hall_id,)).fetchone()[0]
    conn.execute(
        "INSERT INTO events (hall_id, seq, at, kind, ticket_id, \"window\", actor, from_state, to_state, "
        "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (hall_id, seq, record["at"], record["kind"], record["ticket_id"], record["window"],
         record["actor"], record["from_state"], record["to_state"],
         json.dumps(record["details"], ensure_ascii=False)))
    return int(seq)


def append_events(conn: sqlite3.Connection, hall_id: int, events: Iterable[Any]) -> list[int]:
    return [append_event(conn, hall_id, event_record(event)) for event in events]


def event_records(conn: sqlite3.Connection, hall_id: int, after: int = 0,
                  limit: int | None = None) -> list[dict[str, Any]]:
    """The log in order, from the event after sequence number `after`."""
    sql = "SELECT * FROM events WHERE hall_id = ? AND seq > ? ORDER BY seq"
    params: tuple = (hall_id, after)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    return [dict(row) | {"details": json.loads(row["details"])} for row in conn.execute(sql, params)]


def last_seq(conn: sqlite3.Connection, hall_id: int) -> int:
    row = conn.execute("SELECT last_seq FROM hall_counters WHERE hall_id = ?", (hall_id,)).fetchone()
    return 0 if row is None else int(row[0])


def recent_calls(conn: sqlite3.Connection, hall_id: int, day: date, limit: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT e.seq, e.at, e.kind, e.\"window\", t.id AS ticket_id, t.number, t.service FROM events e "
        "JOIN tickets t ON t.id = e.ticket_id WHERE e.hall_id = ? AND t.business_date = ? "
        "AND e.kind IN ('ticket_called', 'ticket_recalled') ORDER BY e.seq DESC LIMIT ?",
        (hall_id, day.isoformat(), limit)).fetchall()


def call_event(conn: sqlite3.Connection, hall_id: int, seq: int) -> sqlite3.Row | None:
    """The call or recall recorded at `seq`, with its ticket's number, item, state and the
    seq of the ticket's latest call (a later recall supersedes this one)."""
    return conn.execute(
        "SELECT e.seq, e.kind, e.\"window\", t.id AS ticket_id, t.number, t.service, t.state, "
        "t.\"window\" AS ticket_window, (SELECT MAX(c.seq) FROM events c WHERE c.hall_id = e.hall_id "
        "AND c.ticket_id = e.ticket_id AND c.kind IN ('ticket_called', 'ticket_recalled')) AS latest_call "
        "FROM events e JOIN tickets t ON t.id = e.ticket_id WHERE e.hall_id = ? AND e.seq = ? "
        "AND e.kind IN ('ticket_called', 'ticket_recalled')", (hall_id, seq)).fetchone()


def actor_counts_for_day(conn: sqlite3.Connection, hall_id: int, actor: str, day: date,
                         kinds: Iterable[str]) -> dict[str, int]:
    """How many events of each of `kinds` this actor recorded on tickets of one business day, in
    person or through a device ("user:12 via device:3": a caller keypad on a bridge). Found by
    kind and time (events_by_kind), so the day's issued tickets are never walked."""
    kinds = tuple(kinds)
    rows = conn.execute(
        "SELECT e.kind, COUNT(*) FROM events e JOIN tickets t ON t.id = e.ticket_id "
        f"WHERE e.hall_id = ? AND e.kind IN ({', '.join('?' * len(kinds))}) AND e.at >= ? "
        "AND t.business_date = ? AND (e.actor = ? OR substr(e.actor, 1, ?) = ?) GROUP BY e.kind",
        (hall_id, *kinds, iso(_not_before(day)), day.isoformat(), actor, len(actor) + len(VIA), actor + VIA))
    return {kind: count for kind, count in rows}


def _not_before(day: date) -> datetime:
    """A moment no event of a ticket of `day` precedes: the ticket was issued that local day,
    in whatever time zone the hall keeps."""
    return datetime.combine(day - timedelta(days=1), time(), timezone.utc)


def ratings_for_day(conn: sqlite3.Connection, hall_id: int, day: date) -> list[sqlite3.Row]:
    """The ratings of the day's tickets: found by their kind and time (events_by_kind), so the
    cost follows the ratings, not the day's log."""
    return conn.execute(
        "SELECT t.id AS ticket_id, t.number, t.\"window\", e.at, "
        f"{conn.dialect.json_int('e.details', 'rating')} AS rating FROM events e "
        "JOIN tickets t ON t.id = e.ticket_id WHERE e.hall_id = ? AND e.kind = 'service_rated' "
        "AND e.at >= ? AND t.business_date = ? ORDER BY e.seq",
        (hall_id, iso(_not_before(day)), day.isoformat())).fetchall()


def event_records_between(conn: sqlite3.Connection, hall_id: int, start: datetime,
                          end: datetime) -> list[dict[str, Any]]:
    """The log from `start` (inclusive) to `end` (exclusive), in order: what reports read."""
    rows = conn.execute("SELECT * FROM events WHERE hall_id = ? AND at >= ? AND at < ? ORDER BY seq",
                        (hall_id, iso(start), iso(end)))
    return [dict(row) | {"details": json.loads(row["details"])} for row in rows]


#: the estimate weighs the latest services most; older ones hardly count and cost a query
HANDLING_SAMPLES = 50


def handling_minutes(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[str, tuple[float, ...]]:
    """Today's handling times per item, oldest first: from each 办结 back to the start of
    that service (a held and resumed ticket counts only its last stretch at a window)."""
    rows = conn.execute(
        "SELECT t.service, f.at AS finished, (SELECT s.at FROM events s WHERE s.ticket_id = f.ticket_id "
        "AND s.hall_id = f.hall_id AND s.kind = 'service_started' AND s.seq < f.seq "
        "ORDER BY s.seq DESC LIMIT 1) AS started "
        "FROM tickets t JOIN events f ON f.ticket_id = t.id "   # today's tickets first: the index by day
        "WHERE t.hall_id = ? AND t.business_date = ? AND f.kind = 'service_finished' ORDER BY f.seq",
        (hall_id, day.isoformat()))
    samples: dict[str, list[float]] = {}
    for service, finished, started in rows:
        if started is not None:
            minutes = (dt(finished) - dt(started)).total_seconds() / 60
            samples.setdefault(service, []).append(minutes)
    return {service: tuple(times[-HANDLING_SAMPLES:]) for service, times in samples.items()}


def rated_visits(conn: sqlite3.Connection, hall_id: int, start: datetime,
                 end: datetime) -> list[dict[str, Any]]:
    """Each rating given from `start` to `end` with its visit: the ticket, its case number and
    who finished it (the last 办结 before the rating), oldest first."""
    rows = conn.execute(
        "SELECT e.at AS rated_at, e.actor AS rated_by, e.details, t.id AS ticket_id, t.number, "
        "t.service, t.case_no, t.\"window\", (SELECT f.actor FROM events f WHERE f.ticket_id = t.id "
        "AND f.hall_id = e.hall_id AND f.kind = 'service_finished' AND f.seq < e.seq "
        "ORDER BY f.seq DESC LIMIT 1) AS finished_by "
        "FROM events e JOIN tickets t ON t.id = e.ticket_id WHERE e.hall_id = ? "
        "AND e.kind = 'service_rated' AND e.at >= ? AND e.at < ? ORDER BY e.seq",
        (hall_id, iso(start), iso(end)))
    return [dict(row) | {"details": json.loads(row["details"]), "rated_at": dt(row["rated_at"])}
            for row in rows]
