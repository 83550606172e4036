"""Who may reach the admin API, staff and device administration, previews and the backup download."""

from __future__ import annotations

import re
import sqlite3
import struct

import pytest

from tests.admin.conftest import Api, login


def admin_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/admin"):
            path = re.sub(r"<int:\w+>", "3", re.sub(r"<(?!int:)\w+>", "A01", rule.rule))
            path = path.removeprefix("/api/v1")
            routes += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def test_there_are_admin_routes_to_check(hall_app) -> None:
    assert len(admin_routes(hall_app)) >= 25


@pytest.mark.parametrize("who", ["clerk2", "boss", "kiosk", "display", "window", None])
def test_only_an_admin_reaches_any_admin_route(hall_app, who) -> None:
    if who is None:
        api, expected = Api(hall_app), 401
    elif who in hall_app.tokens:
        api, expected = Api(hall_app, hall_app.tokens[who]), 403
    else:
        api, expected = login(hall_app, who), 403
    before = Api(hall_app, login(hall_app, "root").token).json("GET", "/admin/setup")[1]["version"]
    for method, path in admin_routes(hall_app):
        response = api.call(method, path, json={"notice": "x", "password": "p", "disabled": True})
        assert response.status_code == expected, (method, path, response.get_json())
    root = login(hall_app, "root")
    assert root.json("GET", "/admin/setup")[1]["version"] == before
    assert root.json("GET", "/admin/audit")[1]["entries"] == []


def test_the_page_loads_for_anyone_but_holds_no_data(hall_app) -> None:
    page = hall_app.test_client().get("/admin")
    assert page.status_code == 200 and "管理" in page.get_data(as_text=True)
    assert "Market Regulation" not in page.get_data(as_text=True)


# --- staff ---------------------------------------------------------------------------------------

def test_staff_add_change_reset_and_disable(hall_app, root) -> None:
    status, reply = root.json("POST", "/admin/staff", {"username": "wang", "role": "clerk",
                                                       "password": "first-pass-1", "display_name": "王芳",
                                                       "staff_no": "G1001"})
    assert status == 201 and reply["user"]["role"] == "clerk" and "password_hash" not in reply["user"]
    status, reply = root.json("PUT", "/admin/staff/wang", {"role": "supervisor", "display_name": "王芳",
                                                          "staff_no": "G1002"})
    assert status == 200 and reply["user"]["role"] == "supervisor" and reply["user"]["staff_no"] == "G1002"
    assert root.json("POST", "/admin/staff/wang/password", {"password": "second-pass-2"})[0] == 200
    signed = hall_app.test_client().post("/api/v1/auth/login", json={"username": "wang",
                                                                     "password": "second-pass-2"})
    assert signed.status_code == 200
    wang = Api(hall_app, signed.get_json()["token"])
    assert root.json("PUT", "/admin/staff/wang/disabled", {"disabled": True})[1]["user"]["disabled"]
    assert wang.call("GET", "/me").status_code == 401   # a disabled account stops working at once
    assert root.json("PUT", "/admin/staff/wang/disabled", {"disabled": False})[0] == 200
    names = [u["username"] for u in root.json("GET", "/admin/staff")[1]["staff"]]
    assert names == sorted(["boss", "clerk2", "root", "wang"])


@pytest.mark.parametrize("body, status, code", [
    ({"username": "a b", "role": "clerk", "password": "long-enough-1"}, 422, "bad_username"),
    ({"username": "zhao", "role": "boss", "password": "long-enough-1"}, 422, "bad_role"),
    ({"username": "zhao", "role": "clerk", "password": "short"}, 422, "weak_password"),
    ({"username": "clerk2", "role": "clerk", "password": "long-enough-1"}, 409, "user_exists"),
    ({"role": "clerk", "password": "long-enough-1"}, 422, "missing_field"),
])
def test_staff_form_validation(root, body, status, code) -> None:
    reply = root.json("POST", "/admin/staff", body)
    assert reply[0] == status and reply[1]["error"] == code, reply


def test_the_last_admin_cannot_lock_everyone_out(root) -> None:
    status, reply = root.json("PUT", "/admin/staff/root/disabled", {"disabled": True})
    assert status == 409 and reply["error"] == "last_admin"
    status, reply = root.json("PUT", "/admin/staff/root", {"role": "clerk", "display_name": "root"})
    assert status == 409 and reply["error"] == "last_admin"
    assert root.json("PUT", "/admin/staff/nobody/disabled", {"disabled": True})[0] == 404
    assert root.json("PUT", "/admin/staff/boss/disabled", {"disabled": "yes"})[0] == 422


# --- devices -------------------------------------------------------------------------------------

