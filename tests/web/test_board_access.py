"""The web hall board and window strip for people who cannot see the screen well or use no
mouse: axe-core's WCAG 2.0 / 2.1 A and AA rules on every state a citizen meets (calls,
paused and closed windows, portrait, the refused token, the voice button), and the keyboard:
the one control these pages have is reached by Tab, shows where focus is, and works with
Enter and Space; nothing hidden takes focus."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.accessibility import axe_violations, tab_stops
from tests.web.test_board import (AUTOPLAY_REFUSED_UNTIL_A_TAP, board_page, first_item, hall,  # noqa: F401
                                  open_board, signed_in, speaking_browser)


def test_axe_finds_what_it_should(board_page) -> None:  # noqa: F811
    """The engine runs: a page with an unnamed button and an image without text fails."""
    page = board_page(800, 600)
    page.set_content("<html lang='zh-CN'><title>t</title><main><img src='data:,'><button></button></main></html>")
    assert {v["rule"] for v in axe_violations(page)} >= {"image-alt", "button-name"}


@pytest.fixture(scope="module")
def busy_hall(hall):  # noqa: F811
    """Calls at two windows, one paused with a reason, tickets waiting: the board's every part."""
    tokens = {n: signed_in(hall, n) for n in (5, 6, 7)}
    for n in (5, 6):
        hall.issue(first_item(hall, n), 2)
        hall.request("POST", f"/windows/{n}/call-next", tokens[n])
    hall.request("POST", "/windows/7/pause", tokens[7], json={"reason": "午休"})
    return hall


@pytest.mark.parametrize("size, query", [((1920, 1080), ""), ((1080, 1920), "&portrait=1"),
                                         ((1920, 1080), "&zone=1F")])
def test_the_board_meets_wcag_a_and_aa(busy_hall, board_page, size, query) -> None:  # noqa: F811
    board = board_page(*size)
    open_board(board, busy_hall, query + "&blink=0")
    expect(board.locator("#now-number")).not_to_be_empty()
    assert axe_violations(board) == []


def test_the_strip_meets_wcag_a_and_aa_in_each_state(busy_hall, board_page) -> None:  # noqa: F811
    for number, shown in ((5, "请 "), (7, "午休"), (30, "未开放")):
        for size in ((800, 160), (1280, 400)):
            strip = board_page(*size)
            strip.goto(f"{busy_hall.url}/strip/{number}?token={busy_hall.window_token(number)}")
            expect(strip.locator("#s-main")).to_contain_text(shown)
            assert axe_violations(strip) == [], (number, size)
            # a screen reader's first stop: which window this strip is about
            expect(strip.get_by_role("heading", level=1)).to_have_text(f"{number}号窗口Window")


def test_a_refused_token_meets_wcag_a_and_aa(busy_hall, board_page) -> None:  # noqa: F811
    board = board_page()
    board.goto(f"{busy_hall.url}/board?token=not-a-token")
    expect(board.locator("#refused")).to_be_visible()
    assert axe_violations(board) == []
    strip = board_page(800, 160)
    strip.goto(f"{busy_hall.url}/strip/5?token=not-a-token")
    expect(strip.locator("#refused")).to_be_visible()
    assert axe_violations(strip) == []


def test_nothing_hidden_takes_focus_on_the_board_or_the_strip(busy_hall, board_page) -> None:  # noqa: F811
    board = board_page()
    open_board(board, busy_hall, "&blink=0")
    assert [stop for stop in tab_stops(board) if stop is not None] == [], "the board has no control until the voice needs one"
    strip = board_page(800, 160)
    strip.goto(f"{busy_hall.url}/strip/5?token={busy_hall.window_token(5)}")
    expect(strip.locator("#s-main")).to_contain_text("请 ")
    assert [stop for stop in tab_stops(strip) if stop is not None] == []


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_the_voice_button_is_reached_and_pressed_with_the_keyboard_alone(busy_hall, speaking_browser, key) -> None:  # noqa: F811
    number = 14 if key == "Enter" else 19
    token = signed_in(busy_hall, number)
    busy_hall.issue(first_item(busy_hall, number))
    context = speaking_browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_init_script(AUTOPLAY_REFUSED_UNTIL_A_TAP)
    try:
        board = context.new_page()
        open_board(board, busy_hall, "&blink=0")
        hall_ticket = busy_hall.request("POST", f"/windows/{number}/call-next", token)["ticket"]
        expect(board.locator("#now-number")).to_have_text(hall_ticket["number"])
        button = board.locator("#sound-off")
        expect(button).to_be_visible(timeout=30_000)
        assert axe_violations(board) == []
        stops = [stop for stop in tab_stops(board, 3) if stop is not None]
        assert stops and all(stop["id"] == "sound-off" for stop in stops), stops   # the only stop, and no trap
        assert stops[0]["shown"] and stops[0]["ring"], "focus can be seen on it"
        board.keyboard.press(key)
        expect(button).to_be_hidden()
        board.wait_for_function("() => window.boardVoice.log.some(e => e.outcome === 'said')", timeout=60_000)
    finally:
        context.close()


def test_the_newest_call_stops_blinking_by_itself_within_five_seconds(busy_hall, board_page) -> None:  # noqa: F811
    """WCAG 2.2.2: nobody can pause a wall screen, so a blink longer than 5 s is not allowed, not
    even when the address asks for one (&blink=30)."""
    token = signed_in(busy_hall, 21)
    busy_hall.issue(first_item(busy_hall, 21))
    board = board_page()
    open_board(board, busy_hall, "&blink=30")
    called = busy_hall.request("POST", "/windows/21/call-next", token)["ticket"]
    expect(board.locator("#now-number")).to_have_text(called["number"])
    expect(board.locator("#now")).to_have_class(re.compile(r"\bblinking\b"))
    # 5 s and the board's own tick (a quarter second) with room for a loaded machine; 30 s would fail
    expect(board.locator("#now")).not_to_have_class(re.compile(r"\bblinking\b"), timeout=8000)
    assert board.evaluate("() => getComputedStyle(document.getElementById('now')).animationName") == "none"
