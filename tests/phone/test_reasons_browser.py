"""The phone page after 不满意 / 非常不满意: it asks why (reason codes, a comment), lets the citizen
go back, and sends the rating with them; text typed by the citizen stays text."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
import requests

from tests.phone.test_browser import PASSWORD, hall_server  # noqa: F401 (fixture)

playwright_api = pytest.importorskip("playwright.sync_api")
from tests.browser import phone_page  # noqa: E402

expect = playwright_api.expect
HOSTILE = "<img src=x onerror=alert(1)>太慢"


@pytest.fixture
def phone(browser):
    yield from phone_page(browser)


def finished_ticket(server) -> dict:
    issued = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, timeout=10,
                           headers={"Authorization": f"Bearer {server.kiosk}"}).json()
    clerk = requests.Session()
    token = clerk.post(f"{server.url}/api/v1/auth/login", json={"username": "clerk3", "password": PASSWORD},
                       timeout=10).json()["token"]
    clerk.headers["Authorization"] = f"Bearer {token}"
    assert clerk.post(f"{server.url}/api/v1/windows/3/sign-in", timeout=10).ok
    assert clerk.post(f"{server.url}/api/v1/windows/3/call", timeout=10,
                      json={"number": issued["number"], "reason": "测试"}).ok
    assert clerk.post(f"{server.url}/api/v1/tickets/{issued['id']}/start", timeout=10).ok
    assert clerk.post(f"{server.url}/api/v1/tickets/{issued['id']}/finish", timeout=10).ok
    assert clerk.post(f"{server.url}/api/v1/windows/3/sign-out", timeout=10).ok
    return issued


def stored_rating(server, ticket_id: int) -> tuple[int, dict]:
    uri = f"file:{server.data / 'jiaohao.sqlite3'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
        rating, details = conn.execute(
            "SELECT t.rating, e.details FROM tickets t JOIN events e ON e.ticket_id = t.id "
            "WHERE t.id = ? AND e.kind = 'service_rated'", (ticket_id,)).fetchone()
    return rating, json.loads(details)


def test_a_bad_rating_on_the_phone_asks_why(hall_server, phone) -> None:  # noqa: F811
    issued = finished_ticket(hall_server)
    dialogs: list[str] = []
    phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    phone.goto(issued["track_url"])
    expect(phone.locator("#rate")).to_be_visible()
    assert phone.locator("#rate button").count() == 5

    phone.click("#rate button[data-rating='1']")
    reasons = phone.locator("#rate-reasons")
    expect(reasons).to_be_visible()
    expect(phone.locator("#rate")).to_be_hidden()
    expect(phone.locator("#rate-chosen")).to_have_text("非常不满意 · Very dissatisfied")
    expect(phone.locator("#reason-choices input").first).to_be_focused()
    phone.click("#rate-back")                         # changed their mind about the level
    expect(phone.locator("#rate")).to_be_visible()
    phone.click("#rate button[data-rating='2']")
    expect(reasons).to_contain_text("办理时间过长")
    expect(reasons).to_contain_text("Took too long")
    phone.locator("#reason-choices label", has_text="办理时间过长").click()
    phone.locator("#reason-choices label", has_text="需要多次跑动").click()
    phone.fill("#rate-comment", HOSTILE)
    phone.wait_for_timeout(3500)                      # a poll in between keeps the citizen's answers
    expect(reasons).to_be_visible()
    phone.click("#rate-send")
    expect(phone.locator("#ended")).to_contain_text("感谢您的评价")
    assert "您的评价：不满意" in phone.locator("#ended").inner_text()
    rating, details = stored_rating(hall_server, issued["id"])
    assert rating == 2 and details["reasons"] == ["slow", "runs"] and details["comment"] == HOSTILE
    assert phone.locator("img").count() == 0 and dialogs == []
