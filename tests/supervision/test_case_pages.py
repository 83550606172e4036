"""差评 cases on the supervisor's page, in Chromium against a real server: a bad rating shows up
live with who, what and why; each step is recorded from the page and shows at once on another
supervisor's page; a note being typed survives the page reading the hall again."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from playwright.sync_api import expect

from tests.supervision.conftest import QuickHall
from tests.supervision.test_pages import sign_in

HOSTILE = "<img src=x onerror=alert(1)>态度差"


def bad_rating_at_window_4(hall: QuickHall) -> dict:
    clerk = hall.login("clerk4")
    hall.call("POST", "/windows/4/sign-in", clerk)
    ticket = hall.call("POST", "/tickets", hall.kiosk, {"service": "C01"})
    hall.call("POST", "/windows/4/call", clerk, {"number": ticket["number"], "reason": "测试"})
    hall.call("POST", f"/tickets/{ticket['id']}/start", clerk)
    hall.call("POST", f"/tickets/{ticket['id']}/finish", clerk, {"case_no": "SW-2026-77"})
    hall.call("POST", "/windows/4/sign-out", clerk)
    hall.call("POST", f"/tickets/{ticket['id']}/evaluation", hall.screen,
              {"rating": 1, "reasons": ["attitude", "runs"], "comment": HOSTILE})
    return ticket


def record(page, case, step: str, note: str) -> None:
    form = case.locator("form.case-form")
    form.locator("select[name=step]").select_option(step)
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()


def test_a_case_is_followed_up_rectified_and_closed_from_the_page(browser, quick_hall) -> None:
    contexts = [browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN") for _ in range(2)]
    try:
        mine, theirs = (sign_in(context.new_page(), quick_hall, "/supervisor") for context in contexts)
        dialogs: list[str] = []
        mine.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        ticket = bad_rating_at_window_4(quick_hall)

        case = mine.locator("#cases li.case").filter(has_text=ticket["number"])
        expect(case).to_be_visible(timeout=5_000)                       # live, no reload
        expect(case.locator(".case-rating")).to_have_text("非常不满意")
        expect(case.locator(".case-status")).to_have_text("待回访核实")
        expect(case.locator(".case-due")).to_contain_text("回访截止")
        for text in ("C01", "4 号窗口", "clerk4-名", "服务态度不好、需要多次跑动", "SW-2026-77", "窗口评价屏"):
            expect(case.locator(".case-facts")).to_contain_text(text)
        expect(case.locator(".case-facts")).to_contain_text(HOSTILE)   # shown as typed, never run
        assert mine.locator("#cases img").count() == 0 and dialogs == []
        case_id = case.get_attribute("data-case")
        expect(mine.locator(f'#alerts li[data-key="bad_rating_case:{case_id}"]')).to_be_visible(timeout=5_000)
        expect(case.locator("select[name=step] option")).to_have_count(1)   # only 回访核实 comes first

        # a note needs writing; an empty one is refused in both languages
        case.locator("button[type=submit]").click()
        expect(case.locator("form .message")).to_contain_text("every step needs a note")

        elsewhere = theirs.locator(f'#cases li[data-case="{case_id}"]')
        expect(elsewhere).to_be_visible(timeout=5_000)
        elsewhere.locator("textarea[name=note]").fill("准备整改方案")   # typed on the other page meanwhile

        record(mine, case, "follow_up", "电话回访：群众反映窗口人员态度生硬")
        expect(case.locator(".case-status")).to_have_text("已回访，待整改或申诉")
        expect(case.locator(".case-steps")).to_contain_text("回访核实 · boss：电话回访")
        expect(elsewhere.locator(".case-status")).to_have_text("已回访，待整改或申诉", timeout=5_000)   # live
        expect(elsewhere.locator("textarea[name=note]")).to_have_value("准备整改方案")   # the draft stayed
        expect(case.locator("select[name=step] option")).to_have_text(["整改", "申诉"])

        record(mine, case, "rectify", "已约谈窗口人员并培训")
        expect(elsewhere.locator(".case-status")).to_have_text("已整改，待办结", timeout=5_000)
        record(mine, case, "close", "已向群众反馈整改结果")
        expect(case.locator(".case-status")).to_have_text("已办结")
        expect(case.locator("form")).to_have_count(0)
        expect(mine.locator(f'#alerts li[data-key="bad_rating_case:{case_id}"]')).to_have_count(0, timeout=5_000)
        expect(elsewhere.locator(".case-status")).to_have_text("已办结", timeout=5_000)
        uri = f"file:{quick_hall.process.data / 'jiaohao.sqlite3'}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            audited = [row[0] for row in conn.execute(
                "SELECT action FROM audit_log WHERE subject = ? ORDER BY id", (f"差评 {ticket['number']}",))]
        assert audited == ["case.open", "case.follow_up", "case.rectify", "case.close"]
    finally:
        for context in contexts:
            context.close()
