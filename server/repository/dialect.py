"""What differs between SQLite and PostgreSQL for the repository's SQL, and nothing else.

The SQL beside this module is written once, with `?` placeholders, ISO 8601 text for times and
JSON text for details, and ids taken with `RETURNING`: all of that runs on both. What does not
is asked of the connection's dialect (`conn.dialect`): how a write transaction begins, where
a new ticket's id comes from, how a JSON field is read, which errors mean "try again", and
which folder holds the migrations. The PostgreSQL connection turns `?` into `%s` on its way
to psycopg (`Postgresql.sql`).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from datetime import date, datetime

import psycopg
import psycopg.errors


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


#: a row the database refused as breaking a constraint (or an append-only trigger), on either
IntegrityError = (sqlite3.IntegrityError, psycopg.IntegrityError)


class Sqlite:
    name = "sqlite"
    migrations = "server.migrations"
    #: takes the file's write lock at once: the writers of every process queue here
    begin_write = "BEGIN IMMEDIATE"
    begin_read = "BEGIN"

    def next_id(self, conn, table: str) -> int:
        # safe because BEGIN IMMEDIATE serialises every writer of the file, in any process
        return int(conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])

    def json_int(self, column: str, key: str) -> str:
        return f"CAST(json_extract({column}, '$.{key}') AS INTEGER)"

    def retryable(self, exc: BaseException) -> bool:
        return False   # a busy file waits in the busy handler instead

    def sql(self, text: str) -> str:
        return text


class Postgresql:
    name = "postgresql"
    migrations = "server.migrations.postgresql"
    #: row locks, not a file lock: a hall's writers queue on its counter row (halls.lock_hall)
    begin_write = "BEGIN ISOLATION LEVEL READ COMMITTED"
    #: one snapshot for several reads, as SQLite's deferred BEGIN gives
    begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ"

    def next_id(self, conn, table: str) -> int:
        # the identity column's own sequence: never the same id twice, whichever process asks
        return int(conn.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))").fetchone()[0])

    def json_int(self, column: str, key: str) -> str:
        return f"CAST(({column})::jsonb ->> '{key}' AS INTEGER)"

    def retryable(self, exc: BaseException) -> bool:
        """Two processes' transactions waited on each other (or a snapshot went stale): PostgreSQL
        rolled one back, and running it again is all it takes."""
        return isinstance(exc, (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure))

    @staticmethod
    @functools.lru_cache(maxsize=2048)
    def sql(text: str) -> str:
        """`?` placeholders as psycopg's `%s`, and a literal `%` doubled; quoted text kept."""
        return _TOKENS.sub(_psycopg_token, text)


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|\?|%")


def _psycopg_token(match: re.Match) -> str:
    token = match.group(0)
    if token == "?":
        return "%s"
    return token.replace("%", "%%")


SQLITE = Sqlite()
POSTGRESQL = Postgresql()
