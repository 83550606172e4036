"""The database connection's lifecycle: opening (SQLite or PostgreSQL, by URL), write
transactions, the group-commit writer, migrations.

Every connection runs in WAL mode (readers never block the writer) with foreign keys on
and a busy timeout, and with synchronous=FULL: a ticket a citizen holds must survive a
power cut, and FULL still commits thousands of tickets a second. Writes that hand out
numbers or tickets run inside BEGIN IMMEDIATE, which takes the write lock up front so
two clerks can never read the same "next" ticket.

`GroupCommit` is the hall's one writer: the commands that arrive while a transaction is
committing wait and go into the next one together, each in its own savepoint, so several
commands share one COMMIT (one fsync) and a refused command leaves no trace in the others.
Numbered SQL files in `migrations/` (SQLite) and `migrations/postgresql/` are applied in the
same transaction as the row that records them.

PostgreSQL (`--database postgresql://…`, for a city whose server processes share one database)
keeps the same promises with row locks instead of a file lock: a write transaction that changes
a hall takes the hall's counter row first (`write(conn, halls=…)`), at READ COMMITTED, so the
hall's writers in every process go one at a time and each sees the previous one's commit.
Several halls are always taken in the order of their ids, and a transaction PostgreSQL rolled
back as a deadlock is run again.
"""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import threading
import time
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .repository.dialect import POSTGRESQL, SQLITE, IntegrityError  # noqa: F401 (IntegrityError: for callers)
from .repository.halls import lock_hall

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000   # a write waits its turn rather than fail, even on a loaded machine
DB_FILENAME = "jiaohao.sqlite3"


class HallConnection(sqlite3.Connection):
    """A connection that knows the in-process write lock of its database file."""

    write_lock: threading.Lock | None = None
    dialect = SQLITE


#: How a call that may wait on the disk (a COMMIT's fsync, a BEGIN IMMEDIATE waiting for
#: another process's write) is made. Directly on a thread; under gevent, on a native thread
#: of gevent's pool (serving.async_mode), so the event loop serves every other connection
#: while this one waits. This is the seam another database's driver would use too.
_waits_on_disk: Callable[..., Any] = lambda call, *args: call(*args)


def wait_on_disk_with(runner: Callable[..., Any]) -> None:
    global _waits_on_disk
    _waits_on_disk = runner


def wait_on_disk(call: Callable[..., Any], *args: Any) -> Any:
    return _waits_on_disk(call, *args)


def _directly(call: Callable[..., Any], *args: Any) -> Any:
    return call(*args)


#: One lock per database file in this process. Writers in one process queue on it and hand
#: over at once, instead of backing off in SQLite's sleeping busy handler; BEGIN IMMEDIATE
#: still serialises writers of other processes.
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock_for(path: str | Path) -> threading.Lock:
    key = str(Path(path).resolve())
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


def connect(path: str | Path) -> HallConnection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000, factory=HallConnection)
    conn.write_lock = _write_lock_for(path)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    # what is deleted or rewritten (a purged mobile number, a clear-text column dropped) is
    # overwritten with zeros in the file, not left in a free page for anyone to read
    conn.execute("PRAGMA secure_delete = ON")
    return conn


@contextmanager
def write(conn: sqlite3.Connection, halls: Iterable[int] = ()) -> Iterator[sqlite3.Connection]:
    """One write transaction, taking the write lock at once; rolled back on any error. `halls`:
    the halls it changes, whose counter rows it takes first, in a fixed order (their ids)."""
    lock = getattr(conn, "write_lock", None)
    # SQLite's waits leave the event loop; a PostgreSQL connection waits as its driver does
    disk = wait_on_disk if conn.dialect is SQLITE else _directly
    if lock is not None:
        lock.acquire()
    try:
        disk(conn.execute, conn.dialect.begin_write)
        try:
            take_halls(conn, halls)
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            disk(conn.execute, "COMMIT")
        except Exception:
            # a full disk fails the commit itself: roll back, so the connection is usable
            # again when space returns instead of stuck inside this transaction
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        if lock is not None:
            lock.release()


