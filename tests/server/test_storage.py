"""The queue on a real SQLite file: numbering, the event log, migrations, reopening."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone

import pytest

from hall import commands as c
from hall.events import event_from_record
from hall.queue import HallState, replay
from hall.tickets import QueueError, TicketState
from server import db, repository as repo
from server.datadir import open_data_dir
from server.security import hash_token
from server.services import HallService


@pytest.mark.sqlite_only
def test_fresh_data_dir_is_migrated_seeded_and_in_wal_mode(data_dir) -> None:
    conn = data_dir.database.connection()
    assert db.schema_version(conn) >= 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("SELECT COUNT(*) FROM services WHERE hall_id = ?", (data_dir.hall_id,)).fetchone()[0] == 4
    assert (data_dir.path / "secret.key").stat().st_mode & 0o077 == 0, "the secret is private"


def test_reopening_does_not_seed_or_migrate_twice(data_dir, small_config_file) -> None:
    again = open_data_dir(data_dir.path, small_config_file)
    conn = again.database.connection()
    assert conn.execute("SELECT COUNT(*) FROM halls").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(db._migrations())
    assert again.hall_id == data_dir.hall_id and again.secret_key == data_dir.secret_key
    again.close()


def test_issue_commits_then_publishes(service, publisher) -> None:
    issued = service.issue("A01", actor="device:1")
    assert issued.ticket.number == "A001"
    assert issued.waiting_ahead == 0 and issued.windows == (1, 2, 3)
    assert publisher.kinds == ["ticket_issued"]
    stored = service.ticket(issued.ticket.id)
    assert stored == issued.ticket
    row = service.database.connection().execute("SELECT track_hash FROM tickets").fetchone()
    assert row[0] == hash_token(issued.track_token) != issued.track_token


def test_refused_command_writes_nothing_and_publishes_nothing(service, publisher) -> None:
    with pytest.raises(QueueError):
        service.call_next(3)   # nobody signed in
    conn = service.database.connection()
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    assert publisher.published == []


def test_failed_broadcast_does_not_undo_the_ticket(data_dir, clock) -> None:
    def broken(hall_id, events):
        raise ConnectionError("the hall board's network is down")
    service = HallService(data_dir.database, data_dir.hall_id, publish=broken, clock=clock)
    issued = service.issue("A01")
    assert service.ticket(issued.ticket.id).state is TicketState.WAITING


def test_numbering_survives_reopening_the_file(data_dir, small_config_file, clock) -> None:
    first = HallService(data_dir.database, data_dir.hall_id, clock=clock)
    assert [first.issue("A01").ticket.number for _ in range(3)] == ["A001", "A002", "A003"]
    data_dir.close()
    reopened = open_data_dir(data_dir.path, small_config_file)
    second = HallService(reopened.database, reopened.hall_id, clock=clock)
    assert second.issue("A01").ticket.number == "A004"
    reopened.close()


def test_numbering_across_local_midnight_on_disk(service, clock) -> None:
    clock.now = datetime(2026, 11, 26, 15, 59, tzinfo=timezone.utc)   # 23:59 Shanghai
    assert service.issue("A01").ticket.number == "A001"
    clock.advance(minutes=2)                                            # 00:01 next day
    ticket = service.issue("A01").ticket
    assert (ticket.number, ticket.business_date.isoformat()) == ("A001", "2026-11-27")


def test_database_refuses_a_repeated_number(service) -> None:
    ticket = service.issue("A01").ticket
    conn = service.database.connection()
    with pytest.raises(db.IntegrityError, match="(?i)unique"):   # SQLite says UNIQUE, PostgreSQL unique
        with db.write(conn):
            repo.insert_ticket(conn, service.hall_id, ticket.__class__(**{**ticket.__dict__, "id": 999}),
                               None)


def test_event_log_is_append_only(service) -> None:
    service.issue("A01")
    conn = service.database.connection()
    for statement in ("UPDATE events SET actor = 'someone'", "DELETE FROM events"):
        with pytest.raises(db.IntegrityError, match="append-only"):
            conn.execute(statement)


def test_day_rollover_expires_yesterdays_open_tickets(service, clock, clerk) -> None:
    service.execute(c.SignIn(window=3, clerk=clerk))
    waiting = service.issue("A01").ticket
    called = service.issue("A02").ticket
    service.call_next(3)
    clock.advance(days=1)
    outcome = service.expire_past_days()
    kinds = [event.kind() for event in outcome.events]
    assert kinds == ["ticket_expired", "ticket_expired", "window_signed_out"]
    assert service.ticket(waiting.id).state is TicketState.EXPIRED
    assert service.ticket(called.id).state is TicketState.EXPIRED
    assert service.issue("A01").ticket.number == "A001"


def test_replaying_the_log_rebuilds_every_ticket(service, clock, clerk) -> None:
    service.execute(c.SignIn(window=2, clerk=clerk))
    for _ in range(3):
        service.issue("A01")
    first = service.call_next(2)
    service.execute(c.StartService(ticket_id=first.id))
    service.execute(c.TransferTicket(ticket_id=first.id, to_service="B01"))
    assert service.call_next(2).id == first.id
    clock.advance(minutes=6)
    service.execute(c.MarkNoShow(ticket_id=first.id))
    service.execute(c.ReturnLate(ticket_id=first.id))
    assert_log_replays(service)


def assert_log_replays(service: HallService) -> None:
    conn = service.database.connection()
    events = [event_from_record(r) for r in repo.event_records(conn, service.hall_id)]
    rebuilt = replay(HallState.fresh(service.setup()), events)
    stored = {t.id: t for t in repo.all_tickets(conn, service.hall_id)}
    assert rebuilt.tickets == stored
    assert rebuilt.windows == repo.load_windows(conn, service.hall_id)


def test_setup_import_refuses_to_strand_waiting_tickets(data_dir, service, tmp_path) -> None:
    from server.datadir import import_setup
    from tests.conftest import small_hall_document, to_toml
    service.issue("C01")
    document = small_hall_document()
    document["services"] = [s for s in document["services"] if s["code"] != "C01"]
    document["windows"] = [w for w in document["windows"] if w["number"] != 4]
    path = tmp_path / "smaller.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    with pytest.raises(ValueError, match="C001 is waiting"):
        import_setup(data_dir, path, actor="test")
    document = small_hall_document()
    document["hall"]["name"] = "新名字"
    path.write_text(to_toml(document), encoding="utf-8")
    assert import_setup(data_dir, path, actor="test") == 2
    assert service.setup().hall.name == "新名字"


# --- connection lifetimes ---------------------------------------------------------------------

@pytest.mark.sqlite_only
def test_a_released_connection_serves_the_next_thread(data_dir) -> None:
    database = data_dir.database
    database.release()   # opening the data directory gave its own back already
    taken: list[sqlite3.Connection] = []

    def request() -> None:
        taken.append(database.connection())
        database.release()

    for _ in range(3):
        worker = threading.Thread(target=request)
        worker.start()
        worker.join()
    assert taken[0] is taken[1] is taken[2], "one pooled connection, not one per thread"


def test_checked_out_gives_back_only_what_it_took(data_dir) -> None:
    database = data_dir.database
    with database.checked_out() as conn:
        assert database.holds_connection() and database.connection() is conn
    assert not database.holds_connection()
    mine = database.connection()
    with database.checked_out() as conn:
        assert conn is mine
    assert database.holds_connection(), "a block inside a longer checkout keeps it"


@pytest.mark.sqlite_only
def test_close_closes_the_connections_other_threads_still_hold(data_dir) -> None:
    held, done = [], threading.Event()

    def forgetful() -> None:
        held.append(data_dir.database.connection())   # never released
        done.set()

    threading.Thread(target=forgetful).start()
    assert done.wait(5)
    data_dir.close()
    with pytest.raises(sqlite3.ProgrammingError):
        held[0].execute("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError):
        data_dir.database.connection()


def test_the_group_writer_gives_its_connection_back_when_it_ends(service, monkeypatch) -> None:
    writers: list[threading.Thread] = []
    write = db.GroupCommit._write

    def recorded(self) -> None:
        writers.append(threading.current_thread())
        write(self)

    monkeypatch.setattr(db.GroupCommit, "_write", recorded)
    monkeypatch.setattr(db.GroupCommit, "IDLE_SECONDS", 0.05)
    service.issue("A01")
    writers[0].join(5)
    assert not writers[0].is_alive()
    assert writers[0].ident not in service.database._held
