"""A clerk's key press is never lost: finishing by keyboard and pressing "next" at once calls
the next citizen every time, whatever order the finish reply and its live message arrive in.
Each check reads the server's own state, not only the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import DemoHall
from tests.web.helpers import settled, sign_in_clerk, until

ROUNDS = 30
NEXT_KEYS = ("F1", "Space")


def serve_and_start(demo: DemoHall, clerk: Page, window: int, ticket: dict) -> None:
    """The window calls `ticket` (checked on the server) and starts serving it by keyboard."""
    until(lambda: (demo.window(window)["current"] or {}).get("id") == ticket["id"],
          f"window {window} calls {ticket['number']}")
    expect(clerk.locator("#c-number")).to_have_text(ticket["number"])
    settled(clerk)
    clerk.keyboard.press("s")
    expect(clerk.locator("#c-marks")).to_contain_text("办理中")
    settled(clerk)


def finish_by_keyboard(clerk: Page, case_no: str) -> None:
    clerk.keyboard.press("f")
    expect(clerk.locator("#d-finish")).to_be_visible()
    clerk.keyboard.type(case_no)
    clerk.keyboard.press("Enter")


def test_finish_then_next_at_once_calls_the_next_citizen_every_time(demo, new_page) -> None:
    tickets = demo.issue("L03", ROUNDS + 1)
    clerk = sign_in_clerk(new_page(), demo, "clerk29", 29)
    clerk.keyboard.press("Space")
    for i in range(ROUNDS):
        serve_and_start(demo, clerk, 29, tickets[i])
        finish_by_keyboard(clerk, f"K-{i}")
        expect(clerk.locator("#d-finish")).to_be_hidden()
        clerk.keyboard.press(NEXT_KEYS[i % 2])   # at once: no waiting for the page to settle
        until(lambda: (demo.window(29)["current"] or {}).get("id") == tickets[i + 1]["id"],
              f"round {i}: {NEXT_KEYS[i % 2]} calls {tickets[i + 1]['number']}")
        assert demo.ticket(tickets[i]["id"])["case_no"] == f"K-{i}"
    settled(clerk)
    # every press called exactly one citizen: a Space on the focused "next" button is one call
    calls = demo.query("SELECT COUNT(*) FROM events WHERE window = 29 AND kind = 'ticket_called'")
    assert calls[0][0] == ROUNDS + 1
    expect(clerk.locator("#notice")).to_be_hidden()
