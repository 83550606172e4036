"""The dialect seam: the repository's SQL, written once, as each database takes it."""

from __future__ import annotations

import pytest

from server.repository.dialect import POSTGRESQL, SQLITE

pytestmark = pytest.mark.sqlite_only   # no database opened: nothing to run twice


def test_placeholders_become_psycopgs_and_quoted_text_stays() -> None:
    sql = "SELECT * FROM t WHERE a = ? AND b LIKE 'x?%' AND \"odd?\" = ? AND c % 2 = 0"
    assert POSTGRESQL.sql(sql) == "SELECT * FROM t WHERE a = %s AND b LIKE 'x?%%' AND \"odd?\" = %s AND c %% 2 = 0"
    assert SQLITE.sql(sql) == sql


def test_a_json_field_is_read_the_way_each_database_reads_it() -> None:
    assert SQLITE.json_int("e.details", "rating") == "CAST(json_extract(e.details, '$.rating') AS INTEGER)"
    assert POSTGRESQL.json_int("e.details", "rating") == "CAST((e.details)::jsonb ->> 'rating' AS INTEGER)"


def test_only_postgresqls_deadlocks_are_run_again() -> None:
    import sqlite3

    import psycopg.errors
    assert POSTGRESQL.retryable(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert POSTGRESQL.retryable(psycopg.errors.SerializationFailure("could not serialize"))
    assert not POSTGRESQL.retryable(psycopg.errors.UniqueViolation("duplicate key"))
    assert not SQLITE.retryable(sqlite3.OperationalError("database is locked"))
