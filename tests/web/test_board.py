"""The web hall board and window strip in Chromium against a real server of their own (it is
restarted here): each call on screen within a second, its voice asked of the hall's server and
played first in first out without overlap, recovery after a restart, a refused token shown
full-screen, and not one request outside the hall's server."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser import CHROMIUM_ARGS, launched
from server import accounts
from server.datadir import open_data_dir
from tests.conftest import REPO, add_user, small_hall_document, to_toml
from common.launcher import free_port, hall_server
from tests.web.conftest import PASSWORD, DemoHall

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
    """The demo hall, less its lunchtime quiet hours: these tests say calls at any hour they run
    (quiet hours have their own hall below)."""
    root = tmp_path_factory.mktemp("board")
    config = root / "config.toml"
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    assert 'quiet_hours = "12:00-13:00"' in text
    config.write_text(text.replace('quiet_hours = "12:00-13:00"', ""), encoding="utf-8")
    demo = DemoHall(root / "demo", free_port(), config)
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


def sentences(heard: list) -> list[tuple[float, float | None]]:
    """Each sentence's (first sound, end), in the order they sounded; a sentence is its own
    blob address. "playing" comes again whenever playback resumes after waiting for data (a
    loaded machine stalls the media pipeline), so a sentence starts at its first "playing",
    never at a later one: pairing every "playing" with the "ended" before it misread a stall
    as an overlap."""
    spans: dict[str, list] = {}
    for name, at, src in heard:
        if not src.startswith("blob:"):
            continue   # the tap's silent play() carries no sentence
        if name == "playing":
            spans.setdefault(src, [at, None])
        elif name == "ended" and src in spans:
            spans[src][1] = at
    return [(start, end) for start, end in spans.values()]


def assert_one_after_another(spans: list[tuple[float, float | None]], count: int) -> None:
    assert len(spans) == count and all(end is not None for _, end in spans), spans
    for (_, end), (next_start, _) in zip(spans, spans[1:]):
        assert end <= next_start, f"a sentence started at {next_start:.0f} ms before the one before ended at {end:.0f} ms"


def test_a_sentence_that_stalls_is_one_sentence_not_an_overlap() -> None:
    """What a loaded machine records: the first sentence waits for data and resumes ("playing"
    twice) before it ends; the second starts after it."""
    heard = [["play", 0, "blob:a"], ["playing", 100, "blob:a"], ["playing", 400, "blob:a"],
             ["ended", 900, "blob:a"], ["play", 950, "blob:b"], ["playing", 1000, "blob:b"],
             ["ended", 1900, "blob:b"]]
    assert sentences(heard) == [(100, 900), (1000, 1900)]
    assert_one_after_another(sentences(heard), 2)
    overlapping = heard[:3] + [["playing", 800, "blob:b"], ["ended", 900, "blob:a"], ["ended", 1900, "blob:b"]]
    with pytest.raises(AssertionError):
        assert_one_after_another(sentences(overlapping), 2)


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
    assert_one_after_another(sentences(heard), 3)

    outside = [url for url in asked if not url.startswith((hall.url, "blob:", "data:"))]
    assert outside == []


#: the rule a player without the autoplay setting applies (Chromium's default policy,
#: "document-user-activation-required"): sound may start only once someone has touched the
#: page; before that play() rejects with NotAllowedError. Headless Chromium under automation
#: lets every page play whatever its flags say, so the page meets the rule here, as it would
#: on a television's browser. A touch is a trusted input event: the test's own evaluate()
#: calls count as gestures for navigator.userActivation, so that cannot be the witness.
AUTOPLAY_REFUSED_UNTIL_A_TAP = """(() => {
  let touched = false;
  for (const kind of ["pointerdown", "keydown", "click"]) {
    window.addEventListener(kind, (event) => { if (event.isTrusted) touched = true; }, true);
  }
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (!touched && !this.muted) {
      return Promise.reject(new DOMException(
        "play() failed because the user didn't interact with the document first.", "NotAllowedError"));
    }
    return play.call(this);
  };
})();"""


def test_a_player_that_refuses_autoplay_shows_the_calls_and_says_them_in_order_after_a_tap(
        hall, speaking_browser) -> None:
    windows = (11, 12, 13)
    tokens = {n: signed_in(hall, n) for n in windows}
    for n in windows:
        hall.issue(first_item(hall, n))
    context = speaking_browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_init_script(AUTOPLAY_REFUSED_UNTIL_A_TAP)
    try:
        board = context.new_page()
        open_board(board, hall)
        called = []
        for n in windows:
            ticket = hall.request("POST", f"/windows/{n}/call-next", tokens[n])["ticket"]
            expect(board.locator("#now-number")).to_have_text(ticket["number"])   # shown, though unsaid
            called.append(ticket)
        button = board.locator("#sound-off")
        expect(button).to_be_visible(timeout=30_000)   # once the first sentence was made and refused
        expect(button).to_contain_text("点击开启语音播报")
        expect(button).to_contain_text("Tap to turn on the voice")
        log = board.evaluate("window.boardVoice.log")
        assert [entry["outcome"] for entry in log] == ["refused"], log   # nothing said, nothing dropped
        assert board.evaluate("window.boardVoice.queue.length") == 3

        button.click()
        expect(button).to_be_hidden()
        board.wait_for_function("() => window.boardVoice.log.filter(e => e.outcome === 'said').length >= 3",
                                timeout=60_000)
        log = board.evaluate("window.boardVoice.log")
        said = [entry["seq"] for entry in log if entry["outcome"] == "said"]
        assert said[0] == log[0]["seq"], "the refused call is said first"
        assert said == sorted(said) and len(said) == 3, log
        tickets = [hall.query("SELECT ticket_id FROM events WHERE seq = ? AND kind = 'ticket_called'", (seq,))
                   for seq in said]
        assert tickets == [[(ticket["id"],)] for ticket in called], "first called, first said"
        # the sentences' own events (the tap's silent play() has no sentence), none an error
        heard = [(name, at) for name, at, src in board.evaluate("window.heard") if src.startswith("blob:")]
        assert "error" not in [name for name, _ in heard], heard
        assert [name for name, _ in heard if name in ("play", "ended")] == ["play", "ended"] * 3, heard
        assert_one_after_another(sentences(board.evaluate("window.heard")), 3)
    finally:
        context.close()


def quiet_around_now() -> str:
    """Quiet hours from half an hour ago to half an hour ahead, in the hall's time."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    start, end = (now - timedelta(minutes=30)).strftime("%H:%M"), (now + timedelta(minutes=30)).strftime("%H:%M")
    return f"{start}-{end}" if start < end else f"{start}-23:59,00:00-{end}"


