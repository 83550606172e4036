"""The web pages of a server that serves two halls, in a real Chromium: a clerk signs in with
the hall's code (the same user name exists in both halls) and works in that hall, and the
booking page of /book?hall=CODE offers that hall's items."""

from __future__ import annotations

import pytest
import requests

from common.launcher import hall_server
from server.datadir import add_hall, open_data_dir
from tests.appointments.conftest import RULES
from tests.conftest import add_user, small_hall_document, to_toml

playwright_api = pytest.importorskip("playwright.sync_api")
from tests.browser import pages, phone_page  # noqa: E402

expect = playwright_api.expect
PASSWORD = "Counter-2026"
EAST_ITEM = "东区企业开办一件事"


@pytest.fixture(scope="module")
def two_halls(tmp_path_factory):
    root = tmp_path_factory.mktemp("city")
    home_config, east_config = root / "config.toml", root / "east.toml"
    home_config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    east = small_hall_document(appointments=RULES)
    east["hall"] = {**east["hall"], "code": "xc-east", "name": "东区便民服务中心", "name_en": "East Centre"}
    east["services"] = [{**east["services"][0], "name": EAST_ITEM}, *east["services"][1:]]
    east_config.write_text(to_toml(east), encoding="utf-8")
    data = open_data_dir(root / "var", home_config)
    east_id, _ = add_hall(root / "var", east_config)
    add_user(data.database, data.hall_id, "clerk3", "clerk", PASSWORD, "本厅小李", "G3")
    add_user(data.database, east_id, "clerk3", "clerk", PASSWORD, "东区小王", "E3")
    data.close()
    server = hall_server(root / "var", home_config).start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser):
    yield from pages(browser, height=768)


def test_a_clerk_signs_in_at_the_hall_the_code_names(two_halls, new_page) -> None:
    page = new_page()
    page.goto(f"{two_halls.url}/clerk?window=3&hall=xc-east")
    expect(page.locator("#login-hall")).to_have_value("xc-east")
    page.fill("#login-user", "clerk3")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#pick")).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('jiaohao.clerk.token')")
    me = requests.get(f"{two_halls.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.json()["name"] == "东区小王"

    other = new_page()
    other.goto(f"{two_halls.url}/clerk")
    other.fill("#login-hall", "nowhere")
    other.fill("#login-user", "clerk3")
    other.fill("#login-password", PASSWORD)
    other.click("#login-form button[type=submit]")
    expect(other.locator("#login-message")).to_contain_text("nowhere")


def test_the_booking_page_offers_the_named_halls_items(two_halls, browser) -> None:
    for phone in phone_page(browser):
        assert phone.goto(f"{two_halls.url}/book?hall=xc-east").status == 200
        expect(phone.get_by_text(EAST_ITEM)).to_be_visible()
        expect(phone.locator("body")).to_contain_text("东区便民服务中心")
