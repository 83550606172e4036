"""Every page a citizen or a member of staff reaches, in every state they reach it in, for
people who use a screen reader, a keyboard, a magnifier or large text: axe-core's WCAG 2.0 /
2.1 A and AA rules (GB/T 37668-2019 follows them) on each state of the table below, the clerk's
single-key shortcuts (WCAG 2.1.4), and pages that neither scroll sideways at 320 CSS px nor
keep their text from growing with zoom."""

from __future__ import annotations

import re
from itertools import count
from typing import Callable

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.accessibility import axe_violations, tab_stops
from tests.admin.pages import open_tab, sign_in_admin
from tests.conftest import REPO
from tests.web.conftest import PASSWORD, DemoHall
from tests.web.helpers import clerk_token, open_window_screen, settled, sign_in_clerk

#: windows of the demo hall no other web test uses, so no test here calls another's citizen
CLERK_WINDOW, SCREEN_WINDOW, KEYS_WINDOW = 2, 3, 4
ADMIN_TABS = ["hall", "departments", "services", "windows", "staff", "devices", "templates",
              "thresholds", "audit", "files"]


def served_item(demo: DemoHall, window: int) -> str:
    return demo.window(window)["services"][0]


_issued: list[int] = []


def issue(demo: DemoHall, window: int, count: int = 1) -> list[dict]:
    """Tickets for an item `window` serves; whatever is still waiting after the test is
    cancelled (see `tidy`), so no other test's window calls one of them."""
    tickets = demo.issue(served_item(demo, window), count)
    _issued.extend(t["id"] for t in tickets)
    return tickets


@pytest.fixture(autouse=True)
def tidy(demo):
    yield
    token = demo.login("supervisor")
    while _issued:
        ticket = demo.ticket(_issued.pop())
        if ticket["state"] == "waiting":
            demo.request("POST", f"/tickets/{ticket['id']}/cancel", token, json={"reason": "test done"})


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
    """The clerk signed in, choosing a window: signed out of the window first if still at it."""
    page = make()
    page.goto(f"{demo.url}/clerk?window={CLERK_WINDOW}")
    for _ in range(2):
        page.fill("#login-user", f"clerk{CLERK_WINDOW:02d}")
        page.fill("#login-password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#pick:not([hidden]), #terminal:not([hidden])")
        if page.locator("#pick").is_visible():
            return page
        page.click("#b-signout")
        expect(page.locator("#login-form")).to_be_visible()
    raise AssertionError("the clerk could not be signed out of the window")


def clerk_free(make, demo):
    """The terminal, free: the clerk signs in at the window, or is back at it if still signed in."""
    page = make()
    page.goto(f"{demo.url}/clerk?window={CLERK_WINDOW}")
    page.fill("#login-user", f"clerk{CLERK_WINDOW:02d}")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#pick:not([hidden]), #terminal:not([hidden])")
    if page.locator("#pick").is_visible():
        page.click("#pick-form button[type=submit]")
    expect(page.locator("#terminal")).to_be_visible()
    settle_window(demo, CLERK_WINDOW, clerk_token(page))
    expect(page.locator("#c-number")).to_have_text("—")
    settled(page)
    return page


def clerk_serving(make, demo):
    issue(demo, CLERK_WINDOW)
    page = clerk_free(make, demo)
    page.click(".act[data-action=next]")
    expect(page.locator("#c-number")).not_to_have_text("—")
    settled(page)
    return page


def clerk_dialog(key: str, dialog: str, before: Callable = None) -> Callable:
    def reach(make, demo):
        page = (before or clerk_serving)(make, demo)
        if dialog == "d-finish":   # a called citizen is started before being finished
            page.keyboard.press("s")
            expect(page.locator("#c-marks .state-serving")).to_be_visible()
            settled(page)
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


def settle_window(demo: DemoHall, window: int, token: str) -> None:
    """The window's current citizen, if any, is served to the end, so the window is free."""
    current = demo.window(window)["current"]
    if current is None:
        return
    if current["state"] == "called":
        demo.request("POST", f"/tickets/{current['id']}/start", token)
    demo.request("POST", f"/tickets/{current['id']}/finish", token, json={})


