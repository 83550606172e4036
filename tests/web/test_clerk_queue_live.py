"""Clerk terminals keep their head of the queue from the live messages: after every change in
the hall, within a second, each terminal shows the server's order and count for its window,
and it asks for its queue again only when calls thinned its head below what it shows."""

from __future__ import annotations

import time
from contextlib import contextmanager

import requests
from playwright.sync_api import Page, expect

from tests.web.conftest import DemoHall
from tests.web.helpers import clerk_token, sign_in_clerk

#: window 1 (green channel) calls every item; 5 and 6 the B items, 5 putting B01 first
WINDOWS = (1, 5, 6)
SHOWN = 40   # the terminal lists the first 40 of its head (clerk-page.js SHOWN_WAITING)


class Terminal:
    def __init__(self, page: Page, window: int):
        self.page, self.window = page, window
        self.token = clerk_token(page)
        self.queue_requests = 0
        page.on("request", self._count)

    def _count(self, request) -> None:
        if request.url.split("?")[0].endswith(f"/windows/{self.window}/queue"):
            self.queue_requests += 1

    def shown(self) -> tuple[list[str], int]:
        numbers = self.page.locator("#q-waiting li.ticket-row").evaluate_all("rows => rows.map(r => r.dataset.number)")
        count = self.page.locator("#q-count").inner_text().strip()
        return numbers, int(count) if count.isdigit() else -1


def server_head(demo: DemoHall, terminal: Terminal) -> tuple[list[str], int]:
    reply = demo.request("GET", f"/windows/{terminal.window}/queue", token=terminal.token)
    return [t["number"] for t in reply["waiting"]][:SHOWN], reply["total"]


def every_head_agrees(demo: DemoHall, terminals: list[Terminal], what: str) -> None:
    """Within one second of a change (its reply), every terminal shows the server's head."""
    changed = time.monotonic()
    expected = {t.window: server_head(demo, t) for t in terminals}
    for terminal in terminals:
        while (shown := terminal.shown()) != expected[terminal.window]:
            assert time.monotonic() - changed < 1.0, \
                f"after {what}, window {terminal.window} shows {shown}, the server {expected[terminal.window]}"
            terminal.page.wait_for_timeout(20)


@contextmanager
def leaving_the_hall_as_found(demo: DemoHall, terminals: list[Terminal], issued: list[dict]):
    """The demo hall is shared by the web tests: the citizens a test issued leave, and its
    clerks sign out, so no other test's window calls them."""
    try:
        yield
    finally:
        for ticket in issued:
            if demo.ticket(ticket["id"])["state"] in ("waiting", "transferred", "held"):
                # by the clerk of a window that may call it (one sent to a window: that one's)
                cancelled = [requests.post(f"{demo.url}/api/v1/tickets/{ticket['id']}/cancel", timeout=10,
                                           json={"reason": "测试结束"},
                                           headers={"Authorization": f"Bearer {t.token}"}).ok
                             for t in terminals]
                assert any(cancelled), f"nobody could cancel {ticket['number']}"
        for terminal in terminals:
            demo.request("POST", f"/windows/{terminal.window}/sign-out", token=terminal.token)


def test_three_terminals_follow_the_server_order_live(demo, new_page) -> None:
    terminals = [Terminal(sign_in_clerk(new_page(), demo, f"clerk{n:02d}", n), n) for n in WINDOWS]
    issued: list[dict] = []
    with leaving_the_hall_as_found(demo, terminals, issued):
        follow_a_morning(demo, terminals, issued)


