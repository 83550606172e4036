"""A disk that fills up while the hall works, as the people in front of the screens meet it:
the kiosk tells the citizen no ticket was issued and to ask at the desk, the clerk terminal says
its press was not saved and to tell the administrator, both in Chinese and English; and both
work again by themselves once space returns. A real `jiaohao server` on a real small tmpfs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from PyQt6.QtWidgets import QLabel

from common.launcher import DEMO_PASSWORD, hall_server
from hall.config import load_config
from kiosk.app import build_kiosk
from kiosk.settings import KioskSettings
from printer.config import PrinterSettings
from printer.slip import slip_hall_from_config
from server.datadir import open_data_dir
from tests.browser import pages
from tests.conftest import add_user
from tests.faults.test_serving_faults import fill, issue, prepared, small_disk  # noqa: F401 (fixture)
from tests.kiosk.test_integration import touch_item
from tests.web.helpers import sign_in_clerk

pytestmark = pytest.mark.slow


@pytest.fixture
def full_disk_hall(small_disk):
    """A hall server on the small disk, with a clerk who may sign in at window 3."""
    data, config, token = prepared(small_disk)
    opened = open_data_dir(data, config)
    add_user(opened.database, opened.hall_id, "wangfang", "clerk", DEMO_PASSWORD, "王芳", "G3")
    opened.close()
    server = hall_server(data, config).start()
    server.kiosk_token, server.config_path, server.disk = token, config, small_disk
    yield server
    server.stop()


def shown_text(window) -> str:
    return " ".join(label.text() for label in window.findChildren(QLabel) if label.isVisible())


def test_the_kiosk_says_no_ticket_was_issued_and_to_ask_at_the_desk(full_disk_hall, qtbot) -> None:
    server = full_disk_hall
    kiosk = build_kiosk(KioskSettings(server=server.url, token=server.kiosk_token), PrinterSettings(url="dummy"),
                        slip_hall_from_config(load_config(server.config_path)))
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1080, 1920)
    kiosk.window.show()
    kiosk.app.start()
    try:
        qtbot.waitUntil(lambda: kiosk.presenter.online, timeout=15000)
        filler = fill(server.disk)
        touch_item(qtbot, kiosk, "SCJG", "A01")
        qtbot.waitUntil(lambda: "无法保存" in shown_text(kiosk.window), timeout=15000)
        shown = shown_text(kiosk.window)
        assert "未能取号：系统暂时无法保存新号，请到服务台咨询" in shown
        assert "No ticket issued: the hall's system cannot save new tickets right now" in shown
        assert "服务器内部错误" not in shown and "internal" not in shown
        assert kiosk.presenter.ticket is None and kiosk.presenter.online, "still online: reads go on"

        filler.unlink()
        touch_item(qtbot, kiosk, "SCJG", "A01")
        qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None, timeout=15000)
        assert kiosk.presenter.ticket.number == "A001"
    finally:
        kiosk.app.stop()


def test_the_clerk_terminal_says_the_call_was_not_saved(full_disk_hall, browser) -> None:
    server = full_disk_hall
    assert issue(server.url, server.kiosk_token).status_code == 201
    for make in pages(browser, 768):
        clerk = sign_in_clerk(make(), server, "wangfang", 3)
        expect(clerk.locator("#q-count")).to_have_text("1")
        filler = fill(server.disk)
        clerk.keyboard.press("Space")
        notice = clerk.locator("#notice-text")
        expect(notice).to_contain_text("未保存：服务器存储空间已满")
        expect(notice).to_contain_text("Not saved: the server's storage is full")
        expect(notice).to_contain_text("管理员")
        expect(clerk.locator("#c-number")).to_have_text("—")
        clerk.wait_for_timeout(6500)   # past the 6 s a hint shows; an error stays until it is dealt with, unlike a hint
        expect(clerk.locator("#notice")).to_be_visible()

        filler.unlink()
        clerk.keyboard.press("Space")
        expect(clerk.locator("#c-number")).to_have_text("A001")
        expect(clerk.locator("#notice")).to_be_hidden()