def test_device_token_shown_once_and_revoked(hall_app, root) -> None:
    status, reply = root.json("POST", "/admin/devices", {"name": "kiosk-2F", "kind": "kiosk"})
    assert status == 201 and len(reply["token"]) >= 32
    token = reply["token"]
    kiosk = Api(hall_app, token)
    assert kiosk.json("POST", "/tickets", {"service": "A01"})[0] == 201
    devices = {d["name"]: d for d in root.json("GET", "/admin/devices")[1]["devices"]}
    assert devices["kiosk-2F"]["last_seen_at"] is None and devices["kiosk-2F"]["revoked_at"] is None
    assert token not in str(devices) and "token" not in devices["kiosk-2F"]
    assert root.json("POST", "/admin/devices/kiosk-2F/revoke")[0] == 200
    assert kiosk.call("POST", "/tickets", json={"service": "A01"}).status_code == 401
    entries = root.json("GET", "/admin/audit")[1]["entries"]
    assert [e["action"] for e in entries] == ["device.revoke", "device.add"]
    assert token not in str(entries)


@pytest.mark.parametrize("body, code", [
    ({"name": "has space", "kind": "kiosk"}, "bad_device_name"),
    ({"name": "tv", "kind": "television"}, "bad_kind"),
    ({"name": "w9", "kind": "window", "window": 9}, "bad_window"),
    ({"name": "w3", "kind": "window"}, "bad_window"),
])
def test_device_form_validation(root, body, code) -> None:
    status, reply = root.json("POST", "/admin/devices", body)
    assert status == 422 and reply["error"] == code, reply
    assert root.json("POST", "/admin/devices/ghost/revoke")[0] == 404


# --- previews ---------------------------------------------------------------------------------------

def test_announcement_preview_as_text_and_sound(root) -> None:
    body = {"call": "请 {number} 号 到 {window} 号窗口（{window_name}）", "window": 4}
    status, reply = root.json("POST", "/admin/preview/announcement", body)
    assert status == 200
    assert reply["text"] == "请 C023 号 到 4 号窗口（税务）"
    assert reply["spoken"] == "请 C 零 二 三 号 到 4 号窗口（税务）"
    assert reply["recall_text"].startswith("再次呼叫")
    response = root.call("POST", "/admin/preview/announcement.wav", json=body)
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    wav = response.get_data()
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and struct.unpack("<I", wav[4:8])[0] > 20000
    assert root.json("GET", "/admin/setup")[1]["version"] == 1   # a preview saves nothing


def test_announcement_preview_refuses_a_bad_template(root) -> None:
    status, reply = root.json("POST", "/admin/preview/announcement", {"call": "请 {ticket} 号"})
    assert status == 422 and reply["field"] == "call" and "{number}" in reply["message"]
    assert root.json("POST", "/admin/preview/announcement", {"window": 99})[0] == 422


def test_speech_preview_without_espeak_says_why(root, monkeypatch) -> None:
    monkeypatch.setattr("server.previews.shutil.which", lambda name: None)
    status, reply = root.json("POST", "/admin/preview/announcement.wav", {})
    assert status == 503 and "espeak-ng" in reply["message"]


def test_slip_preview_is_the_printer_png(root) -> None:
    response = root.call("POST", "/admin/preview/slip", json={"footer": "请保管好您的凭条", "width": 58})
    assert response.status_code == 200 and response.mimetype == "image/png"
    png = response.get_data()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = struct.unpack(">I", png[16:20])[0]
    assert width >= 384
    assert root.json("POST", "/admin/preview/slip", {"width": 70})[0] == 422


# --- the backup download ---------------------------------------------------------------------------

def test_backup_download_is_a_whole_database(hall_app, root, tmp_path) -> None:
    Api(hall_app, hall_app.tokens["kiosk"]).json("POST", "/tickets", {"service": "A01"})
    response = root.call("GET", "/admin/backup")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(response.get_data())
    response.close()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT number FROM tickets").fetchall() == [("A001",)]
    conn.close()
    assert not list((tmp_path / "var").glob(".backup-*"))   # no temporary copy left behind
    assert root.json("GET", "/admin/audit")[1]["entries"][0]["action"] == "backup.download"


def test_a_bridge_is_added_with_its_windows(hall_app, root) -> None:
    status, reply = root.json("POST", "/admin/devices", {"name": "hall-bridge", "kind": "bridge", "windows": [3, 4]})
    assert status == 201
    devices = {d["name"]: d for d in root.json("GET", "/admin/devices")[1]["devices"]}
    assert devices["hall-bridge"]["kind"] == "bridge" and devices["hall-bridge"]["windows"] == [3, 4]
    bridge = Api(hall_app, reply["token"])
    assert bridge.json("POST", "/tickets", {"service": "A01"})[0] == 403, "a bridge issues no tickets"
    for body, code in (({"name": "b2", "kind": "bridge"}, "bad_window"),
                       ({"name": "b3", "kind": "bridge", "windows": [3, 99]}, "bad_window"),
                       ({"name": "b4", "kind": "bridge", "windows": ["3"]}, "bad_field"),
                       ({"name": "b5", "kind": "kiosk", "windows": [3]}, "bad_window")):
        status, refused = root.json("POST", "/admin/devices", body)
        assert status == 422 and refused["error"] == code and " / " in refused["message"], (body, refused)