def window_serving(make, demo):
    token = clerk_at(demo, SCREEN_WINDOW)
    settle_window(demo, SCREEN_WINDOW, token)
    issue(demo, SCREEN_WINDOW)
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
        issued = issue(demo, SCREEN_WINDOW)[0]
        page = make(390, 844)
        page.goto(issued["track_url"])
        expect(page.locator("#number")).to_have_text(issued["number"])
        if stage == "waiting":
            expect(page.locator("#waiting")).to_be_visible()
            return page
        token = clerk_at(demo, SCREEN_WINDOW)
        settle_window(demo, SCREEN_WINDOW, token)
        demo.request("POST", f"/windows/{SCREEN_WINDOW}/call", token,
                     json={"number": issued["number"], "reason": "无障碍检查 / accessibility check"})
        if stage == "finished":
            demo.request("POST", f"/tickets/{issued['id']}/start", token)
            demo.request("POST", f"/tickets/{issued['id']}/finish", token, json={})
        page.reload()
        expect(page.locator("#number")).to_have_text(issued["number"])
        return page
    return reach


_mobiles = count(1)
_slot_turns = count()


def booking(step: str) -> Callable:
    def reach(make, demo):
        page = make(390, 844)
        page.goto(f"{demo.url}/book")
        expect(page.locator("#items button").first).to_be_visible()
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
        free = page.locator("#slots button:not([disabled])")
        # an address may book a slot only twice in ten minutes: each booking here takes the next slot
        free.nth(next(_slot_turns) % free.count()).click()
        if step == "form":
            return page
        page.fill("#mobile", f"1380027{next(_mobiles):04d}")   # a number holds two bookings a day
        page.fill("#name", "无障碍")
        page.click("#submit")
        expect(page.locator("#booking")).to_be_visible()
        if step == "manage":   # the manage link (/book/m/<token>) opened again later
            page.reload()
            expect(page.locator("#b-code")).not_to_be_empty()
        return page
    return reach


def remote(step: str) -> Callable:
    """远程取号 on a phone: the items, the form, the ticket taken, the entrance page (with the
    ticket this phone took, and with a refusal), and the ticket activated there."""
    def reach(make, demo):
        page = make(390, 844)
        page.goto(f"{demo.url}/remote")
        expect(page.locator("#items button").first).to_be_visible()
        if step == "items":
            return page
        page.locator("#items button:not([disabled])").first.click()
        expect(page.locator("#step-form")).to_be_visible()
        if step == "form":
            return page
        page.fill("#mobile", f"1390027{next(_mobiles):04d}")   # a number takes two a day
        page.click("#submit")
        expect(page.locator("#r-taken")).to_be_visible()
        if step == "taken":
            return page
        token = demo.request("GET", "/remote-tickets/entrance", demo.login("supervisor"))["url"].rsplit("/", 1)[1]
        page.goto(f"{demo.url}/entrance/{token}")
        expect(page.locator("#remembered button")).to_have_count(1)
        if step == "entrance":
            return page
        if step == "refused":
            page.fill("#entrance-code", "ZZZZZZZZ")
            page.click("#entrance-activate")
            expect(page.locator("#error")).to_be_visible()
            return page
        page.locator("#remembered button").click()
        expect(page.locator("#r-activated")).to_be_visible()
        code = page.locator("#r-code").inner_text()
        _issued.append(requests.get(f"{demo.url}/api/v1/remote-tickets/{code}", timeout=10).json()["ticket_id"])
        return page
    return reach


def staff_page(path: str, shown: str, username: str = "supervisor") -> Callable:
    def reach(make, demo):
        return staff_sign_in(make(), demo, path, username, shown)
    return reach


