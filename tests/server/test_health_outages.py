"""GET /api/v1/health of a real server process while what it depends on is really gone: Redis
killed, PostgreSQL stopped. A load balancer reads the status (503 takes the process out of the
pool, 200 puts it back), the operator reads which part failed; both follow the outage as it
starts and as it ends, and the process serves again without a restart.

Each test starts its own Redis or PostgreSQL: stopping the test process's shared one would
break the other tests using it."""

from __future__ import annotations

import time

import pytest
import requests

from bench.postgres_cluster import PostgresMissing, ThrowawayPostgres
from bench.redis_server import RedisMissing, ThrowawayRedis
from common.launcher import hall_server
from server import db
from tests.conftest import small_hall_document, to_toml

#: what the health check is given to notice a change (the database's own wait is 3 s)
NOTICE_SECONDS = 45


def health(url: str) -> tuple[int, dict]:
    reply = requests.get(f"{url}/api/v1/health", timeout=30)
    assert reply.headers["Content-Type"].startswith("application/json"), reply.text[:200]
    return reply.status_code, reply.json()


def health_becomes(url: str, status: int, within: float = NOTICE_SECONDS) -> tuple[int, dict]:
    """The health reply once its status is `status` (or the last one, when it never was)."""
    deadline = time.monotonic() + within
    seen = health(url)
    while seen[0] != status and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = health(url)
    return seen


def issue(url: str, kiosk: str) -> requests.Response:
    return requests.post(f"{url}/api/v1/tickets", json={"service": "A01"}, timeout=30,
                         headers={"Authorization": f"Bearer {kiosk}"})


def kiosk_token(data, config, database: str | None) -> str:
    from server import accounts
    from server.datadir import open_data_dir
    opened = open_data_dir(data, config, database=database)
    try:
        return accounts.add_device(opened.database, opened.hall_id, "kiosk-1", "kiosk").token
    finally:
        opened.close()


@pytest.fixture
def hall_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(small_hall_document()), encoding="utf-8")
    return path


@pytest.fixture
def own_redis():
    try:
        redis = ThrowawayRedis().start()
    except RedisMissing as missing:
        pytest.fail(str(missing))
    yield redis
    redis.stop()


@pytest.fixture
def own_postgres():
    try:
        # durable, as a city's database is: an acknowledged commit survives PostgreSQL stopping
        # at once (the suite's shared cluster runs without synchronous commits, for speed)
        cluster = ThrowawayPostgres(durable=True).start()
    except PostgresMissing as missing:
        pytest.fail(str(missing))
    yield cluster
    cluster.stop()


def test_redis_killed_then_back_fails_then_passes_the_check(tmp_path, hall_config, own_redis) -> None:
    data = tmp_path / "var"
    kiosk = kiosk_token(data, hall_config, None)
    server = hall_server(data, hall_config, log_path=tmp_path / "server.log", message_queue=own_redis.url())
    with server:
        status, report = health_becomes(server.url, 200)
        assert status == 200 and report["message_queue"]["ok"] and report["message_queue"]["configured"], report

        own_redis.kill()
        status, report = health(server.url)
        assert status == 503, "a load balancer takes the process out of its pool"
        assert report["ok"] is False and report["failed"] == ["message_queue"], report
        assert report["message_queue"]["ok"] is False and report["database"]["ok"] is True
        assert str(own_redis.port) not in str(report), "no address of the queue is shown"
        assert issue(server.url, kiosk).status_code == 201, "the hall still issues: its database is well"

        own_redis.launch()
        status, report = health_becomes(server.url, 200)
        assert status == 200 and report["failed"] == [] and report["message_queue"]["ok"], report
        assert issue(server.url, kiosk).status_code == 201


@pytest.mark.postgresql_only
def test_postgresql_stopped_then_back_fails_then_passes_the_check(tmp_path, hall_config, own_postgres) -> None:
    url = own_postgres.create_database("hall")
    data = tmp_path / "var"
    kiosk = kiosk_token(data, hall_config, url)
    server = hall_server(data, hall_config, log_path=tmp_path / "server.log")
    server.extra_env = {"JIAOHAO_DATABASE": url}
    with server:
        status, report = health_becomes(server.url, 200)
        assert status == 200 and report["database"] == report["database"] | {"ok": True, "backend": "postgresql"}
        assert issue(server.url, kiosk).status_code == 201

        stopped = time.monotonic()
        own_postgres.kill()
        status, report = health(server.url)
        assert status == 503, "a load balancer takes the process out of its pool"
        assert "database" in report["failed"] and report["database"]["ok"] is False, report
        assert "live_processes" not in report["database"]
        assert str(own_postgres.port) not in str(report) and "postgres@" not in str(report)
        refused = issue(server.url, kiosk)
        assert refused.status_code == 503 and refused.json()["error"], "a JSON refusal, never a 500"

        own_postgres.launch()
        # the pool tries to reconnect after 1, 2, 4 … s (psycopg_pool's backoff, from the
        # outage's first failure): its next try comes at most about as long after PostgreSQL is
        # back as PostgreSQL was away
        outage = time.monotonic() - stopped
        status, report = health_becomes(server.url, 200, within=NOTICE_SECONDS + 1.2 * outage)
        assert status == 200 and report["failed"] == [] and report["database"]["live_processes"] >= 1, report
        assert issue(server.url, kiosk).status_code == 201, "the same process serves again, no restart"
    database = db.PostgresDatabase(url)
    try:
        with database.checked_out() as conn:
            assert conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 2, "nothing lost, nothing doubled"
    finally:
        database.close()
