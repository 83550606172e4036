"""Screenshots of the citizens' 大字 / 高对比 modes for docs/images, from a real demo hall in a
real Chromium.

    python -m tests.web.accessibility_screenshots [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from common.launcher import free_port
from tests.browser import CHROMIUM, CHROMIUM_ARGS, pages
from tests.web.conftest import DemoHall
from tests.web.test_accessibility import STATES

LARGE, CONTRAST = "大字 / Large text", "高对比 / High contrast"
#: file name: the page state, the switches pressed, and the keys pressed afterwards
SHOTS = {"a11y-phone-large-contrast.png": ("phone waiting", (LARGE, CONTRAST), ()),
         "a11y-phone-large.png": ("phone waiting", (LARGE,), ()),
         "a11y-phone-contrast.png": ("phone waiting", (CONTRAST,), ()),
         "a11y-message-large-contrast.png": ("phone unknown ticket", (LARGE, CONTRAST), ()),
         "a11y-book-large-contrast.png": ("book items", (LARGE, CONTRAST), ()),
         "a11y-book-manage-large-contrast.png": ("book manage", (LARGE, CONTRAST), ()),
         "a11y-remote-large-contrast.png": ("remote items", (LARGE, CONTRAST), ()),
         "a11y-window-large-contrast.png": ("window screen serving", (LARGE, CONTRAST), ()),
         "a11y-book-skip-link.png": ("book items", (), ("Tab",))}


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = DemoHall(Path(tmp) / "demo", free_port())
        demo.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                for make in pages(browser, height=800):
                    for name, (state, switches, keys) in SHOTS.items():
                        page = STATES[state](make, demo)
                        for switch in switches:
                            page.get_by_role("button", name=switch).click()
                        page.evaluate("() => document.activeElement && document.activeElement.blur()")
                        for key in keys:
                            page.keyboard.press(key)
                        page.screenshot(path=str(folder / name))
                browser.close()
        finally:
            demo.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"))