def take_halls(conn, halls: Iterable[int]) -> None:
    """Inside a write transaction, first: the halls' counter rows, always in the order of their
    ids, so two processes' transactions over several halls never wait on each other in a ring."""
    for hall_id in sorted(set(halls)):
        lock_hall(conn, hall_id)


@contextmanager
def savepoint(conn, name: str = "attempt") -> Iterator[None]:
    """A part of a write transaction that can fail alone: on PostgreSQL a refused statement
    spoils the whole transaction unless it ran inside a savepoint rolled back to."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


@contextmanager
def read(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A consistent snapshot for several reads."""
    conn.execute(conn.dialect.begin_read)
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


# --- group commit ---------------------------------------------------------------------------

class _Unit:
    """One caller's share of a group: its work, what came of it, and when it is decided."""

    __slots__ = ("work", "then", "result", "error", "decided")

    def __init__(self, work: Callable[[sqlite3.Connection], Any], then: Callable[[Any], None] | None):
        self.work, self.then = work, then
        self.result: Any = None
        self.error: BaseException | None = None
        self.decided = threading.Event()


class GroupCommit:
    """Writes of many threads, committed together: every unit queued while one transaction
    commits goes into the next, so a burst of tickets and calls costs one fsync per group
    instead of one per request.

    Each unit runs in its own savepoint, so a refused or failed unit leaves no trace and the
    others still commit. A caller returns only after its group committed (or failed as a
    whole), and the units' `then` run after that commit in queue order, so what follows a
    commit (publishing) keeps commit order. One writer thread at a time does the work; it
    ends after IDLE_SECONDS without any, and the next unit starts another.
    """

    MAX_UNITS = 200      # a bound on the work lost to one failed commit, and on one group's wait
    IDLE_SECONDS = 2.0   # how long the writer waits for more work before it ends
    RETRIES = 5          # a group PostgreSQL rolled back as a deadlock runs again, this often

    def __init__(self, database: "Database", on_failed_commit: Callable[[], None] = lambda: None,
                 halls: Iterable[int] = ()):
        self.database = database
        self.on_failed_commit = on_failed_commit
        self.halls = tuple(halls)   # every group takes these halls' counter rows first
        self._queued: deque[_Unit] = deque()
        self._more = threading.Condition()
        self._writing = False

    def run(self, work: Callable[[sqlite3.Connection], Any], then: Callable[[Any], None] | None = None) -> Any:
        """`work(conn)` inside a committed transaction; returns its result or raises its error."""
        unit = _Unit(work, then)
        with self._more:
            self._queued.append(unit)
            start, self._writing = not self._writing, True
            self._more.notify()
        if start:
            threading.Thread(target=self._write, name="jiaohao-writer", daemon=True).start()
        unit.decided.wait()
        if unit.error is not None:
            raise unit.error
        return unit.result

    def _write(self) -> None:
        group: list[_Unit] = []
        try:
            conn = self.database.connection()
            while True:
                with self._more:
                    # a busy hall keeps its writer; an idle one (or a test's) lets it go
                    if not self._more.wait_for(lambda: self._queued, self.IDLE_SECONDS):
                        self._writing = False
                        return
                    group = [self._queued.popleft() for _ in range(min(len(self._queued), self.MAX_UNITS))]
                committed = self._commit(conn, group)
                for unit in group:
                    if committed and unit.error is None and unit.then is not None:
                        _after_commit(unit)
                    unit.decided.set()
                group = []
        except BaseException as exc:   # the writer itself died: nobody may wait for it forever
            self._abandon(group, exc)
            raise
        finally:
            self.database.release()

    def _abandon(self, group: list[_Unit], exc: BaseException) -> None:
        with self._more:
            group, self._writing = group + list(self._queued), False
            self._queued.clear()
        for unit in group:
            if not unit.decided.is_set():
                unit.error = unit.error or exc
                unit.decided.set()

    def _commit(self, conn: sqlite3.Connection, group: list[_Unit]) -> bool:
        for attempt in range(self.RETRIES + 1):
            try:
                with write(conn):
                    take_halls(conn, self.halls)
                    for unit in group:
                        _in_savepoint(conn, unit)
                return True
            except Exception as exc:   # the commit itself failed: nothing of this group was kept
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self.on_failed_commit()
                if conn.dialect.retryable(exc) and attempt < self.RETRIES:
                    log.info("group of %d rolled back (%s): running it again", len(group), type(exc).__name__)
                    # a moment for the other transaction to take the row it waited for: straight
                    # back, this one could take it again first and meet the same ring
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
                    for unit in group:
                        unit.result = unit.error = None
                    continue
                for unit in group:
                    unit.error = unit.error or exc
                return False
        return False


