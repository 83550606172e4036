"""The kiosk against a real server process and a loopback 9100 printer."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import requests
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QPushButton

from kiosk.app import build_kiosk
from kiosk.presenter import HOME, OFFLINE, TICKET
from kiosk.settings import KioskSettings
from kiosk.widgets import TouchButton
from printer.config import PrinterSettings
from printer.slip import slip_hall_from_config
from common.launcher import demo_server, free_port, hall_server, read_credentials
from hall.config import load_config
from tests.printer.escpos_decoder import decode
from printer.loopback import LoopbackPrinter
from tests.conftest import REPO

pytestmark = pytest.mark.slow



class KioskHall:
    """A demo hall for the kiosk, which can go down (kill -9) and come back as `jiaohao server`."""

    def __init__(self, data: Path):
        self.data = data
        self.server = demo_server(data)

    @property
    def url(self) -> str:
        return self.server.url

    def start_demo(self) -> None:
        self.server.start()

    def restart(self) -> None:
        """On the port the kiosk knows."""
        self.server = hall_server(self.data, REPO / "config.toml", self.server.port, self.server.log_path)
        self.server.start()

    def kill(self) -> None:
        self.server.kill()

    @property
    def token(self) -> str:
        return read_credentials(self.data)["kiosk token"]


@pytest.fixture
def server(tmp_path):
    running = KioskHall(tmp_path / "data")
    running.start_demo()
    yield running
    running.kill()


@pytest.fixture
def printer9100():
    loopback = LoopbackPrinter()
    loopback.start()
    yield loopback
    loopback.stop()


@pytest.fixture
def make_kiosk(qtbot, server):
    made = []

    def make(printer_url: str, **printer):
        config = load_config(REPO / "config.toml")
        kiosk = build_kiosk(KioskSettings(server=server.url, token=server.token),
                            PrinterSettings(url=printer_url, timeout_seconds=2, **printer),
                            slip_hall_from_config(config))
        qtbot.addWidget(kiosk.window)
        kiosk.window.resize(1080, 1920)
        kiosk.window.show()
        kiosk.app.start()
        made.append(kiosk)
        qtbot.waitUntil(lambda: kiosk.presenter.online, timeout=15000)
        return kiosk
    yield make
    for kiosk in made:
        kiosk.app.stop()


def touch_item(qtbot, kiosk, department: str, item: str) -> None:
    def button(page, code):
        return next(b for b in page.findChildren(TouchButton) if b.property("code") == code)
    qtbot.mouseClick(button(kiosk.window.home, department), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button(kiosk.window.items, item), Qt.MouseButton.LeftButton)


def test_a_touch_issues_a_committed_ticket_and_prints_it(make_kiosk, server, printer9100, qtbot):
    kiosk = make_kiosk(printer9100.url)
    replies = []
    kiosk.connection.issued.connect(replies.append)
    touch_item(qtbot, kiosk, "RSJ", "B01")
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed,
                    timeout=15000)
    ticket = kiosk.presenter.ticket
    stored = requests.get(f"{server.url}/api/v1/tickets/{ticket.id}", timeout=5,
                          headers={"Authorization": f"Bearer {server.token}"}).json()
    assert (stored["number"], stored["state"], stored["service"]) == (ticket.number, "waiting", "B01")
    # the kiosk's own status checks reach the printer too: the slip is the job with printed lines
    qtbot.waitUntil(lambda: any(decode(job).lines for job in list(printer9100.jobs)), timeout=5000)
    decoded = next(d for d in map(decode, list(printer9100.jobs)) if d.lines)
    assert ticket.number in decoded.joined()
    assert decoded.qr_printed == [replies[0]["track_url"]]
    assert kiosk.window.current_screen() == TICKET
    # the live queue count went up on the kiosk's own screen, pushed by the server
    qtbot.waitUntil(lambda: kiosk.presenter.items["B01"].waiting >= 1, timeout=5000)


def test_printed_qr_is_the_track_url_the_server_gave(server, printer9100):
    """Checked against the server's own reply, outside the GUI."""
    from kiosk.printing import KioskPrinter, slip_from_reply
    config = load_config(REPO / "config.toml")
    headers = {"Authorization": f"Bearer {server.token}"}
    reply = requests.post(f"{server.url}/api/v1/tickets", json={"service": "A01", "request_id": "t-1"},
                          headers=headers, timeout=5).json()
    outcome = KioskPrinter(PrinterSettings(url=printer9100.url, timeout_seconds=2),
                           slip_hall_from_config(config), lambda *a, **k: None).print_ticket(slip_from_reply(reply))
    assert outcome.ok and printer9100.done.wait(5)
    assert decode(printer9100.jobs[-1]).qr_printed == [reply["track_url"]]


def test_server_down_pauses_issuing_and_the_kiosk_recovers_by_itself(make_kiosk, server, printer9100, qtbot):
    kiosk = make_kiosk(printer9100.url)
    server.kill()
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == OFFLINE, timeout=15000)
    offline_text = " ".join(label.text() for label in kiosk.window.pages[OFFLINE].findChildren(QLabel))
    assert "暂停取号" in offline_text
    assert not any(b.isEnabled() for b in kiosk.window.home.findChildren(TouchButton))
    server.restart()
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == HOME, timeout=40000)
    touch_item(qtbot, kiosk, "RSJ", "B01")
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None, timeout=15000)


