"""Shared test helpers: a small hall, a fake clock, fresh data directories.

The suite runs in several processes at once (pytest-xdist, see `./run test`). A test keeps to
its own `tmp_path`, its own free 127.0.0.1 ports (port 0, or `common.launcher.free_port` just
before the server binds) and its own accounts, and never depends on another test having run.

A session fixture runs once in every worker process, which is the place for a service that
costs seconds to start (a database cluster, a message queue): start it in a session fixture
under `tmp_path_factory.mktemp(...)` (a directory of that worker's own) on a free port, yield
what tests need to reach it, stop it afterwards; give each test its own database or key prefix
inside it. The `worker_id` fixture ("gw0", "gw1", … or "master" without xdist) names what must
differ between workers. `seeded` and `browser` below follow this pattern.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hall.config import HallConfig, parse_config

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = REPO / "config.toml"

#: 2026-11-26 10:00 in Asia/Shanghai (a Thursday, a working day)
HALL_MORNING = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)

SMALL_HALL = {
    "hall": {"code": "test-hall", "name": "测试大厅", "name_en": "Test Hall",
             "timezone": "Asia/Shanghai", "issuing_hours": "00:00-24:00",
             "working_days": [1, 2, 3, 4, 5, 6, 7]},
    "policy": {"max_recalls": 3, "no_show_after_recalls": 2, "no_show_after_minutes": 5,
               "late_return_places": 2, "late_return_minutes": 60},
    "departments": [
        {"code": "SCJG", "name": "市场监管", "name_en": "Market Regulation", "prefix": "A"},
        {"code": "RSJ", "name": "人社", "name_en": "Human Resources", "prefix": "B"},
        {"code": "SWJ", "name": "税务", "name_en": "Taxation", "prefix": "C"},
    ],
    "services": [
        {"code": "A01", "department": "SCJG", "name": "企业设立登记", "name_en": "Business registration",
         "handling_minutes": 15},
        {"code": "A02", "department": "SCJG", "name": "食品经营许可", "name_en": "Food licence",
         "handling_minutes": 10},
        {"code": "B01", "department": "RSJ", "name": "社保卡补办", "name_en": "Social security card",
         "handling_minutes": 5, "daily_cap": 3},
        {"code": "C01", "department": "SWJ", "name": "发票申领", "name_en": "Invoices",
         "handling_minutes": 8},
    ],
    "windows": [
        {"number": 1, "name": "绿色通道", "name_en": "Green channel", "kind": "green",
         "departments": ["SCJG", "RSJ", "SWJ"]},
        {"number": 2, "name": "综合窗口", "name_en": "Comprehensive", "kind": "comprehensive",
         "departments": ["SCJG", "RSJ"], "priority": {"B01": 1}},
        {"number": 3, "name": "市场监管", "name_en": "Market Regulation", "kind": "dedicated",
         "departments": ["SCJG"]},
        {"number": 4, "name": "税务", "name_en": "Taxation", "kind": "dedicated", "services": ["C01"]},
    ],
}


def small_hall_document(**changes) -> dict:
    document = copy.deepcopy(SMALL_HALL)
    for section, values in changes.items():
        document[section] = values
    return document


def small_hall() -> HallConfig:
    return parse_config(small_hall_document())


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = HALL_MORNING):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def setup() -> HallConfig:
    return small_hall()


@pytest.fixture
def small_config_file(tmp_path: Path) -> Path:
    """The small hall written as a config.toml file."""
    path = tmp_path / "config.toml"
    path.write_text(to_toml(small_hall_document()), encoding="utf-8")
    return path


def to_toml(document: dict) -> str:
    """Just enough TOML writing for test documents."""
    lines: list[str] = []

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(v)

    for section, content in document.items():
        if isinstance(content, list):
            for item in content:
                lines.append(f"[[{section}]]")
                lines += [f"{k} = {value(v)}" for k, v in item.items()]
        else:
            lines.append(f"[{section}]")
            lines += [f"{k} = {value(v)}" for k, v in content.items()]
    return "\n".join(lines) + "\n"


@functools.cache
def quick_password_hash(password: str) -> str:
    """A test account's stored password: scrypt at a small cost. Signing in checks it with the
    same code as any other; only the work factor is smaller, so hundreds of test accounts and
    sign-ins do not spend minutes in scrypt (real accounts keep security.SCRYPT_N)."""
    from server.security import hash_password
    return hash_password(password, n=2**4)


def add_user(database, hall_id: int, username: str, role: str, password: str, *args, **kwargs) -> int:
    """accounts.add_user for a test's own accounts, stored with `quick_password_hash`."""
    from server import accounts
    return accounts.add_user(database, hall_id, username, role, password, *args,
                             password_hash=quick_password_hash(password), **kwargs)


