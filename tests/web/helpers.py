"""Steps the web tests share: a clerk signing in at a window, a window screen opening."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.web.conftest import PASSWORD, DemoHall


def sign_in_clerk(page: Page, demo: DemoHall, username: str, window: int, lang: str = "zh") -> Page:
    page.goto(f"{demo.url}/clerk?window={window}&lang={lang}")
    page.fill("#login-user", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    pick, terminal = page.locator("#pick"), page.locator("#terminal")
    # a clerk still signed in at this window (an earlier test of the shared demo hall) goes
    # straight back to the terminal, as in the hall
    expect(page.locator("#pick:visible, #terminal:visible")).to_have_count(1)
    if pick.is_visible():
        expect(page.locator("#pick-window")).to_have_value(str(window))
        page.click("#pick-form button[type=submit]")
    expect(terminal).to_be_visible()
    expect(page.locator("#t-status")).to_have_class("badge open")
    expect(page.locator("#offline")).to_be_hidden()
    return page


def open_window_screen(page: Page, demo: DemoHall, window: int, query: str = "") -> Page:
    page.goto(f"{demo.url}/window/{window}?token={demo.window_token(window)}{query}")
    expect(page.locator("#screen")).to_be_visible()
    expect(page.locator("#w-name")).not_to_be_empty()
    return page


def settled(page: Page) -> None:
    """Waits until the terminal's last request came back (one action runs at a time) and its
    dialog has closed: shortcuts are ignored while a dialog is open."""
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))
    expect(page.locator("dialog[open]")).to_have_count(0)


def clerk_token(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('jiaohao.clerk.token')")


def current_number(page: Page) -> str:
    return page.locator("#c-number").inner_text().strip()


def until(condition, what: str, timeout: float = 10.0) -> None:
    """Waits for the server to reach a state: polls `condition` (REST or database reads) until
    it holds, and fails with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not reached in {timeout} s: {what}"
        time.sleep(0.05)

