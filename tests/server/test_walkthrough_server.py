"""What the walk through the demo found on the server side: the admin's setup refusals in
Chinese first, a kiosk that only issues over REST counts as seen, the phone page compressed."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.admin.conftest import Api, hall_app, root  # noqa: F401 (fixtures)

CHINESE = re.compile("[\u4e00-\u9fff]")


@pytest.mark.parametrize("change", [{"hours": "08:00-25:00"}, {"department": "NOPE"}, {"prefix": "V"},
                                    {"handling_minutes": "ten"}, {"surprise": 1}])
def test_every_setup_refusal_says_it_in_chinese_then_english(root, change) -> None:  # noqa: F811
    status, item = root.json("GET", "/admin/setup")
    entry = next(s for s in item["document"]["services"] if s["code"] == "A01") | change
    status, reply = root.json("PUT", "/admin/services/A01", entry)
    assert status == 422 and reply["error"] == "invalid_setup", reply
    chinese, english = reply["message"].split(" / ", 1)
    assert CHINESE.search(chinese) and not CHINESE.search(english.replace("（", "")), reply["message"]
    assert "设置有误" in chinese and "请检查此项" not in chinese, "the problem itself is named in Chinese"


def test_a_kiosk_that_only_issues_is_seen(hall_app, root) -> None:  # noqa: F811
    status, made = root.json("POST", "/admin/devices", {"name": "kiosk-9", "kind": "kiosk"})
    assert status == 201
    kiosk = Api(hall_app, made["token"])
    assert kiosk.call("POST", "/tickets", {"service": "A01"}).status_code == 201
    devices = {d["name"]: d for d in root.json("GET", "/admin/devices")[1]["devices"]}
    assert devices["kiosk-9"]["last_active_at"] is not None, "最近在线 is not 从未 for a kiosk that issued"
    boss = Api(hall_app, root.json("POST", "/auth/login", {"username": "boss", "password": "password-1"})[1]["token"])
    dashboard = {d["name"]: d for d in boss.json("GET", "/supervision")[1]["devices"]}
    assert dashboard["kiosk-9"]["last_active_at"] == devices["kiosk-9"]["last_active_at"]


def test_the_phone_page_is_compressed(hall_app) -> None:  # noqa: F811
    kiosk = hall_app.extensions["jiaohao"]
    from server import accounts
    token = accounts.add_device(kiosk.database, kiosk.service.hall_id, "kiosk-8", "kiosk").token
    issued = Api(hall_app, token).call("POST", "/tickets", {"service": "A01"}).get_json()
    path = "/t/" + issued["track_url"].rsplit("/", 1)[1]
    plain = hall_app.test_client().get(path)
    packed = hall_app.test_client().get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    def without_nonce(page: bytes) -> bytes:   # each answer has a fresh CSP nonce
        return re.sub(rb'nonce="[^"]+"', b"", page)
    assert without_nonce(gzip.decompress(packed.data)) == without_nonce(plain.data)
    assert len(packed.data) < len(plain.data) / 2, (len(packed.data), len(plain.data))
