"""The kiosk's screens, offscreen: touches go through the real widgets, app and connection;
only the server (FakeHallClient) and the printer (a Dummy transport) are stand-ins."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QLabel, QPushButton

from kiosk.app import build_kiosk
from kiosk.presenter import HOME, ISSUING, ITEMS, OFFLINE, SEARCH, TICKET
from kiosk.settings import KioskSettings
from kiosk.speech import Recording
from kiosk.widgets import MIN_TOUCH, TouchButton
from printer.config import PrinterSettings
from printer.transport import DummyTransport, PrinterStatus
from tests.kiosk.fakes import FakeHallClient
from tests.printer.conftest import GOLDEN_HALL


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class JammedPrinter(DummyTransport):
    def __init__(self):
        super().__init__(PrinterStatus(True, "out", "paper out"))

    def send(self, job: bytes) -> None:
        from printer import PrinterError
        raise PrinterError("打印机无响应", "printer stopped accepting data", kind="timeout")


@pytest.fixture
def make_kiosk(qtbot):
    made = []

    def make(transport=None, **settings):
        clients = []
        values = dict(server="http://test", token="t", idle_seconds=30, ticket_seconds=10,
                      exit_pin="2468") | settings
        quits = []
        kiosk = build_kiosk(KioskSettings(**values), PrinterSettings(), GOLDEN_HALL,
                            speaker=Recording(), printer_transport=transport or DummyTransport(),
                            client_factory=lambda **kw: clients.append(FakeHallClient(**kw)) or clients[0],
                            clock=Clock(), quit_app=lambda: quits.append(True))
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(1080, 1920)
        kiosk.window.show()
        kiosk.app.start()
        kiosk.client, kiosk.quits = clients[0], quits
        made.append(kiosk)
        return kiosk
    yield make
    for kiosk in made:
        kiosk.app.stop()


def buttons(page, cls=TouchButton):
    return page.findChildren(cls)


def button_for(page, code):
    return next(b for b in buttons(page) if b.property("code") == code)


def texts(widget) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel))


def touch(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_home_shows_departments_with_big_touch_targets(make_kiosk):
    kiosk = make_kiosk()
    assert kiosk.window.current_screen() == HOME
    depts = buttons(kiosk.window.home)
    assert {b.property("code") for b in depts} >= {"RSJ", "SCJG"}
    assert all(b.height() >= MIN_TOUCH for b in depts)
    assert "测试大厅" in kiosk.window.header.name.text()


def test_touching_an_item_issues_prints_and_shows_the_ticket(make_kiosk, qtbot):
    kiosk = make_kiosk()
    kiosk.client.gate.clear()
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    assert kiosk.window.current_screen() == ITEMS
    touch(qtbot, button_for(kiosk.window.items, "B01"))
    assert kiosk.window.current_screen() == ISSUING
    kiosk.client.gate.set()
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, timeout=5000)
    assert kiosk.window.current_screen() == TICKET
    shown = texts(kiosk.window.ticket)
    assert "B001" in shown and "请取票" in shown and "1、5、9 号窗口" in shown
    assert kiosk.window.ticket.number.font().pixelSize() >= 200 or kiosk.window.ticket.number.height() > 200
    assert len(kiosk.connection.printer._transport.jobs) == 1


def test_a_double_touch_issues_one_ticket(make_kiosk, qtbot):
    kiosk = make_kiosk()
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    item = button_for(kiosk.window.items, "B01")
    kiosk.client.gate.clear()
    item.click()
    item.click()          # the finger bounced, or the citizen was impatient
    kiosk.app.choose_item("A01")
    kiosk.client.gate.set()
    qtbot.waitUntil(lambda: kiosk.presenter.screen == TICKET, timeout=5000)
    kiosk.connection.pool.waitForDone(5000)
    assert len(kiosk.client.ticket_posts()) == 1


def test_a_retried_request_reuses_its_request_id_and_a_new_touch_does_not(make_kiosk, qtbot):
    kiosk = make_kiosk()
    for _ in range(2):
        touch(qtbot, button_for(kiosk.window.home, "RSJ"))
        touch(qtbot, button_for(kiosk.window.items, "B01"))
        qtbot.waitUntil(lambda: kiosk.presenter.screen == TICKET, timeout=5000)
        kiosk.presenter.go_home()
    first, second = kiosk.client.ticket_posts()
    assert first["request_id"] != second["request_id"]


def test_closed_items_are_disabled_and_say_why(make_kiosk, qtbot):
    kiosk = make_kiosk()
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    closed = button_for(kiosk.window.items, "B03")
    assert not closed.isEnabled()
    assert "今日号已取完" in texts(closed)
    touch(qtbot, closed)
    assert kiosk.client.ticket_posts() == []


def test_the_ticket_screen_and_an_idle_screen_return_home(make_kiosk, qtbot):
    kiosk = make_kiosk()
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    touch(qtbot, button_for(kiosk.window.items, "B01"))
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == TICKET, timeout=5000)
    kiosk.app.clock.advance(11)
    kiosk.app.on_tick()
    assert kiosk.window.current_screen() == HOME
    touch(qtbot, button_for(kiosk.window.home, "SCJG"))
    kiosk.app.clock.advance(29)
    kiosk.app.on_tick()
    assert kiosk.window.current_screen() == ITEMS
    kiosk.app.clock.advance(1)
    kiosk.app.on_tick()
    assert kiosk.window.current_screen() == HOME


def test_server_lost_shows_the_pause_and_disables_every_button(make_kiosk):
    kiosk = make_kiosk()
    kiosk.client.on_status("disconnected", "transport close")
    assert kiosk.window.current_screen() == OFFLINE
    assert "暂停取号" in texts(kiosk.window.pages[OFFLINE])
    assert not any(b.isEnabled() for b in kiosk.window.home.findChildren(TouchButton))
    kiosk.client.start()     # it came back
    assert kiosk.window.current_screen() == HOME
    assert any(b.isEnabled() for b in buttons(kiosk.window.home))


def test_server_unreachable_while_issuing(make_kiosk, qtbot):
    kiosk = make_kiosk()
    kiosk.client.unreachable = True
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    touch(qtbot, button_for(kiosk.window.items, "B01"))
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == OFFLINE, timeout=10000)
    # the same request was retried, never a second one with a new id
    assert len({body["request_id"] for body in kiosk.client.ticket_posts()}) == 1
    assert len(kiosk.client.ticket_posts()) == 3


def test_printer_fault_keeps_the_number_and_says_what_to_do(make_kiosk, qtbot):
    kiosk = make_kiosk(transport=JammedPrinter())
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    touch(qtbot, button_for(kiosk.window.items, "B01"))
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None
                    and kiosk.presenter.ticket.print_problem is not None, timeout=5000)
    shown = texts(kiosk.window.ticket)
    assert "B001" in shown and "打印机缺纸" in shown and "请取票" not in shown
    reports = [body for path, body in kiosk.client.posts if path == "/api/v1/devices/status"]
    assert reports[-1]["printer"] == {"online": False, "paper": "out",
                                      "detail": reports[-1]["printer"]["detail"]}


def test_english_and_large_text(make_kiosk, qtbot):
    kiosk = make_kiosk()
    title = button_for(kiosk.window.home, "RSJ").findChild(QLabel, "btnTitle")
    title.ensurePolished()
    before = title.font().pixelSize()
    touch(qtbot, kiosk.window.header.language)
    assert "Choose a department" in texts(kiosk.window.home)
    assert kiosk.window.header.language.text() == "中文"
    touch(qtbot, kiosk.window.header.large)
    after = button_for(kiosk.window.home, "RSJ").findChild(QLabel, "btnTitle")
    after.ensurePolished()
    assert after.font().pixelSize() > before
    assert kiosk.window.columns() == 1


def test_search_by_pinyin_initials_on_the_on_screen_keyboard(make_kiosk, qtbot):
    kiosk = make_kiosk()
    search = next(b for b in buttons(kiosk.window.home) if b.property("kind") == "search")
    touch(qtbot, search)
    assert kiosk.window.current_screen() == SEARCH
    keys = {b.property("key"): b for b in buttons(kiosk.window.search, QPushButton) if b.property("key")}
    for key in "sbk":
        touch(qtbot, keys[key])
    assert kiosk.window.search.query.text() == "sbk"
    touch(qtbot, button_for(kiosk.window.search, "B01"))
    qtbot.waitUntil(lambda: kiosk.presenter.screen == TICKET, timeout=5000)


def test_green_channel_ticket_asks_for_the_document(make_kiosk, qtbot):
    kiosk = make_kiosk(speak=True)
    green = next(b for b in buttons(kiosk.window.home) if b.property("kind") == "green")
    touch(qtbot, green)
    touch(qtbot, button_for(kiosk.window.home, "RSJ"))
    touch(qtbot, button_for(kiosk.window.items, "B01"))
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == TICKET, timeout=5000)
    assert kiosk.client.ticket_posts()[0]["priority"] == "green"
    assert "请到窗口出示相关证件" in texts(kiosk.window.ticket)
    assert kiosk.app.speaker.said == [("您已领取 V 零 零 一 号，前方等待 3 人", "zh")]


def test_exit_needs_five_corner_taps_and_the_pin(make_kiosk, qtbot):
    kiosk = make_kiosk(fullscreen=True)
    assert kiosk.window.childAt(QPoint(10, 10)) is kiosk.window.corner   # on top of the header
    for _ in range(5):
        qtbot.mouseClick(kiosk.window.corner, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    pad = kiosk.window.pin_pad
    assert pad.isVisible()
    keys = {b.property("key"): b for b in pad.findChildren(QPushButton)}
    for key in "1111✓":
        touch(qtbot, keys[key])
    assert kiosk.quits == [] and "错误" in pad.prompt.text()
    for key in "2468✓":
        touch(qtbot, keys[key])
    assert kiosk.quits == [True]


def test_landscape_uses_more_columns(make_kiosk, qtbot):
    kiosk = make_kiosk()
    kiosk.window.resize(1920, 1080)
    qtbot.wait(50)
    assert kiosk.window.columns() == 4
    positions = {b.geometry().top() for b in buttons(kiosk.window.home) if b.property("code")}
    assert len(positions) == 1   # two departments side by side on one row
