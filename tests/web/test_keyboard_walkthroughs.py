"""The three things citizens and clerks do most, done with the keyboard alone, as someone who
uses no mouse (or a switch, or a screen reader) does them: Tab and Shift+Tab to move, Enter and
Space to press, and typing only into text fields. No click and no focus call in the page: what
focus does, the page does.

- book a slot on /book: every step takes focus to its heading, so a screen reader says the step
  changed, and Tab goes on from there;
- sign in at /clerk and serve a citizen: call, start, finish through the finish dialog, which
  keeps Tab inside and gives focus back when it closes;
- rate a visit on the window screen: the prompt takes focus, Tab reaches nothing hidden behind it,
  再等一下 gives more time, and a 差评 asks why before it is sent."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, TimeoutError as PlaywrightTimeout, expect

from tests.accessibility import FOCUS
from tests.web.conftest import PASSWORD, DemoHall
from tests.web.helpers import open_window_screen, until

#: windows of the demo hall that no other web test uses (the clerk's and the window screen's)
CLERK_WINDOW, SCREEN_WINDOW = 5, 6

FOCUSED_IN = "(selector) => !!document.activeElement && !!document.activeElement.closest(selector)"


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUS)


def press_until(page: Page, selector: str, key: str = "Tab", presses: int = 40, within: str = "body") -> list[dict]:
    """Presses `key` until focus is on an element matching `selector`; every stop on the way is
    returned, and each must be shown with its focus ring (WCAG 2.4.7) and inside `within`."""
    stops = []
    for _ in range(presses):
        page.keyboard.press(key)
        stop = focused(page)
        if stop is None:          # the browser's own bar, between the page's last stop and its first
            continue
        assert stop["shown"] and stop["ring"], f"focus cannot be seen on {stop}"
        assert page.evaluate(FOCUSED_IN, within), f"{key} left {within} for {stop}"
        stops.append(stop)
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{key} never reached {selector}; it went {[(s['tag'], s['id'], s['text'][:20]) for s in stops]}")


def expect_focus(page: Page, selector: str) -> None:
    """Focus is (or comes within the default wait) on the element matching `selector`."""
    try:
        page.wait_for_function("(s) => !!document.activeElement && document.activeElement.matches(s)", arg=selector)
    except PlaywrightTimeout:
        raise AssertionError(f"focus is not on {selector} but on {focused(page)}") from None


def expect_step(page: Page, section: str, heading: str) -> None:
    """The step is shown and focus is on its heading: a screen reader reads the new step out."""
    expect(page.locator(f"#{section}")).to_be_visible()
    expect_focus(page, f"#{section} h2")
    expect(page.locator(f"#{section} h2")).to_contain_text(heading)


def skip_to_main(page: Page, key: str = "Tab") -> None:
    """`key` reaches the skip link, shown on screen when focused; Enter takes focus into <main>."""
    press_until(page, ".skip-link", key)
    link = page.locator(".skip-link:focus")
    expect(link).to_have_text("跳到主要内容 / Skip to main content")
    box = link.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED_IN, "main"), "the skip link took focus into the main content"


# --- book a slot ---------------------------------------------------------------------------------

def test_booking_a_slot_with_the_keyboard_alone(demo: DemoHall, new_page) -> None:
    page = new_page(390, 844)
    page.goto(f"{demo.url}/book")
    expect(page.locator("#items button").first).to_be_visible()
    skip_to_main(page)

    press_until(page, "#items button")
    item = page.evaluate("() => document.activeElement.firstChild.textContent")
    page.keyboard.press("Enter")
    expect_step(page, "step-day", "选择日期")

    # back and forth: Shift+Tab reaches 返回, which brings the items back with focus on their heading
    press_until(page, "#step-day .back", "Shift+Tab")
    page.keyboard.press("Space")
    expect_step(page, "step-item", "选择事项")
    press_until(page, "#items button")
    page.keyboard.press("Enter")
    expect_step(page, "step-day", "选择日期")

    press_until(page, "#days button:last-child")
    page.keyboard.press("Enter")
    expect_step(page, "step-slot", "选择时段")

    # the last free slot: the page tests book the first ones, and an address may book a slot only twice
    last_free = page.evaluate("""() => [...document.querySelectorAll('#slots button')]
        .map((b, i) => b.disabled ? 0 : i + 1).filter(Boolean).pop()""")
    press_until(page, f"#slots button:nth-child({last_free})")
    page.keyboard.press("Space")
    expect_step(page, "step-form", "填写手机号")
    expect(page.locator("#chosen")).to_contain_text(item)

    press_until(page, "#mobile")
    page.keyboard.type("13900275001")
    press_until(page, "#name")
    page.keyboard.type("键盘")
    press_until(page, "#remind")
    page.keyboard.press("Space")
    expect(page.locator("#remind")).to_be_checked()
    press_until(page, "#submit")
    page.keyboard.press("Enter")

    expect(page.locator("#booking")).to_be_visible()
    expect_focus(page, "#booking")      # the booking is read out, code first
    code = page.locator("#b-code").inner_text()
    assert demo.request("GET", f"/appointments/manage/{page.url.rsplit('/', 1)[1]}")["code"] == code
    # the booking page goes on from there: the manage link, 改约, 取消 are all in reach
    press_until(page, "#move")
    press_until(page, "#cancel")


# --- sign in and serve a citizen at the clerk terminal -------------------------------------------

def test_signing_in_and_serving_a_citizen_with_the_keyboard_alone(demo: DemoHall, new_page) -> None:
    demo.issue(demo.window(CLERK_WINDOW)["services"][0])
    page = new_page(1366, 768)
    page.goto(f"{demo.url}/clerk?window={CLERK_WINDOW}")
    expect(page.locator("#login-form")).to_be_visible()

    press_until(page, "#login-user")
    page.keyboard.type(f"clerk{CLERK_WINDOW:02d}")     # letters typed into a field are not shortcuts
    press_until(page, "#login-password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#pick")).to_be_visible()
    expect(page.locator("#pick-window")).to_have_value(str(CLERK_WINDOW))
    press_until(page, "#pick-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#terminal")).to_be_visible()
    expect(page.locator("#c-number")).to_have_text("—")
    expect_focus(page, ".act[data-action=next]")   # the terminal starts on its main action

    skip_to_main(page, "Shift+Tab")   # the bar is behind; the skip link comes first of all
    press_until(page, ".act[data-action=next]")
    page.keyboard.press("Enter")
    expect(page.locator("#c-number")).not_to_have_text("—")
    called = demo.window(CLERK_WINDOW)["current"]
    expect(page.locator("#c-number")).to_have_text(called["number"])

    press_until(page, ".act[data-action=start]")
    page.keyboard.press("Space")
    expect(page.locator("#c-marks")).to_contain_text("办理中")
    until(lambda: demo.ticket(called["id"])["state"] == "serving", "the citizen is being served")

    press_until(page, ".act[data-action=finish]")
    page.keyboard.press("Enter")
    dialog = page.locator("#d-finish")
    expect(dialog).to_be_visible()
    assert page.evaluate(FOCUSED_IN, "#d-finish"), "the dialog took focus"
    page.keyboard.type("KB-2026-001")
    # Tab and Shift+Tab stay inside the open dialog
    for key in ["Tab"] * 6 + ["Shift+Tab"] * 6:
        page.keyboard.press(key)
        stop = focused(page)
        assert stop is None or page.evaluate(FOCUSED_IN, "#d-finish"), f"{key} left the dialog for {stop}"
    press_until(page, "#d-finish button.primary")
    page.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    until(lambda: demo.ticket(called["id"])["state"] == "done", "the citizen's visit is finished")
    assert demo.query("SELECT case_no FROM tickets WHERE id = ?", (called["id"],)) == [("KB-2026-001",)]
    # focus came back to the terminal (finish no longer applies: the main action), not the page
    expect_focus(page, ".act[data-action=next]")
    expect(page.locator("#c-number")).to_have_text("—")

    press_until(page, "#b-signout", "Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#login-form")).to_be_visible()
    until(lambda: demo.window(CLERK_WINDOW)["status"] == "closed", "the clerk signed out")


# --- rate a visit on the window screen -----------------------------------------------------------

def finished_visit(demo: DemoHall) -> dict:
    """A citizen served to the end at the screen's window: the screen asks for a rating."""
    token = demo.login(f"clerk{SCREEN_WINDOW:02d}")
    demo.request("POST", f"/windows/{SCREEN_WINDOW}/sign-in", token)
    ticket = demo.issue(demo.window(SCREEN_WINDOW)["services"][0])[0]
    demo.request("POST", f"/windows/{SCREEN_WINDOW}/call", token,
                 json={"number": ticket["number"], "reason": "键盘检查 / keyboard check"})
    demo.request("POST", f"/tickets/{ticket['id']}/start", token)
    demo.request("POST", f"/tickets/{ticket['id']}/finish", token, json={})
    return ticket


