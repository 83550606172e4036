"""A 差评 case's rectification deadline (整改期限) on the supervisor's card, in Chromium against a
real server whose deadline is 36 seconds: shown once the case is followed up, marked overdue
when it passes (by the page itself, and by the server's figures and alert), gone once closed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import small_hall_document
from tests.supervision.conftest import QUICK, started_quick_hall
from tests.supervision.test_case_pages import bad_rating_at_window_4, record
from tests.supervision.test_pages import sign_in

#: the shortest rectification the config allows: 0.01 h = 36 s
RECTIFY_HOURS = 0.01


@pytest.fixture(scope="module")
def deadline_hall(tmp_path_factory):
    root = tmp_path_factory.mktemp("case-deadline")
    hall = started_quick_hall(root, small_hall_document(supervision=QUICK | {"bad_rating_rectify_hours": RECTIFY_HOURS}),
                              (("clerk4", "clerk"), ("boss", "supervisor")))
    yield hall
    hall.process.stop()


def test_the_card_shows_the_rectification_deadline_and_marks_it_overdue(browser, deadline_hall, tmp_path) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    try:
        page = sign_in(context.new_page(), deadline_hall, "/supervisor")
        ticket = bad_rating_at_window_4(deadline_hall)
        case = page.locator("#cases li.case").filter(has_text=ticket["number"])
        expect(case.locator(".case-due")).to_contain_text("回访截止", timeout=5_000)
        record(page, case, "follow_up", "电话回访：群众反映窗口人员态度生硬")
        due = case.locator(".case-due")
        expect(due).to_contain_text("整改截止")
        expect(case).not_to_have_class("case overdue")
        boss = deadline_hall.login("boss")
        case_id = case.get_attribute("data-case")
        view = deadline_hall.call("GET", f"/cases/{case_id}", boss)["case"]
        assert view["rectify_due_at"] and view["rectify_overdue"] is False

        expect(due).to_contain_text("整改超时", timeout=60_000)          # the page's own clock
        expect(due).to_have_class("case-due late")
        expect(case).to_have_class("case overdue")
        expect(page.locator("#case-overdue")).to_contain_text("1 件超时")
        page.screenshot(path=str(tmp_path / "case-rectify-overdue.png"))
        assert deadline_hall.call("GET", f"/cases/{case_id}", boss)["case"]["rectify_overdue"] is True
        alert = page.locator(f'#alerts li[data-key="bad_rating_case:{case_id}"]')
        expect(alert).to_contain_text("差评整改超时", timeout=10_000)      # the server's rule, live

        page.reload()                                                       # drawn from the server's figures
        expect(page.locator("#board")).to_be_visible()
        case = page.locator(f'#cases li[data-case="{case_id}"]')
        expect(case.locator(".case-due")).to_contain_text("整改超时")
        record(page, case, "rectify", "已约谈窗口人员并培训")
        expect(case.locator(".case-status")).to_have_text("已整改，待办结")
        expect(case).not_to_have_class("case overdue")
    finally:
        context.close()
