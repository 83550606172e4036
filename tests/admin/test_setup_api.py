"""Each admin form's validation, stranding refused, the audit trail, export → import."""

from __future__ import annotations

import tomllib

import pytest

from tests.admin.conftest import Api


def document(root: Api) -> dict:
    status, reply = root.json("GET", "/admin/setup")
    assert status == 200
    return reply["document"]


def service(root: Api, code: str) -> dict:
    return next(s for s in document(root)["services"] if s["code"] == code)


def window(root: Api, number: int) -> dict:
    return next(w for w in document(root)["windows"] if w["number"] == number)


def refused(root: Api, method: str, path: str, body, field: str | None, words: str) -> dict:
    status, reply = root.json(method, path, body)
    assert status == 422, reply
    assert reply["error"] == "invalid_setup" and words in reply["message"], reply
    assert reply["field"] == field, reply
    return reply


# --- each form refuses its mistakes with a message that names the key --------------------------

@pytest.mark.parametrize("change, field, words", [
    ({"prefix": "AA"}, "prefix", "one capital letter"),
    ({"prefix": "V"}, None, "reserved"),
    ({"department": "NOPE"}, "department", "is not a department code"),
    ({"hours": "08:00-25:00"}, "hours", "not a valid time of day"),
    ({"daily_cap": -5}, "daily_cap", "out of range"),
    ({"handling_minutes": "ten"}, "handling_minutes", "must be a number"),
    ({"alert_wait_minutes": [60, 30]}, "alert_wait_minutes", "red must be at least yellow"),
])
def test_item_form_validation(root, change, field, words) -> None:
    item = service(root, "A01") | change
    reply = refused(root, "PUT", "/admin/services/A01", item, field, words)
    assert "(A01)" in reply["message"]   # the admin reads the item's code, not its place in a list
    assert service(root, "A01")["handling_minutes"] == 15


def test_a_new_item_needs_a_window_and_a_unique_code(root) -> None:
    civil = {"code": "MZJ", "name": "民政局", "name_en": "Civil Affairs", "prefix": "F"}
    assert root.json("POST", "/admin/departments", civil)[0] == 200
    new = {"code": "F01", "department": "MZJ", "name": "婚姻登记", "name_en": "Marriage registration",
           "handling_minutes": 10}
    refused(root, "POST", "/admin/services", new, None, "served by no window")
    refused(root, "POST", "/admin/services", new | {"code": "A01"}, "code", "used twice")
    taxes = window(root, 4) | {"services": ["C01", "F01"]}
    refused(root, "PUT", "/admin/windows/4", taxes, "services", "'F01' is not a service code")
    taxes = window(root, 4) | {"departments": ["MZJ"]}
    assert root.json("PUT", "/admin/windows/4", taxes)[0] == 200
    assert root.json("POST", "/admin/services", new)[0] == 200   # window 4 now serves MZJ's items


def test_window_form_validation(root) -> None:
    duplicate = {"number": 3, "name": "新窗口", "name_en": "New", "services": ["A01"]}
    refused(root, "POST", "/admin/windows", duplicate, "number", "used twice")
    empty = {"number": 9, "name": "新窗口", "name_en": "New", "services": []}
    refused(root, "POST", "/admin/windows", empty, None, "serves no items")
    bad_priority = window(root, 3) | {"priority": {"C01": 1}}
    refused(root, "PUT", "/admin/windows/3", bad_priority, "priority", "does not serve 'C01'")
    bad_kind = window(root, 3) | {"kind": "vip"}
    refused(root, "PUT", "/admin/windows/3", bad_kind, "kind", "expected one of")


def test_department_form_validation(root) -> None:
    refused(root, "POST", "/admin/departments",
            {"code": "x", "name": "民政", "name_en": "Civil", "prefix": "F"}, "code", "A-Z")
    refused(root, "DELETE", "/admin/departments/SWJ", None, None, "still has items C01")
    status, reply = root.json("PUT", "/admin/departments/NONE", {"name": "无", "name_en": "None",
                                                                 "prefix": "N"})
    assert status == 404 and reply["error"] == "not_found"


