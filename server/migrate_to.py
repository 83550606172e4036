"""Moving a hall from its SQLite file into the city's PostgreSQL database (`jiaohao admin
migrate-to URL`), checked by replaying its event log on both sides.

Everything of the hall goes in one transaction: setups, tickets, the event log, accounts and
sessions, devices, alerts, audit trails, appointments. The target may already hold other halls,
so every copied id moves past the ids it holds (the event log's sequence numbers, ticket numbers
and stored QR hashes stay as they were: printed slips keep working). The copy counts only when
the log, replayed on each side, rebuilds the same tickets and windows, and the target's stored
rows agree with its replay.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hall.events import event_from_record
from hall.queue import HallState, replay

from . import db, repository as repo
from .datadir import DataDir
from .repository import transfer
from .services import HallService


class MigrationRefused(ValueError):
    """The copy was not made (or was rolled back); the message says why."""


def migrate_to(source: DataDir, target_url: str) -> dict[str, Any]:
    """Copy the data directory's hall into the database at `target_url`; returns what was copied."""
    target = db.open_database(target_url, source.path)
    try:
        if target.dialect is not db.POSTGRESQL:
            raise MigrationRefused("migrate-to copies a hall into PostgreSQL: give a postgresql:// URL")
        rows = _hall_rows(source)
        with source.database.checked_out() as conn, db.read(conn):
            before, _, _ = _replayed(conn, source.database, source.hall_id)
        with target.checked_out() as into:
            db.migrate(into)
            with db.write(into):   # checked before it commits: a copy that does not replay is not kept
                hall_id, offsets = _copy(into, rows)
                _verify(before, into, target, hall_id, offsets)
        return {"hall": rows["halls"][0]["code"], "hall_id": hall_id,
                "rows": {table: len(found) for table, found in rows.items()},
                "tickets_replayed": len(before.tickets), "events_replayed": len(rows["events"])}
    finally:
        target.close()


def _hall_rows(source: DataDir) -> dict[str, list[dict[str, Any]]]:
    with source.database.checked_out() as conn, db.read(conn):
        rows = {"halls": [dict(repo.hall_by_id(conn, source.hall_id))]}
        for table, where, _ in transfer.TABLES:
            rows[table] = transfer.hall_rows(conn, table, where, source.hall_id)
    return rows


def _copy(into, rows: dict[str, list[dict[str, Any]]]) -> tuple[int, dict[str, int]]:
    """Inside the target's transaction: the hall's rows with their ids moved; returns the
    hall's new id and each table's offset."""
    code = rows["halls"][0]["code"]
    if repo.find_hall(into, code) is not None:
        raise MigrationRefused(f"目标数据库已有大厅 {code} / the target already holds hall {code!r}: "
                               "nothing was copied")
    offsets = {table: transfer.id_offset(into, table) for table in ("halls", *transfer.WITH_IDS)}
    hall_id = rows["halls"][0]["id"] + offsets["halls"]
    transfer.insert_rows(into, "halls", [rows["halls"][0] | {"id": hall_id}])
    for table, _, references in transfer.TABLES:
        transfer.insert_rows(into, table, [_moved(table, row, references, hall_id, offsets)
                                           for row in rows[table]])
    transfer.move_id_counters(into, ["halls", *sorted(transfer.WITH_IDS)])
    return hall_id, offsets


def _moved(table: str, row: dict[str, Any], references: dict[str, str], hall_id: int,
           offsets: dict[str, int]) -> dict[str, Any]:
    moved = dict(row)
    if "hall_id" in moved:
        moved["hall_id"] = hall_id
    if table in transfer.WITH_IDS:
        moved["id"] += offsets[table]
    for column, points_at in references.items():
        if moved[column] is not None:
            moved[column] += offsets[points_at]
    if table == "events":
        moved["details"] = transfer.renumbered_details(moved["details"], offsets["users"])
    return moved


def _replayed(conn, database: db.Database, hall_id: int) -> tuple[HallState, dict, dict]:
    """Inside a transaction: the hall rebuilt from its log, and its stored tickets and windows."""
    setup = HallService(database, hall_id).setup(conn)
    events = [event_from_record(r) for r in repo.event_records(conn, hall_id)]
    stored = {t.id: t for t in repo.all_tickets(conn, hall_id)}
    return replay(HallState.fresh(setup), events), stored, repo.load_windows(conn, hall_id)


def _verify(before: HallState, into, target: db.Database, hall_id: int, offsets: dict[str, int]) -> None:
    """The copy's log replayed: the same tickets and windows as the source's, ids moved by the
    offsets, and the same as the copy's stored rows."""
    after, stored, windows = _replayed(into, target, hall_id)
    moved = {t.id + offsets["tickets"]: replace(t, id=t.id + offsets["tickets"]) for t in before.tickets.values()}
    if moved != after.tickets:
        raise MigrationRefused("复制后的日志重放结果不同 / the copied log does not rebuild the same tickets")
    if after.tickets != stored:
        raise MigrationRefused("复制的票与日志不符 / the copied tickets differ from what their log rebuilds")
    clerks = {n: replace(w, clerk=None if w.clerk is None else w.clerk + offsets["users"])
              for n, w in before.windows.items()}
    if clerks != after.windows or after.windows != windows:
        raise MigrationRefused("复制的窗口与日志不符 / the copied windows differ from what the log rebuilds")
