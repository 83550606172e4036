"""The web hall board and window strip in Chromium against a real server of their own (it is
restarted here): each call on screen within a second, its voice asked of the hall's server and
played first in first out without overlap, recovery after a restart, a refused token shown
full-screen, and not one request outside the hall's server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser import CHROMIUM_ARGS, launched
from tests.conftest import REPO
from common.launcher import free_port, hall_server
from tests.web.conftest import DemoHall

#: a signage player set up to speak without a tap (docs/display.md)
SPEAKING = [*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
#: the audio element's events, kept with their time, so the test can see overlap and order
LISTEN = """() => {
  const audio = document.getElementById('voice');
  window.heard = [];
  for (const name of ['play', 'playing', 'ended', 'error']) {
    audio.addEventListener(name, () => window.heard.push([name, performance.now(), audio.currentSrc]));
  }
}"""


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> DemoHall:
    demo = DemoHall(tmp_path_factory.mktemp("board") / "demo", free_port())
    demo.start()
    yield demo
    demo.stop()


@pytest.fixture(scope="module")
def speaking_browser(playwright):
    yield from launched(playwright, SPEAKING)


@pytest.fixture
def board_page(speaking_browser):
    contexts = []

    def make(width: int = 1920, height: int = 1080) -> Page:
        context = speaking_browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def open_board(page: Page, hall: DemoHall, query: str = "") -> list[str]:
    """Opens the board; returns the list every request's address is added to."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{hall.url}/board?token={hall.tokens['board token']}{query}")
    expect(page.locator("#hall")).to_be_visible()
    expect(page.locator("#hall-name")).not_to_be_empty()
    expect(page.locator("#offline")).to_be_hidden()
    page.evaluate(LISTEN)
    return asked


def signed_in(hall: DemoHall, number: int) -> str:
    token = hall.login(f"clerk{number:02d}")
    hall.request("POST", f"/windows/{number}/sign-in", token)
    return token


def first_item(hall: DemoHall, number: int) -> str:
    return hall.window(number)["services"][0]


def test_each_call_shows_within_a_second_and_is_said_in_order_without_overlap(hall, board_page) -> None:
    windows = (15, 16, 17)
    tokens = {n: signed_in(hall, n) for n in windows}
    for n in windows:
        hall.issue(first_item(hall, n))
    board = board_page()
    asked = open_board(board, hall)

    called = []
    for n in windows:
        started = time.monotonic()
        ticket = hall.request("POST", f"/windows/{n}/call-next", tokens[n])["ticket"]
        board.wait_for_function("n => document.querySelector('#now-number').textContent === n",
                                arg=ticket["number"], timeout=2000)
        assert time.monotonic() - started < 1.0, f"{ticket['number']} shown after more than 1 s"
        expect(board.locator("#now-window")).to_have_text(f"请到 {n} 号窗口")
        called.append(ticket)
    assert board.locator("#recent li .recent-number").all_inner_texts()[:2] == [
        called[1]["number"], called[0]["number"]]

    board.wait_for_function("() => window.boardVoice.log.length >= 3", timeout=60_000)
    log = board.evaluate("window.boardVoice.log")
    assert [entry["outcome"] for entry in log] == ["said", "said", "said"], log
    seqs = [entry["seq"] for entry in log]
    assert seqs == sorted(seqs)
    voice_requests = [url for url in asked if "/announcement" in url]
    assert voice_requests == [f"{hall.url}/api/v1/calls/{seq}/announcement" for seq in seqs]

    heard = board.evaluate("window.heard")
    kinds = [name for name, _, _ in heard if name in ("play", "ended")]
    assert kinds == ["play", "ended"] * 3, heard   # one sentence ends before the next starts
    starts = [at for name, at, _ in heard if name == "playing"]
    ends = [at for name, at, _ in heard if name == "ended"]
    assert all(end <= next_start for end, next_start in zip(ends, starts[1:]))

    outside = [url for url in asked if not url.startswith((hall.url, "blob:", "data:"))]
    assert outside == []


def test_a_recall_is_shown_and_said_as_a_recall(hall, board_page) -> None:
    token = signed_in(hall, 18)
    hall.issue(first_item(hall, 18))
    board = board_page(1080, 1920)
    open_board(board, hall, "&portrait=1")
    ticket = hall.request("POST", "/windows/18/call-next", token)["ticket"]
    expect(board.locator("#now-number")).to_have_text(ticket["number"])
    hall.request("POST", f"/tickets/{ticket['id']}/recall", token)
    expect(board.locator("#now-window")).to_have_text("再次呼叫 · 请到 18 号窗口")
    board.wait_for_function("() => window.boardVoice.log.length >= 2", timeout=40_000)
    outcomes = board.evaluate("window.boardVoice.log.map(e => e.outcome)")
    # the first call was overtaken by the recall while it waited, or said before it: never both lost
    assert outcomes[-1] == "said"
    recall_seq = board.evaluate("window.boardVoice.log.at(-1).seq")
    kind = hall.query("SELECT kind FROM events WHERE seq = ?", (recall_seq,))
    assert kind == [("ticket_recalled",)]