# --- the two databases -------------------------------------------------------------------------
# The server keeps the same promises on SQLite (one hall, no service to run) and on PostgreSQL
# (the city's shared database). The tests that reach the storage through the server
# (tests/server, see its conftest) run once on each: `backend` is parametrised there. Each test
# process (each xdist worker) starts one throwaway PostgreSQL cluster the first time a test
# asks for it and stops it at the end; each test gets its own database, copied from a migrated
# template, so no test sees another's rows. Browser and Qt tests keep to SQLite: what they test
# does not depend on the database, and running them twice would double the suite's time.

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser) -> None:
    parser.addoption("--backends", default=",".join(BACKENDS),
                     help="the databases the server tests run on, comma-separated (default: both)")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself (pragmas, the file on disk)")
    config.addinivalue_line("markers", "postgresql_only: about several processes sharing PostgreSQL")
    chosen = [b.strip() for b in config.getoption("--backends").split(",") if b.strip()]
    unknown = set(chosen) - set(BACKENDS)
    if unknown or not chosen:
        raise pytest.UsageError(f"--backends takes {', '.join(BACKENDS)}, not {', '.join(sorted(unknown))}")


def chosen_backends(config, marker_names: set[str]) -> list[str]:
    chosen = [b.strip() for b in config.getoption("--backends").split(",") if b.strip()]
    if "sqlite_only" in marker_names:
        return ["sqlite"]
    if "postgresql_only" in marker_names:
        return [b for b in chosen if b == "postgresql"]
    return chosen


@pytest.fixture(scope="session")
def postgres_cluster():
    """This test process's throwaway PostgreSQL, with a migrated template database."""
    from bench.postgres_cluster import PostgresMissing, ThrowawayPostgres
    try:
        cluster = ThrowawayPostgres().start()
    except PostgresMissing as missing:
        raise pytest.UsageError(f"{missing} (or run the tests with --backends sqlite)") from None
    try:
        from server import db
        template = cluster.create_database("jiaohao_template")
        database = db.PostgresDatabase(template)
        try:
            with database.checked_out() as conn:
                db.migrate(conn)
        finally:
            database.close()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(request):
    """A fresh, migrated PostgreSQL database for this test; dropped after it."""
    cluster = request.getfixturevalue("postgres_cluster")
    name = f"t{os.getpid()}_{next(_DATABASE_NUMBERS)}"
    url = cluster.create_database(name, template="jiaohao_template")
    yield url
    cluster.drop_database(name)


_DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture
def fresh_database(request, backend, monkeypatch):
    """`fresh_database()` gives the rest of the test a new, empty database: for a test that
    starts over many times (hypothesis examples). Each SQLite data directory is new anyway."""
    made: list[str] = []

    def fresh() -> None:
        if backend == "postgresql":
            cluster = request.getfixturevalue("postgres_cluster")
            made.append(f"t{os.getpid()}_{next(_DATABASE_NUMBERS)}")
            monkeypatch.setenv("JIAOHAO_DATABASE", cluster.create_database(made[-1], template="jiaohao_template"))
    yield fresh
    if made:
        cluster = request.getfixturevalue("postgres_cluster")
        for name in made:
            cluster.drop_database(name)


@pytest.fixture
def backend(request, monkeypatch) -> str:
    """The database this test's servers use ("sqlite" unless parametrised): on PostgreSQL,
    every data directory the test opens (in this process or in a server it starts) uses the
    test's own database through $JIAOHAO_DATABASE."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        monkeypatch.setenv("JIAOHAO_DATABASE", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("JIAOHAO_DATABASE", raising=False)
    return name


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """`seeded(target, config)` lays down `target` as open_data_dir makes a new data directory
    from `config` (migrated, seeded, with its secret) and returns it. The directory is made once
    per session for each config and copied: migrating and seeding a new file commits several
    times, and the tests that each start a hall would spend most of their time on it."""
    from server.datadir import open_data_dir
    made: dict[bytes, Path] = {}

    def lay(target: Path, config: Path) -> Path:
        key = Path(config).read_bytes()
        if key not in made:
            template = tmp_path_factory.mktemp("hall-template") / "var"
            # always a SQLite file: on PostgreSQL the test's own database is seeded on opening
            open_data_dir(template, config, database=f"sqlite:///{template / 'jiaohao.sqlite3'}").close()
            made[key] = template
        shutil.copytree(made[key], target)
        return target
    return lay


# --- one Playwright and one Chromium per test process ---------------------------------------------
# Defined here only, not imported into other conftest files: a session fixture imported into two
# of them would be two fixtures, two Playwright instances in one process, which cannot run at
# once. Under pytest-xdist each worker process has its own pair.

@pytest.fixture(scope="session")
def playwright():
    from tests.browser import started_playwright
    yield from started_playwright()


@pytest.fixture(scope="session")
def browser(playwright):
    from tests.browser import launched
    yield from launched(playwright)
