"""Every page a citizen or a member of staff reaches, in every state they reach it in, for
people who use a screen reader, a keyboard, a magnifier or large text: axe-core's WCAG 2.0 /
2.1 A and AA rules (GB/T 37668-2019 follows them) on each state of the table below, the clerk's
single-key shortcuts (WCAG 2.1.4), and pages that neither scroll sideways at 320 CSS px nor
keep their text from growing with zoom."""

from __future__ import annotations

from typing import Callable

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.accessibility import axe_violations, tab_stops
from tests.admin.pages import open_tab, sign_in_admin
from tests.web.conftest import PASSWORD, DemoHall
from tests.web.helpers import open_window_screen, settled, sign_in_clerk

#: windows of the demo hall no other web test uses, so no test here calls another's citizen
CLERK_WINDOW, SCREEN_WINDOW, KEYS_WINDOW = 2, 28, 16
ADMIN_TABS = ["hall", "departments", "services", "windows", "staff", "devices", "templates",
              "thresholds", "audit", "files"]


def served_item(demo: DemoHall, window: int) -> str:
    return demo.window(window)["services"][0]


def staff_sign_in(page: Page, demo: DemoHall, path: str, username: str, shown: str) -> Page:
    page.goto(f"{demo.url}{path}")
    page.fill("#login-user", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator(shown)).to_be_visible()
    return page


# --- the states: each takes a page maker and the hall, and leaves a page in that state ----------

def signin_form(path: str) -> Callable:
    def reach(make, demo):
        page = make()
        page.goto(f"{demo.url}{path}")
        expect(page.locator("#login-form")).to_be_visible()
        return page
    return reach


def clerk_pick(make, demo):
    page = make()
    page.goto(f"{demo.url}/clerk?window={CLERK_WINDOW}")
    page.fill("#login-user", f"clerk{CLERK_WINDOW:02d}")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#pick")).to_be_visible()
    return page


def clerk_free(make, demo):
    return sign_in_clerk(make(), demo, f"clerk{CLERK_WINDOW:02d}", CLERK_WINDOW)


def clerk_serving(make, demo):
    demo.issue(served_item(demo, CLERK_WINDOW), 2)
    page = clerk_free(make, demo)
    page.click(".act[data-action=next]")
    expect(page.locator("#c-number")).not_to_have_text("—")
    settled(page)
    return page


def clerk_dialog(key: str, dialog: str) -> Callable:
    def reach(make, demo):
        page = clerk_serving(make, demo)
        page.keyboard.press(key)
        expect(page.locator(f"#{dialog}")).to_be_visible()
        return page
    return reach


def window_idle(make, demo):
    return open_window_screen(make(1280, 800), demo, SCREEN_WINDOW)


_signed_in: dict[tuple[str, int], str] = {}


def clerk_at(demo: DemoHall, window: int) -> str:
    """The token of the clerk signed in at `window`, signing them in the first time."""
    if (demo.url, window) not in _signed_in:
        token = demo.login(f"clerk{window:02d}")
        demo.request("POST", f"/windows/{window}/sign-in", token)
        _signed_in[demo.url, window] = token
    return _signed_in[demo.url, window]


def window_serving(make, demo):
    token = clerk_at(demo, SCREEN_WINDOW)
    demo.issue(served_item(demo, SCREEN_WINDOW))
    page = open_window_screen(make(1280, 800), demo, SCREEN_WINDOW)
    ticket = demo.request("POST", f"/windows/{SCREEN_WINDOW}/call-next", token)["ticket"]
    expect(page.locator("#current-number")).to_have_text(ticket["number"])
    page.ticket, page.clerk_token = ticket, token
    return page


def window_rating(make, demo):
    page = window_serving(make, demo)
    number = page.ticket["id"]
    demo.request("POST", f"/tickets/{number}/start", page.clerk_token)
    demo.request("POST", f"/tickets/{number}/finish", page.clerk_token, json={})
    expect(page.locator("#rating")).to_be_visible()
    return page


