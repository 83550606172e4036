"""远程取号 end to end in a real Chromium on a 390×844 phone screen: a citizen takes a remote ticket
for today from /book, sees an honest estimate and the code; the ticket joins the queue only when
activated — at the kiosk (its REST route, as the kiosk calls it) or by the hall's entrance QR code
opened on the phone — and one left alone lapses at its deadline by the hall's timed work.

The hall runs in this process on a loopback port with a clock the test moves, so the deadline
can pass without waiting an hour. Set JIAOHAO_REMOTE_SHOTS=docs/images to keep the screenshots.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, small_hall_document, to_toml

playwright_api = pytest.importorskip("playwright.sync_api")
from tests.accessibility import axe_violations  # noqa: E402
from tests.browser import phone_page  # noqa: E402

expect = playwright_api.expect
REMOTE = {"enabled": True, "daily_share": 0.5, "daily_tickets": 5, "activate_minutes": 30}


@pytest.fixture
def hall(tmp_path, seeded):
    path = tmp_path / "config.toml"
    document = small_hall_document(remote=REMOTE, appointments={"enabled": True})
    document["services"][1]["identity"] = "optional"    # A02 asks for the ID card, optionally
    path.write_text(to_toml(document), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc))     # 09:00 in the hall
    app = create_app(seeded(tmp_path / "var", path), path, clock=clock, start_clockwork=False)
    core = app.extensions["jiaohao"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    core.url, core.clock = f"http://127.0.0.1:{server.server_port}", clock
    core.kiosk_token = accounts.add_device(core.database, core.service.hall_id, "kiosk-1", "kiosk").token
    yield core
    server.shutdown()
    thread.join(5)
    core.data.close()


@pytest.fixture
def phone(browser):
    yield from phone_page(browser)


def shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("JIAOHAO_REMOTE_SHOTS", tmp_path))
    page.screenshot(path=str(folder / f"remote-{name}.png"), full_page=True)


def watch(page, url: str) -> list[str]:
    """Page errors, console errors and any request leaving the hall's own server; a refusal the
    page shows (409) is Chromium's console line, not a problem."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "status of 409" not in msg.text else None)
    page.on("request", lambda r: problems.append(r.url) if not r.url.startswith(url) else None)
    return problems


def test_an_item_asking_for_the_id_card_shows_its_field_and_masks_it(hall, phone) -> None:
    phone.goto(f"{hall.url}/remote")
    phone.get_by_role("button", name="食品经营许可").click()
    expect(phone.locator("#id-label")).to_be_visible()
    assert "选填" in phone.locator("#id-caption").inner_text()
    assert axe_violations(phone) == []
    phone.fill("#mobile", "13600136000")
    phone.fill("#id-number", "11010519900307123" + "X")   # fails the check digit
    phone.click("#submit")
    expect(phone.locator("#error")).to_be_visible()
    assert "身份证号码有误" in phone.locator("#error-text").inner_text()


def take_remote(phone, hall, item: str, mobile: str, id_number: str = "") -> str:
    phone.goto(f"{hall.url}/book")
    phone.get_by_role("link", name="远程取号").click()
    phone.wait_for_selector("#step-item:not([hidden])")
    phone.get_by_role("button", name=item).click()
    phone.fill("#mobile", mobile)
    if id_number:
        phone.fill("#id-number", id_number)
    phone.click("#submit")
    expect(phone.locator("#r-taken")).to_be_visible()
    return phone.locator("#r-code").inner_text()


def waiting(hall, service: str) -> int:
    snapshot = requests.get(f"{hall.url}/api/v1/hall", timeout=10,
                            headers={"Authorization": f"Bearer {hall.kiosk_token}"}).json()
    return next(s["waiting"] for s in snapshot["services"] if s["code"] == service)


