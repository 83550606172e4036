"""A clerk's key press is never lost: finishing by keyboard and pressing "next" at once calls
the next citizen every time, whatever order the finish reply and its live message arrive in;
a press that cannot act says why in the notice line; and the terminal shows the newest of what
replies and live messages tell it. Each check of a call reads the server's own state."""

from __future__ import annotations

import re
from typing import Callable

from playwright.sync_api import Page, expect

from tests.browser import HeldReplies
from tests.web.conftest import DemoHall
from tests.web.helpers import clerk_token, settled, sign_in_clerk, until

ROUNDS = 30
NEXT_KEYS = ("F1", "Space")
STILL_WORKING = "上一个操作仍在处理中"


def current_id(demo: DemoHall, window: int) -> int | None:
    return (demo.window(window)["current"] or {}).get("id")


def calls_at(demo: DemoHall, window: int) -> int:
    return demo.query("SELECT COUNT(*) FROM events WHERE window = ? AND kind = 'ticket_called'", (window,))[0][0]


def start_serving(demo: DemoHall, clerk: Page, window: int, ticket: dict) -> None:
    """The window has called `ticket` (checked on the server); the clerk starts it by keyboard."""
    until(lambda: current_id(demo, window) == ticket["id"], f"window {window} calls {ticket['number']}")
    expect(clerk.locator("#c-number")).to_have_text(ticket["number"])
    settled(clerk)
    clerk.keyboard.press("s")
    expect(clerk.locator("#c-marks")).to_contain_text("办理中")
    settled(clerk)


def finish_then_next(demo: DemoHall, clerk: Page, window: int, service: str,
                     while_finishing: Callable[[Page, int], None] = lambda clerk, i: None) -> None:
    """ROUNDS times: finish by keyboard (f, case number, Enter), then Space or F1 the moment the
    dialog has closed; the server must have called the next citizen each time, and no press may
    have called twice."""
    tickets = demo.issue(service, ROUNDS + 1)
    calls_before = calls_at(demo, window)
    clerk.keyboard.press("Space")
    for i in range(ROUNDS):
        start_serving(demo, clerk, window, tickets[i])
        clerk.keyboard.press("f")
        expect(clerk.locator("#d-finish")).to_be_visible()
        clerk.keyboard.type(f"K-{i}")
        clerk.keyboard.press("Enter")
        while_finishing(clerk, i)
        expect(clerk.locator("#d-finish")).to_be_hidden()
        clerk.keyboard.press(NEXT_KEYS[i % 2])
        until(lambda: current_id(demo, window) == tickets[i + 1]["id"],
              f"round {i}: {NEXT_KEYS[i % 2]} calls {tickets[i + 1]['number']}")
        assert demo.ticket(tickets[i]["id"])["case_no"] == f"K-{i}"
    settled(clerk)
    assert calls_at(demo, window) - calls_before == ROUNDS + 1
    expect(clerk.locator("#notice.error")).to_have_count(0)


def test_finish_then_next_at_once_calls_the_next_citizen_every_time(demo, new_page) -> None:
    clerk = sign_in_clerk(new_page(), demo, "clerk29", 29)
    finish_then_next(demo, clerk, 29, "L03")


def test_a_press_while_the_finish_reply_is_slow_says_so_and_the_next_press_calls(demo, new_page) -> None:
    clerk = sign_in_clerk(new_page(), demo, "clerk27", 27)
    finishes = HeldReplies(clerk, "**/api/v1/tickets/*/finish")

    def press_while_the_reply_is_out(clerk: Page, i: int) -> None:
        finishes.wait()
        clerk.keyboard.press(NEXT_KEYS[(i + 1) % 2])   # too early: the finish is still out
        expect(clerk.locator("#notice-text")).to_contain_text(STILL_WORKING)
        expect(clerk.locator("#d-finish")).to_be_visible()
        finishes.release()
        settled(clerk)
        assert current_id(demo, 27) is None, "the early press called nobody"

    finish_then_next(demo, clerk, 27, "J02", press_while_the_reply_is_out)


def test_finish_then_next_when_the_live_message_comes_before_the_reply(demo, new_page) -> None:
    clerk = sign_in_clerk(new_page(), demo, "clerk23", 23)
    finishes = HeldReplies(clerk, "**/api/v1/tickets/*/finish")

    def live_message_first(clerk: Page, i: int) -> None:
        finishes.wait()
        expect(clerk.locator("#c-number")).to_have_text("—")   # the live message, while the reply is held
        expect(clerk.locator("#d-finish")).to_be_visible()
        finishes.release()

    finish_then_next(demo, clerk, 23, "G03", live_message_first)


def test_an_older_reply_never_overwrites_a_newer_live_message(demo, new_page) -> None:
    first, second = demo.issue("C03", 2)
    clerk = sign_in_clerk(new_page(), demo, "clerk13", 13)
    clerk.keyboard.press("Space")
    expect(clerk.locator("#c-number")).to_have_text(first["number"])
    settled(clerk)
    starts = HeldReplies(clerk, "**/api/v1/tickets/*/start")
    clerk.keyboard.press("s")
    starts.wait()
    # while the start reply is out, the ticket is finished elsewhere: a newer change, told live
    demo.request("POST", f"/tickets/{first['id']}/finish", clerk_token(clerk))
    expect(clerk.locator("#c-number")).to_have_text("—")
    starts.release()
    settled(clerk)   # the start reply (the ticket "serving") has come back and was not shown
    expect(clerk.locator("#c-number")).to_have_text("—")
    expect(clerk.locator("#c-marks")).to_be_empty()
    expect(clerk.locator("[data-action=next]")).not_to_have_class(re.compile(r"\bunavailable\b"))
    clerk.keyboard.press("F1")
    until(lambda: current_id(demo, 13) == second["id"], "F1 calls the second citizen")
    expect(clerk.locator("#c-number")).to_have_text(second["number"])