def admin_tab(tab: str) -> Callable:
    def reach(make, demo):
        page = sign_in_admin(make(), demo, lang=getattr(make, "lang", "zh"))
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
    "clerk call dialog": clerk_dialog("c", "d-call", before=clerk_free),
    "clerk pause dialog": clerk_dialog("p", "d-pause", before=clerk_free),   # paused between citizens
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
    "book manage": booking("manage"),
    **{f"remote {step}": remote(step) for step in ("items", "form", "taken", "entrance", "refused", "activated")},
    "desk signed out": signin_form("/desk"),
    "supervisor signed out": signin_form("/supervisor"),
    "supervisor": staff_page("/supervisor", "#board"),
    "reports": staff_page("/reports", "#tiles"),
    "daily report": staff_page("/reports/daily", "#tiles"),
    "desk": staff_page("/desk", "#book-card"),
    "city signed out": signin_form("/city"),
    "city dashboard": staff_page("/city", "#hall-rows tr:first-child", "city"),
    "city reports": staff_page("/city/reports", "#department-rows tr:first-child", "city"),
    "city reports signed out": signin_form("/city/reports"),
    "admin signed out": signin_form("/admin"),
    **{f"admin {tab} tab": admin_tab(tab) for tab in ADMIN_TABS},
}


@pytest.mark.parametrize("state", list(STATES))
def test_every_page_state_meets_wcag_a_and_aa(demo, new_page, state) -> None:
    page = STATES[state](new_page, demo)
    found = axe_violations(page)
    assert found == [], "\n".join(f"{v['rule']}: {node}" for v in found for node in v["nodes"])


# --- the language of every line (WCAG 3.1.1, 3.1.2) -----------------------------------------------

#: text nodes read in the wrong voice: English outside lang="en", Chinese outside lang="zh…", or
#: Chinese and an English phrase in one text node (a screen reader reads a node in one voice). An
#: English word has three letters or more, two of them small: codes and numbers (A001, SCJG, G1002)
#: are not words. One English word in a Chinese line is a name or a term ("导出 Excel"), which
#: WCAG 3.1.2 leaves in the line's language; two in a row are a phrase. Identifiers marked
#: translate="no" (a link's address) have no language.
LANGUAGES = """() => {
  const chinese = /[\\u3400-\\u9fff\\uf900-\\ufaff]/;
  const english = /\\b(?=[A-Za-z]*[a-z]{2})[A-Za-z]{3,}\\b/;
  const phrase = /\\b[A-Za-z]{2,} +[A-Za-z]{2,}\\b/;
  const wrong = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim(), parent = walker.currentNode.parentElement;
    if (!text || parent.closest("script, style, [translate=no]")) continue;
    const lang = (parent.closest("[lang]") || document.documentElement).lang;
    const zh = chinese.test(text), en = english.test(text);
    const where = `${parent.tagName.toLowerCase()}#${parent.id}.${parent.className} [lang=${lang}]: ${text.slice(0, 60)}`;
    if (zh && phrase.test(text)) wrong.push(`Chinese and English in one node: ${where}`);
    else if (zh && !lang.startsWith("zh")) wrong.push(`Chinese outside lang="zh": ${where}`);
    else if (en && !zh && !lang.startsWith("en")) wrong.push(`English outside lang="en": ${where}`);
  }
  return wrong;
}"""

#: every staff page and the window screen, in English (the citizens' phone pages have no switch)
IN_ENGLISH = """for (const page of ["admin", "city", "clerk", "desk", "supervisor", "window"])
  localStorage.setItem(`jiaohao.${page}.lang`, "en");"""


def in_english(make: Callable) -> Callable:
    """A page maker whose pages open in English (each page remembers its language choice)."""
    def english(*args, **kwargs) -> Page:
        page = make(*args, **kwargs)
        page.context.add_init_script(IN_ENGLISH)
        return page
    english.lang = "en"   # for states that name the language in the address (admin_tab)
    return english


#: the citizens' phone pages: Chinese first with English, and no language switch
PHONE_PAGES = ("book", "phone", "remote")


def bilingual_states() -> list[str]:
    return [state for state in STATES if not state.startswith(PHONE_PAGES)]


@pytest.mark.parametrize("state", list(STATES) + [f"{state} in English" for state in bilingual_states()])
def test_every_line_is_marked_with_its_language(demo, new_page, state) -> None:
    english = state.endswith(" in English")
    page = STATES[state.removesuffix(" in English")](in_english(new_page) if english else new_page, demo)
    if english:
        expect(page.locator("html")).to_have_attribute("lang", "en")
    wrong = page.evaluate(LANGUAGES)
    assert wrong == [], "\n".join(wrong)


