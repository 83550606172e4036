"""The window screen in Chromium against a real server: the call shows at once, the rating
is stored against the ticket, silence is stored as not rated, data shows as text."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser import HeldReplies
from tests.web.helpers import open_window_screen, sign_in_clerk, until

RATING_LABELS = ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
HOSTILE_REASON = "<img src=x onerror=alert(1)><b>午休</b>"


def test_call_shows_within_a_second_and_a_touch_on_satisfied_is_stored(demo, new_page) -> None:
    ticket = demo.issue("C01")[0]
    screen = open_window_screen(new_page(1280, 800), demo, 12)
    assert "token=" not in screen.url   # the token left the address bar once stored
    clerk = sign_in_clerk(new_page(), demo, "clerk12", 12)
    expect(screen.locator("#state-text")).to_have_text("空闲")
    expect(screen.locator("#clerk")).to_contain_text("G1012")

    started = time.monotonic()
    clerk.click("[data-action=next]")
    screen.wait_for_function("n => document.querySelector('#current-number').textContent === n",
                             arg=ticket["number"], timeout=2000)
    assert time.monotonic() - started < 1.0
    expect(screen.locator("#state-text")).to_have_text("已呼叫")   # called is not yet served

    clerk.click("[data-action=start]")
    expect(clerk.locator("#c-marks")).to_contain_text("办理中")
    expect(screen.locator("#state-text")).to_have_text("办理中")
    clerk.click("[data-action=finish]")
    clerk.fill("#d-finish input[name=case_no]", "XF-2026-0001")
    clerk.click("#d-finish button.primary")

    buttons = screen.locator("#rating-buttons button")
    expect(screen.locator("#rating")).to_be_visible()
    assert [b.split("\n")[0] for b in buttons.all_inner_texts()] == RATING_LABELS
    expect(screen.locator("#rating-ticket")).to_have_text(ticket["number"])
    screen.click("#rating-buttons button[data-rating='4']")
    expect(screen.locator("#thanks-text")).to_have_text("感谢您的评价")

    stored = demo.query("SELECT rating, state, case_no FROM tickets WHERE id = ?", (ticket["id"],))
    assert stored == [(4, "done", "XF-2026-0001")]
    expect(screen.locator("#thanks")).to_be_hidden(timeout=8000)
    expect(screen.locator("#state-text")).to_have_text("空闲")


def test_no_answer_is_stored_as_not_rated(demo, new_page) -> None:
    ticket = demo.issue("D01")[0]
    screen = open_window_screen(new_page(1024, 600), demo, 14, "&rating_timeout=2")
    token = demo.login("clerk14")
    demo.request("POST", "/windows/14/sign-in", token)
    called = demo.request("POST", "/windows/14/call-next", token)["ticket"]
    assert called["id"] == ticket["id"]
    demo.request("POST", f"/tickets/{ticket['id']}/start", token)
    demo.request("POST", f"/tickets/{ticket['id']}/finish", token)

    expect(screen.locator("#rating")).to_be_visible()
    expect(screen.locator("#rating-countdown")).to_contain_text("秒后自动关闭")
    expect(screen.locator("#rating")).to_be_hidden(timeout=5000)
    expect(screen.locator("#thanks")).to_be_hidden()
    # the prompt closes, then the screen's request records it: wait for the record
    until(lambda: demo.query("SELECT COUNT(*) FROM events WHERE kind = 'rating_skipped' AND ticket_id = ?",
                             (ticket["id"],)) == [(1,)], "the skipped rating is recorded")
    assert demo.query("SELECT rating FROM tickets WHERE id = ?", (ticket["id"],)) == [(None,)]
    assert demo.ticket(ticket["id"])["rating"] is None


def test_a_second_tap_while_the_rating_is_saved_says_so_and_one_rating_is_stored(demo, new_page) -> None:
    ticket = demo.issue("B08")[0]
    screen = open_window_screen(new_page(1280, 800), demo, 11)
    token = demo.login("clerk11")
    demo.request("POST", "/windows/11/sign-in", token)
    assert demo.request("POST", "/windows/11/call-next", token)["ticket"]["id"] == ticket["id"]
    demo.request("POST", f"/tickets/{ticket['id']}/start", token)
    ratings = HeldReplies(screen, "**/api/v1/tickets/*/evaluation")
    demo.request("POST", f"/tickets/{ticket['id']}/finish", token)

    expect(screen.locator("#rating")).to_be_visible()
    screen.locator("#rating-buttons button[data-rating='4']").click()
    ratings.wait()
    screen.locator("#rating-buttons button[data-rating='5']").click(force=True)   # looks done, still answers
    expect(screen.locator("#rating-message")).to_have_text(
        "已收到您的评价，正在保存 / Your rating is in and being saved")
    ratings.release()
    expect(screen.locator("#thanks")).to_be_visible()
    assert demo.ticket(ticket["id"])["rating"] == 4
    assert demo.query("SELECT COUNT(*) FROM events WHERE kind = 'service_rated' AND ticket_id = ?",
                      (ticket["id"],)) == [(1,)]
    demo.request("POST", "/windows/11/sign-out", token)


def test_a_pause_reason_with_html_shows_as_text_everywhere(demo, new_page) -> None:
    alerts = []
    screen = open_window_screen(new_page(1280, 800), demo, 25)
    screen.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    neighbour = demo.login("clerk26")
    demo.request("POST", "/windows/26/sign-in", neighbour)
    clerk = sign_in_clerk(new_page(), demo, "clerk25", 25)
    clerk.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))

    clerk.keyboard.press("p")
    clerk.fill("#d-pause input[name=reason]", HOSTILE_REASON)
    clerk.click("#d-pause button.primary")

    expect(screen.locator("#state-text")).to_have_text("暂停服务")
    expect(screen.locator("#paused-reason")).to_have_text(HOSTILE_REASON)
    expect(screen.locator("#go-text")).to_have_text("请到 26 号窗口办理")
    expect(clerk.locator("#t-status")).to_have_text(f"暂停 · {HOSTILE_REASON}")
    assert screen.locator("img").count() == 0 and screen.locator("#view b").count() == 0
    assert clerk.locator("img").count() == 0
    assert alerts == []

    # a paused window is refused a call, and the clerk is told why
    clerk.keyboard.press("Space")
    expect(clerk.locator("#notice")).to_be_visible()
    expect(clerk.locator("#notice-text")).to_contain_text("暂停")
    clerk.keyboard.press("p")
    expect(clerk.locator("#t-status")).to_have_text("服务中")
    expect(screen.locator("#state-text")).to_have_text("空闲")
    demo.request("POST", "/windows/26/sign-out", neighbour)


def test_a_screen_refuses_a_token_of_another_window_and_a_bad_token(demo, new_page) -> None:
    page = new_page(1024, 600)
    page.goto(f"{demo.url}/window/5?token={demo.window_token(6)}")
    expect(page.locator("#setup")).to_be_visible()
    expect(page.locator("#setup-message")).to_contain_text("这不是本窗口的窗口屏凭证")
    page.fill("#setup-token", "not-a-token")
    page.click("#setup-form button[type=submit]")
    expect(page.locator("#setup-message")).to_contain_text("凭证无效")
    page.fill("#setup-token", demo.window_token(5))
    page.click("#setup-form button[type=submit]")
    expect(page.locator("#screen")).to_be_visible()
    expect(page.locator("#w-number")).to_have_text("5")


def test_the_screen_speaks_english_with_chinese_alongside(demo, new_page) -> None:
    page = open_window_screen(new_page(1280, 800), demo, 7, "&lang=en")
    expect(page.locator("#state-text")).to_have_text("Service paused")
    expect(page.locator("#state-alt")).to_have_text("暂停服务")
    expect(page.locator("#paused-reason")).to_have_text("No clerk at this window")
    page.click("#lang-toggle")
    expect(page.locator("#state-text")).to_have_text("暂停服务")
