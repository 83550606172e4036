"""Tickets: the rows behind `hall.tickets.Ticket`, the day's serials and caps, and repeated issue requests."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Iterable

from hall.tickets import OPEN_STATES, Priority, Ticket, TicketState

from .dialect import dt, iso


TICKET_COLUMNS = ("id", "business_date", "prefix", "serial", "number", "service", "priority",
                  "state", "issued_at", "rank_at", "boosted", "window", "target_window", "recalls",
                  "called_at", "no_show_at", "case_no", "hold_return", "hold_until", "rating", "started_at")
#: the columns as SQL names: "window" is a reserved word in PostgreSQL
_QUOTED = tuple(f'"{name}"' for name in TICKET_COLUMNS)


def ticket_from_row(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"], business_date=date.fromisoformat(row["business_date"]), service=row["service"],
        prefix=row["prefix"], serial=row["serial"], number=row["number"],
        priority=Priority(row["priority"]), state=TicketState(row["state"]),
        issued_at=dt(row["issued_at"]), rank_at=dt(row["rank_at"]), boosted=bool(row["boosted"]),
        window=row["window"], target_window=row["target_window"], recalls=row["recalls"],
        called_at=dt(row["called_at"]), no_show_at=dt(row["no_show_at"]), case_no=row["case_no"],
        hold_return=row["hold_return"], hold_until=dt(row["hold_until"]), rating=row["rating"],
        started_at=dt(row["started_at"]))


def _ticket_values(ticket: Ticket) -> tuple:
    return (ticket.id, iso(ticket.business_date), ticket.prefix, ticket.serial, ticket.number,
            ticket.service, ticket.priority.value, ticket.state.value, iso(ticket.issued_at),
            iso(ticket.rank_at), int(ticket.boosted), ticket.window, ticket.target_window,
            ticket.recalls, iso(ticket.called_at), iso(ticket.no_show_at), ticket.case_no,
            ticket.hold_return, iso(ticket.hold_until), ticket.rating, iso(ticket.started_at))


def insert_ticket(conn: sqlite3.Connection, hall_id: int, ticket: Ticket, track_hash: str | None) -> None:
    columns = ", ".join(_QUOTED)
    marks = ", ".join("?" for _ in TICKET_COLUMNS)
    conn.execute(f"INSERT INTO tickets (hall_id, track_hash, issued_service, {columns}) "
                 f"VALUES (?, ?, ?, {marks})", (hall_id, track_hash, ticket.service, *_ticket_values(ticket)))


def update_ticket(conn: sqlite3.Connection, hall_id: int, ticket: Ticket) -> None:
    sets = ", ".join(f"{name} = ?" for name in _QUOTED[1:])
    cur = conn.execute(f"UPDATE tickets SET {sets} WHERE id = ? AND hall_id = ?",
                       (*_ticket_values(ticket)[1:], ticket.id, hall_id))
    if cur.rowcount != 1:
        raise LookupError(f"ticket {ticket.id} is not in hall {hall_id}")


def next_ticket_id(conn: sqlite3.Connection) -> int:
    """The id the next ticket gets, before its row is written (the core names tickets by id)."""
    return conn.dialect.next_id(conn, "tickets")


def open_tickets(conn: sqlite3.Connection, hall_id: int, also: Iterable[int] = ()) -> dict[int, Ticket]:
    states = sorted(s.value for s in OPEN_STATES)
    marks = ", ".join("?" for _ in states)
    rows = list(conn.execute(f"SELECT * FROM tickets WHERE hall_id = ? AND state IN ({marks})",
                             (hall_id, *states)))
    extra = [i for i in also if i is not None]
    if extra:
        marks = ", ".join("?" for _ in extra)
        rows += conn.execute(f"SELECT * FROM tickets WHERE hall_id = ? AND id IN ({marks})",
                             (hall_id, *extra)).fetchall()
    return {row["id"]: ticket_from_row(row) for row in rows}


def tickets_by_id(conn: sqlite3.Connection, hall_id: int, ids: Iterable[int]) -> dict[int, Ticket]:
    ids = list(ids)
    marks = ", ".join("?" for _ in ids)
    rows = conn.execute(f"SELECT * FROM tickets WHERE hall_id = ? AND id IN ({marks})", (hall_id, *ids))
    return {row["id"]: ticket_from_row(row) for row in rows}


def get_ticket(conn: sqlite3.Connection, hall_id: int, ticket_id: int) -> Ticket | None:
    row = conn.execute("SELECT * FROM tickets WHERE hall_id = ? AND id = ?",
                       (hall_id, ticket_id)).fetchone()
    return None if row is None else ticket_from_row(row)


def ticket_by_number(conn: sqlite3.Connection, hall_id: int, day: date, number: str) -> Ticket | None:
    row = conn.execute("SELECT * FROM tickets WHERE hall_id = ? AND business_date = ? AND number = ?",
                       (hall_id, day.isoformat(), number)).fetchone()
    return None if row is None else ticket_from_row(row)


def ticket_by_track_hash(conn: sqlite3.Connection, track_hash: str) -> tuple[int, Ticket] | None:
    row = conn.execute("SELECT * FROM tickets WHERE track_hash = ?", (track_hash,)).fetchone()
    return None if row is None else (row["hall_id"], ticket_from_row(row))


def all_tickets(conn: sqlite3.Connection, hall_id: int) -> list[Ticket]:
    rows = conn.execute("SELECT * FROM tickets WHERE hall_id = ? ORDER BY id", (hall_id,))
    return [ticket_from_row(row) for row in rows]


def last_serials(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[tuple[date, str], int]:
    rows = conn.execute("SELECT prefix, MAX(serial) FROM tickets WHERE hall_id = ? AND business_date = ? "
                        "GROUP BY prefix", (hall_id, day.isoformat()))
    return {(day, prefix): serial for prefix, serial in rows}


def issued_counts(conn: sqlite3.Connection, hall_id: int, day: date) -> dict[tuple[date, str], int]:
    # by the item it was issued for: a ticket transferred away still used its item's cap
    rows = conn.execute("SELECT issued_service, COUNT(*) FROM tickets WHERE hall_id = ? "
                        "AND business_date = ? GROUP BY issued_service", (hall_id, day.isoformat()))
    return {(day, service): count for service, count in rows}


def ticket_for_request(conn: sqlite3.Connection, hall_id: int, actor: str, request_id: str) -> int | None:
    row = conn.execute("SELECT ticket_id FROM issue_requests WHERE hall_id = ? AND actor = ? AND request_id = ?",
                       (hall_id, actor, request_id)).fetchone()
    return None if row is None else int(row[0])


def remember_request(conn: sqlite3.Connection, hall_id: int, actor: str, request_id: str, ticket_id: int,
                     now: datetime) -> None:
    conn.execute("INSERT INTO issue_requests (hall_id, actor, request_id, ticket_id, created_at) "
                 "VALUES (?, ?, ?, ?, ?)", (hall_id, actor, request_id, ticket_id, iso(now)))
