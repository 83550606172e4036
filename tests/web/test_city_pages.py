"""The city's pages in Chromium, against the demo hall and its city account: the dashboard shows
the hall's row and follows the hall as tickets are issued; the reports page shows the 三率 and
downloads the workbook; a hall's supervisor is told the page is for a city account."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.accessibility import axe_violations
from tests.web.conftest import PASSWORD


def sign_in(page, demo, path: str, username: str = "city"):
    page.goto(f"{demo.url}{path}")
    page.fill("#login-user", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    return page


def waiting_shown(page) -> int:
    return int(page.locator("#hall-rows tr:first-child td").first.inner_text())


def test_the_dashboard_follows_the_hall(demo, new_page) -> None:
    page = sign_in(new_page(), demo, "/city")
    row = page.locator("#hall-rows tr:first-child")
    expect(row.locator("th")).not_to_be_empty()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    before = waiting_shown(page)
    item = demo.window(30)["services"][0]
    ticket = demo.issue(item)[0]
    try:
        expect(row.locator("td").first).to_have_text(str(before + 1), timeout=15_000)   # the next poll
        page.click("#lang")
        expect(page.locator("#title")).to_have_text("City halls")
        expect(page.locator("#hall-head th").first).to_have_text("Hall")
        assert axe_violations(page) == []
    finally:
        demo.request("POST", f"/tickets/{ticket['id']}/cancel", demo.login("supervisor"), json={"reason": "test done"})


def test_the_reports_page_shows_the_rates_and_downloads_the_workbook(demo, new_page) -> None:
    page = sign_in(new_page(), demo, "/city/reports")
    expect(page.locator("#rates .tile")).to_have_count(3)
    expect(page.locator("#hall-rows tr")).to_have_count(1)
    with page.expect_download() as download:
        page.click("#export-xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == ["各大厅 Halls", "各部门 Departments"]
    assert book["各大厅 Halls"]["A2"].value == "大厅 Hall"
    day = page.locator("#from").input_value()
    assert day in book["各大厅 Halls"]["A1"].value


def test_a_halls_supervisor_is_told_the_page_is_for_a_city_account(demo, new_page) -> None:
    page = sign_in(new_page(), demo, "/city", "supervisor")
    expect(page.locator("#login-message")).to_contain_text("市级账号")
    assert page.locator("#board").is_hidden()