def test_rating_a_visit_on_the_window_screen_with_the_keyboard_alone(demo: DemoHall, new_page) -> None:
    screen = open_window_screen(new_page(1280, 800), demo, SCREEN_WINDOW, "&rating_timeout=20")
    ticket = finished_visit(demo)
    expect(screen.locator("#rating")).to_be_visible()
    expect_focus(screen, "#rating-buttons button:first-child")   # the prompt took focus

    # Tab goes round the answers and 再等一下 only: nothing behind the prompt, nothing hidden
    stops = press_until(screen, "#more-time", within="#rating")
    stops += press_until(screen, "#rating-buttons button:first-child", within="#rating")
    assert {s["id"] for s in stops} == {"", "more-time"}, stops
    assert len([s for s in stops if s["id"] == ""]) >= 5, "every answer is a stop"

    # 再等一下: the prompt stays and its time starts again
    screen.wait_for_timeout(2100)
    left = int(screen.locator("#rating-countdown").inner_text().split()[0])
    assert left <= 18, left
    press_until(screen, "#more-time", "Shift+Tab", within="#rating")
    screen.keyboard.press("Space")
    expect(screen.locator("#rating-countdown")).to_have_text(re.compile(r"^(20|19) "))
    expect(screen.locator("#rating")).to_be_visible()

    # 不满意 asks why: focus goes to the first reason; Space ticks it; Enter on 提交 sends
    press_until(screen, "#rating-buttons button[data-rating='2']", within="#rating")
    screen.keyboard.press("Enter")
    expect(screen.locator("#reasons")).to_be_visible()
    first_reason = screen.locator("#reason-choices input").first
    expect_focus(screen, "#reason-choices input")
    screen.keyboard.press("Space")
    expect(first_reason).to_be_checked()
    reason = first_reason.get_attribute("value")
    press_until(screen, "#reasons-send", within="#rating")
    screen.keyboard.press("Enter")
    expect(screen.locator("#thanks")).to_be_visible()
    expect(screen.locator("#rating")).to_be_hidden()
    until(lambda: demo.query("SELECT rating FROM tickets WHERE id = ?", (ticket["id"],)) == [(2,)],
          "the rating is recorded")
    (details,), = demo.query("SELECT details FROM events WHERE ticket_id = ? AND kind = 'service_rated'", (ticket["id"],))
    assert json.loads(details)["reasons"] == [reason]