# --- the clerk's keyboard ------------------------------------------------------------------------

def test_space_presses_the_focused_button_and_single_keys_turn_off(demo, new_page) -> None:
    issue(demo, KEYS_WINDOW)
    clerk = sign_in_clerk(new_page(), demo, f"clerk{KEYS_WINDOW:02d}", KEYS_WINDOW)
    clerk.focus(".act[data-action=pause]")
    clerk.keyboard.press("Space")
    expect(clerk.locator("#d-pause")).to_be_visible()     # the focused button's own action
    clerk.keyboard.press("Escape")
    settled(clerk)
    assert demo.window(KEYS_WINDOW)["current"] is None, "Space on a focused button called nobody"
    expect(clerk.locator("#c-number")).to_have_text("—")
    single_key_shortcuts_turn_off_and_stay_off_in_this_browser(demo, clerk)


def single_key_shortcuts_turn_off_and_stay_off_in_this_browser(demo, clerk) -> None:
    """WCAG 2.1.4: the letters and Space do nothing once the clerk turns them off, after a
    reload too; F1 and the buttons still work."""
    switch = clerk.get_by_label("单键快捷键 / Single-key shortcuts")
    expect(switch).to_be_checked()
    switch.uncheck()
    clerk.locator("body").focus()
    clerk.evaluate("() => document.activeElement.blur()")
    clerk.keyboard.press("p")
    clerk.keyboard.press("Space")
    expect(clerk.locator("dialog[open]")).to_have_count(0)
    assert demo.window(KEYS_WINDOW)["status"] == "open", "P did not pause: single keys are off"
    clerk.reload()
    expect(clerk.locator("#terminal")).to_be_visible()
    expect(clerk.get_by_label("单键快捷键 / Single-key shortcuts")).not_to_be_checked()
    clerk.keyboard.press("p")
    expect(clerk.locator("dialog[open]")).to_have_count(0)
    clerk.get_by_label("单键快捷键 / Single-key shortcuts").check()
    clerk.evaluate("() => document.activeElement.blur()")
    clerk.keyboard.press("p")
    expect(clerk.locator("#d-pause")).to_be_visible()
    clerk.keyboard.press("Escape")


# --- zoom, reflow and target sizes ---------------------------------------------------------------