@pytest.fixture
def quiet_server(tmp_path):
    """A hall of its own whose quiet hours are now, with a board, a kiosk and a clerk."""
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(announcement={"quiet_hours": quiet_around_now()})),
                      encoding="utf-8")
    data = open_data_dir(tmp_path / "var", config)
    tokens = {kind: accounts.add_device(data.database, data.hall_id, f"{kind}-1", kind).token
              for kind in ("display", "kiosk")}
    add_user(data.database, data.hall_id, "wangfang", "clerk", PASSWORD, "王芳", "G3")
    data.close()
    server = hall_server(tmp_path / "var", config).start()
    yield server, tokens
    server.stop()


def test_in_quiet_hours_the_board_shows_the_call_and_says_nothing(quiet_server, board_page) -> None:
    server, tokens = quiet_server
    board = board_page()
    asked: list[str] = []
    board.on("request", lambda request: asked.append(request.url))
    board.goto(f"{server.url}/board?token={tokens['display']}")
    expect(board.locator("#offline")).to_be_hidden()
    expect(board.locator("#hall-name")).to_have_text("测试大厅")
    board.evaluate(LISTEN)
    clerk = requests.post(f"{server.url}/api/v1/auth/login", json={"username": "wangfang", "password": PASSWORD},
                          timeout=10).json()["token"]
    as_clerk, as_kiosk = ({"Authorization": f"Bearer {token}"} for token in (clerk, tokens["kiosk"]))
    assert requests.post(f"{server.url}/api/v1/windows/3/sign-in", headers=as_clerk, timeout=10).ok
    assert requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01"}, headers=as_kiosk, timeout=10).ok
    called = requests.post(f"{server.url}/api/v1/windows/3/call-next", headers=as_clerk, timeout=10).json()
    expect(board.locator("#now-number")).to_have_text(called["ticket"]["number"])
    expect(board.locator("#now-window")).to_have_text("请到 3 号窗口")
    board.wait_for_function("() => window.boardVoice.log.length >= 1")
    log = board.evaluate("window.boardVoice.log")
    assert [(entry["outcome"], entry.get("detail")) for entry in log] == [("silent", "quiet_hours")], log
    assert [url for url in asked if "/announcement" in url] == [f"{server.url}/api/v1/calls/{log[0]['seq']}/announcement"]
    assert [name for name, _, _ in board.evaluate("window.heard")] == [], "not a sound"
    expect(board.locator("#sound-off")).to_be_hidden()


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
    hall.server = hall_server(Path(hall.data), hall.config or REPO / "config.toml", hall.port,
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
