"""The supervisor's dashboard draws the attempts the per-person limit refused (a scalping
signal) per hour and per item, with the figures as a table for anyone who cannot read the bars,
and today's remote tickets; in Chromium against a hall served in this process on a loopback port.
Set JIAOHAO_SUPERVISION_SHOTS=docs/images to keep the screenshot."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from hall.identity import check_character
from server import accounts
from server.app import create_app
from tests.accessibility import axe_violations
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.supervision.conftest import PASSWORD
from tests.supervision.test_pages import sign_in

expect = pytest.importorskip("playwright.sync_api").expect
PERSON = "110105" + "19900307" + "123"
PERSON += check_character(PERSON)


@pytest.fixture
def hall(tmp_path, seeded):
    document = small_hall_document(identity={"tickets_per_person_per_item": 1},
                                   remote={"enabled": True, "activate_minutes": 30})
    document["services"][0]["identity"] = "required"      # A01
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 26, 2, 10, tzinfo=timezone.utc))   # 10:10 in the hall
    app = create_app(seeded(tmp_path / "var", path), path, clock=clock, start_clockwork=False)
    core = app.extensions["jiaohao"]
    add_user(core.database, core.service.hall_id, "boss", "supervisor", PASSWORD, "boss-名", "S1")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    core.url, core.clock = f"http://127.0.0.1:{server.server_port}", clock
    core.kiosk = accounts.add_device(core.database, core.service.hall_id, "kiosk-1", "kiosk").token
    yield core
    server.shutdown()
    thread.join(5)
    core.data.close()


def issue(hall, **body) -> requests.Response:
    return requests.post(f"{hall.url}/api/v1/tickets", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {hall.kiosk}"})


def test_refusals_are_drawn_per_hour_and_item_with_a_table(hall, page, tmp_path) -> None:
    assert issue(hall, service="A01", id_number=PERSON).status_code == 201
    for _ in range(3):                                                  # 10:1x: three refusals
        assert issue(hall, service="A01", id_number=PERSON).json()["error"] == "person_limit_reached"
    hall.clock.advance(hours=3)                                         # 13:10: one more
    assert issue(hall, service="A01", id_number=PERSON).status_code == 409
    taken = requests.post(f"{hall.url}/api/v1/remote-tickets", json={"service": "C01", "mobile": "13800138000"},
                          timeout=10)
    assert taken.status_code == 201
    hall.clock.advance(minutes=40)
    hall.remote.lapse_due()

    sign_in(page, hall, "/supervisor")
    expect(page.locator("#refusal-summary")).to_have_text("今日共 4 次")
    hour_bars = page.locator("#chart-refused-hour rect.chart-bar")
    expect(hour_bars).to_have_count(10)                                  # 8:00 … 17:00
    values = [int(v) for v in hour_bars.evaluate_all("bars => bars.map((b) => b.dataset.value)")]
    assert values == [0, 0, 3, 0, 0, 1, 0, 0, 0, 0]
    item_bar = page.locator("#chart-refused-item rect.chart-bar")
    expect(item_bar).to_have_count(1)
    assert item_bar.get_attribute("data-value") == "4"
    assert page.locator("#chart-refused-item svg").get_attribute("aria-label") == "按事项"
    # the text alternative: the same figures as a table
    table = page.locator("#chart-refused-item details.chart-figures")
    table.locator("summary").click()
    expect(table.locator("tbody tr > *")).to_have_text(["A01 企业设立登记", "4"])
    expect(page.locator('#remote-figures [data-figure="remoteTaken"] dd')).to_have_text("1")
    expect(page.locator('#remote-figures [data-figure="remoteLapsed"] dd')).to_have_text("1")
    assert axe_violations(page) == []
    folder = Path(os.environ.get("JIAOHAO_SUPERVISION_SHOTS", tmp_path))
    page.locator("#scalping-card").screenshot(path=str(folder / "supervisor-refusals.png"))
    page.click("#lang")
    expect(page.locator("#refusal-summary")).to_have_text("4 today")
    expect(page.locator("#chart-refused-item tbody tr > *")).to_have_text(["A01 Business registration", "4"])
    # a new refusal redraws the dashboard by itself
    assert issue(hall, service="A01", id_number=PERSON).status_code == 409
    expect(page.locator("#refusal-summary")).to_have_text("5 today")


def test_the_reports_page_draws_the_refusals_too(hall, page) -> None:
    assert issue(hall, service="A01", id_number=PERSON).status_code == 201
    for _ in range(2):
        assert issue(hall, service="A01", id_number=PERSON).status_code == 409
    sign_in(page, hall, "/reports")
    bars = page.locator("#chart-refused-item rect.chart-bar")
    expect(bars).to_have_count(1)
    assert bars.get_attribute("data-value") == "2"
    expect(page.locator("#chart-refused-hour rect.chart-bar")).to_have_count(1)
    expect(page.locator("#chart-refused-hour tbody tr > *")).to_have_text(["10:00", "2"])
    assert axe_violations(page) == []