#: the smallest text on the page that a person reads: its size in CSS px
SMALLEST_TEXT = """() => {
  const sizes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const box = node.parentElement.getBoundingClientRect();
    const style = getComputedStyle(node.parentElement);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    sizes.push([parseFloat(style.fontSize), node.parentElement.id || node.parentElement.className]);
  }
  return sizes.sort((a, b) => a[0] - b[0])[0];
}"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
#: the outermost elements reaching past the right edge: what makes a page scroll sideways
BEYOND = """() => [...document.body.querySelectorAll("*")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter((e) => !(e.parentElement && e.parentElement.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
  .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).slice(0, 8)"""


def test_the_window_screens_text_grows_with_zoom_and_is_never_small(demo, new_page) -> None:
    """A 1280×800 screen at 200 % zoom is a 640×400 CSS viewport: text that followed the viewport
    alone (vh) would shrink by half there and not grow at all; with a rem floor it grows."""
    normal = window_serving(new_page, demo)
    zoomed = open_window_screen(new_page(640, 400), demo, SCREEN_WINDOW)
    expect(zoomed.locator("#current-number")).to_have_text(normal.ticket["number"])
    for selector in ("#state-text", "#current-label", "#w-items", "#clock", "#current-number"):
        before = float(normal.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)"))
        after = float(zoomed.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)"))
        assert 2 * after >= 1.4 * before, f"{selector}: {before} px grows to only {2 * after} px at 200 %"
    small = open_window_screen(new_page(1024, 600), demo, SCREEN_WINDOW)
    smallest = small.evaluate(SMALLEST_TEXT)
    assert smallest[0] >= 18, smallest
    assert zoomed.evaluate("() => getComputedStyle(document.body).overflowY") != "hidden", "the zoomed screen scrolls"


@pytest.mark.parametrize("state", list(STATES))
def test_no_page_scrolls_sideways_at_320_css_px(demo, new_page, state) -> None:
    def narrow(width: int = 320, height: int = 640, locale: str = "zh-CN") -> Page:
        return new_page(320, height, locale)
    page = STATES[state](narrow, demo)
    assert page.evaluate(SIDEWAYS) <= 0, f"{state} scrolls sideways at 320 px: {page.evaluate(BEYOND)}"


TARGETS = """() => [...document.querySelectorAll("button, a[href], input, select, summary")]
  .filter((e) => { const b = e.getBoundingClientRect(); return b.width && b.height && getComputedStyle(e).visibility !== "hidden"; })
  .filter((e) => !(e.type === "checkbox" || e.type === "radio") || !e.closest("label"))
  .map((e) => { const b = e.closest("label") ? e.closest("label").getBoundingClientRect() : e.getBoundingClientRect();
                return { what: e.id || e.textContent.trim().slice(0, 20) || e.outerHTML.slice(0, 60), w: b.width, h: b.height }; })
  .filter((t) => t.w < 44 || t.h < 44)"""


def citizens_states() -> list[str]:
    """The citizens' pages: the phone pages and the window screen, in every state."""
    return [state for state in STATES if state.startswith(PHONE_PAGES + ("window screen",))]


@pytest.mark.parametrize("state", citizens_states())
def test_citizens_controls_are_44_px_or_more_and_their_text_18_px(demo, new_page, state) -> None:
    page = STATES[state](new_page, demo)
    assert page.evaluate(TARGETS) == [], state
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= 18


#: the font size of each shown text node's element, and the element and its words
TEXT_SIZES = """() => {
  const sizes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim(), parent = walker.currentNode.parentElement;
    const box = parent.getBoundingClientRect();
    const shown = text && !parent.closest("script, style") && box.width > 0 && box.height > 0
      && getComputedStyle(parent).visibility !== "hidden";
    const path = [parent, parent.parentElement, parent.parentElement && parent.parentElement.parentElement]
      .filter(Boolean).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).reverse().join(" > ");
    if (shown) sizes.push([parseFloat(getComputedStyle(parent).fontSize), `${path}: ${text.slice(0, 30)}`]);
  }
  return sizes;
}"""

#: text this large (CSS px: 1.125rem, the citizens' body text) or larger may follow a big screen
#: (the window screen's max(rem, vh) sizes) down to this size, never below; smaller text never shrinks
READABLE = 18


def without_remote_tickets() -> list[str]:
    """The states, less those that take a 远程取号 ticket: one address may take 10 in a burst
    (then one every 30 s), which the checks above already spend; these pages are the same page as
    the remote items and form states, which stay in."""
    return [state for state in STATES
            if state not in {"remote taken", "remote entrance", "remote refused", "remote activated"}]


@pytest.mark.parametrize("state", without_remote_tickets())
def test_text_keeps_its_size_when_the_page_is_zoomed_to_200_percent(demo, new_page, state) -> None:
    """WCAG 1.4.4: zoomed to 200 %, the same screen is half as many CSS px wide and high. Text
    sized in rem keeps its CSS size and so doubles on the screen; text sized by the window (vh,
    vw, px of a scaled design) would shrink. Every text shown at both sizes is measured."""
    page = STATES[state](new_page, demo)
    size = page.viewport_size
    before = page.evaluate(TEXT_SIZES)
    page.set_viewport_size({"width": size["width"] // 2, "height": size["height"] // 2})
    page.wait_for_function("(w) => window.innerWidth === w", arg=size["width"] // 2)
    after = page.evaluate(TEXT_SIZES)
    # a live page may draw itself again meanwhile: text is matched by its element and words
    sized = {text: size for size, text in after}
    both = [(text, size, sized[text]) for size, text in before if text in sized]   # the last of a kind
    shrunk = [f"{text}: {was} px -> {now} px" for text, was, now in both if now < min(was, READABLE) - 0.01]
    assert shrunk == [], "\n".join(shrunk)
    assert len(both) >= 3, "text was measured"


#: the style sheets of the staff and citizens' pages: every font size in rem or em (or %), or a
#: max()/clamp() with a rem floor; the hall board and strip (board.css) fill a wall screen by design
STYLE_SOURCES = [*sorted((REPO / "server" / "static" / "pages").glob("*.css")),
                 *sorted((REPO / "server" / "pages" / "templates").rglob("*.html")),
                 *sorted((REPO / "server" / "templates").glob("*.html"))]
SCREEN_SIZED = {"board.css"}
FONT_SIZE = re.compile(r"font(?:-size)?\s*:\s*([^;}]+)")


def screen_sized_font(value: str) -> bool:
    """A font size from px, the viewport (vh, vw, vmin…) or a container (cq…) without a rem floor."""
    fixed = re.search(r"\d(px|vh|vw|vmin|vmax|cq[whib]|cqmin|cqmax)\b", value)
    floored = re.match(r"\s*(max|clamp)\(\s*[\d.]+rem\b", value)
    return bool(fixed) and not floored


def test_style_sheets_size_text_in_rem() -> None:
    wrong = []
    for source in STYLE_SOURCES:
        if source.name in SCREEN_SIZED:
            continue
        for line_no, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            for value in FONT_SIZE.findall(line):
                if screen_sized_font(value.split("/")[0] if value.lstrip()[:1].isdigit() else value):
                    wrong.append(f"{source.relative_to(REPO)}:{line_no}: {value.strip()}")
    assert wrong == [], "\n".join(wrong)
    assert screen_sized_font("18px") and screen_sized_font("2.4vh") and not screen_sized_font("max(1.125rem, 2.4vh)")


# --- the keyboard on every page: skip the bars, see where focus is ------------------------------------

#: the shown controls the keyboard reaches before the page's main content, in page order
BEFORE_MAIN = """() => {
  const main = [...document.querySelectorAll("main")].find((m) => m.getClientRects().length);
  if (!main) return null;
  return [...document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")]
    .filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && !e.closest("[inert]")
                   && getComputedStyle(e).visibility !== "hidden"
                   && (main.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_PRECEDING))
    .map((e) => e.className === "skip-link" ? "skip" : `${e.tagName.toLowerCase()}#${e.id}.${e.className}`);
}"""


@pytest.mark.parametrize("state", without_remote_tickets())
def test_the_keyboard_skips_to_the_main_content_and_always_shows_where_it_is(demo, new_page, state) -> None:
    """WCAG 2.4.1: where controls (a bar, tabs, the 大字 / 高对比 switches) come before the main
    content, the first stop is 跳到主要内容, shown when focused, and Enter on it lands in <main>.
    WCAG 2.4.7: every stop Tab reaches from there is shown, with its focus ring."""
    page = STATES[state](new_page, demo)
    # an open modal dialog owns the keyboard: nothing behind it takes focus
    before = page.evaluate("() => !document.querySelector('dialog:modal')") and page.evaluate(BEFORE_MAIN)
    if before:
        assert before[0] == "skip", f"controls before the main content and no skip link first: {before}"
        link = page.locator(".skip-link:visible")
        link.focus()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, f"the focused skip link is off screen: {box}"
        page.keyboard.press("Enter")
        assert page.evaluate("() => !!document.activeElement.closest('main')"), "Enter on it lands in <main>"
    stops = [stop for stop in tab_stops(page, 20, blur=not before) if stop is not None]
    hidden = [stop for stop in stops if not stop["shown"] or not stop["ring"]]
    assert hidden == [], f"focus cannot be seen on {hidden}"


# --- 适老化: large text and high contrast on the citizens' pages ------------------------------------

@pytest.mark.parametrize("state", ["phone waiting", "phone unknown ticket", "book items", "book manage",
                                   "remote items", "window screen idle"])
def test_large_text_and_high_contrast_switch_on_stay_on_and_pass_axe(demo, new_page, state) -> None:
    page = STATES[state](new_page, demo)
    number = page.locator("#number, #w-number, #step-item h2, #message h1, #b-code").locator("visible=true").first
    before = number.bounding_box()["height"]
    for name in ("大字 / Large text", "高对比 / High contrast"):
        switch = page.get_by_role("button", name=name)
        switch.focus()
        page.keyboard.press("Enter")
        expect(switch).to_have_attribute("aria-pressed", "true")
    assert number.bounding_box()["height"] >= 1.2 * before, "large text is larger"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)", background
    found = axe_violations(page)
    assert found == [], "\n".join(f"{v['rule']}: {node}" for v in found for node in v["nodes"])
    page.reload()
    for name in ("大字 / Large text", "高对比 / High contrast"):
        expect(page.get_by_role("button", name=name)).to_have_attribute("aria-pressed", "true")


def test_the_rating_prompt_takes_focus_keeps_tab_inside_and_gives_more_time(demo, new_page) -> None:
    screen = window_rating(new_page, demo)
    expect(screen.locator("#rating-buttons button").first).to_be_focused()
    # after the last answer Tab passes through the browser's own bar (None) and comes back
    stops = [stop for stop in tab_stops(screen, 9) if stop is not None]
    assert all(stop["shown"] for stop in stops), stops
    # the five answers and 再等一下 only: nothing behind the prompt (language, 大字, 高对比)
    assert {stop["id"] for stop in stops} == {"", "more-time"}, stops
    assert sum(stop["id"] == "" for stop in stops) >= 5
    screen.wait_for_timeout(2100)
    expect(screen.locator("#rating-countdown")).not_to_have_text(re.compile(r"^(59|60) "))
    screen.get_by_role("button", name="再等一下 / More time").press("Enter")
    # the prompt waits its full time (60 s) again
    expect(screen.locator("#rating-countdown")).to_have_text(re.compile(r"^(59|60) "))
    expect(screen.locator("#rating")).to_be_visible()


# --- colour is never the only signal (WCAG 1.4.1) ----------------------------------------------------

ALERT_WINDOW = 16   # a window of the demo hall no other web test uses


def test_colour_is_never_the_only_signal(demo, new_page) -> None:
    """A window with an alert, a window's state, an alert's level, a timer past its line and a
    clerk's dimmed action each carry a word, a mark or a changed border as well as a colour."""
    token = clerk_at(demo, ALERT_WINDOW)
    ticket = issue(demo, ALERT_WINDOW)[0]
    demo.request("POST", f"/windows/{ALERT_WINDOW}/call", token, json={"number": ticket["number"], "reason": "颜色检查"})
    demo.request("POST", f"/tickets/{ticket['id']}/start", token)
    demo.request("POST", f"/tickets/{ticket['id']}/finish", token, json={})
    demo.request("POST", f"/tickets/{ticket['id']}/evaluation", demo.window_token(ALERT_WINDOW), json={"rating": 1})

    board = STATES["supervisor"](new_page, demo)
    card = board.locator(f".win[data-window='{ALERT_WINDOW}']")
    expect(card).to_have_class(re.compile(r"\balerting\b"))       # the red edge…
    expect(card.locator(".win-alert")).to_have_text("⚠ 告警")      # …and the word
    for badge in board.locator(".win .badge").all():
        assert badge.inner_text().strip() in {"服务中", "暂停", "未签到"}, "every window's state is a word"
    levels = board.locator(".alert .level")
    expect(levels.first).to_be_visible()
    assert {level.inner_text().strip() for level in levels.all()} <= {"红色", "黄色"}
    # a timer past its line: red and marked (the mark is the style sheet's, shown before the time)
    mark = board.evaluate("""() => { const t = document.createElement("span"); t.className = "t over";
        document.querySelector(".win-line").append(t); return getComputedStyle(t, "::before").content; }""")
    assert "⚠" in mark

    clerk = STATES["clerk free"](new_page, demo)
    borders = clerk.evaluate("""() => [".act:not(.unavailable)", ".act.unavailable"].map((s) =>
        getComputedStyle(document.querySelector(s)).borderStyle)""")
    assert borders[0] != borders[1], f"a dimmed action differs by its border too: {borders}"
