"""Appointment check-in (预约签到) at the kiosk: the presenter's decisions without Qt, then the
real screens offscreen with a scanner typing a code and Enter, and the ticket printed."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QPushButton

from kiosk.app import save_screenshot
from kiosk.presenter import CHECK_IN, HOME, ISSUING, TICKET, CheckInRequest, KioskPresenter
from kiosk.widgets import TouchButton
from tests.kiosk.fakes import FakeHallClient
from tests.kiosk.hall_views import issued_reply, snapshot
from tests.kiosk.test_widgets import make_kiosk, texts, touch  # noqa: F401  (the fixture)

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def p() -> KioskPresenter:
    presenter = KioskPresenter(idle_seconds=30, ticket_seconds=10)
    presenter.set_connection("connected", None)
    presenter.apply_snapshot(snapshot())
    return presenter


def test_a_typed_code_becomes_one_check_in(p) -> None:
    p.open_check_in(T0)
    for key in "happy-day":
        p.type_code(key, T0)
    assert p.code == "HAPPY-DAY"
    request = p.submit_code(T0)
    assert request == CheckInRequest("HAPPYDAY") and p.screen == ISSUING
    assert p.submit_code(T0) is None, "a second Enter sends nothing more"
    p.issued(issued_reply(number="Y001", priority="appointment"), T0)
    assert p.screen == TICKET and p.ticket.number == "Y001"


def test_a_short_code_is_refused_on_the_kiosk(p) -> None:
    p.open_check_in(T0)
    p.set_code("ABC", T0)
    assert p.submit_code(T0) is None and p.screen == CHECK_IN
    assert "8" in p.notice.zh


def test_too_early_says_when_to_come_back(p) -> None:
    p.open_check_in(T0)
    p.set_code("PREMAT23", T0)
    p.submit_code(T0)
    p.check_in_refused("too_early", "请于 09:45 后签到 / please check in from 09:45",
                       {"come_back_at": "2026-11-26T01:45:00+00:00"}, T0)
    assert p.screen == CHECK_IN and "09:45" in p.notice.zh and not p.late_offer
    p.check_in_refused("too_early", "", {"come_back_at": "2026-11-27T01:45:00+00:00"}, T0)
    assert "11月27日 09:45" in p.notice.zh, "another day's booking names the day"


def test_too_late_offers_a_normal_ticket(p) -> None:
    p.open_check_in(T0)
    p.set_code("TARDY234", T0)
    p.submit_code(T0)
    p.check_in_refused("too_late", "已超过预约时段 / the appointment time has passed", {"normal_ticket": True}, T0)
    assert p.late_offer
    assert p.take_normal_ticket(T0) == CheckInRequest("TARDY234", accept_normal=True)


def test_too_late_without_the_offer_only_explains(p) -> None:
    p.open_check_in(T0)
    p.set_code("TARDY234", T0)
    p.submit_code(T0)
    p.check_in_refused("too_late", "已超过预约时段 / the appointment time has passed", {"normal_ticket": False}, T0)
    assert not p.late_offer and p.take_normal_ticket(T0) is None
    assert p.notice.en == "the appointment time has passed"


def test_the_check_in_screen_goes_home_when_left_alone(p) -> None:
    p.open_check_in(T0)
    p.set_code("GOODC", T0)
    assert p.tick(T0 + timedelta(seconds=31))
    assert p.screen == HOME and p.code == ""


def check_in_button(kiosk):
    return next(b for b in kiosk.window.home.findChildren(TouchButton) if b.accessibleName() == "check_in")


def test_a_scanned_code_prints_an_appointment_ticket(make_kiosk, qtbot) -> None:  # noqa: F811
    kiosk = make_kiosk()
    touch(qtbot, check_in_button(kiosk))
    assert kiosk.window.current_screen() == CHECK_IN
    field = kiosk.window.check_in.code
    qtbot.keyClicks(field, FakeHallClient.ON_TIME.lower())     # a scanner types like a keyboard
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, timeout=5000)
    assert kiosk.window.current_screen() == TICKET and "Y001" in texts(kiosk.window.ticket)
    assert len(kiosk.connection.printer._transport.jobs) == 1
    assert ("/api/v1/appointments/check-in", {"code": "HAPPYDAY", "accept_normal_ticket": False}) in kiosk.client.posts


def test_too_late_on_screen_then_the_normal_ticket(make_kiosk, qtbot) -> None:  # noqa: F811
    kiosk = make_kiosk()
    touch(qtbot, check_in_button(kiosk))
    for key in FakeHallClient.LATE:                           # typed on the on-screen keys
        touch(qtbot, screen_key(kiosk, key))
    assert kiosk.presenter.code == FakeHallClient.LATE
    kiosk.window.check_in.submitted.emit()
    qtbot.waitUntil(lambda: kiosk.presenter.late_offer, timeout=5000)
    assert "普通号" in texts(kiosk.window.check_in)
    if os.environ.get("JIAOHAO_BOOK_SHOTS"):        # docs/images/kiosk-check-in.png
        save_screenshot(kiosk.window, Path(os.environ["JIAOHAO_BOOK_SHOTS"]) / "kiosk-check-in.png")
    normal = next(b for b in kiosk.window.check_in.findChildren(TouchButton) if b.accessibleName() == "normal_ticket")
    touch(qtbot, normal)
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, timeout=5000)
    assert kiosk.presenter.ticket.number == "B001"


def screen_key(kiosk, key: str) -> QPushButton:
    return next(b for b in kiosk.window.check_in.findChildren(QPushButton) if b.property("key") == key)


def test_too_early_on_screen_in_chinese_and_english(make_kiosk, qtbot) -> None:  # noqa: F811
    kiosk = make_kiosk()
    touch(qtbot, check_in_button(kiosk))
    for key in FakeHallClient.EARLY:
        touch(qtbot, screen_key(kiosk, key))
    kiosk.window.check_in.submitted.emit()
    qtbot.waitUntil(lambda: kiosk.presenter.notice is not None, timeout=5000)
    shown = texts(kiosk.window.check_in)
    assert "还未到签到时间" in shown and "Too early: please check in from" in shown, shown


# --- 远程取号: the same field activates a remote ticket -------------------------------------------

def test_a_remote_ticket_code_is_activated_and_printed(make_kiosk, qtbot) -> None:  # noqa: F811
    kiosk = make_kiosk()
    touch(qtbot, check_in_button(kiosk))
    field = kiosk.window.check_in.code
    qtbot.keyClicks(field, FakeHallClient.REMOTE)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, timeout=5000)
    assert kiosk.window.current_screen() == TICKET and "C007" in texts(kiosk.window.ticket)
    asked = [path for path, _ in kiosk.client.posts if path != "/api/v1/devices/status"]
    assert asked == ["/api/v1/appointments/check-in", "/api/v1/remote-tickets/activate"]
    assert ("/api/v1/remote-tickets/activate", {"code": FakeHallClient.REMOTE}) in kiosk.client.posts


@pytest.mark.parametrize("code, says", [(FakeHallClient.LAPSED, "已过激活时间"),
                                        ("NXSUCH23", "没有这个预约码或远程取号码")])
def test_a_lapsed_or_unknown_code_says_why(make_kiosk, qtbot, code, says) -> None:  # noqa: F811
    kiosk = make_kiosk()
    touch(qtbot, check_in_button(kiosk))
    for key in code:
        touch(qtbot, screen_key(kiosk, key))
    kiosk.window.check_in.submitted.emit()
    qtbot.waitUntil(lambda: kiosk.presenter.notice is not None, timeout=5000)
    assert kiosk.window.current_screen() == CHECK_IN
    assert says in texts(kiosk.window.check_in)
    assert kiosk.client.ticket_posts() == []
