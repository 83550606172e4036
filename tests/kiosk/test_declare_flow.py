"""绿色通道 declared with the card, against a real server process, a SAM reader on a
pseudo-terminal and a loopback printer: in a hall that grants 军人 (and 老年人 by age), a card read
asks whether the citizen is a service member; saying so prints a green-channel ticket. The name
on the card reaches the server only for an item configured to need it (`identity_name`), and is
kept sealed there; nothing stores the ID number in clear. Screenshots for a person to look at."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from hall.config import load_config
from kiosk.app import build_kiosk
from kiosk.identity.sam import SamReader, text_block
from kiosk.presenter import DECLARE, IDENTITY, TICKET
from kiosk.settings import KioskSettings
from kiosk.widgets import TouchButton
from common.launcher import hall_server
from printer.config import PrinterSettings
from printer.slip import slip_hall_from_config
from server import accounts
from server.datadir import open_data_dir
from tests.conftest import small_hall_document, to_toml
from tests.kiosk.test_identity_flow import lay_card, printer9100, reader, shown, snap, shots, touch  # noqa: F401
from tests.kiosk.test_identity_sources import OTHER, read_reply

pytestmark = pytest.mark.slow

CARD = text_block(name="李四", sex="1", nation="01", birth="19851111", address="广东省深圳市南山区", number=OTHER,
                  issuer="深圳市公安局", valid_from="20150101", valid_to="20350101")


@pytest.fixture
def hall(tmp_path):
    document = small_hall_document(identity={"tickets_per_person_per_item": 1, "green_channel": ["老年人", "军人"]})
    document["services"][0] |= {"identity": "required", "identity_name": True}   # A01 needs the name
    document["services"][1]["identity"] = "optional"                              # A02 does not
    config = tmp_path / "config.toml"
    config.write_text(to_toml(document), encoding="utf-8")
    data = open_data_dir(tmp_path / "var", config)
    token = accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token
    data.close()
    server = hall_server(tmp_path / "var", config).start()
    yield server, token, config, tmp_path / "var"
    server.stop()


@pytest.fixture
def kiosk(qtbot, hall, reader, printer9100):  # noqa: F811
    server, token, config, _ = hall
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


def people(data) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{data / 'jiaohao.sqlite3'}?mode=ro", uri=True, timeout=5)) as conn:
        return conn.execute("SELECT service, masked, name_sealed IS NOT NULL, green_category FROM ticket_people "
                            "ORDER BY ticket_id").fetchall()


def declare_button(kiosk, name: str) -> TouchButton:
    return next(b for b in kiosk.window.declare.findChildren(TouchButton) if b.accessibleName() == name)


def test_a_service_member_declares_with_the_card(kiosk, hall, reader, qtbot, shots) -> None:  # noqa: F811
    touch(qtbot, kiosk.window.home, "SCJG")
    touch(qtbot, kiosk.window.items, "A01")
    assert kiosk.window.current_screen() == IDENTITY
    lay_card(reader, read_reply(CARD))
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == DECLARE, timeout=15000)
    page = kiosk.window.declare
    text = shown(page)
    assert "我是军人" in text and "I am a service member" in text and "军官证" in text
    assert "残疾人" not in text                            # the hall does not grant it
    assert OTHER not in text and OTHER[-4:] in text        # masked: 440***********7811
    assert kiosk.presenter.pending is None                 # nothing sent before the answer
    snap(qtbot, kiosk, shots / "identity-declare.png")
    qtbot.mouseClick(declare_button(kiosk, "declare_军人"), qtbot_left())
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, timeout=15000)
    assert kiosk.window.current_screen() == TICKET
    assert kiosk.presenter.ticket.number.startswith("V") and kiosk.presenter.ticket.green
    snap(qtbot, kiosk, shots / "identity-declared-ticket.png")
    assert people(hall[3]) == [("A01", "440***********" + OTHER[-4:], 1, "军人")]   # the name kept, sealed


def test_none_of_these_and_no_name_for_an_item_that_does_not_need_it(kiosk, hall, reader, qtbot) -> None:
    touch(qtbot, kiosk.window.home, "SCJG")
    touch(qtbot, kiosk.window.items, "A02")
    lay_card(reader, read_reply(CARD))
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == DECLARE, timeout=15000)
    qtbot.mouseClick(declare_button(kiosk, "declare_none"), qtbot_left())
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None, timeout=15000)
    assert kiosk.presenter.ticket.number.startswith("A") and not kiosk.presenter.ticket.green
    assert people(hall[3]) == [("A02", "440***********" + OTHER[-4:], 0, None)]
    raw = (hall[3] / "jiaohao.sqlite3").read_bytes()
    assert OTHER.encode() not in raw and "李四".encode() not in raw


def qtbot_left():
    from PyQt6.QtCore import Qt
    return Qt.MouseButton.LeftButton
