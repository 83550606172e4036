"""The /admin page in Chromium against a real demo hall: the flows an admin goes through."""

from __future__ import annotations

import re

import requests
import socketio
from playwright.sync_api import expect

from client.hall_client import wait_until
from tests.admin.pages import edit_row, open_tab, sign_in_admin
from tests.browser import HeldReplies
from tests.web.conftest import PASSWORD


def test_a_clerk_or_supervisor_cannot_use_the_page(demo, new_page) -> None:
    page = new_page()
    for username in ("clerk03", "supervisor"):
        page.goto(f"{demo.url}/admin")
        page.fill("#login-user", username)
        page.fill("#login-password", PASSWORD)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#login-message")).to_contain_text("需要管理员账号")
        expect(page.locator("#app")).to_be_hidden()


def test_a_new_notice_reaches_a_connected_board_and_the_audit_log(demo, new_page) -> None:
    board = socketio.Client(reconnection=False)
    snapshots: list[dict] = []
    board.on("hall_snapshot", snapshots.append)
    board.connect(demo.url, auth={"token": demo.tokens["board token"]}, transports=["websocket"], wait_timeout=5)
    try:
        assert wait_until(lambda: snapshots)
        page = sign_in_admin(new_page(), demo)
        notice = page.locator("#notice-card textarea[name=notice]")
        notice.fill("今日下午 2 点起不动产窗口暂停受理，请到 5 号窗口咨询。")
        page.locator("#notice-card button[type=submit]").click()
        expect(page.locator("#flash")).to_contain_text("已保存")
        assert wait_until(lambda: snapshots[-1]["hall"]["notice"].startswith("今日下午 2 点起"))
        open_tab(page, "audit")
        first = page.locator("#tab-audit tbody tr").first
        expect(first).to_contain_text("admin")
        expect(first).to_contain_text("大厅设置")
        expect(first.locator(".diff.after")).to_contain_text("今日下午 2 点起不动产窗口暂停受理")
    finally:
        board.disconnect()


def test_a_validation_error_is_shown_at_its_field(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "services")
    edit_row(page, "services", "A01")
    page.fill("#editor input[name=hours]", "08:00-25:00")
    page.click("#editor button[type=submit]")
    error = page.locator("#editor label[data-field=hours] .field-error")
    expect(error).to_contain_text("not a valid time of day")
    expect(error).to_contain_text("A01")
    expect(page.locator("#editor label[data-field=hours]")).to_have_class(re.compile("invalid"))
    expect(page.locator("#editor")).to_be_visible()   # nothing saved, the admin can correct it
    page.fill("#editor input[name=hours]", "08:30-11:30")
    page.click("#editor button[type=submit]")
    expect(page.locator("#editor")).to_be_hidden()
    expect(page.locator("#tab-services tbody tr").first).to_contain_text("08:30-11:30")


def test_a_window_takes_an_item_with_its_priority(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "windows")
    edit_row(page, "windows", "8")
    page.locator("#editor fieldset[data-field=services] label", has_text="B01").locator("input").check()
    page.locator("#editor .priorities label", has_text="B01").locator("input").fill("1")
    page.click("#editor button[type=submit]")
    expect(page.locator("#editor")).to_be_hidden()
    hall = demo.request("GET", "/hall")
    assert 8 in next(s for s in hall["services"] if s["code"] == "B01")["windows"]