def test_take_then_activate_at_the_kiosk(hall, phone, tmp_path) -> None:
    problems = watch(phone, hall.url)
    phone.goto(f"{hall.url}/book")
    phone.get_by_role("link", name="远程取号").click()
    phone.wait_for_selector("#step-item:not([hidden])")
    shot(phone, tmp_path, "items")
    phone.get_by_role("button", name="发票申领").click()
    # nobody is at a window yet: the estimate says so instead of promising minutes
    assert "暂无窗口" in phone.locator("#chosen-wait").inner_text()
    assert "仅供参考" in phone.locator("#chosen-wait").inner_text()
    phone.fill("#mobile", "13800138000")
    phone.click("#submit")
    expect(phone.locator("#r-taken")).to_be_visible()
    code = phone.locator("#r-code").inner_text()
    assert len(code) == 8 and phone.url.endswith(f"/remote/{code}")
    assert "09:30" in phone.locator("#r-deadline").inner_text()
    assert phone.locator("#r-mobile").inner_text() == "138****8000"
    expect(phone.locator("#r-qr")).to_have_js_property("complete", True)
    shot(phone, tmp_path, "taken")
    assert waiting(hall, "C01") == 0            # not in the queue before activation

    reply = requests.post(f"{hall.url}/api/v1/remote-tickets/activate", json={"code": code}, timeout=10,
                          headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["ticket"]["number"] == "C001"
    assert waiting(hall, "C01") == 1
    phone.reload()
    expect(phone.locator("#r-activated")).to_be_visible()
    assert phone.locator("#r-number").inner_text() == "C001"
    assert phone.locator("#r-track").get_attribute("href").startswith("/t/")
    shot(phone, tmp_path, "activated")
    assert problems == []


def test_activate_by_the_entrance_qr_code(hall, phone, tmp_path) -> None:
    problems = watch(phone, hall.url)
    code = take_remote(phone, hall, "食品经营许可", "13900139000")
    entrance = f"{hall.url}/entrance/{hall.remote.entrance_token()}"
    assert requests.get(f"{hall.url}/entrance/{'x' * 24}", timeout=10).status_code == 404
    phone.goto(entrance)        # what the QR code at the door opens
    remembered = phone.locator("#remembered button")
    expect(remembered).to_have_count(1)
    assert code in remembered.inner_text()
    shot(phone, tmp_path, "entrance")
    remembered.click()
    expect(phone.locator("#r-activated")).to_be_visible()
    assert phone.locator("#r-number").inner_text() == "A001"
    assert waiting(hall, "A02") == 1
    # the same code again, typed: already in the queue
    phone.goto(entrance)
    expect(phone.locator("#remembered button")).to_have_count(0)
    phone.fill("#entrance-code", code.lower())
    phone.click("#entrance-activate")
    expect(phone.locator("#error")).to_be_visible()
    assert "已激活" in phone.locator("#error-text").inner_text()
    assert problems == [], problems


def test_a_ticket_left_alone_lapses_at_its_deadline(hall, phone, tmp_path) -> None:
    problems = watch(phone, hall.url)
    code = take_remote(phone, hall, "发票申领", "13700137000")
    hall.clock.advance(minutes=31)
    hall.clockwork.tick()                 # the hall's timed work
    rows = hall.database.connection().execute(
        "SELECT kind, actor FROM remote_ticket_log ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("taken", "citizen"), ("lapsed", "system")]
    phone.reload()
    expect(phone.locator("#r-lapsed")).to_be_visible()
    expect(phone.locator("#r-taken")).to_be_hidden()
    assert axe_violations(phone) == []      # the one state the demo hall's page tests cannot reach
    shot(phone, tmp_path, "lapsed")
    late = requests.post(f"{hall.url}/api/v1/remote-tickets/activate", json={"code": code}, timeout=10,
                         headers={"Authorization": f"Bearer {hall.kiosk_token}"})
    assert late.status_code == 409 and late.json()["error"] == "remote_lapsed"
    assert waiting(hall, "C01") == 0
    assert problems == [], problems