def test_a_refused_token_is_shown_full_screen(hall, board_page) -> None:
    board = board_page()
    board.goto(f"{hall.url}/board?token=not-a-token")
    expect(board.locator("#refused")).to_be_visible()
    expect(board.locator("#refused")).to_contain_text("未授权")
    expect(board.locator("#refused")).to_contain_text("Not authorised")
    expect(board.locator("#hall")).to_be_hidden()
    strip = board_page(800, 160)
    strip.goto(f"{hall.url}/strip/3?token={hall.window_token(4)}")   # another window's token
    expect(strip.locator("#refused")).to_be_visible()


def test_the_strip_shows_the_call_and_a_pause_with_where_to_go(hall, board_page) -> None:
    token = signed_in(hall, 20)
    hall.issue(first_item(hall, 20))
    strip = board_page(800, 160)
    strip.goto(f"{hall.url}/strip/20?token={hall.window_token(20)}")
    expect(strip.locator("#s-main")).to_have_text("空闲 · 请留意叫号")
    ticket = hall.request("POST", "/windows/20/call-next", token)["ticket"]
    expect(strip.locator("#s-main")).to_have_text(f"请 {ticket['number']} 到 20 号窗口")
    hall.request("POST", f"/tickets/{ticket['id']}/start", token)
    expect(strip.locator("#s-main")).to_have_text(f"{ticket['number']} 办理中")
    hall.request("POST", f"/tickets/{ticket['id']}/finish", token)
    hall.request("POST", "/windows/20/pause", token, json={"reason": "<b>午休</b>"})
    nearest = hall.window(20)["nearest_open"]
    expected = "暂停服务 · <b>午休</b>" + (f" · 请到 {nearest} 号窗口办理" if nearest else "")
    expect(strip.locator("#s-main")).to_have_text(expected)
    assert strip.locator("#s-main b").count() == 0   # the reason shows as typed, never as markup


def test_the_board_comes_back_after_a_server_restart(hall, board_page) -> None:
    token = signed_in(hall, 8)
    hall.issue(first_item(hall, 8))
    board = board_page()
    open_board(board, hall)
    hall.stop()
    expect(board.locator("#offline")).to_be_visible(timeout=15_000)
    restart(hall)
    expect(board.locator("#offline")).to_be_hidden(timeout=20_000)
    ticket = hall.request("POST", "/windows/8/call-next", token)["ticket"]
    expect(board.locator("#now-number")).to_have_text(ticket["number"], timeout=5000)


def restart(hall: DemoHall) -> None:
    """The same hall (data, tokens) served again on the same port, as `jiaohao demo` advises;
    the hall's stop() ends this server too."""
    hall.server = hall_server(Path(hall.data), REPO / "config.toml", hall.port,
                              Path(hall.data).parent / "restarted-server.log").start()


#: the text's colour against the first opaque background behind it, as WCAG 2 computes contrast
CONTRAST = """(selector) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  return [...document.querySelectorAll(selector)].filter((n) => n.textContent.trim()).map((node) => {
    let back = node;
    while (back && (rgb(getComputedStyle(back).backgroundColor)[3] ?? 1) === 0) back = back.parentElement;
    const fg = luminance(rgb(getComputedStyle(node).color));
    const bg = luminance(rgb(getComputedStyle(back || document.body).backgroundColor));
    return [node.textContent.trim().slice(0, 20), (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)];
  });
}"""
TEXTS = ("h1, h2, h2 span, .en, .date, .clock, .now-number, .now-window, .now-en, .recent-number, "
         ".recent-window, .cell-number, .cell-label, .cell-current, .cell-hint, .cell-en, .item-name, "
         ".item-name-en, .item-count, .item-estimate, .item-estimate-en, .notice-text")


def test_every_text_on_the_board_and_strip_meets_wcag_aa_contrast(hall, board_page) -> None:
    token = signed_in(hall, 9)
    hall.issue(first_item(hall, 9), 2)
    hall.request("POST", "/windows/9/call-next", token)
    paused = signed_in(hall, 10)
    hall.request("POST", "/windows/10/pause", paused, json={"reason": "午休"})
    board = board_page()
    open_board(board, hall, "&blink=0")
    expect(board.locator("#now-number")).not_to_be_empty()
    measured = board.evaluate(CONTRAST, TEXTS)
    assert len(measured) > 50
    assert [(text, round(ratio, 2)) for text, ratio in measured if ratio < 4.5] == []
    strip = board_page(1280, 400)
    strip.goto(f"{hall.url}/strip/10?token={hall.window_token(10)}")
    expect(strip.locator("#s-main")).to_contain_text("午休")
    measured = strip.evaluate(CONTRAST, ".strip-line, .strip-sub, #s-number, .unit, .en")
    assert [(text, round(ratio, 2)) for text, ratio in measured if ratio < 4.5] == []