def test_a_new_device_shows_its_token_once(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "devices")
    page.get_by_role("button", name="新增设备").click()
    page.fill("#editor input[name=name]", "kiosk-2F")
    page.click("#editor button[type=submit]")
    token = page.locator("#new-token").inner_text().strip()
    assert len(token) >= 32
    me = requests.get(f"{demo.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200 and me.json()["name"] == "kiosk-2F"
    page.get_by_role("button", name="完成").click()
    row = page.locator("#tab-devices tbody tr", has_text="kiosk-2F")
    expect(row).to_contain_text("未连接")
    assert token not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="撤销").click()
    expect(page.locator("#tab-devices tbody tr", has_text="kiosk-2F")).to_contain_text("已撤销")
    assert requests.get(f"{demo.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).status_code == 401


def test_an_item_gets_its_own_appointment_slots_on_the_page(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "thresholds")
    booking = page.locator("#booking-card")
    expect(booking.locator("tbody")).to_contain_text("所有事项沿用上面的设置")
    booking.get_by_role("button", name="为事项单独设置").click()
    editor = page.locator("#editor")
    editor.locator("select[name=code]").select_option("B01")
    expect(editor.locator("input[name=capacity]")).to_have_attribute("placeholder", re.compile("全厅"))
    editor.locator("input[name=slot_minutes]").fill("60")
    editor.locator("input[name=capacity]").fill("0")
    editor.locator("button[type=submit]").click()
    expect(editor.locator("label[data-field=capacity] .field-error")).to_contain_text("appointments.items.B01")
    editor.locator("input[name=capacity]").fill("2")
    editor.locator("button[type=submit]").click()
    expect(page.locator("#flash")).to_contain_text("已保存")
    row = booking.locator("tbody tr").filter(has_text="B01")
    expect(row).to_contain_text("60")
    expect(row).to_contain_text("（全厅）")        # hours and days ahead follow the hall-wide values

    day = requests.get(f"{demo.url}/api/v1/appointments/services", timeout=5).json()
    b01 = next(item for item in day["services"] if item["code"] == "B01")
    slots = requests.get(f"{demo.url}/api/v1/appointments/slots",
                         params={"service": "B01", "date": b01["days"][-1]}, timeout=5).json()["slots"]
    assert slots and all(s["capacity"] == 2 for s in slots), slots
    starts = [s["start"] for s in slots]
    assert starts[1] == "10:00", starts          # one-hour slots from 09:00

    row.get_by_role("button").click()
    expect(editor.locator("select[name=code]")).to_be_disabled()
    editor.get_by_role("button", name="删除").click()
    expect(booking.locator("tbody")).to_contain_text("所有事项沿用上面的设置")


def test_two_admins_saving_at_once_the_second_is_told_to_reload(demo, new_page) -> None:
    first, second = sign_in_admin(new_page(), demo), sign_in_admin(new_page(), demo)
    for page, text in ((first, "第一位管理员的通知"), (second, "第二位管理员的通知")):
        page.locator("#notice-card textarea[name=notice]").fill(text)
    first.locator("#notice-card button[type=submit]").click()
    expect(first.locator("#flash")).to_contain_text("已保存")
    second.locator("#notice-card button[type=submit]").click()
    expect(second.locator("#flash")).to_contain_text("请刷新后再改")
    expect(second.locator("#notice-card textarea[name=notice]")).to_have_value("第二位管理员的通知")
    saved = requests.get(f"{demo.url}/api/v1/admin/setup", timeout=5,
                         headers={"Authorization": f"Bearer {demo.login('admin')}"}).json()
    assert saved["document"]["hall"]["notice"] == "第一位管理员的通知"
    second.locator("#notice-card button[type=submit]").click()   # now on the version in force
    expect(second.locator("#flash")).to_contain_text("已保存")


def test_a_second_save_while_the_first_is_out_says_so_and_saves_once(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    version = int(re.search(r"\d+", page.locator("#version").inner_text()).group())
    saves = HeldReplies(page, "**/api/v1/admin/setup/hall")
    page.locator("#notice-card textarea[name=notice]").fill("窗口 8 今日延时服务至 18:00。")
    page.locator("#notice-card button[type=submit]").click()
    saves.wait()
    page.locator("#notice-card button[type=submit]").click()   # a second press while the first is out
    expect(page.locator("#notice-card .message")).to_have_text("上一个操作仍在进行，请稍候")
    saves.release()
    expect(page.locator("#flash")).to_contain_text(f"已保存，设置版本 {version + 1}")
    expect(page.locator("#version")).to_contain_text(str(version + 1))
    assert demo.request("GET", "/hall")["hall"]["notice"] == "窗口 8 今日延时服务至 18:00。"
    saves.stop()
    page.locator("#notice-card textarea[name=notice]").fill("窗口 8 今日延时服务至 18:30。")
    page.locator("#notice-card button[type=submit]").click()   # and the next press acts again
    expect(page.locator("#version")).to_contain_text(str(version + 2))
    expect(page.locator("#tabs [aria-selected=true]")).to_be_focused()   # the redrawn tab keeps the focus


def test_the_voice_and_slip_tab_shows_both_previews_at_once(demo, new_page) -> None:
    page = sign_in_admin(new_page(), demo)
    open_tab(page, "templates")
    expect(page.locator("#preview-text")).to_contain_text("号窗口")
    page.wait_for_function("document.querySelector('#preview-slip').complete && "
                           "document.querySelector('#preview-slip').naturalWidth > 0")
    expect(page.locator("#tab-templates .message")).to_have_text(["", "", ""])