def follow_a_morning(demo: DemoHall, terminals: list[Terminal], issued: list[dict]) -> None:
    every_head_agrees(demo, terminals, "signing in")
    at_5 = terminals[1]
    before = [t.queue_requests for t in terminals]

    for service, priority in (("B04", "normal"), ("B05", "normal"), ("B01", "normal"), ("B04", "green"),
                              ("B06", "normal"), ("B01", "normal")):
        issued.append(demo.request("POST", "/tickets", json={"service": service, "priority": priority})["ticket"])
        every_head_agrees(demo, terminals, f"issuing {issued[-1]['number']}")
    assert [t.queue_requests for t in terminals] == before, "issuing never makes a terminal fetch its queue"

    called = demo.request("POST", "/windows/5/call-next", token=at_5.token)["ticket"]
    every_head_agrees(demo, terminals, f"window 5 calling {called['number']}")
    demo.request("POST", f"/tickets/{called['id']}/transfer", token=at_5.token, json={"window": 6})
    every_head_agrees(demo, terminals, f"{called['number']} sent to window 6")
    waiting = next(t for t in issued if t["id"] != called["id"] and t["service"] == "B05")
    demo.request("POST", f"/tickets/{waiting['id']}/cancel", token=at_5.token, json={"reason": "市民离开"})
    every_head_agrees(demo, terminals, f"{waiting['number']} cancelled")
    held = demo.request("POST", "/windows/5/call-next", token=at_5.token)["ticket"]
    demo.request("POST", f"/tickets/{held['id']}/hold", token=at_5.token, json={"minutes": 10})
    every_head_agrees(demo, terminals, f"{held['number']} held")
    assert at_5.page.locator("#q-held li").count() == 1
    demo.request("POST", f"/tickets/{held['id']}/resume", token=at_5.token)
    every_head_agrees(demo, terminals, f"{held['number']} back from its hold")


def test_a_head_thinned_by_calls_is_filled_from_one_page(demo, new_page) -> None:
    """More wait than one page holds: the terminals keep the head live, and when calls leave
    fewer than they show, each asks for one page (not one per message). A terminal that signed
    in with everyone on its page keeps everyone (the first test); these sign in after 56."""
    issued = [demo.request("POST", "/tickets", json={"service": ("D02", "D03")[n % 2]})["ticket"]
              for n in range(56)]   # window 15 puts D02 first, window 16 D03
    terminals = [Terminal(sign_in_clerk(new_page(), demo, f"clerk{n:02d}", n), n) for n in (15, 16)]
    with leaving_the_hall_as_found(demo, terminals, issued):
        thin_the_head(demo, terminals, issued)


def thin_the_head(demo: DemoHall, terminals: list[Terminal], issued: list[dict]) -> None:
    every_head_agrees(demo, terminals, "signing in")
    for n in range(4):   # behind the head, or ahead in it
        issued.append(demo.request("POST", "/tickets", json={"service": ("D02", "D03")[n % 2]})["ticket"])
        every_head_agrees(demo, terminals, f"issuing {n + 1} more")
    at_15 = terminals[0]
    before = [t.queue_requests for t in terminals]
    for call in range(14):
        called = demo.request("POST", "/windows/15/call-next", token=at_15.token)["ticket"]
        every_head_agrees(demo, terminals, f"call {call + 1}, {called['number']}")
        for step in ("start", "finish"):
            demo.request("POST", f"/tickets/{called['id']}/{step}", token=at_15.token)
    fetched = [t.queue_requests - b for t, b in zip(terminals, before)]
    assert all(0 < n <= 3 for n in fetched), f"pages fetched per terminal for 14 calls: {fetched}"

    # any number is found on request, however far beyond the head it stands
    at_15, last = terminals[0], issued[-1]
    place = demo.request("GET", f"/windows/15/queue?number={last['number']}", token=at_15.token)["place"]
    at_15.page.fill("#q-find-number", last["number"].lower())
    at_15.page.click("#q-find button[type=submit]")
    expect(at_15.page.locator("#q-found")).to_have_text(f"{last['number']}：前面还有 {place} 人（第 {place + 1} 位）")
    at_15.page.fill("#q-find-number", "Z999")
    at_15.page.keyboard.press("Enter")
    expect(at_15.page.locator("#q-found")).to_contain_text("Z999 不在本窗口的等候队列中")