def test_printer_down_keeps_the_number_on_screen_and_reports_the_fault(make_kiosk, server, qtbot):
    refusing = f"network://127.0.0.1:{free_port()}"
    kiosk = make_kiosk(refusing)
    touch_item(qtbot, kiosk, "RSJ", "B01")
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None
                    and kiosk.presenter.ticket.print_problem is not None, timeout=15000)
    shown = " ".join(label.text() for label in kiosk.window.ticket.findChildren(QLabel))
    assert kiosk.presenter.ticket.number in shown and "打印机故障" in shown

    def stored_status():
        with sqlite3.connect(server.data / "jiaohao.sqlite3") as db:
            row = db.execute("SELECT status FROM devices WHERE kind = 'kiosk'").fetchone()
        return json.loads(row[0]) if row and row[0] else None
    qtbot.waitUntil(lambda: (stored_status() or {}).get("printer", {}).get("online") is False, timeout=10000)
    assert "refused" in stored_status()["printer"]["detail"]


def stored_printer_status(server) -> dict:
    with sqlite3.connect(server.data / "jiaohao.sqlite3") as db:
        row = db.execute("SELECT status FROM devices WHERE kind = 'kiosk'").fetchone()
    return (json.loads(row[0]) if row and row[0] else {}).get("printer", {})


def test_a_printer_that_jams_mid_slip_keeps_the_number_on_screen_and_reports_the_fault(make_kiosk, server, qtbot):
    # a printer without a Chinese font gets its Chinese as raster images: a slip of ~30 KB,
    # of which this one takes the first 2 KB and then nothing more
    jammed = LoopbackPrinter(stall_after=2000)
    jammed.start()
    try:
        kiosk = make_kiosk(jammed.url, chinese="raster")
        touch_item(qtbot, kiosk, "RSJ", "B01")
        qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None
                        and (kiosk.presenter.ticket.print_problem is not None or kiosk.presenter.ticket.printed),
                        timeout=15000)
        ticket = kiosk.presenter.ticket
        assert not ticket.printed and ticket.print_problem is not None
        shown = " ".join(label.text() for label in kiosk.window.ticket.findChildren(QLabel))
        assert ticket.number in shown and "打印机故障" in shown and "请取票" not in shown
        slip = next(job.data for job in jammed.received if job.data.startswith(b"\x1b@"))
        assert len(slip) == 2000   # it did start printing: the jam came mid-slip
        qtbot.waitUntil(lambda: stored_printer_status(server).get("online") is False, timeout=10000)
        assert "stopped accepting data" in stored_printer_status(server)["detail"]
    finally:
        jammed.stop()


def test_a_kiosk_with_no_printer_says_so_and_reports_no_printer(make_kiosk, server, qtbot):
    """No [printer]: the dummy prints nothing, so the citizen is told to note the number instead
    of "请取票", and the supervisor's page shows "no printer", not 正常 (and no fault alert)."""
    kiosk = make_kiosk("dummy")
    touch_item(qtbot, kiosk, "RSJ", "B01")
    qtbot.waitUntil(lambda: kiosk.presenter.ticket is not None
                    and kiosk.presenter.ticket.print_problem is not None, timeout=15000)
    shown = " ".join(label.text() for label in kiosk.window.ticket.findChildren(QLabel))
    assert "未连接打印机" in shown and "请取票" not in shown and kiosk.presenter.ticket.number in shown
    qtbot.waitUntil(lambda: stored_printer_status(server).get("configured") is False, timeout=10000)
    boss = requests.post(f"{server.url}/api/v1/auth/login", timeout=5,
                         json={"username": "supervisor", "password": "demo-only-2026"}).json()["token"]
    dashboard = requests.get(f"{server.url}/api/v1/supervision", timeout=5,
                             headers={"Authorization": f"Bearer {boss}"}).json()
    kiosk_row = next(d for d in dashboard["devices"] if d["kind"] == "kiosk")
    assert kiosk_row["printer"]["configured"] is False
    assert not any(a["rule"].startswith("printer") for a in dashboard["alerts"])


def test_the_citizen_asks_for_text_messages_at_the_kiosk(make_kiosk, server, printer9100, qtbot):
    from kiosk.presenter import NOTIFY
    kiosk = make_kiosk(printer9100.url)
    touch_item(qtbot, kiosk, "RSJ", "B01")
    qtbot.waitUntil(lambda: kiosk.window.current_screen() == TICKET, timeout=15000)

    def button(page, name):
        return next(b for b in page.findChildren(QPushButton) if b.accessibleName() == name or b.property("key") == name)
    qtbot.mouseClick(button(kiosk.window.ticket, "notify"), Qt.MouseButton.LeftButton)
    assert kiosk.window.current_screen() == NOTIFY
    assert "加密保存" in kiosk.window.notify.consent.text()
    for digit in "13812345678":
        qtbot.mouseClick(button(kiosk.window.notify, digit), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(button(kiosk.window.notify, "submit_mobile"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.presenter.ticket.notify is not None, timeout=15000)
    assert kiosk.window.current_screen() == TICKET
    assert any("138****5678" in w.text() for w in kiosk.window.ticket.findChildren(QLabel))
    seen = requests.get(f"{server.url}/api/v1/track/{kiosk.presenter.ticket.track_token}", timeout=5).json()
    assert seen["notify"]["mobile"] == "138****5678"
