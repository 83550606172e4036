"""Tickets tied to a person: the keyed index of the ID number, never the number itself."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from hall.identity import PersonTicket
from hall.tickets import OPEN_STATES

from .dialect import iso

_OPEN = tuple(s.value for s in OPEN_STATES)


def person_tickets_on(conn: sqlite3.Connection, hall_id: int, person_index: str, day: date) -> list[PersonTicket]:
    """The tickets this person took on `day`, with whether each is still open; a remote ticket
    not yet activated counts as an open ticket (an activated one is counted as its ticket)."""
    rows = conn.execute(
        "SELECT p.service, t.state FROM ticket_people p JOIN tickets t ON t.id = p.ticket_id "
        "WHERE p.hall_id = ? AND p.person_index = ? AND p.business_date = ? "
        "UNION ALL SELECT r.service, 'waiting' FROM remote_tickets r WHERE r.hall_id = ? "
        "AND r.person_index = ? AND r.business_date = ? AND r.state = 'taken'",
        (hall_id, person_index, iso(day)) * 2).fetchall()
    return [PersonTicket(service=r[0], open=r[1] in _OPEN) for r in rows]


def tie_ticket_to_person(conn: sqlite3.Connection, hall_id: int, ticket_id: int, day: date, service: str,
                         person_index: str, masked: str, name_sealed: str | None,
                         green_category: str | None) -> None:
    conn.execute(
        "INSERT INTO ticket_people (ticket_id, hall_id, business_date, service, person_index, masked, "
        "name_sealed, green_category) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (ticket_id, hall_id, iso(day), service, person_index, masked, name_sealed, green_category))


def ticket_person(conn: sqlite3.Connection, hall_id: int, ticket_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT masked, green_category FROM ticket_people WHERE hall_id = ? AND ticket_id = ?",
                        (hall_id, ticket_id)).fetchone()


def record_person_refusal(conn: sqlite3.Connection, hall_id: int, day: date, service: str, at: datetime) -> None:
    conn.execute("INSERT INTO person_limit_refusals (hall_id, business_date, service, refused_at) "
                 "VALUES (?, ?, ?, ?)", (hall_id, iso(day), service, iso(at)))


def person_refusals(conn: sqlite3.Connection, hall_id: int, first: date, last: date) -> list[sqlite3.Row]:
    """Refused-by-limit attempts in [first, last]: one row each, with its item and time."""
    return conn.execute("SELECT business_date, service, refused_at FROM person_limit_refusals "
                        "WHERE hall_id = ? AND business_date BETWEEN ? AND ? ORDER BY refused_at",
                        (hall_id, iso(first), iso(last))).fetchall()


def purge_person_data(conn: sqlite3.Connection, hall_id: int, before: date) -> int:
    """Forget who took the tickets of days before `before`."""
    return conn.execute("DELETE FROM ticket_people WHERE hall_id = ? AND business_date < ?",
                        (hall_id, iso(before))).rowcount