def test_hall_form_validation(root) -> None:
    refused(root, "PUT", "/admin/setup/hall", {"issuing_hours": "08:30-25:00"}, "issuing_hours",
            "not a valid time of day")
    refused(root, "PUT", "/admin/setup/hall", {"holidays": ["2026-13-01"]}, "holidays",
            "not a date like 2026-10-01")
    refused(root, "PUT", "/admin/setup/hall", {"working_days": [0, 8]}, "working_days", "out of range")
    status, reply = root.json("PUT", "/admin/setup/hall", {"code": "another-hall"})
    assert status == 409 and "never changes" in reply["message"]


def test_template_and_threshold_validation(root) -> None:
    refused(root, "PUT", "/admin/setup/announcement", {"call": "请 {numbr} 号 到 {window} 号窗口"},
            "call", "unknown placeholder 'numbr'")
    refused(root, "PUT", "/admin/setup/slip", {"width": 70}, "width", "80 or 58")
    refused(root, "PUT", "/admin/setup/supervision", {"wait_minutes": [60, 30]}, "wait_minutes",
            "red must be at least yellow")
    refused(root, "PUT", "/admin/setup/supervision", {"queue_length": [-1, 5]}, "queue_length", "≥ 0")
    refused(root, "PUT", "/admin/setup/nonsense", {}, None, "not a section the admin page edits")


def test_accepted_changes_take_effect_and_are_versioned(hall_app, root) -> None:
    status, reply = root.json("PUT", "/admin/setup/hall", {"notice": "今天下午 2 点起暂停不动产业务",
                                                          "holidays": ["2026-12-31"]})
    assert status == 200 and reply["version"] == 2
    setup = hall_app.extensions["jiaohao"].service.setup()
    assert setup.hall.notice == "今天下午 2 点起暂停不动产业务"
    assert [str(d) for d in setup.hall.holidays] == ["2026-12-31"]
    status, reply = root.json("PUT", "/admin/services/A01", service(root, "A01") | {"daily_cap": None,
                                                                                 "hours": "09:00-11:00"})
    assert status == 200 and "daily_cap" not in service(root, "A01")
    assert str(hall_app.extensions["jiaohao"].service.setup().service("A01").hours[0]) == "09:00-11:00"
    unchanged = root.json("PUT", "/admin/setup/hall", {"notice": "今天下午 2 点起暂停不动产业务"})[1]
    assert unchanged["version"] == 3   # nothing changed: no new version, no audit row


def test_removing_an_item_drops_it_from_windows(root) -> None:
    status, reply = root.json("DELETE", "/admin/services/C01")
    assert status == 422 and "serves no items" in reply["message"]   # window 4 served only C01
    assert root.json("DELETE", "/admin/windows/4")[0] == 200
    assert root.json("DELETE", "/admin/services/C01")[0] == 200
    assert all(s["code"] != "C01" for s in document(root)["services"])


# --- stranding ---------------------------------------------------------------------------------

def test_removing_the_last_window_of_a_waited_for_item_is_refused(hall_app, root) -> None:
    green = window(root, 1) | {"departments": ["SCJG", "RSJ"]}
    assert root.json("PUT", "/admin/windows/1", green)[0] == 200   # window 4 is now C01's only window
    kiosk = Api(hall_app, hall_app.tokens["kiosk"])
    assert kiosk.json("POST", "/tickets", {"service": "C01"})[0] == 201
    status, reply = root.json("DELETE", "/admin/windows/4")
    assert status == 409 and reply["error"] == "setup_refused"
    assert "C001" in reply["message"] and "without a window" in reply["message"]
    status, reply = root.json("DELETE", "/admin/services/C01")
    assert status == 409 and "C001" in reply["message"]
    assert window(root, 4)["services"] == ["C01"]
    # another window taking the item first makes the move possible
    market = window(root, 3) | {"services": ["C01"]}
    assert root.json("PUT", "/admin/windows/3", market)[0] == 200
    assert root.json("DELETE", "/admin/windows/4")[0] == 200


# --- the audit trail ----------------------------------------------------------------------------

