"""Screenshots of the administration page for docs/images, from the real page against a real
demo hall after a morning of changes.

    python -m tests.admin.screenshots [OUTPUT_DIR]     (default: docs/images)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.admin.pages import edit_row, open_tab, sign_in_admin
from tests.conftest import REPO
from common.launcher import free_port
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DemoHall


def some_changes(demo: DemoHall) -> None:
    """What an admin does on a normal morning, so the audit log has something to show."""
    token = demo.login("admin")
    setup = demo.request("GET", "/admin/setup", token)["document"]
    item = next(s for s in setup["services"] if s["code"] == "B01")
    demo.request("PUT", "/admin/services/B01", token, json=item | {"daily_cap": 120, "hours": "08:30-11:30, 13:00-16:00"})
    demo.request("PUT", "/admin/setup/hall", token, json={"notice": "今日下午 2 点起不动产窗口暂停受理，请到 30 号窗口咨询。"})
    demo.request("PUT", "/admin/setup/supervision", token, json={"wait_minutes": [20, 45]})
    demo.request("POST", "/admin/devices", token, json={"name": "kiosk-2F", "kind": "kiosk"})
    demo.request("POST", "/admin/staff/clerk12/password", token, json={"password": "new-password-2026"})
    demo.request("PUT", "/admin/appointments/items/G01", token, json={"slot_minutes": 60, "capacity": 2})
    demo.request("PUT", "/admin/appointments/items/B01", token, json={"hours": "09:00-11:00", "days_ahead": 14})


def take(out: Path, demo: DemoHall, browser) -> None:
    def page_of(lang: str, height: int = 860):
        context = browser.new_context(viewport={"width": 1366, "height": height}, locale=lang)
        return context.new_page()

    page = sign_in_admin(page_of("zh-CN"), demo)
    open_tab(page, "services")
    page.select_option("#tab-services .toolbar select", "RSJ")
    page.screenshot(path=str(out / "admin-items-zh.png"))

    open_tab(page, "windows")
    edit_row(page, "windows", "5")
    page.locator("#editor .priorities").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "admin-windows-zh.png"))
    page.keyboard.press("Escape")

    open_tab(page, "thresholds")
    booking = page.locator("#booking-card")
    booking.get_by_role("button", name="为事项单独设置").click()
    page.locator("#editor select[name=code]").select_option("A01")
    page.locator("#editor input[name=capacity]").fill("5")
    page.screenshot(path=str(out / "admin-appointments-zh.png"))
    page.keyboard.press("Escape")
    booking.screenshot(path=str(out / "admin-appointment-items-zh.png"))

    page = sign_in_admin(page_of("zh-CN", 1000), demo)
    open_tab(page, "templates")
    expect(page.locator("#preview-text")).not_to_be_empty()
    page.click("#voice-preview button:nth-of-type(2)")
    page.wait_for_function("document.querySelector('#preview-audio').src.startsWith('blob:')")
    page.wait_for_function("document.querySelector('#preview-slip').complete && "
                           "document.querySelector('#preview-slip').naturalWidth > 0")
    page.screenshot(path=str(out / "admin-templates-zh.png"), full_page=True)

    page = sign_in_admin(page_of("en-GB"), demo, lang="en")
    open_tab(page, "audit")
    expect(page.locator("#tab-audit tbody tr").first).to_be_visible()
    page.screenshot(path=str(out / "admin-audit-en.png"))


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        demo = DemoHall(Path(folder) / "demo", free_port())
        demo.start()
        try:
            some_changes(demo)
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
