"""The supervisor's pages in Chromium against a real server: the dashboard follows the hall
live, the reports page draws its charts from the log, and the exports open."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.supervision.conftest import PASSWORD, QuickHall


def sign_in(page: Page, hall: QuickHall, path: str) -> Page:
    page.goto(hall.url + path)
    page.fill("#login-user", "boss")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#board")).to_be_visible()
    return page


def test_dashboard_follows_a_pause_live_and_raises_the_empty_window_alert(page, quick_hall) -> None:
    clerk = quick_hall.login("clerk4")
    quick_hall.call("POST", "/windows/4/sign-in", clerk)
    quick_hall.call("POST", "/tickets", quick_hall.kiosk, {"service": "C01"})
    sign_in(page, quick_hall, "/supervisor")
    window = page.locator('.win[data-window="4"]')
    expect(window.locator(".badge")).to_have_text("服务中")
    expect(window).to_contain_text("clerk4-名")
    expect(page.locator('#items tr[data-service="C01"]')).to_contain_text("1")
    quick_hall.call("POST", "/windows/4/pause", clerk, {"reason": "临时离开"})
    expect(window.locator(".badge")).to_have_text("暂停", timeout=5_000)
    expect(window).to_contain_text("临时离开")
    alert = page.locator('#alerts li[data-key="empty_window:4"]')
    expect(alert).to_be_visible(timeout=15_000)          # 6 s of 空岗 with a citizen waiting
    expect(alert).to_contain_text("空岗")
    alert.locator("button.ack").click()
    expect(alert).to_contain_text("已确认")
    quick_hall.call("POST", "/windows/4/resume", clerk)
    expect(alert).to_have_count(0, timeout=5_000)
    expect(window.locator(".badge")).to_have_text("服务中")


def test_department_filter(page, quick_hall) -> None:
    sign_in(page, quick_hall, "/supervisor?lang=en")
    expect(page.locator(".win")).to_have_count(4)
    page.select_option("#department", "SWJ")           # taxation: windows 1 (all items) and 4
    expect(page.locator(".win")).to_have_count(2)
    expect(page.locator('.win[data-window="4"]')).to_be_visible()


def serve_and_rate(hall: QuickHall, ratings: list[int]) -> None:
    clerk = hall.login("clerk2")
    hall.call("POST", "/windows/2/sign-in", clerk)
    for rating in ratings:
        hall.call("POST", "/tickets", hall.kiosk, {"service": "A01"})
        ticket = hall.call("POST", "/windows/2/call-next", clerk)["ticket"]
        hall.call("POST", f"/tickets/{ticket['id']}/start", clerk)
        hall.call("POST", f"/tickets/{ticket['id']}/finish", clerk)
    hall.call("POST", "/windows/2/sign-out", clerk)


def test_reports_page_draws_its_charts_and_exports_open(page, quick_hall) -> None:
    serve_and_rate(quick_hall, [5, 4])
    sign_in(page, quick_hall, "/reports")
    expect(page.locator("body")).to_have_class(re.compile(r"\bready\b"))
    issued = page.locator('#tiles .tile[data-field="issued"] .v')
    expect(issued).not_to_have_text("0")
    bars = page.locator("#chart-hour rect.chart-bar")
    expect(bars.first).to_be_visible()
    values = [float(v) for v in bars.evaluate_all("nodes => nodes.map(n => n.dataset.value)")]
    assert sum(values) >= 4                              # at least two issued and two served
    waits = page.locator("#chart-wait rect.chart-bar").evaluate_all("nodes => nodes.map(n => +n.dataset.value)")
    assert len(waits) == 8 and sum(waits) >= 2
    expect(page.locator("#chart-util rect.chart-bar").first).to_be_attached()
    expect(page.locator("#chart-sat svg")).to_be_visible()
    expect(page.locator('table[data-by="item"] tbody tr')).not_to_have_count(0)

    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.endswith("-item.xlsx")
    with open(download.value.path(), "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    header = [c.value for c in book["报表 Report"][2]]
    assert header[:3] == ["事项 Item", "取号数 Issued", "办结数 Served"]
    a01 = next(row for row in book["报表 Report"].iter_rows(values_only=True) if str(row[0]).startswith("企业设立登记"))
    assert a01[2] >= 2
    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8-sig") as file:
        text = file.read()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "事项 Item" and any(r and r[0] == "合计 Total" for r in rows)


def test_daily_report_is_printable(page, quick_hall) -> None:
    sign_in(page, quick_hall, "/reports")
    expect(page.locator("body")).to_have_class(re.compile(r"\bready\b"))
    page.click("#daily")
    expect(page).to_have_url(re.compile(r"/reports/daily\?date=\d{4}-\d\d-\d\d"))
    expect(page.locator("#board")).to_be_visible()       # the tab's session carried over
    for by in ("item", "window", "clerk", "hour"):
        expect(page.locator(f'table[data-by="{by}"]')).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("#query")).to_be_hidden()
    expect(page.locator("#chart-hour svg")).to_be_visible()


def test_todays_bookings_appear_on_the_dashboard_as_they_are_made(page, quick_hall) -> None:
    slots = requests.get(f"{quick_hall.url}/api/v1/appointments/services", timeout=10).json()
    days = next(item["days"] for item in slots["services"] if item["code"] == "B01")
    today = requests.get(f"{quick_hall.url}/api/v1/appointments/slots", timeout=10,
                         params={"service": "B01", "date": days[0]}).json()
    sign_in(page, quick_hall, "/supervisor")
    card = page.locator("#appointments-card")
    expect(card.locator('[data-figure="booked"] dd')).to_have_text("0")
    if not today["slots"] or days[0] != page.evaluate(
            "new Intl.DateTimeFormat('en-CA', {timeZone: 'Asia/Shanghai'}).format(new Date())"):
        pytest.skip("the hall's last slot of the day is over")
    start = today["slots"][-1]["start"]
    booking = requests.post(f"{quick_hall.url}/api/v1/appointments", timeout=10, json={
        "service": "B01", "date": days[0], "start": start, "mobile": "13912345678"})
    assert booking.status_code == 201, booking.text
    row = card.locator(f'#appointments tr[data-slot="B01 {start}"]')
    expect(row).to_contain_text("社保卡补办", timeout=5_000)     # live: no reload
    expect(card.locator('[data-figure="booked"] dd')).to_have_text("1")
    expect(row.locator("td").nth(3)).to_have_text("1")
    assert requests.delete(booking.json()["manage_url"].replace("/book/m/", "/api/v1/appointments/manage/"),
                           timeout=10).status_code == 200
    expect(row.locator("td").nth(7)).to_have_text("1", timeout=5_000)
    expect(card.locator('[data-figure="cancelled"] dd')).to_have_text("1")


def test_the_dashboard_shows_the_notification_delivery_log(page, quick_hall) -> None:
    quick_hall.call("POST", "/tickets", quick_hall.kiosk, {"service": "C01", "notify": {"mobile": "13812345678"}})
    sign_in(page, quick_hall, "/supervisor")
    row = page.locator("#notify-log tr").first
    expect(row).to_contain_text("138****5678", timeout=10_000)   # the courier sends it in the background
    expect(row).to_contain_text("已发送")
    expect(page.locator("#notify-provider")).to_contain_text("log")
    assert "13812345678" not in page.content()


def test_the_reports_page_counts_notifications_per_provider(page, quick_hall) -> None:
    quick_hall.call("POST", "/tickets", quick_hall.kiosk, {"service": "C01", "notify": {"mobile": "13812345678"}})
    sign_in(page, quick_hall, "/supervisor")
    expect(page.locator("#notify-log tr").first).to_contain_text("已发送", timeout=10_000)
    page.goto(quick_hall.url + "/reports")
    row = page.locator('#notification-counts tr[data-provider="log"]')
    expect(row).to_be_visible(timeout=10_000)
    figures = quick_hall.call("GET", "/reports", quick_hall.login("boss"))["notifications"]["log"]
    assert figures["sent"] >= 1           # the hall is shared with the module's other tests
    expect(row.locator("td").nth(1)).to_have_text(str(figures["sent"]))
    expect(row.locator("td").nth(3)).to_have_text(str(figures["dropped"]))