def phone_ticket(stage: str) -> Callable:
    def reach(make, demo):
        issued = demo.issue(served_item(demo, SCREEN_WINDOW))[0]
        page = make(390, 844)
        page.goto(issued["track_url"])
        expect(page.locator("#number")).to_have_text(issued["number"])
        if stage == "waiting":
            expect(page.locator("#waiting")).to_be_visible()
            return page
        token = clerk_at(demo, SCREEN_WINDOW)
        demo.request("POST", f"/windows/{SCREEN_WINDOW}/call", token,
                     json={"number": issued["number"], "reason": "无障碍检查 / accessibility check"})
        if stage == "finished":
            demo.request("POST", f"/tickets/{issued['id']}/start", token)
            demo.request("POST", f"/tickets/{issued['id']}/finish", token, json={})
        page.reload()
        expect(page.locator("#number")).to_have_text(issued["number"])
        return page
    return reach


def booking(step: str) -> Callable:
    def reach(make, demo):
        page = make(390, 844)
        page.goto(f"{demo.url}/book")
        if step == "items":
            return page
        page.locator("#items button").first.click()
        expect(page.locator("#days button").first).to_be_visible()
        if step == "days":
            return page
        page.locator("#days button").last.click()
        expect(page.locator("#step-slot")).to_be_visible()
        if step == "slots":
            return page
        page.locator("#slots button:not([disabled])").first.click()
        if step == "form":
            return page
        page.fill("#mobile", "13800138027")
        page.fill("#name", "无障碍")
        page.click("#submit")
        expect(page.locator("#booking")).to_be_visible()
        return page
    return reach


def staff_page(path: str, shown: str, username: str = "supervisor") -> Callable:
    def reach(make, demo):
        return staff_sign_in(make(), demo, path, username, shown)
    return reach


def admin_tab(tab: str) -> Callable:
    def reach(make, demo):
        page = sign_in_admin(make(), demo)
        open_tab(page, tab)
        return page
    return reach


def refused(path: str) -> Callable:
    def reach(make, demo):
        page = make(390, 844)
        page.goto(f"{demo.url}{path}")
        return page
    return reach


STATES: dict[str, Callable] = {
    "clerk signed out": signin_form("/clerk"),
    "clerk choosing a window": clerk_pick,
    "clerk free": clerk_free,
    "clerk serving": clerk_serving,
    "clerk finish dialog": clerk_dialog("f", "d-finish"),
    "clerk hold dialog": clerk_dialog("h", "d-hold"),
    "clerk transfer dialog": clerk_dialog("t", "d-transfer"),
    "clerk call dialog": clerk_dialog("c", "d-call"),
    "clerk pause dialog": clerk_dialog("p", "d-pause"),
    "window screen idle": window_idle,
    "window screen serving": window_serving,
    "window screen rating prompt": window_rating,
    "phone waiting": phone_ticket("waiting"),
    "phone called": phone_ticket("called"),
    "phone finished": phone_ticket("finished"),
    "phone unknown ticket": refused("/t/" + "z" * 43),
    "book items": booking("items"),
    "book days": booking("days"),
    "book slots": booking("slots"),
    "book form": booking("form"),
    "book booked": booking("booked"),
    "desk signed out": signin_form("/desk"),
    "supervisor signed out": signin_form("/supervisor"),
    "supervisor": staff_page("/supervisor", "#board"),
    "reports": staff_page("/reports", "#tiles"),
    "daily report": staff_page("/reports/daily", "#tiles"),
    "desk": staff_page("/desk", "#book-card"),
    "admin signed out": signin_form("/admin"),
    **{f"admin {tab} tab": admin_tab(tab) for tab in ADMIN_TABS},
}


@pytest.mark.parametrize("state", list(STATES))
def test_every_page_state_meets_wcag_a_and_aa(demo, new_page, state) -> None:
    page = STATES[state](new_page, demo)
    found = axe_violations(page)
    assert found == [], "\n".join(f"{v['rule']}: {node}" for v in found for node in v["nodes"])