def test_a_dialog_opened_while_another_reply_is_out_takes_typing_and_waits_its_turn(demo, new_page) -> None:
    ticket = demo.issue("M01")[0]
    clerk = sign_in_clerk(new_page(), demo, "clerk30", 30)
    clerk.keyboard.press("Space")
    expect(clerk.locator("#c-number")).to_have_text(ticket["number"])
    settled(clerk)
    starts = HeldReplies(clerk, "**/api/v1/tickets/*/start")
    clerk.keyboard.press("s")
    starts.wait()
    expect(clerk.locator("#c-marks")).to_contain_text("办理中")   # the live message, the reply still out
    clerk.keyboard.press("f")
    expect(clerk.locator("#d-finish")).to_be_visible()
    clerk.keyboard.type("SNRH-2")                  # shortcut letters, typed into the field
    expect(clerk.locator("#d-finish input[name=case_no]")).to_have_value("SNRH-2")
    clerk.keyboard.press("Enter")                  # the finish waits for the start's reply
    clerk.keyboard.press("F1")
    expect(clerk.locator("#notice-text")).to_contain_text(STILL_WORKING)
    expect(clerk.locator("#d-finish")).to_be_visible()
    assert demo.ticket(ticket["id"])["state"] == "serving"
    starts.release()
    expect(clerk.locator("#d-finish")).to_be_hidden()
    until(lambda: demo.ticket(ticket["id"])["case_no"] == "SNRH-2", "the finish went through")
    settled(clerk)
    assert current_id(demo, 30) is None, "the F1 pressed while waiting called nobody"


def test_every_refused_press_says_why(demo, new_page) -> None:
    ticket = demo.issue("A02")[0]
    clerk = sign_in_clerk(new_page(), demo, "clerk08", 8)
    notice = clerk.locator("#notice-text")
    expect(clerk.locator("[data-action=next]")).to_be_focused()

    clerk.keyboard.press("f")                      # nothing to finish
    expect(notice).to_have_text("当前没有正在办理的号")
    clerk.keyboard.press("Space")
    expect(clerk.locator("#c-number")).to_have_text(ticket["number"])
    settled(clerk)
    clerk.keyboard.press("f")                      # called, not yet started
    expect(notice).to_contain_text("请先开始办理")
    clerk.keyboard.press("p")                      # a citizen at the window: no pause
    expect(notice).to_contain_text("请先处理完当前号")
    clerk.keyboard.press("c")                      # ... and no second call
    expect(notice).to_contain_text("再特呼")
    expect(clerk.locator("#d-call")).to_be_hidden()

    clerk.keyboard.press("s")
    settled(clerk)
    clerk.keyboard.press("f")
    expect(clerk.locator("#d-finish input[name=case_no]")).to_be_focused()
    clerk.keyboard.press("F1")                     # a dialog is open
    expect(notice).to_contain_text("请先完成或取消当前对话框")
    assert current_id(demo, 8) == ticket["id"]
    # the ticket is finished elsewhere: the dialog closes, says why, and gives the focus back
    demo.request("POST", f"/tickets/{ticket['id']}/finish", clerk_token(clerk))
    expect(clerk.locator("#d-finish")).to_be_hidden()
    expect(notice).to_contain_text("对话框已关闭")
    expect(clerk.locator("[data-action=next]")).to_be_focused()

    clerk.keyboard.press("h")                      # nothing to hold
    expect(notice).to_have_text("当前没有正在办理的号")
    clerk.keyboard.press("Space")                  # nobody waiting: said, not silent
    expect(notice).to_have_text("当前没有等候的号")
    settled(clerk)
    clerk.keyboard.press("c")
    expect(clerk.locator("#d-call")).to_be_visible()
    clerk.keyboard.press("Escape")                 # Esc closes, and the focus comes back
    expect(clerk.locator("#d-call")).to_be_hidden()
    expect(clerk.locator("[data-action=next]")).to_be_focused()
    assert clerk.evaluate("!document.activeElement.closest('dialog')")


def test_a_button_press_while_busy_says_so(demo, new_page) -> None:
    ticket = demo.issue("G07")[0]
    clerk = sign_in_clerk(new_page(), demo, "clerk24", 24, lang="en")
    calls_before = calls_at(demo, 24)
    calls = HeldReplies(clerk, "**/api/v1/windows/24/call-next")
    clerk.click("[data-action=next]")
    calls.wait()
    clerk.click("[data-action=next]")              # a double click: one call, and a word why
    expect(clerk.locator("#notice-text")).to_have_text("Still working on the previous action")
    calls.release()
    calls.stop()
    settled(clerk)
    assert calls_at(demo, 24) == calls_before + 1 and current_id(demo, 24) == ticket["id"]
    clerk.keyboard.press("F1")                     # a citizen at the window: the server refuses, in words
    expect(clerk.locator("#notice.error")).to_be_visible()
    expect(clerk.locator("#notice-text")).not_to_be_empty()
    assert calls_at(demo, 24) == calls_before + 1
