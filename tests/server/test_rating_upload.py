"""The provincial 好差评 uploader against a local fake platform that checks what it receives."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server import repository as repo
from server.uploader import HttpJsonPoster, configured_uploader, upload_day
from tests.cli.test_admin import jiaohao
from tests.server.test_ratings_export import coded_hall, hand_made_day  # noqa: F401 (fixture)


class FakePlatform:
    """A provincial endpoint on 127.0.0.1: answers the given statuses in turn, keeps each request."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.received = list(statuses), []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                platform.received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                          "type": self.headers.get("Content-Type"), "body": json.loads(body)})
                self.send_response(platform.statuses.pop(0) if platform.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/haocp/upload"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakePlatform":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_a_day_is_delivered_after_a_retry_and_logged(coded_hall) -> None:  # noqa: F811
    hand_made_day(coded_hall)
    service = coded_hall.extensions["jiaohao"].service
    pauses: list[float] = []
    with FakePlatform([503]) as platform:
        poster = HttpJsonPoster(platform.url, token="province-key", sleep=pauses.append)
        outcome = upload_day(service, date(2026, 11, 26), poster)
    assert outcome == {"date": "2026-11-26", "rows": 3, "attempts": 2, "result": "delivered", "detail": ""}
    assert pauses == [2.0], "one pause before the second attempt"
    assert len(platform.received) == 2 and platform.received[0] == platform.received[1]
    sent = platform.received[-1]
    assert sent["path"] == "/haocp/upload" and sent["auth"] == "Bearer province-key"
    assert sent["type"].startswith("application/json")
    assert sent["body"]["standard"] == "GB/T 39046-2020"
    assert [row["satisfaction"] for row in sent["body"]["rows"]] == [1, 5, 3]
    assert sent["body"]["rows"][0]["service_code"] == "11210402MB0000000X4000111017000"
    log = repo.rating_deliveries(service.database.connection(), service.hall_id)
    assert [(r["business_date"], r["rows"], r["attempts"], r["result"]) for r in log] == \
        [("2026-11-26", 3, 2, "delivered")]


def test_a_refusal_is_final_and_an_outage_is_logged_as_failed(coded_hall) -> None:  # noqa: F811
    service = coded_hall.extensions["jiaohao"].service
    with FakePlatform([400]) as platform:
        refused = upload_day(service, date(2026, 11, 26), HttpJsonPoster(platform.url, sleep=lambda s: None))
    assert (refused["result"], refused["attempts"], len(platform.received)) == ("failed", 1, 1)
    assert "400" in refused["detail"]
    with FakePlatform([500, 502, 503]) as platform:
        down = upload_day(service, date(2026, 11, 26), HttpJsonPoster(platform.url, sleep=lambda s: None))
    assert (down["result"], down["attempts"], len(platform.received)) == ("failed", 3, 3)
    log = repo.rating_deliveries(service.database.connection(), service.hall_id)
    assert [r["result"] for r in log] == ["failed", "failed"]


def test_uploading_is_off_by_default(coded_hall, tmp_path, small_config_file) -> None:  # noqa: F811
    assert configured_uploader(coded_hall.extensions["jiaohao"].settings) is None
    result = jiaohao("admin", "ratings", "upload", data=tmp_path / "cli-var", config=small_config_file)
    assert result.returncode != 0 and "ratings_upload_url" in result.stderr


@pytest.mark.parametrize("value", ["ftp://platform", 42])
def test_a_bad_upload_address_is_refused(value) -> None:
    from hall.config import ConfigError
    from server.app import ServerSettings
    with pytest.raises(ConfigError, match="ratings_upload_url"):
        ServerSettings.from_config({"server": {"ratings_upload_url": value}})