def _after_commit(unit: _Unit) -> None:
    try:
        unit.then(unit.result)
    except Exception:   # committed is committed: the caller still gets its result
        log.exception("after a commit")


def _in_savepoint(conn: sqlite3.Connection, unit: _Unit) -> None:
    conn.execute("SAVEPOINT unit")
    try:
        unit.result = unit.work(conn)
    except BaseException as exc:   # the caller gets it; the group goes on without this unit
        if conn.dialect.retryable(exc):
            raise   # the whole transaction is lost, not just this unit: the group runs again
        conn.execute("ROLLBACK TO unit")
        unit.error = exc
    conn.execute("RELEASE unit")


class Database:
    """A database file and its connections, pooled so that a server starting a thread per
    request reuses a few connections instead of opening one per request.

    A thread checks a connection out with `connection()` (the same one on every call until it
    gives it back) and returns it with `release()`. Who releases is written down, never left
    to the garbage collector: a request or a live message at its teardown (app.py), the group
    writer and the publisher when their threads end, the clockwork after each tick, a command
    or a test at `close()`, which closes every connection this database opened.
    """

    POOL_SIZE = 16
    #: SQLite connections kept open for the next request: a peak's 8 kiosks and 30 clerks
    #: hold about 40 at once on the gevent loop, and with fewer kept every burst closed and
    #: opened connections again (a connection's pragmas and schema cost a millisecond or two
    #: of the loop each). An idle one keeps its page cache (at most 2 MB) open.
    IDLE_KEPT = 48
    dialect = SQLITE
    #: whether several server processes may use this database at once (what they must share,
    #: such as rate limits, is then kept in it rather than in each process's memory)
    shared = False

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._held: dict[int, sqlite3.Connection] = {}   # thread ident → its connection
        self._idle: list[sqlite3.Connection] = []
        self._opened: set[sqlite3.Connection] = set()    # everything close() must close
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether `close()` was called: background work for this database should end."""
        return self._closed

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, checked out on first use."""
        conn = self._held.get(threading.get_ident())
        return conn if conn is not None else self._check_out()

    def holds_connection(self) -> bool:
        """Whether this thread has a connection checked out."""
        return threading.get_ident() in self._held

    def _check_out(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise sqlite3.ProgrammingError(f"{self.path.name}: the database was closed")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = connect(self.path)
            with self._lock:
                self._opened.add(conn)
        self._held[threading.get_ident()] = conn
        return conn

    def release(self) -> None:
        """Give this thread's connection back: to the pool, or closed when the pool is full
        (or the database closed, or the connection left inside a transaction)."""
        conn = self._held.pop(threading.get_ident(), None)
        if conn is None:
            return
        with self._lock:
            if not self._closed and len(self._idle) < self.IDLE_KEPT and not conn.in_transaction:
                self._idle.append(conn)
                return
            self._opened.discard(conn)
        conn.close()

    @contextmanager
    def checked_out(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection for the block; given back after it unless the thread
        already held it before (a tick run inside a test keeps the test's connection)."""
        held = self.holds_connection()
        try:
            yield self.connection()
        finally:
            if not held:
                self.release()

    def ping(self, timeout: float) -> None:
        """One round trip now (the health check); raises what the database answered."""
        self.connection().execute("SELECT 1").fetchone()

    def clockwork_lock(self, hall_id: int) -> "AlwaysHeld | HallLock":
        """Who may do the hall's timed work: a SQLite file has one server process."""
        return AlwaysHeld()

    def close(self) -> None:
        """Close every connection this database opened, whichever thread holds it."""
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, set()
            self._idle.clear()
            self._held.clear()
        for conn in opened:
            conn.close()


class PostgresConnection:
    """A psycopg connection that takes the repository's SQL as written (`?` placeholders),
    answers rows that read like sqlite3's (by position or by name), and runs in autocommit,
    so transactions begin where `write` and `read` say, as they do on SQLite."""

    dialect = POSTGRESQL
    write_lock = None   # PostgreSQL's row locks serialise a hall's writers, in every process

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params: tuple | list | None = None):
        if params is None:
            return self.raw.execute(sql)
        return self.raw.execute(POSTGRESQL.sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[tuple]):
        cursor = self.raw.cursor()
        cursor.executemany(POSTGRESQL.sql(sql), list(rows))
        return cursor

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


class Row(tuple):
    """A PostgreSQL row read like sqlite3.Row: `row[0]`, `row["name"]`, `dict(row)`."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@functools.lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"__slots__": (), "_index": {name: i for i, name in enumerate(names)}})


def _rows(cursor):
    """psycopg's row factory: rows named after the cursor's columns."""
    if cursor.description is None:
        return tuple
    return _row_class(tuple(column.name for column in cursor.description))


class PostgresDatabase(Database):
    """A PostgreSQL database shared by the city's server processes, through a psycopg pool.

    A thread (or, under gevent, a greenlet: psycopg connections must not be shared between
    greenlets) checks out its own connection as with SQLite and gives it back to the pool.
    `?pool_max=N` in the URL bounds the connections this process opens (default POOL_SIZE).
    """

    dialect = POSTGRESQL
    shared = True
    #: a request waits this long for a free connection before it fails with 503 busy (Retry-After):
    #: while PostgreSQL is away the pool has none to give, and a kiosk, or nginx's proxy timeout,
    #: should hear so within seconds rather than wait half a minute
    CHECKOUT_SECONDS = 10.0

    def __init__(self, url: str):
        from psycopg_pool import ConnectionPool
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        pool_max = int(query.pop("pool_max", self.POOL_SIZE))
        self.url = url
        self.path = Path(parts.path.lstrip("/") or "postgresql")   # a name for messages only
        self._conninfo = urlunsplit(parts._replace(query=urlencode(query)))
        self._held: dict[int, Any] = {}
        self._out: set[Any] = set()      # raw connections checked out, closed by close()
        self._locks: AdvisoryLocks | None = None   # the clockwork locks' connection, closed by close()
        self._lock = threading.Lock()
        self._closed = False
        # no check on each checkout (a round trip per request): a connection PostgreSQL dropped
        # fails its request once (503, try again) and the pool replaces it when it comes back
        self.pool = ConnectionPool(self._conninfo, min_size=1, max_size=pool_max, open=True,
                                   kwargs={"autocommit": True, "row_factory": _rows}, name="jiaohao")

    def _check_out(self):
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.url}: the database was closed")
        raw = self.pool.getconn(timeout=self.CHECKOUT_SECONDS)
        conn = PostgresConnection(raw)
        with self._lock:
            self._out.add(raw)
        self._held[threading.get_ident()] = conn
        return conn

    def release(self) -> None:
        conn = self._held.pop(threading.get_ident(), None)
        if conn is None:
            return
        with self._lock:
            self._out.discard(conn.raw)
            closed = self._closed
        if closed:
            conn.raw.close()
        else:
            self.pool.putconn(conn.raw)   # rolled back there if left inside a transaction

    def ping(self, timeout: float) -> None:
        """One round trip on a connection of the pool, waiting at most `timeout` for one; a
        connection PostgreSQL dropped (a restart) fails once and is replaced, so ask twice."""
        import psycopg
        for attempt in (1, 2):
            try:
                with self.pool.connection(timeout=timeout) as raw:
                    raw.execute("SELECT 1").fetchone()
                return
            except psycopg.OperationalError:
                if attempt == 2:
                    raise

    def clockwork_lock(self, hall_id: int) -> "HallLock":
        """The hall's clockwork lock, on the process's one lock connection; `close()` lets every
        one go."""
        with self._lock:
            if self._locks is None:
                self._locks = AdvisoryLocks(self._conninfo)
            return HallLock(self._locks, hall_id)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            out, self._out = self._out, set()
            locks, self._locks = self._locks, None
            self._held.clear()
        for raw in out:
            raw.close()
        if locks is not None:
            locks.close()
        self.pool.close()


# --- one process does a hall's timed work -----------------------------------------------------

#: the first key of the clockwork's advisory locks (the second is the hall's id)
CLOCKWORK_LOCK = 0x6A68636B   # "jhck"


class AlwaysHeld:
    """One server process per database: it does the timed work."""

    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass


class AdvisoryLocks:
    """PostgreSQL session advisory locks on (CLOCKWORK_LOCK, hall), held on one connection of
    their own for as long as this process lives: the process holding a hall's lock does that
    hall's timed work, the others wait. A process that dies (kill -9, a machine lost) loses its
    connection and its locks with it, and another process takes them at its next tick; no
    clocks compared, no lease to outlive. One connection serves every hall of the process. A
    session lock needs a direct connection (not pgbouncer's transaction pooling:
    docs/deployment.md)."""

    CONNECT_SECONDS = 5

    def __init__(self, conninfo: str):
        self.conninfo = conninfo
        self._conn = None
        self._held: set[int] = set()
        self._lock = threading.Lock()   # the clockworks of several halls ask from their own threads

    def held(self, hall_id: int) -> bool:
        """Whether this process holds the hall's lock now: taken when free, and the connection
        that holds it checked to be alive (a PostgreSQL restart ends every session, and the locks)."""
        import psycopg
        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.conninfo, autocommit=True,
                                                 connect_timeout=self.CONNECT_SECONDS)
                    self._held = set()
                if hall_id in self._held:
                    self._conn.execute("SELECT 1").fetchone()
                elif self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                                        (CLOCKWORK_LOCK, hall_id)).fetchone()[0]:
                    self._held.add(hall_id)
            except psycopg.OperationalError as exc:
                log.warning("the clockwork's lock connection failed (%s): trying again at the next tick", exc)
                self._drop()
            return hall_id in self._held

    def release(self, hall_id: int) -> None:
        """Let the hall's lock go at once, for another process to take at its next tick."""
        import psycopg
        with self._lock:
            if hall_id not in self._held:
                return
            self._held.discard(hall_id)
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", (CLOCKWORK_LOCK, hall_id))
            except psycopg.Error:
                self._drop()   # the session is gone already, and its locks with it

    def close(self) -> None:
        """Every lock let go at once (the end of the session frees them too, but only once the
        server has seen the connection close), then the session closed."""
        import psycopg
        with self._lock:
            if self._conn is not None and self._held:
                try:
                    self._conn.execute("SELECT pg_advisory_unlock_all()")
                except psycopg.Error:
                    pass   # the session is gone already, and its locks with it
            self._drop()

    def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, set()
        if conn is not None:
            conn.close()


class HallLock:
    """One hall's clockwork lock among the process's `AdvisoryLocks`."""

    def __init__(self, locks: AdvisoryLocks, hall_id: int):
        self.locks, self.hall_id = locks, hall_id

    def held(self) -> bool:
        return self.locks.held(self.hall_id)

    def release(self) -> None:
        self.locks.release(self.hall_id)


def open_database(url: str | None, data_path: str | Path) -> Database:
    """The database a URL names: `sqlite:///PATH`, `postgresql://user@host:port/db`, or (None)
    the SQLite file in the data directory."""
    if not url:
        return Database(Path(data_path) / DB_FILENAME)
    if url.startswith("sqlite:///"):
        return Database(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    raise ValueError(f"数据库地址无效 / unknown database URL {url!r}: use sqlite:///PATH or "
                     "postgresql://user@host:port/database")


# --- migrations ---------------------------------------------------------------------------

def _migrations(package: str = "server.migrations") -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files(package).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    numbers = [number for number, _, _ in found]
    if len(set(numbers)) != len(numbers):
        # two migrations written side by side took the same number: one of them would be taken
        # for applied and skipped, so renumber the later one
        taken = sorted(name for number, name, _ in found if numbers.count(number) > 1)
        raise RuntimeError(f"migrations share a number: {', '.join(taken)}")
    return sorted(found)


def _statements(script: str) -> Iterator[str]:
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        raise ValueError("migration ends with an incomplete statement")


#: the first line of a migration that rebuilds a table (SQLite's way to change a constraint)
REBUILDS_TABLES = "-- jiaohao: rebuilds tables"
#: a line of a migration where its Python step runs (work SQL cannot do, such as sealing
#: personal data with a key that is not in the database), in the same transaction
STEP = "-- jiaohao: step"

Step = Callable[[sqlite3.Connection], None]


def _run_script(conn: sqlite3.Connection, script: str, step: Step | None) -> None:
    before, marker, after = script.partition(STEP)
    for statement in _statements(before):
        conn.execute(statement)
    if marker:
        if step is not None:
            step(conn)
        for statement in _statements(after):
            conn.execute(statement)


def migrate(conn: sqlite3.Connection, steps: dict[int, Step] | None = None) -> list[int]:
    """Apply the numbered migrations not yet recorded; each in one transaction with its record.
    `steps` gives the Python step of a migration that has one; without it the migration's own
    SQL decides (it refuses where the step had work to do)."""
    steps = steps or {}
    if conn.dialect is POSTGRESQL:
        return _migrate_postgresql(conn, steps)
    conn.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)""")
    applied = []
    for version, name, script in _migrations():
        rebuilds = script.startswith(REBUILDS_TABLES)
        if rebuilds:   # a table rebuilt by copy would trip the keys pointing at it mid-way
            conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with write(conn):
                done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,))
                if done.fetchone():
                    continue  # another process got here first
                _run_script(conn, script, steps.get(version))
                if rebuilds and conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise sqlite3.IntegrityError(f"{name} leaves rows pointing at nothing")
                conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                             (version, name, datetime.now(timezone.utc).isoformat()))
        finally:
            if rebuilds:
                conn.execute("PRAGMA foreign_keys = ON")
        applied.append(version)
    return applied


def truncate_log(conn: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the database file and empty it: after personal data was
    rewritten or purged, its old page images must not linger in the -wal file. (PostgreSQL
    recycles its own WAL segments; nothing to do there.)"""
    if conn.dialect is SQLITE:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


#: the advisory lock that lets one process at a time migrate a PostgreSQL database
MIGRATION_LOCK = 0x6A69616F   # "jiao"


def _migrate_postgresql(conn, steps: dict[int, Step]) -> list[int]:
    """Each migration script whole, in one transaction with its record; processes starting at
    the same time take turns on an advisory lock, and the later ones find the work done."""
    applied = []
    with write(conn):
        conn.execute("SELECT pg_advisory_xact_lock(%s)" % MIGRATION_LOCK)
        conn.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)""")
    for version, name, script in _migrations(POSTGRESQL.migrations):
        with write(conn):
            conn.execute("SELECT pg_advisory_xact_lock(%s)" % MIGRATION_LOCK)
            if conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone():
                continue
            before, marker, after = script.partition(STEP)
            _run_whole(conn, before)
            if marker and version in steps:
                steps[version](conn)
            _run_whole(conn, after)
            conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         (version, name, datetime.now(timezone.utc).isoformat()))
        applied.append(version)
    return applied


def _run_whole(conn, script: str) -> None:
    """A PostgreSQL script in one go (function bodies hold semicolons of their own)."""
    if any(line.strip() and not line.strip().startswith("--") for line in script.splitlines()):
        conn.execute(script)
