"""The kiosk's 身份证 flow against a real server process, a SAM reader on a pseudo-terminal and
a loopback printer: a card read issues a ticket (the slip never prints the number), the same
card again is refused by the per-person limit, a bad card is said so. Screenshots of each
screen are saved for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel

from common.launcher import hall_server
from hall.config import load_config
from kiosk.app import build_kiosk, save_screenshot
from kiosk.identity.sam import FIND_CARD, READ_CARD, SELECT_CARD, SamReader, text_block
from kiosk.presenter import IDENTITY, ITEMS, TICKET
from kiosk.settings import KioskSettings
from kiosk.widgets import TouchButton
from printer.config import PrinterSettings
from printer.loopback import LoopbackPrinter
from printer.slip import slip_hall_from_config
from server import accounts
from server.datadir import open_data_dir
from tests.kiosk.fake_sam import FakeSamReader
from tests.kiosk.test_identity_sources import FOUND, NUMBER, SELECTED, read_reply
from tests.printer.escpos_decoder import decode
from tests.server.test_identity_tickets import identity_hall

pytestmark = pytest.mark.slow


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where the screenshots go: JIAOHAO_SHOTS to keep them, else the test's own directory."""
    return Path(os.environ.get("JIAOHAO_SHOTS") or tmp_path / "shots")


@pytest.fixture
def hall(tmp_path):
    config = identity_hall(tmp_path, per_person=1)
    data = open_data_dir(tmp_path / "var", config)
    token = accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token
    data.close()
    server = hall_server(tmp_path / "var", config).start()
    yield server, token, config
    server.stop()


@pytest.fixture
def reader():
    device = FakeSamReader()
    yield device
    device.close()


@pytest.fixture
def printer9100():
    loopback = LoopbackPrinter()
    loopback.start()
    yield loopback
    loopback.stop()


@pytest.fixture
def kiosk(qtbot, hall, reader, printer9100):
    server, token, config = hall
    made = build_kiosk(KioskSettings(server=server.url, token=token),
                       PrinterSettings(url=printer9100.url, timeout_seconds=2),
                       slip_hall_from_config(load_config(config)), identity=SamReader(reader.path, timeout=0.3))
    qtbot.addWidget(made.window)
    made.window.resize(1080, 1920)
    made.window.show()
    made.app.start()
    qtbot.waitUntil(lambda: made.presenter.online, timeout=15000)
    yield made
    made.app.stop()


def snap(qtbot, kiosk, target: Path) -> None:
    """A screenshot once Qt has laid out the page's new widgets (rendering is deferred to the event loop)."""
    qtbot.wait(100)
    save_screenshot(kiosk.window, target)


def touch(qtbot, page, code: str) -> None:
    button = next(b for b in page.findChildren(TouchButton) if b.property("code") == code)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown(page) -> str:
    return " ".join(label.text() for label in page.findChildren(QLabel))


def lay_card(reader: FakeSamReader, reply: bytes) -> None:
    reader.answer(FIND_CARD, FOUND)
    reader.answer(SELECT_CARD, SELECTED)
    reader.answer(READ_CARD, reply)


def test_card_read_then_limit_reached_then_bad_card(kiosk, reader, printer9100, qtbot, shots) -> None:
    touch(qtbot, kiosk.window.home, "SCJG")
    touch(qtbot, kiosk.window.items, "A01")
    assert kiosk.window.current_screen() == IDENTITY
    page = kiosk.window.identity
    assert "身份证" in shown(page) and "不打印在号票上" in shown(page)
    assert not any(b.accessibleName() == "skip_id" for b in page.findChildren(TouchButton))   # required
    snap(qtbot, kiosk, shots / "identity-waiting.png")

    lay_card(reader, read_reply())                                  # 1. the card is read
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, timeout=15000)
    assert kiosk.window.current_screen() == TICKET
    assert NUMBER not in shown(kiosk.window.ticket)
    snap(qtbot, kiosk, shots / "identity-ticket.png")
    slips = [decode(job) for job in list(printer9100.jobs)]
    slip = next(d for d in slips if d.lines)
    assert kiosk.presenter.ticket.number in slip.joined()
    assert NUMBER not in slip.joined() and NUMBER[-4:] not in slip.joined()

    kiosk.presenter.go_home()                                       # 2. the same card again
    touch(qtbot, kiosk.window.home, "SCJG")
    touch(qtbot, kiosk.window.items, "A01")
    lay_card(reader, read_reply())
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == ITEMS and kiosk.presenter.notice is not None,
                    timeout=15000)
    refusal = shown(kiosk.window.items)
    assert "每人每天限取" in refusal and "one person may take" in refusal
    snap(qtbot, kiosk, shots / "identity-limit-reached.png")

    touch(qtbot, kiosk.window.items, "A01")                         # 3. a card that is not a 身份证
    lay_card(reader, read_reply(text_block(name="王五", number="110105194912310021", birth="19491231")))
    qtbot.waitUntil(lambda: kiosk.presenter.notice is not None, timeout=15000)
    assert kiosk.window.current_screen() == IDENTITY
    assert "无法读取此证件" in shown(page) and "cannot be read" in shown(page)
    snap(qtbot, kiosk, shots / "identity-bad-card.png")


def test_a_typed_number_is_checked_before_it_is_sent(kiosk, qtbot, shots) -> None:
    touch(qtbot, kiosk.window.home, "SCJG")
    touch(qtbot, kiosk.window.items, "A01")
    for key in "110105194912310021":
        kiosk.app.presenter.type_id(key, kiosk.app.clock())
    kiosk.app.submit_id()
    assert kiosk.window.current_screen() == IDENTITY and kiosk.presenter.pending is None
    assert "身份证号码有误" in shown(kiosk.window.identity)
    snap(qtbot, kiosk, shots / "identity-typed-wrong.png")
    kiosk.app.presenter.type_id("back", kiosk.app.clock())
    kiosk.app.presenter.type_id("X", kiosk.app.clock())
    kiosk.app.submit_id()
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None, timeout=15000)
    assert kiosk.presenter.ticket.number.startswith("V")       # born 1949: the elderly green channel
