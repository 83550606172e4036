"""The group-commit writer on PostgreSQL, where other processes' transactions hold row locks
too: halls are locked in one fixed order, and a group PostgreSQL rolls back as a deadlock
runs again."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone

import psycopg
import pytest

from server import db, repository as repo
from tests.conftest import small_hall

pytestmark = pytest.mark.postgresql_only

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def two_halls(backend, postgres_url):
    database = db.PostgresDatabase(postgres_url)
    with database.checked_out() as conn, db.write(conn):
        halls = [repo.insert_hall(conn, replace(small_hall().hall, code=f"hall-{n}"), NOW) for n in (1, 2)]
    yield database, halls
    database.close()


def waiting_on_a_lock(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()").fetchone()[0]


def wait_for_a_waiter(watcher: psycopg.Connection) -> None:
    deadline = time.monotonic() + 30
    while not waiting_on_a_lock(watcher) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_writer_takes_its_halls_in_the_order_of_their_ids(two_halls, postgres_url) -> None:
    """Named (second, first), the writer waits for `first` before it holds `second`: another
    process can still take `second`, so no two writers ever hold each other's next hall."""
    database, (first, second) = two_halls
    writer = db.GroupCommit(database, halls=(second, first))
    # the pool is left last: the connections close first, so a writer still waiting gets free
    with ThreadPoolExecutor(1) as pool, psycopg.connect(postgres_url, autocommit=True) as holder, \
            psycopg.connect(postgres_url, autocommit=True) as other, \
            psycopg.connect(postgres_url, autocommit=True) as watcher:
        holder.execute("BEGIN")
        holder.execute("UPDATE hall_counters SET last_seq = last_seq WHERE hall_id = %s", (first,))
        done = pool.submit(writer.run, lambda conn: "committed")
        wait_for_a_waiter(watcher)
        other.execute("SET lock_timeout = '5s'")
        other.execute("BEGIN")
        other.execute("UPDATE hall_counters SET last_seq = last_seq WHERE hall_id = %s", (second,))
        other.execute("COMMIT")
        holder.execute("COMMIT")
        assert done.result(timeout=30) == "committed"


def test_a_group_rolled_back_as_a_deadlock_runs_again(two_halls, postgres_url) -> None:
    database, (first, second) = two_halls
    writer = db.GroupCommit(database, halls=(first,))
    attempts: list[int] = []

    def work(conn) -> str:
        attempts.append(1)
        repo.lock_hall(conn, second)   # held by the other transaction below: waits
        return "committed"

    with ThreadPoolExecutor(1) as pool, psycopg.connect(postgres_url, autocommit=True) as other, \
            psycopg.connect(postgres_url, autocommit=True) as watcher:
        # PostgreSQL picks the victim in whichever waiter looks first: let it be the writer
        other.execute("SET deadlock_timeout = '20s'")
        other.execute("BEGIN")
        other.execute("UPDATE hall_counters SET last_seq = last_seq WHERE hall_id = %s", (second,))
        done = pool.submit(writer.run, work)
        wait_for_a_waiter(watcher)
        # the ring: the writer holds `first` and waits for `second`; this takes `first` too.
        # PostgreSQL rolls back the writer; the writer runs its group again
        other.execute("UPDATE hall_counters SET last_seq = last_seq WHERE hall_id = %s", (first,))
        other.execute("COMMIT")
        assert done.result(timeout=30) == "committed"
    # under load the other transaction may be slow to take its row, and the ring form again
    assert len(attempts) >= 2, "rolled back as a deadlock, then run again until committed"
