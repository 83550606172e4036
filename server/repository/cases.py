"""差评 cases and their steps (hall/cases.py says how they move)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from hall.cases import Case, StepTaken

from .dialect import dt, iso

#: a case with its visit: the ticket, the rating event (who rated, how, why) and the last 办结
#: before it (who served)
CASE_SELECT = (
    "SELECT c.*, t.number, t.service, t.\"window\", t.case_no, r.at AS rated_at, r.actor AS rated_by, "
    "r.details AS rating_details, (SELECT f.actor FROM events f WHERE f.ticket_id = t.id AND +f.hall_id = c.hall_id "
    "AND f.kind = 'service_finished' AND f.seq < r.seq ORDER BY f.seq DESC LIMIT 1) AS finished_by "
    "FROM bad_rating_cases c JOIN tickets t ON t.id = c.ticket_id "
    # +r.hall_id: the rating is found through its ticket (events_by_ticket), not by walking the
    # hall's log (SQLite would take the (hall, seq) index for an equality on hall_id)
    "JOIN events r ON r.ticket_id = c.ticket_id AND +r.hall_id = c.hall_id AND r.kind = 'service_rated' ")


def insert_case(conn: sqlite3.Connection, hall_id: int, ticket_id: int, rating: int, opened_at: datetime,
                due_at: datetime) -> int:
    cur = conn.execute(
        "INSERT INTO bad_rating_cases (hall_id, ticket_id, rating, opened_at, due_at, status) "
        "VALUES (?, ?, ?, ?, ?, 'open') RETURNING id", (hall_id, ticket_id, rating, iso(opened_at), iso(due_at)))
    return int(cur.fetchone()[0])


def case_from_row(row) -> Case:
    return Case(id=row["id"], status=row["status"], opened_at=dt(row["opened_at"]), due_at=dt(row["due_at"]),
                appealed_by=row["appealed_by"], outcome=row["outcome"], closed_at=dt(row["closed_at"]),
                rectify_due_at=dt(row["rectify_due_at"]))


def get_case(conn: sqlite3.Connection, hall_id: int, case_id: int) -> dict[str, Any] | None:
    row = conn.execute(CASE_SELECT + "WHERE c.hall_id = ? AND c.id = ?", (hall_id, case_id)).fetchone()
    return None if row is None else _visit(row)


def cases_where(conn: sqlite3.Connection, hall_id: int, status: str, opened_from: datetime | None = None,
                opened_before: datetime | None = None, closed_from: datetime | None = None) -> list[dict[str, Any]]:
    """status "open" (every case not closed, whenever opened), "closed" or "all"; the range
    limits by when a case was opened, `closed_from` by when it was closed. Oldest first."""
    where, args = ["c.hall_id = ?"], [hall_id]
    if closed_from is not None:
        where.append("c.closed_at >= ?")
        args.append(iso(closed_from))
    if status == "open":
        where.append("c.status != 'closed'")
    elif status == "closed":
        where.append("c.status = 'closed'")
    if opened_from is not None:
        where.append("c.opened_at >= ?")
        args.append(iso(opened_from))
    if opened_before is not None:
        where.append("c.opened_at < ?")
        args.append(iso(opened_before))
    rows = conn.execute(CASE_SELECT + "WHERE " + " AND ".join(where) + " ORDER BY c.id", args)
    return [_visit(row) for row in rows]


def _visit(row) -> dict[str, Any]:
    return dict(row) | {"rating_details": json.loads(row["rating_details"]), "rated_at": dt(row["rated_at"])}


def upheld_appeals(conn: sqlite3.Connection, hall_id: int, start: datetime, end: datetime) -> list[int]:
    """The tickets whose 差评, rated in [start, end), an upheld appeal set aside (申诉成立, and
    closed on it since): hall/kpi.py leaves them out of the satisfaction figures."""
    rows = conn.execute("SELECT ticket_id FROM bad_rating_cases WHERE hall_id = ? AND opened_at >= ? AND opened_at < ? "
                        "AND (status = 'appeal_upheld' OR outcome = 'appeal_upheld') ORDER BY ticket_id",
                        (hall_id, iso(start), iso(end))).fetchall()
    return [int(row[0]) for row in rows]


def save_case(conn: sqlite3.Connection, case: Case) -> None:
    conn.execute("UPDATE bad_rating_cases SET status = ?, appealed_by = ?, outcome = ?, closed_at = ?, "
                 "rectify_due_at = ? WHERE id = ?",
                 (case.status, case.appealed_by, case.outcome, iso(case.closed_at), iso(case.rectify_due_at), case.id))


def append_case_step(conn: sqlite3.Connection, step: StepTaken) -> int:
    cur = conn.execute(
        "INSERT INTO bad_rating_case_steps (case_id, step, at, actor, note, from_status, to_status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (step.case_id, step.step, iso(step.at), step.actor, step.note, step.from_status, step.to_status))
    return int(cur.fetchone()[0])


def case_steps(conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, list[sqlite3.Row]]:
    """Each case's steps, in the order taken."""
    found: dict[int, list[sqlite3.Row]] = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return found
    marks = ",".join("?" * len(case_ids))
    for row in conn.execute(f"SELECT * FROM bad_rating_case_steps WHERE case_id IN ({marks}) ORDER BY id",
                            case_ids):
        found[row["case_id"]].append(row)
    return found


def open_alert_by_key(conn: sqlite3.Connection, hall_id: int, key: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM alerts WHERE hall_id = ? AND key = ? AND cleared_at IS NULL",
                        (hall_id, key)).fetchone()


def set_alert_details(conn: sqlite3.Connection, alert_id: int, details: dict[str, Any]) -> None:
    conn.execute("UPDATE alerts SET details = ? WHERE id = ?", (json.dumps(details, ensure_ascii=False), alert_id))
