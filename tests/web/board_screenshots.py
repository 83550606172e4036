"""Screenshots of the web hall board (landscape, portrait, one zone) and of a window strip for
docs/images, from the real pages against a real demo hall in a busy mid-morning state.

    python -m tests.web.board_screenshots [OUTPUT_DIR]     (default: docs/images)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.conftest import REPO
from common.launcher import free_port
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DemoHall
from tests.web.screenshots import busy_morning

SHOTS = (("web-board-landscape.png", 1920, 1080, ""), ("web-board-portrait.png", 1080, 1920, "&portrait=1"),
         ("web-board-zone-2F.png", 1920, 1080, "&zone=2F"))
STRIPS = (("web-strip-called.png", 3, 800, 160), ("web-strip-paused.png", 7, 1280, 400),
          ("web-strip-serving.png", 5, 1280, 400))


def call_a_few(demo: DemoHall) -> None:
    """Windows 21 (upstairs), 3 and 12 call; 11 calls and recalls: recent calls fill up."""
    demo.issue("E04", 2)
    for number in (21, 3, 12, 11):
        token = demo.login(f"clerk{number:02d}")
        demo.request("POST", f"/windows/{number}/sign-in", token)
        ticket = demo.request("POST", f"/windows/{number}/call-next", token)["ticket"]
    demo.request("POST", f"/tickets/{ticket['id']}/recall", token)


def take(out: Path, demo: DemoHall, browser) -> None:
    board = demo.tokens["board token"]
    for name, width, height, query in SHOTS:
        page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
        page.goto(f"{demo.url}/board?token={board}&blink=0{query}")
        expect(page.locator("#now-number")).not_to_be_empty()
        page.wait_for_timeout(800)
        page.screenshot(path=out / name)
    for name, window, width, height in STRIPS:
        page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
        page.goto(f"{demo.url}/strip/{window}?token={demo.window_token(window)}")
        expect(page.locator("#s-main")).not_to_be_empty()
        page.wait_for_timeout(300)
        page.screenshot(path=out / name)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = DemoHall(Path(tmp) / "demo", free_port())
        demo.start()
        try:
            busy_morning(demo)
            call_a_few(demo)
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