def test_every_change_is_audited_with_before_and_after(root) -> None:
    old_name = service(root, "A02")["name"]
    root.json("PUT", "/admin/services/A02", service(root, "A02") | {"name": "食品经营许可（新办）"})
    root.json("PUT", "/admin/setup/supervision", {"wait_minutes": [20, 40]})
    root.json("POST", "/admin/staff", {"username": "li", "role": "clerk", "password": "s3cret-pass-1",
                                       "display_name": "李娜", "staff_no": "G77"})
    root.json("POST", "/admin/staff/li/password", {"password": "another-pass-2"})
    status, reply = root.json("GET", "/admin/audit")
    assert status == 200
    entries = reply["entries"]
    assert [e["action"] for e in entries[:4]] == ["staff.password", "staff.add", "setup.supervision",
                                                  "services.update"]
    assert all(e["actor"] == "root" and e["at"] for e in entries[:4])
    item = entries[3]
    assert item["subject"] == "item A02"
    assert item["before"] == {"services": [{"code": "A02", "name": old_name}]}
    assert item["after"] == {"services": [{"code": "A02", "name": "食品经营许可（新办）"}]}
    assert entries[2]["after"] == {"supervision": {"wait_minutes": [20, 40]}}
    text = str(entries[:2])
    assert "s3cret-pass-1" not in text and "another-pass-2" not in text and "scrypt" not in text
    assert entries[0]["after"] == {"password": "changed"}
    assert reply["entries"][0]["id"] > reply["entries"][1]["id"]
    older = root.json("GET", f"/admin/audit?before={entries[1]['id']}&limit=1")[1]["entries"]
    assert [e["id"] for e in older] == [entries[2]["id"]]


# --- export and import --------------------------------------------------------------------------

def test_export_then_import_round_trips(root) -> None:
    root.json("PUT", "/admin/setup/hall", {"notice": '“一窗受理” \\ "quoted"\n第二行'})
    before = document(root)
    response = root.call("GET", "/admin/export.toml")
    assert response.status_code == 200 and response.mimetype == "application/toml"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert tomllib.loads(text) == before
    edited = text.replace('name = "社保卡补办"', 'name = "社保卡补领、换领"')
    response = root.call("POST", "/admin/import", data=edited.encode("utf-8"))
    assert response.status_code == 200, response.get_json()
    after = document(root)
    assert service(root, "B01")["name"] == "社保卡补领、换领"
    assert {k: v for k, v in after.items() if k != "services"} == \
        {k: v for k, v in before.items() if k != "services"}
    audit = root.json("GET", "/admin/audit?limit=1")[1]["entries"][0]
    assert audit["action"] == "setup.import"
    assert audit["after"] == {"services": [{"code": "B01", "name": "社保卡补领、换领"}]}
    response = root.call("POST", "/admin/import", data=text.encode("utf-8"))
    assert response.status_code == 200 and document(root) == before


def test_import_refuses_bad_files(root) -> None:
    response = root.call("POST", "/admin/import", data=b"[hall\nname = ")
    assert response.status_code == 422 and "not valid TOML" in response.get_json()["message"]
    text = root.call("GET", "/admin/export.toml").get_data(as_text=True)
    response = root.call("POST", "/admin/import", data=text.replace("daily_cap = 3", "daily_cap = -3")
                         .encode("utf-8"))
    assert response.status_code == 422 and "daily_cap" in response.get_json()["message"]


def test_a_change_made_on_an_older_version_is_refused_not_overwritten(root, hall_app) -> None:
    def put_notice(api: Api, text: str, version) -> tuple[int, dict]:
        response = api.client.put("/api/v1/admin/setup/hall", json={"notice": text},
                                  headers={"Authorization": f"Bearer {api.token}", "If-Match": str(version)})
        return response.status_code, response.get_json()

    status, seen = root.json("GET", "/admin/setup")
    other = Api(hall_app, root.token)             # a second admin's page, opened at the same version
    status, first = put_notice(root, "上午十点后二楼暂停受理", seen["version"])
    assert status == 200 and first["version"] == seen["version"] + 1
    status, refused = put_notice(other, "今日下午闭厅", seen["version"])
    assert status == 409 and refused["error"] == "setup_changed", refused
    assert refused["current_version"] == first["version"] and "reload" in refused["message"]
    assert document(root)["hall"]["notice"] == "上午十点后二楼暂停受理"      # the first change stands
    status, reply = put_notice(other, "今日下午闭厅", refused["current_version"])
    assert status == 200 and reply["document"]["hall"]["notice"] == "今日下午闭厅"
    assert put_notice(other, "x", "seven")[0] == 422
    # without If-Match (a script), the change applies to whatever is in force
    assert root.json("PUT", "/admin/setup/hall", {"notice": "恢复正常"})[0] == 200
