"""The phone page in a real Chromium on a phone-sized screen, against a real server process,
following a ticket from waiting to called to rated as the clerk moves it through the API."""

from __future__ import annotations

import pytest
import requests

from server import accounts
from server.datadir import open_data_dir
from tests.conftest import add_user, small_hall_document, to_toml
from common import launcher

playwright_api = pytest.importorskip("playwright.sync_api")
from tests.browser import phone_page  # noqa: E402


PASSWORD = "password-1"


@pytest.fixture(scope="module")
def hall_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("phone")
    config = root / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    data = open_data_dir(root / "var", config)
    kiosk = accounts.add_device(data.database, data.hall_id, "kiosk", "kiosk").token
    add_user(data.database, data.hall_id, "clerk3", "clerk", PASSWORD)
    data.close()
    server = launcher.hall_server(root / "var", config).start()
    server.kiosk = kiosk
    yield server
    server.stop()


@pytest.fixture
def phone(browser):
    yield from phone_page(browser)


def test_the_page_follows_a_ticket_from_waiting_to_called_to_rated(hall_server, phone) -> None:
    url = hall_server.url
    issued = requests.post(f"{url}/api/v1/tickets", json={"service": "A01"}, timeout=10,
                           headers={"Authorization": f"Bearer {hall_server.kiosk}"}).json()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    phone.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    outside: list[str] = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)

    response = phone.goto(issued["track_url"])
    assert response.status == 200
    number = phone.locator("#number")
    assert number.inner_text() == issued["number"]
    phone.wait_for_selector("#waiting:not([hidden])")
    assert phone.locator("#ahead").inner_text() == "0"
    assert phone.locator("#estimate").inner_text()
    assert "号窗口" in phone.locator("#windows").inner_text()
    assert phone.locator("#service").inner_text() == "企业设立登记"

    clerk = requests.Session()
    token = clerk.post(f"{url}/api/v1/auth/login", json={"username": "clerk3", "password": PASSWORD},
                       timeout=10).json()["token"]
    clerk.headers["Authorization"] = f"Bearer {token}"
    assert clerk.post(f"{url}/api/v1/windows/3/sign-in", timeout=10).ok
    assert clerk.post(f"{url}/api/v1/windows/3/call-next", timeout=10).json()["ticket"]["id"] == issued["id"]
    called = phone.locator("#called")
    called.wait_for(state="visible", timeout=8_000)
    assert "请到" in called.inner_text() and "3 号窗口" in called.inner_text()
    assert "Please go to window 3" in called.inner_text()

    assert clerk.post(f"{url}/api/v1/tickets/{issued['id']}/start", timeout=10).ok
    assert clerk.post(f"{url}/api/v1/tickets/{issued['id']}/finish", timeout=10).ok
    satisfied = phone.locator("#rate button", has_text="满意").nth(1)
    satisfied.wait_for(state="visible", timeout=8_000)
    assert phone.locator("#rate button").count() == 5
    assert satisfied.inner_text().startswith("满意")
    satisfied.click()
    playwright_api.expect(phone.locator("#ended")).to_contain_text("感谢您的评价")
    assert "您的评价：满意" in phone.locator("#ended").inner_text()
    assert phone.locator("#rate").is_hidden()

    ticket = clerk.get(f"{url}/api/v1/tickets/{issued['id']}", timeout=10).json()
    assert ticket["rating"] == 4
    assert not errors, errors
    assert not outside, "the page loads nothing from elsewhere"


def test_an_unknown_token_gets_a_friendly_page(hall_server, phone) -> None:
    response = phone.goto(f"{hall_server.url}/t/{'z' * 43}")
    assert response.status == 404
    body = phone.locator("body").inner_text()
    assert "没有找到这张票" in body and "We could not find this ticket" in body
    assert "服务台" in body and "service desk" in body

def test_the_citizen_turns_text_messages_on_and_off(hall_server, phone) -> None:
    url = hall_server.url
    issued = requests.post(f"{url}/api/v1/tickets", json={"service": "A02"}, timeout=10,
                           headers={"Authorization": f"Bearer {hall_server.kiosk}"}).json()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    assert phone.goto(issued["track_url"]).status == 200
    form = phone.locator("#notify")
    form.wait_for(state="visible", timeout=8_000)
    assert "前面还剩 3 人时" in form.inner_text() and "When 3 or fewer are ahead of me" in form.inner_text()
    assert "加密保存" in phone.locator("#notify-consent").inner_text()
    phone.fill("#notify-mobile", "12345")
    phone.click("#notify-send")
    playwright_api.expect(phone.locator("#notify-error")).to_contain_text("11 位手机号码")
    phone.fill("#notify-mobile", "138 1234 5678")
    phone.uncheck("#notify-called")
    phone.click("#notify-send")
    on = phone.locator("#notify-on")
    on.wait_for(state="visible", timeout=8_000)
    assert "138****5678" in on.inner_text() and "13812345678" not in phone.content()
    assert "叫到您时" not in on.inner_text() and form.is_hidden()
    phone.reload()
    phone.locator("#notify-on").wait_for(state="visible", timeout=8_000)   # kept by the server
    phone.click("#notify-stop")
    form.wait_for(state="visible", timeout=8_000)
    assert not errors, errors
