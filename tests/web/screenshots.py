"""Screenshots of the clerk terminal and the window screen for docs/images, taken from the real
pages against a real demo hall in a busy mid-morning state.

    python -m tests.web.screenshots [OUTPUT_DIR]     (default: docs/images)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.conftest import REPO
from common.launcher import free_port
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DemoHall
from tests.web.helpers import clerk_token, open_window_screen, settled, sign_in_clerk

#: (item, how many tickets) issued before the pages open: a morning's mix of items
MORNING = [("A01", 6), ("A03", 3), ("E01", 2), ("B03", 2), ("H04", 1), ("A05", 2), ("B01", 5), ("C01", 3)]


def busy_morning(demo: DemoHall) -> None:
    """Other windows at work, some citizens already served, a queue waiting."""
    for service, count in MORNING:
        demo.issue(service, count)
    demo.request("POST", "/tickets", json={"service": "A02", "priority": "green"})
    for number in (2, 5, 9):
        token = demo.login(f"clerk{number:02d}")
        demo.request("POST", f"/windows/{number}/sign-in", token)
        ticket = demo.request("POST", f"/windows/{number}/call-next", token)["ticket"]
        demo.request("POST", f"/tickets/{ticket['id']}/start", token)
    paused = demo.login("clerk07")
    demo.request("POST", "/windows/7/sign-in", paused)
    demo.request("POST", "/windows/7/pause", paused, json={"reason": "午休"})


def work_a_while(demo: DemoHall, page) -> None:
    """The clerk at window 3 has served two citizens and held one before the picture."""
    token = clerk_token(page)
    for _ in range(2):
        ticket = demo.request("POST", "/windows/3/call-next", token)["ticket"]
        demo.request("POST", f"/tickets/{ticket['id']}/start", token)
        demo.request("POST", f"/tickets/{ticket['id']}/finish", token)
        demo.request("POST", f"/tickets/{ticket['id']}/evaluation/skip", demo.window_token(3))
    ticket = demo.request("POST", "/windows/3/call-next", token)["ticket"]
    demo.request("POST", f"/tickets/{ticket['id']}/hold", token, json={"minutes": 20, "return_to": "window"})


def take(out: Path, demo: DemoHall, browser) -> None:
    def page_of(width: int, height: int, lang: str = "zh-CN"):
        return browser.new_context(viewport={"width": width, "height": height}, locale=lang).new_page()

    clerk = sign_in_clerk(page_of(1366, 768), demo, "clerk03", 3)
    work_a_while(demo, clerk)
    screen = open_window_screen(page_of(1280, 800), demo, 3, "&rating_timeout=60")
    clerk.keyboard.press("Space")
    settled(clerk)
    clerk.keyboard.press("s")
    settled(clerk)
    expect(screen.locator("#state-text")).to_have_text("办理中")
    clerk.wait_for_timeout(2500)   # timers running, lists refreshed
    clerk.screenshot(path=out / "clerk-zh.png")
    screen.screenshot(path=out / "window-screen-zh.png")

    screen.click("#lang-toggle")
    screen.screenshot(path=out / "window-screen-en.png")
    screen.click("#lang-toggle")
    english = sign_in_clerk(page_of(1366, 768, "en-GB"), demo, "clerk04", 4, lang="en")
    english.keyboard.press("Space")
    settled(english)
    english.wait_for_timeout(1500)
    english.screenshot(path=out / "clerk-en.png")

    clerk.keyboard.press("f")
    clerk.keyboard.press("Enter")
    expect(screen.locator("#rating")).to_be_visible()
    screen.screenshot(path=out / "window-rating-zh.png")


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = DemoHall(Path(tmp) / "demo", free_port())
        demo.start()
        try:
            busy_morning(demo)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                take(out, demo, browser)
                browser.close()
        finally:
            demo.stop()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
