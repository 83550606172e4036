"""The kiosk's entry points: print_slip and printer_status, end to end."""

from __future__ import annotations

import pytest

from printer import PrinterError, print_slip, printer_status, slip_job, write_slip_preview
from printer.config import PrinterSettings
from printer.transport import DummyTransport, PrinterStatus
from tests.printer.escpos_decoder import decode


def test_print_slip_sends_the_job_to_a_network_printer(ticket, hall, loopback):
    printer = loopback()
    settings = PrinterSettings(url=printer.url, timeout_seconds=2)
    result = print_slip(ticket, hall, settings)
    assert printer.done.wait(5)
    assert printer.jobs == [slip_job(ticket, hall, settings)]
    assert (result.number, result.url, result.bytes_sent) == ("B023", printer.url, len(printer.jobs[0]))
    slip = decode(printer.jobs[0])
    assert "您前面还有7人等候" in slip.joined() and slip.qr_printed == [ticket.track_url]


def test_raster_settings_find_the_font_themselves(ticket, hall, cjk_font):
    transport = DummyTransport()
    print_slip(ticket, hall, PrinterSettings(chinese="raster", qr="raster", width=58), transport)
    slip = decode(transport.jobs[0])
    assert slip.rasters and "chinese on" not in slip.commands


def test_an_unreachable_printer_raises_one_clear_error(ticket, hall):
    settings = PrinterSettings(url="file:///dev/usb/lp9")
    with pytest.raises(PrinterError, match="打印机未连接 / printer not reachable at file:///dev/usb/lp9"):
        print_slip(ticket, hall, settings)


def test_status_for_the_dashboard(loopback):
    printer = loopback(answers={1: 0x12, 4: 0x1E})
    status = printer_status(PrinterSettings(url=printer.url, timeout_seconds=2))
    assert status.as_dict() == {"online": True, "paper": "near_end", "ready": True,
                                "detail": "纸将用完 / paper roll nearly used up"}
    out = DummyTransport(PrinterStatus(True, "out", "缺纸 / out of paper"))
    assert not printer_status(PrinterSettings(), out).ready


def test_preview_file(ticket, hall, tmp_path, cjk_font):
    from PIL import Image

    path = write_slip_preview(ticket, hall, PrinterSettings(width=58), tmp_path / "p" / "slip.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width == 384 + 34


def test_warm_up_builds_a_slip_and_sends_nothing(hall, loopback, cjk_font) -> None:
    """The kiosk's start-up warm-up: the slip's libraries and font are loaded, no printer is
    opened (the URL points at a listening printer that must receive nothing)."""
    import printer
    from printer.config import PrinterSettings

    idle = loopback()
    for chinese in ("native", "raster"):
        settings = PrinterSettings(url=f"network://127.0.0.1:{idle.port}", chinese=chinese, qr=chinese)
        assert printer.warm_up(hall, settings) > 0
    assert idle.jobs == []
