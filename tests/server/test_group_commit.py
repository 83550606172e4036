"""Group commit: the writes queued while one transaction commits share the next one; each
unit keeps its own result or error; what follows a commit runs in commit order."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from hall.tickets import QueueError
from server import db
from server.services import HallService
from tests.conftest import add_user


@pytest.fixture
def database(tmp_path):
    database = db.Database(tmp_path / "t.sqlite3")
    conn = database.connection()
    conn.execute("CREATE TABLE rows (n INTEGER PRIMARY KEY)")
    yield database
    database.close()


def rows(database) -> list[int]:
    return [r[0] for r in database.connection().execute("SELECT n FROM rows ORDER BY n")]


def insert_row(n: int):
    def work(conn) -> int:
        conn.execute("INSERT INTO rows (n) VALUES (?)", (n,))
        return n
    return work


@pytest.mark.sqlite_only   # a bare SQLite file; the PostgreSQL writers: test_postgres_city.py
def test_many_writers_share_few_commits_and_each_gets_its_own_result(database, monkeypatch) -> None:
    writer = db.GroupCommit(database)
    commits, followed = [], []
    real_write = db.write

    def counting_write(conn):
        commits.append(1)
        return real_write(conn)
    monkeypatch.setattr(db, "write", counting_write)

    def insert(n: int) -> int:
        def work(conn):
            conn.execute("INSERT INTO rows (n) VALUES (?)", (n,))
            return n * 10
        return writer.run(work, then=followed.append)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(insert, range(200)))
    assert results == [n * 10 for n in range(200)]
    assert rows(database) == list(range(200))
    assert sorted(followed) == results and len(commits) < 200


@pytest.mark.sqlite_only   # a bare SQLite file; the PostgreSQL writers: test_postgres_city.py
def test_a_failing_unit_leaves_no_trace_and_the_others_commit(database) -> None:
    writer = db.GroupCommit(database)
    gate, go = threading.Event(), threading.Event()

    def blocker(conn):   # holds the writer so the next three queue up into one group
        gate.set()
        go.wait(5)
        conn.execute("INSERT INTO rows (n) VALUES (0)")

    def refused(conn):
        conn.execute("INSERT INTO rows (n) VALUES (2)")
        raise QueueError("no_waiting", "nobody waiting")

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(writer.run, blocker)
        gate.wait(5)
        ok1 = pool.submit(writer.run, insert_row(1))
        bad = pool.submit(writer.run, refused)
        ok3 = pool.submit(writer.run, insert_row(3))
        go.set()
        assert (first.result(), ok1.result(), ok3.result()) == (None, 1, 3)
        with pytest.raises(QueueError):
            bad.result()
    assert rows(database) == [0, 1, 3]


@pytest.mark.sqlite_only   # a bare SQLite file; the PostgreSQL writers: test_postgres_city.py
def test_a_failed_commit_fails_its_whole_group_and_the_writer_goes_on(database) -> None:
    forgotten = []
    writer = db.GroupCommit(database, on_failed_commit=lambda: forgotten.append(1))

    def breaks_the_transaction(conn):
        conn.execute("INSERT INTO rows (n) VALUES (5)")
        conn.execute("COMMIT")   # leaves nothing for the group's own COMMIT to commit
    with pytest.raises(Exception):
        writer.run(breaks_the_transaction)
    assert forgotten == [1]
    assert writer.run(insert_row(6)) == 6
    assert 6 in rows(database)


def test_concurrent_issues_and_calls_never_share_a_number_or_a_ticket(data_dir, clock) -> None:
    from hall import commands as c
    service = HallService(data_dir.database, data_dir.hall_id, clock=clock)
    with ThreadPoolExecutor(12) as pool:
        issued = list(pool.map(lambda _: service.issue("A01").ticket, range(60)))
    assert sorted(t.number for t in issued) == [f"A{n:03d}" for n in range(1, 61)]
    clerks = [add_user(data_dir.database, data_dir.hall_id, f"c{n}", "clerk", "password-1")
              for n in (2, 3)]
    for window, clerk in zip((2, 3), clerks):
        service.execute(c.SignIn(window=window, clerk=clerk, actor="test"))

    def call_and_finish(window: int) -> list[int]:
        got = []
        while (ticket := service.call_next(window)) is not None:
            got.append(ticket.id)
            service.execute(c.StartService(ticket_id=ticket.id, actor="test"))
            service.execute(c.FinishService(ticket_id=ticket.id, actor="test"))
        return got

    with ThreadPoolExecutor(2) as pool:
        called = [t for got in pool.map(call_and_finish, (2, 3)) for t in got]
    assert sorted(called) == sorted(t.id for t in issued)
