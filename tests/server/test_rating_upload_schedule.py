"""The provincial uploader run by the clockwork: finished days not yet delivered go out once,
a failed day is tried again at the next interval, and the admin sees the delivery log."""

from __future__ import annotations

import pytest

from server import accounts
from server import repository as repo
from server.app import create_app
from server.uploader import HttpJsonPoster, UploadSchedule
from tests.conftest import FakeClock, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api
from tests.server.test_rating_upload import FakePlatform
from tests.server.test_ratings_export import coded_hall, hand_made_day  # noqa: F401 (fixture)


def delivered(service) -> list[tuple[str, int, str]]:
    rows = repo.rating_deliveries(service.database.connection(), service.hall_id)
    return sorted((r["business_date"], r["rows"], r["result"]) for r in rows)


def test_each_finished_day_goes_out_once(coded_hall) -> None:  # noqa: F811
    hand_made_day(coded_hall)                     # three rated visits on 2026-11-26
    service = coded_hall.extensions["jiaohao"].service
    coded_hall.clock.advance(days=1)              # 2026-11-27: the 26th is finished
    with FakePlatform([]) as platform:
        schedule = UploadSchedule(service, HttpJsonPoster(platform.url, sleep=lambda s: None), 3600)
        outcomes = schedule.run_once()
        assert [o["date"] for o in outcomes] == [f"2026-11-{d}" for d in range(20, 27)], "the last seven days"
        assert schedule.run_once() == [], "a delivered day is never sent again"
    assert len(platform.received) == 7
    assert [len(r["body"]["rows"]) for r in platform.received] == [0, 0, 0, 0, 0, 0, 3]
    assert ("2026-11-26", 3, "delivered") in delivered(service)
    assert all(day != "2026-11-27" for day, _, _ in delivered(service)), "today is not finished yet"


def test_a_failed_day_is_tried_again_at_the_next_interval(coded_hall) -> None:  # noqa: F811
    service = coded_hall.extensions["jiaohao"].service
    coded_hall.clock.advance(days=1)
    schedule = UploadSchedule(service, None, 600)
    with FakePlatform([400] + [200] * 20) as platform:
        schedule.uploader = HttpJsonPoster(platform.url, sleep=lambda s: None)
        assert schedule.tick() is True
        schedule.wait()
        assert schedule.tick() is False, "not again before the interval has passed"
        coded_hall.clock.advance(minutes=10)
        assert schedule.tick() is True
        schedule.wait()
    results = delivered(service)
    assert results.count(("2026-11-20", 0, "failed")) == 1 and results.count(("2026-11-20", 0, "delivered")) == 1
    assert sum(1 for _, _, result in results if result == "delivered") == 7


@pytest.fixture
def uploading_hall(tmp_path):
    """A hall whose config.toml turns uploading on, every 5 minutes, to a local fake platform."""
    platform = FakePlatform([]).__enter__()
    document = small_hall_document()
    document["server"] = {"ratings_upload_url": platform.url, "ratings_upload_every_minutes": 5}
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    clock = FakeClock()
    app = create_app(tmp_path / "var", path, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    accounts.add_user(hall.database, hall.service.hall_id, "root", "admin", PASSWORD, "管理员", None)
    app.clock, app.platform = clock, platform
    yield app
    hall.clockwork.stop()
    hall.data.close()
    platform.__exit__(None, None, None)


def test_the_clockwork_runs_the_uploads_and_the_admin_sees_the_log(uploading_hall) -> None:
    hall = uploading_hall.extensions["jiaohao"]
    assert hall.clockwork.uploads is not None and hall.clockwork.uploads.every_seconds == 300
    hall.clockwork.tick()
    hall.clockwork.uploads.wait()
    assert len(uploading_hall.platform.received) == 7
    hall.clockwork.tick()
    uploading_hall.clock.advance(minutes=5)
    hall.clockwork.tick()
    hall.clockwork.uploads.wait()
    assert len(uploading_hall.platform.received) == 7, "nothing left to send"
    root = Api(uploading_hall, Api(uploading_hall).post("/auth/login", {"username": "root", "password": PASSWORD})[1]["token"])
    status, log = root.get("/admin/ratings/deliveries")
    assert status == 200 and log["enabled"] is True and log["every_minutes"] == 5
    assert len(log["deliveries"]) == 7 and {d["result"] for d in log["deliveries"]} == {"delivered"}
    assert log["deliveries"][0]["business_date"] == "2026-11-25"


def test_uploading_is_off_without_an_address_and_a_bad_interval_is_refused(coded_hall) -> None:  # noqa: F811
    from hall.config import ConfigError
    from server.app import ServerSettings
    assert coded_hall.extensions["jiaohao"].clockwork.uploads is None
    for every in (1, "hourly", True):
        with pytest.raises(ConfigError, match="ratings_upload_every_minutes"):
            ServerSettings.from_config({"server": {"ratings_upload_url": "https://p.example", "ratings_upload_every_minutes": every}})
