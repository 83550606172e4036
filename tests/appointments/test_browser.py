"""The /book page in a real Chromium on a 390×844 phone screen against a real server process:
book a slot, move it, cancel it. Set JIAOHAO_BOOK_SHOTS=docs/images to keep the screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from server.datadir import open_data_dir
from tests.appointments.conftest import RULES
from tests.conftest import add_user, small_hall_document, to_toml
from common import launcher

playwright_api = pytest.importorskip("playwright.sync_api")
from tests.browser import HeldReplies, pages, phone_page  # noqa: E402

expect = playwright_api.expect
PASSWORD = "front-counter-1"   # the 等保 policy: never the user name


@pytest.fixture(scope="module")
def hall_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("book")
    config = root / "config.toml"
    config.write_text(to_toml(small_hall_document(appointments=RULES | {"hours": "09:00-11:00"})),
                      encoding="utf-8")
    data = open_data_dir(root / "var", config)
    add_user(data.database, data.hall_id, "desk", "clerk", PASSWORD, "导服台小王", "D1")
    data.close()
    server = launcher.hall_server(root / "var", config).start()
    yield server
    server.stop()


@pytest.fixture
def phone(browser):
    yield from phone_page(browser)


@pytest.fixture
def desk(browser):
    for make in pages(browser, height=900):
        yield make(width=1100)


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("JIAOHAO_BOOK_SHOTS", tmp_path))
    page.screenshot(path=str(folder / f"book-{name}.png"), full_page=True)


def test_a_phone_books_moves_and_cancels(hall_server, phone, tmp_path) -> None:
    url = hall_server.url
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    phone.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    outside: list[str] = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)

    assert phone.goto(f"{url}/book").status == 200
    phone.get_by_text("企业设立登记").click()
    phone.locator("#days button").nth(1).click()          # tomorrow: every slot is still ahead
    phone.wait_for_selector("#step-slot:not([hidden])")
    first = phone.locator("#slots button").first
    assert "余 3" in first.inner_text() and "3 / 3 free" in first.inner_text()
    shot(phone, tmp_path, "slots")
    first.click()
    phone.fill("#mobile", "13800138000")
    phone.fill("#name", "张三")
    shot(phone, tmp_path, "form")
    phone.click("#submit")

    phone.wait_for_selector("#booking:not([hidden])")
    code = phone.locator("#b-code").inner_text()
    assert len(code) == 8
    assert phone.locator("#b-mobile").inner_text() == "138****8000"
    assert "09:00–09:30" in phone.locator("#b-time").inner_text()
    expect(phone.locator("#b-qr")).to_be_visible()
    qr = requests.get(url + phone.locator("#b-qr").get_attribute("src"), timeout=10)
    assert qr.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in qr.content
    assert "/book/m/" in phone.url
    shot(phone, tmp_path, "booked")

    phone.click("#move")
    phone.locator("#days button").nth(1).click()
    phone.wait_for_selector("#step-slot:not([hidden])")
    phone.locator("#slots button").nth(2).click()         # 10:00–10:30
    expect(phone.locator("#b-time")).to_contain_text("10:00–10:30")
    shot(phone, tmp_path, "moved")

    manage_url = phone.url
    phone.goto(manage_url)                                 # the link works on its own
    expect(phone.locator("#b-code")).to_have_text(code)
    phone.click("#cancel")
    expect(phone.locator("#b-state")).to_contain_text("已取消")
    assert phone.locator("#move").is_hidden() and phone.locator("#b-qr").is_hidden()
    shot(phone, tmp_path, "cancelled")

    token = manage_url.rsplit("/", 1)[1]
    seen = requests.get(f"{url}/api/v1/appointments/manage/{token}", timeout=10).json()
    assert seen["state"] == "cancelled" and seen["start"] == "10:00"
    assert not errors, errors
    assert not outside, "everything is served by the hall's own server"


def test_a_phone_asks_for_text_reminders_when_booking(hall_server, phone) -> None:
    url = hall_server.url
    assert phone.goto(f"{url}/book").status == 200
    phone.get_by_text("企业设立登记").click()
    phone.locator("#days button").nth(2).click()
    phone.wait_for_selector("#step-slot:not([hidden])")
    phone.locator("#slots button").first.click()
    assert "短信提醒我" in phone.locator("label.remind").inner_text()
    assert "加密保存" in phone.locator("#step-form").inner_text()
    phone.fill("#mobile", "13900139000")
    phone.check("#remind")
    phone.click("#submit")
    phone.wait_for_selector("#booking:not([hidden])")
    token = phone.url.rsplit("/", 1)[1]
    seen = requests.get(f"{url}/api/v1/appointments/manage/{token}", timeout=10).json()
    assert seen["remind"] is True and seen["mobile"] == "139****9000"


def test_the_desk_books_for_a_citizen_without_a_phone_and_prints_it(hall_server, desk, tmp_path) -> None:
    url = hall_server.url
    errors: list[str] = []
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    desk.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    desk.goto(f"{url}/desk")
    desk.fill("#login-user", "desk")
    desk.fill("#login-password", PASSWORD)
    desk.click("#login-form button[type=submit]")
    expect(desk.locator("#who")).to_have_text("导服台小王")
    desk.fill("#item-search", "社保")
    expect(desk.locator("#item option")).to_have_count(1)
    desk.select_option("#item", "B01")
    desk.select_option("#day", index=1)                    # tomorrow: every slot is still ahead
    expect(desk.locator("#book")).to_be_disabled()
    desk.locator('#slots .slot[data-start="09:30"]').click()
    desk.fill("#name", "李四")
    folder = Path(os.environ.get("JIAOHAO_BOOK_SHOTS", tmp_path))
    desk.screenshot(path=str(folder / "desk-form.png"))
    desk.click("#book")

    expect(desk.locator("#slip")).to_be_visible()
    code = desk.locator("#slip-code").inner_text()
    assert len(code) == 8
    expect(desk.locator("#slip-mobile")).to_contain_text("导服台代约")
    expect(desk.locator("#slip-time")).to_contain_text("09:30")
    for picture in ("#slip-qr", "#slip-manage-qr"):
        desk.wait_for_function(f"document.querySelector('{picture}').complete && "
                               f"document.querySelector('{picture}').naturalWidth > 0")
    manage_qr = requests.get(url + desk.locator("#slip-manage-qr").get_attribute("src"), timeout=10)
    assert manage_qr.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in manage_qr.content
    assert requests.get(f"{url}/book/m/not%20a%20token/qr.svg", timeout=10).status_code == 404
    desk.emulate_media(media="print")
    expect(desk.locator("#print")).to_be_hidden()          # the paper shows the booking only
    desk.locator("#slip").screenshot(path=str(folder / "desk-slip.png"))
    desk.emulate_media(media="screen")

    booking = requests.post(f"{url}/api/v1/auth/login", timeout=10,
                            json={"username": "desk", "password": PASSWORD}).json()
    staff = {"Authorization": f"Bearer {booking['token']}"}
    slots = requests.get(f"{url}/api/v1/appointments/slots", timeout=10, headers=staff,
                         params={"service": "B01", "date": desk.locator("#day").input_value()}).json()["slots"]
    assert next(s["free"] for s in slots if s["start"] == "09:30") == 2
    desk.click("#another")
    expect(desk.locator('#slots .slot[data-start="09:30"]')).to_contain_text("余 2")
    assert not errors, errors


def test_a_desk_press_that_cannot_book_says_why(hall_server, desk) -> None:
    """Book before an item or a slot, a full slot, a second press while booking: each says why,
    and the double press books once."""
    url = hall_server.url
    token = requests.post(f"{url}/api/v1/auth/login", timeout=10,
                          json={"username": "desk", "password": PASSWORD}).json()["token"]
    staff = {"Authorization": f"Bearer {token}"}
    desk.goto(f"{url}/desk")
    desk.fill("#login-user", "desk")
    desk.fill("#login-password", PASSWORD)
    desk.click("#login-form button[type=submit]")
    expect(desk.locator("#who")).to_have_text("导服台小王")
    message = desk.locator("#book-message")
    desk.click("#book", force=True)                        # looks unavailable, but is not deaf
    expect(message).to_have_text("请先选择事项")

    desk.select_option("#item", "B01")
    desk.select_option("#day", index=2)
    day = desk.locator("#day").input_value()
    for _ in range(3):                                     # capacity 3: 10:00 is full
        booked = requests.post(f"{url}/api/v1/appointments", timeout=10, headers=staff,
                               json={"service": "B01", "date": day, "start": "10:00"})
        assert booked.status_code == 201, booked.text
    desk.select_option("#day", index=1)
    desk.select_option("#day", index=2)                    # the slots again, 10:00 now full
    full = desk.locator('#slots .slot[data-start="10:00"]')
    expect(full).to_contain_text("已满")
    desk.click("#book", force=True)
    expect(message).to_have_text("请选择时段")
    full.click(force=True)
    expect(message).to_have_text("该时段已约满，请选择其他时段")
    expect(desk.locator("#book")).to_be_disabled()         # the full slot was not taken

    desk.locator('#slots .slot[data-start="10:30"]').click()
    bookings = HeldReplies(desk, "**/api/v1/appointments")
    desk.click("#book")
    bookings.wait()
    desk.click("#book", force=True)                        # a second press while the first is out
    expect(message).to_have_text("正在预约，请稍候")
    bookings.release()
    expect(desk.locator("#slip")).to_be_visible()
    slots = requests.get(f"{url}/api/v1/appointments/slots", timeout=10, headers=staff,
                         params={"service": "B01", "date": day}).json()["slots"]
    assert next(s["free"] for s in slots if s["start"] == "10:30") == 2   # booked once


def test_the_booking_page_groups_items_by_department_and_finds_them_by_pinyin(hall_server, phone) -> None:
    items = requests.get(f"{hall_server.url}/api/v1/appointments/services", timeout=10).json()["services"]
    departments = list(dict.fromkeys(item["department"] for item in items))
    assert [item["department"] for item in items] == sorted(
        (item["department"] for item in items), key=departments.index), "each department's items together"
    assert phone.goto(f"{hall_server.url}/book").status == 200
    phone.wait_for_selector("#step-item:not([hidden])")
    headings = phone.locator("#items h3.dept")
    expect(headings).to_have_count(len(departments))
    phone.fill("#item-search", "qysl")                     # 企业设立登记, by its pinyin initials
    expect(phone.locator("#items button")).to_have_count(1)
    expect(phone.locator("#items button")).to_contain_text("企业设立登记")
    phone.fill("#item-search", "zzzz")
    expect(phone.locator("#items button")).to_have_count(0)
    expect(phone.locator("#no-match")).to_be_visible()
    phone.fill("#item-search", "")
    assert phone.locator("#items button").count() == len(items)
