"""The system Chromium for page tests: one Playwright and one browser per test process (a
process cannot run two Playwright instances at once, so both are session fixtures defined in
tests/conftest.py only; under pytest-xdist every worker has its own), and pages in separate
contexts, like separate PCs."""

from __future__ import annotations

import time
from typing import Callable, Iterator

from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-gpu", "--disable-quic", "--disable-sync"]
#: a citizen's phone: 390×844, touch, Chinese
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}


def started_playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


def launched(playwright: Playwright, args: list[str] = CHROMIUM_ARGS) -> Iterator[Browser]:
    """The system Chromium with `args`, closed afterwards."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield chromium
    chromium.close()


def pages(browser: Browser, height: int) -> Iterator[Callable[..., Page]]:
    """A page maker for one test; every context it opened is closed afterwards."""
    contexts = []

    def make(width: int = 1366, height: int = height, locale: str = "zh-CN") -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def phone_page(browser: Browser) -> Iterator[Page]:
    """One page on a phone-sized screen, in its own context, closed afterwards."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


class HeldReplies:
    """Replies held back from the page: a matching request reaches the server at once (its change
    is committed and its live messages are sent), but the page gets the reply only on release()."""

    def __init__(self, page: Page, url_pattern: str):
        self.page, self.url_pattern, self.held = page, url_pattern, []
        page.route(url_pattern, self._hold)

    def _hold(self, route: Route) -> None:
        self.held.append((route, route.fetch()))

    def wait(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until `count` replies are held. The page's own event loop must run for the handler to
        see a request, so this waits through Playwright rather than in Python."""
        deadline = time.monotonic() + timeout
        while len(self.held) < count:
            assert time.monotonic() < deadline, f"no request matched in {timeout} s"
            self.page.wait_for_timeout(10)

    def release(self) -> None:
        self.wait()
        for route, response in self.held:
            route.fulfill(response=response)
        self.held.clear()

    def stop(self) -> None:
        """Later replies go to the page straight away."""
        self.page.unroute(self.url_pattern, self._hold)
