"""The system Chromium for page tests, one browser per test module (two Playwright
instances cannot run at once), and pages in separate contexts, like separate PCs."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-gpu", "--disable-quic", "--disable-sync"]
#: a citizen's phone: 390×844, touch, Chinese
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
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
