"""After 不满意 / 非常不满意 the window screen asks why: reason codes and a comment, by touch or
keyboard, in both languages, shown as text; a citizen who walks away still leaves the 差评."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.web.helpers import open_window_screen

WINDOW = 15
HOSTILE = "<b>等了</b><img src=x onerror=alert(1)>"


def finished_at_window(demo, service: str = "D06") -> dict:
    """One ticket of `service` called by number at window 15, served and finished."""
    ticket = demo.issue(service)[0]
    token = demo.login(f"clerk{WINDOW}")
    demo.request("POST", f"/windows/{WINDOW}/sign-in", token)
    demo.request("POST", f"/windows/{WINDOW}/call", token, {"number": ticket["number"], "reason": "测试"})
    demo.request("POST", f"/tickets/{ticket['id']}/start", token)
    demo.request("POST", f"/tickets/{ticket['id']}/finish", token)
    demo.request("POST", f"/windows/{WINDOW}/sign-out", token)
    return ticket


def rated(demo, ticket_id: int) -> tuple[int, dict]:
    (rating, details), = demo.query("SELECT t.rating, e.details FROM tickets t JOIN events e ON e.ticket_id = t.id "
                                    "WHERE t.id = ? AND e.kind = 'service_rated'", (ticket_id,))
    return rating, json.loads(details)


def test_a_bad_rating_asks_why_and_sends_reasons_and_comment(demo, new_page) -> None:
    dialogs: list[str] = []
    screen = open_window_screen(new_page(1280, 800), demo, WINDOW)
    screen.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ticket = finished_at_window(demo)
    expect(screen.locator("#rating")).to_be_visible()

    screen.click("#rating-buttons button[data-rating='2']")
    expect(screen.locator("#reasons")).to_be_visible()
    expect(screen.locator("#rating-buttons")).to_be_hidden()
    expect(screen.locator("#rating-title")).to_contain_text("不满意")
    choices = screen.locator("#reason-choices label")
    assert choices.count() == 7 and "服务态度不好" in choices.first.inner_text()
    # the keyboard: the first reason has the focus, Space ticks it, Tab reaches the next
    expect(screen.locator("#reason-choices input").first).to_be_focused()
    screen.keyboard.press("Space")
    screen.keyboard.press("Tab")
    screen.keyboard.press("Tab")
    screen.keyboard.press("Space")   # the third: 等候时间过长
    screen.fill("#comment", HOSTILE)

    # both languages at once: the citizen may read either
    expect(choices.first).to_contain_text("Unfriendly service")
    expect(screen.locator("#reasons legend")).to_contain_text("What went wrong?")
    expect(screen.locator("label.comment")).to_contain_text("其他意见（可不填） / Anything else? (optional)")
    assert [c.is_checked() for c in screen.locator("#reason-choices input").all()][:3] == [True, False, True]

    screen.click("#reasons-send")
    expect(screen.locator("#thanks")).to_be_visible()
    rating, details = rated(demo, ticket["id"])
    assert rating == 2 and details["reasons"] == ["attitude", "wait"] and details["comment"] == HOSTILE
    assert screen.locator("#rating img, #rating b").count() == 0 and dialogs == []


def test_back_goes_to_the_five_levels_and_walking_away_still_leaves_the_bad_rating(demo, new_page) -> None:
    screen = open_window_screen(new_page(1024, 600), demo, WINDOW, "&rating_timeout=3")
    ticket = finished_at_window(demo)
    expect(screen.locator("#rating")).to_be_visible()
    screen.click("#rating-buttons button[data-rating='1']")
    expect(screen.locator("#reasons")).to_be_visible()
    screen.click("#reasons-back")
    expect(screen.locator("#rating-buttons button")).to_have_count(5)
    expect(screen.locator("#reasons")).to_be_hidden()
    screen.click("#rating-buttons button[data-rating='1']")
    screen.click("#reason-choices label >> nth=6")   # 其他
    expect(screen.locator("#rating")).to_be_hidden(timeout=8000)   # nobody pressed send
    rating, details = rated(demo, ticket["id"])
    assert rating == 1 and details["reasons"] == ["other"]
    skipped = demo.query("SELECT COUNT(*) FROM events WHERE kind = 'rating_skipped' AND ticket_id = ?", (ticket["id"],))
    assert skipped == [(0,)], "a chosen 非常不满意 is not recorded as not rated"
