"""The [kiosk] table, slips built from the server's reply, and printer fault handling."""

from __future__ import annotations

import pytest

from hall.config import ConfigError
from kiosk.printing import KioskPrinter, citizen_problem, slip_from_reply, status_report
from kiosk.settings import KioskSettings, parse_kiosk_table
from printer.config import PrinterSettings
from printer.transport import DummyTransport, PrinterStatus
from tests.kiosk.hall_views import issued_reply
from tests.printer.conftest import GOLDEN_HALL
from tests.printer.escpos_decoder import decode


def test_kiosk_table_is_read_and_checked():
    settings = parse_kiosk_table({"server": "http://10.0.0.2:8080", "token": "t", "fullscreen": True,
                                  "exit_pin": "2468", "idle_seconds": 30, "speak": True, "language": "en"})
    assert settings == KioskSettings(server="http://10.0.0.2:8080", token="t", fullscreen=True,
                                     exit_pin="2468", idle_seconds=30, speak=True, language="en")


@pytest.mark.parametrize("table, key", [
    ({"idle": 3}, "kiosk.idle: unknown key"),
    ({"idle_seconds": 2}, "kiosk.idle_seconds = 2"),
    ({"fullscreen": "yes"}, "kiosk.fullscreen must be true or false"),
    ({"exit_pin": 2468}, "kiosk.exit_pin must be text"),
    ({"exit_pin": "12"}, "kiosk.exit_pin: expected 4 to 8 digits"),
    ({"language": "fr"}, "kiosk.language"),
    ({"server": "10.0.0.2"}, "kiosk.server"),
])
def test_bad_kiosk_settings_name_the_key(table, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.").replace("(", r"\(")):
        parse_kiosk_table(table)


def test_missing_server_token_or_pin_is_reported_once_the_command_line_is_merged(monkeypatch):
    monkeypatch.delenv("JIAOHAO_KIOSK_TOKEN", raising=False)
    settings = parse_kiosk_table({})
    with pytest.raises(ConfigError, match="kiosk.server is not set"):
        settings.with_overrides(token="t")
    with pytest.raises(ConfigError, match="kiosk.token is not set"):
        settings.with_overrides(server="http://x")
    with pytest.raises(ConfigError, match="exit_pin is required with fullscreen"):
        settings.with_overrides(server="http://x", token="t", fullscreen=True)


def test_slip_is_the_ticket_the_server_issued():
    slip = slip_from_reply(issued_reply(number="B004", ahead=3))
    assert (slip.number, slip.waiting_ahead, slip.wait_low, slip.wait_high) == ("B004", 3, 10, 20)
    assert slip.windows == (1, 5, 9) and slip.track_url == "http://127.0.0.1:8080/t/abc"
    assert slip.service_name == "社保卡补办" and slip.issued_at.tzinfo is not None


def test_a_printed_slip_carries_the_number_and_the_tracking_qr():
    transport, posted = DummyTransport(), []
    kiosk_printer = KioskPrinter(PrinterSettings(), GOLDEN_HALL, lambda path, json: posted.append(json),
                                 transport)
    outcome = kiosk_printer.print_ticket(slip_from_reply(issued_reply()))
    assert outcome.ok and outcome.problem is None
    decoded = decode(transport.jobs[0])
    assert "B004" in decoded.joined() and decoded.qr_printed == ["http://127.0.0.1:8080/t/abc"]
    assert posted == [{"printer": {"online": True, "paper": "ok", "detail": "printed B004"}}]


class BrokenPrinter(DummyTransport):
    def __init__(self, paper: str):
        super().__init__(PrinterStatus(False if paper != "out" else True, paper, "test"))

    def send(self, job: bytes) -> None:
        from printer import PrinterError
        raise PrinterError("打印机无响应", "printer stopped accepting data", kind="timeout")


@pytest.mark.parametrize("paper, words", [("out", "缺纸"), ("unknown", "打印机故障")])
def test_a_print_fault_is_told_to_the_citizen_and_reported(paper, words):
    posted = []
    kiosk_printer = KioskPrinter(PrinterSettings(), GOLDEN_HALL, lambda path, json: posted.append((path, json)),
                                 BrokenPrinter(paper))
    outcome = kiosk_printer.print_ticket(slip_from_reply(issued_reply()))
    assert not outcome.ok and words in outcome.problem.zh and "note your number" in outcome.problem.en
    path, body = posted[0]
    assert path == "/api/v1/devices/status"
    assert body["printer"]["online"] is False and body["printer"]["paper"] == paper
    assert "stopped accepting" in body["printer"]["detail"]


def test_a_report_that_cannot_reach_the_server_is_not_an_error():
    def down(path, json):
        from client.hall_client import ServerUnreachable
        raise ServerUnreachable("down")
    kiosk_printer = KioskPrinter(PrinterSettings(), GOLDEN_HALL, down, DummyTransport())
    assert kiosk_printer.check_and_report().online is True
    assert kiosk_printer.last_reported is None


def test_status_report_of_a_printer_that_cannot_answer_status_requests():
    silent = PrinterStatus(None, "unknown", "no status replies")
    assert status_report(silent, printed=None)["printer"]["online"] is True
    assert status_report(silent, printed=False)["printer"]["online"] is False
    assert citizen_problem(PrinterStatus(True, "out")).zh.startswith("打印机缺纸")
