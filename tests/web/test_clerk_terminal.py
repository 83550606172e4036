"""The clerk terminal in Chromium against a real server: shortcuts, refusals shown, and two
clerks pressing "next" at the same instant never getting the same citizen."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.web.helpers import clerk_token, current_number, settled, sign_in_clerk


def test_keyboard_shortcuts_drive_the_window(demo, new_page) -> None:
    first, second = demo.issue("F01", 2)
    clerk = sign_in_clerk(new_page(), demo, "clerk17", 17)
    expect(clerk.locator("#q-count")).to_have_text("2")
    expect(clerk.locator("[data-action=next] kbd")).to_have_text("Space / F1")

    clerk.keyboard.press("Space")
    expect(clerk.locator("#c-number")).to_have_text(first["number"])
    settled(clerk)
    clerk.keyboard.press("r")
    expect(clerk.locator("#c-recalls")).to_have_text("1 / 3")
    settled(clerk)
    clerk.keyboard.press("s")
    expect(clerk.locator("#c-marks")).to_contain_text("办理中")
    assert demo.ticket(first["id"])["recalls"] == 1 and demo.ticket(first["id"])["state"] == "serving"

    clerk.keyboard.press("f")
    expect(clerk.locator("#d-finish")).to_be_visible()
    clerk.keyboard.type("SNRH-1")   # letters typed into a field are text, not shortcuts
    assert demo.ticket(first["id"])["state"] == "serving"
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#c-number")).to_have_text("—")
    assert demo.ticket(first["id"])["case_no"] == "SNRH-1"

    settled(clerk)   # the live message may clear the number before the finish request returns
    clerk.keyboard.press("F1")
    expect(clerk.locator("#c-number")).to_have_text(second["number"])
    settled(clerk)
    clerk.keyboard.press("n")   # too early for a no-show: the server's refusal is shown
    expect(clerk.locator("#notice-text")).to_contain_text("过号")
    settled(clerk)
    clerk.keyboard.press("h")
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#q-held")).to_contain_text(second["number"])
    assert demo.ticket(second["id"])["state"] == "held"
    settled(clerk)

    clerk.locator("#q-held button").click()
    expect(clerk.locator("#q-waiting")).to_contain_text(second["number"])
    settled(clerk)
    clerk.keyboard.press("c")
    clerk.keyboard.type(second["number"])
    clerk.keyboard.press("Enter")
    expect(clerk.locator("#c-number")).to_have_text(second["number"])
    settled(clerk)
    clerk.keyboard.press("t")
    clerk.keyboard.type("F02")
    clerk.click("#transfer-results button[data-target='service:F02']")
    expect(clerk.locator("#c-number")).to_have_text("—")
    assert demo.ticket(second["id"])["service"] == "F02"

    expect(clerk.locator("[data-counter=served] dd")).to_have_text("1")
    expect(clerk.locator("[data-counter=called] dd")).to_have_text("3")
    counts = demo.request("GET", "/me/today", clerk_token(clerk))["counts"]
    assert counts["served"] == 1 and counts["called"] == 3 and counts["transferred"] == 1


def test_two_clerks_calling_at_once_never_share_a_ticket(demo, new_page) -> None:
    demo.issue("E02", 8)
    one = sign_in_clerk(new_page(), demo, "clerk18", 18)
    two = sign_in_clerk(new_page(), demo, "clerk19", 19)
    seen = []
    for _ in range(4):
        at = time.time() * 1000 + 300   # both pages press "next" at the same wall-clock moment
        for page in (one, two):
            page.evaluate("at => setTimeout(() => document.querySelector('[data-action=next]').click(),"
                          " at - Date.now())", at)
        for page in (one, two):
            expect(page.locator("#c-number")).not_to_have_text("—")
        shown = {18: current_number(one), 19: current_number(two)}
        assert shown[18] != shown[19]
        assert {n: demo.window(n)["current"]["number"] for n in (18, 19)} == shown
        seen += shown.values()
        for number, page in ((18, one), (19, two)):
            ticket_id = demo.window(number)["current"]["id"]
            demo.request("POST", f"/tickets/{ticket_id}/start", clerk_token(page))
            demo.request("POST", f"/tickets/{ticket_id}/finish", clerk_token(page))
            expect(page.locator("#c-number")).to_have_text("—")
    assert len(set(seen)) == 8


def test_a_ticket_taken_by_another_window_is_refused_in_plain_words(demo, new_page) -> None:
    ticket = demo.issue("B02")[0]
    other = demo.login("clerk10")
    demo.request("POST", "/windows/10/sign-in", other)
    clerk = sign_in_clerk(new_page(), demo, "clerk09", 9)
    demo.request("POST", "/windows/10/call-next", other)
    clerk.click("[data-action=call]")
    clerk.fill("#d-call input[name=number]", ticket["number"])
    clerk.click("#d-call button.primary")
    expect(clerk.locator("#d-call .message")).not_to_be_empty()
    expect(clerk.locator("#notice")).to_be_visible()
    assert demo.ticket(ticket["id"])["window"] == 10
    expect(clerk.locator("#c-number")).to_have_text("—")


def test_english_terminal_and_sign_out(demo, new_page) -> None:
    clerk = sign_in_clerk(new_page(), demo, "clerk28", 28, lang="en")
    expect(clerk.locator("[data-action=next] span")).to_have_text("Call next")
    expect(clerk.locator("#t-window")).to_contain_text("Window 28")
    clerk.click("#b-signout")
    expect(clerk.locator("#login")).to_be_visible()
    assert demo.window(28)["status"] == "closed"
    assert clerk.evaluate("sessionStorage.getItem('jiaohao.clerk.token')") is None


def test_the_hall_snapshot_carries_the_rating_policy(demo) -> None:
    policy = demo.request("GET", "/hall", demo.window_token(3))["policy"]
    assert policy == {"rating_timeout_seconds": 60.0, "max_recalls": 3, "hold_minutes": 30.0}
