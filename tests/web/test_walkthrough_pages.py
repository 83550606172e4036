"""What the walk through the demo found on the staff pages: a paused terminal says it is paused,
preset pause reasons read in English too (terminal and window screen), a clerk signed in at one
window who opens another's address is told, and transfer targets say what their number is."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import PASSWORD
from tests.web.helpers import open_window_screen, settled, sign_in_clerk


def test_a_paused_terminal_says_so_and_a_preset_reason_reads_in_english(demo, new_page) -> None:
    screen = open_window_screen(new_page(1280, 800), demo, 21)
    clerk = sign_in_clerk(new_page(), demo, "clerk21", 21, lang="en")
    expect(clerk.locator("#c-service")).to_have_text("Free — press Space to call the next citizen")
    clerk.keyboard.press("p")
    clerk.select_option("#pause-presets", "临时离开")
    clerk.click("#d-pause button.primary")
    expect(clerk.locator("#t-status")).to_have_text("Paused · Away briefly")
    expect(clerk.locator("#c-service")).to_have_text("Paused — press P to resume service")
    expect(screen.locator("#paused-reason")).to_have_text("临时离开 · Away briefly")
    settled(clerk)
    clerk.keyboard.press("p")
    expect(clerk.locator("#c-service")).to_have_text("Free — press Space to call the next citizen")
    expect(screen.locator("#paused-reason")).to_contain_text("Please wait for your number")


def test_opening_another_windows_address_while_signed_in_says_so(demo, new_page) -> None:
    sign_in_clerk(new_page(), demo, "clerk22", 22)
    page = new_page()
    page.goto(f"{demo.url}/clerk?window=5&lang=zh")
    page.fill("#login-user", "clerk22")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#terminal")).to_be_visible()
    expect(page.locator("#t-window")).to_contain_text("22 号窗口")
    expect(page.locator("#notice")).to_be_visible()
    expect(page.locator("#notice-text")).to_contain_text("22 号窗口签到")
    expect(page.locator("#notice-text")).to_contain_text("5 号窗口")


def test_transfer_targets_label_their_waiting_count(demo, new_page) -> None:
    token = demo.login("clerk20")
    served = next(w for w in demo.request("GET", "/hall", token)["windows"] if w["number"] == 20)["services"]
    demo.issue(served[0], 1)
    clerk = sign_in_clerk(new_page(), demo, "clerk20", 20, lang="en")
    clerk.keyboard.press("Space")
    expect(clerk.locator("#c-number")).not_to_have_text("—")
    settled(clerk)
    clerk.keyboard.press("t")
    first = clerk.locator("#transfer-results button").first
    expect(first).to_contain_text(" waiting")
    assert not first.inner_text().rstrip().endswith("· 0")
    clerk.keyboard.press("Escape")
