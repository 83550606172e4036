"""GET /api/v1/health: the database, the message queue and the clockwork, each asked now; 200
when all are well, 503 naming what failed, and never an address or a secret."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from common.launcher import free_port
from server.app import create_app
from tests.conftest import FakeClock


def make(tmp_path, config, seeded, **options):
    return create_app(seeded(tmp_path / "var", config), config, clock=FakeClock(), **options)


def test_a_hall_without_a_queue_is_healthy_and_says_what_it_checked(tmp_path, small_config_file, seeded,
                                                                   backend) -> None:
    app = make(tmp_path, small_config_file, seeded, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    try:
        reply = app.test_client().get("/api/v1/health")
        report = reply.get_json()
        assert reply.status_code == 200 and report["ok"] and report["failed"] == []
        assert report["database"] == report["database"] | {"ok": True, "backend": backend}
        assert report["message_queue"] == {"ok": True, "configured": False}
        assert report["clockwork"] == {"ok": True, "running": False}, "a clockwork ticked by hand is no fault"
    finally:
        hall.data.close()


def test_an_unreachable_queue_fails_the_check_without_showing_its_address(tmp_path, small_config_file,
                                                                          seeded) -> None:
    app = make(tmp_path, small_config_file, seeded, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    port = free_port()   # nothing listens there
    hall.message_queue = f"redis://jiaohao:s3cret-pass@127.0.0.1:{port}/0"
    try:
        reply = app.test_client().get("/api/v1/health")
        report = reply.get_json()
        assert reply.status_code == 503 and report["failed"] == ["message_queue"]
        assert report["message_queue"]["ok"] is False and report["message_queue"]["configured"] is True
        assert "s3cret" not in reply.text and str(port) not in reply.text and "127.0.0.1" not in reply.text
    finally:
        hall.data.close()


def test_a_clockwork_that_stopped_ticking_fails_the_check(tmp_path, small_config_file, seeded) -> None:
    # ticks at once, then not again for ten minutes: long enough to look stuck once told so
    app = make(tmp_path, small_config_file, seeded, start_clockwork=True, tick_seconds=600)
    hall = app.extensions["jiaohao"]
    try:
        client = app.test_client()
        deadline = datetime.now(timezone.utc) + timedelta(seconds=30)
        while hall.clockwork.last_tick_at is None and datetime.now(timezone.utc) < deadline:
            client.get("/api/v1/health")
        report = client.get("/api/v1/health").get_json()
        assert report["ok"] and report["clockwork"]["running"] and report["clockwork"]["leading"]
        assert report["clockwork"]["seconds_since_tick"] < 30
        hall.clockwork.last_tick_at = datetime.now(timezone.utc) - timedelta(hours=1)   # as if stuck
        stuck = client.get("/api/v1/health")
        assert stuck.status_code == 503 and stuck.get_json()["failed"] == ["clockwork"]
    finally:
        hall.clockwork.stop()
        hall.notifications.courier.stop()
        hall.data.close()


def test_a_database_that_does_not_answer_fails_the_check_with_a_json_503(tmp_path, small_config_file,
                                                                         seeded, backend) -> None:
    app = make(tmp_path, small_config_file, seeded, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    hall.data.close()   # every connection gone, none to be had
    reply = app.test_client().get("/api/v1/health")
    report = reply.get_json()
    assert reply.status_code == 503 and report["failed"] == ["database"]
    assert report["database"]["ok"] is False and "live_processes" not in report["database"]
