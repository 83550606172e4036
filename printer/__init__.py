"""Ticket slips on ESC/POS thermal printers: layout, bytes, transport.

The kiosk calls `print_slip` right after a ticket is issued and `printer_status` now and
then for the supervisor's dashboard. Both are synchronous and bounded by the printer's
timeout; neither belongs in a request handler of the server. Heavy imports (Pillow,
python-escpos) happen on first use, so `jiaohao --help` stays fast and works on an
install without the printer extra.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from printer.errors import PrinterError

if TYPE_CHECKING:
    from printer.config import PrinterSettings
    from printer.slip import SlipHall, SlipTicket
    from printer.transport import PrinterStatus, Transport

__all__ = ["PrintResult", "PrinterError", "print_slip", "printer_status", "slip_job",
           "warm_up", "write_slip_preview"]


@dataclass(frozen=True)
class PrintResult:
    number: str
    url: str
    bytes_sent: int
    seconds: float


def slip_job(ticket: "SlipTicket", hall: "SlipHall", settings: "PrinterSettings") -> bytes:
    """The ESC/POS bytes of one slip for the configured printer."""
    from printer.escpos_bytes import slip_bytes
    from printer.layout import slip_layout
    from printer.raster import find_cjk_font

    needs_font = settings.chinese == "raster"
    return slip_bytes(slip_layout(ticket, hall, settings.width), chinese=settings.chinese,
                      qr=settings.qr,
                      font_path=find_cjk_font(settings.font) if needs_font else None)


def warm_up(hall: "SlipHall", settings: "PrinterSettings") -> int:
    """Build one sample slip's bytes and send nothing: loads python-escpos with its printer
    profiles, Pillow, the QR encoder and, for raster text, the CJK font. Run when a kiosk
    starts, so the first citizen of the day does not wait for it (about 0.45 s on the
    benchmark machine). Returns the sample's size."""
    from datetime import datetime, timezone

    from printer.slip import SlipTicket

    sample = SlipTicket(number="A001", service_code="A01", service_name="示例", service_name_en="Sample",
                        department_name="示例", department_name_en="Sample", waiting_ahead=0,
                        wait_low=0, wait_high=5, windows=(1,), track_url="http://127.0.0.1/t/sample",
                        issued_at=datetime.now(timezone.utc))
    return len(slip_job(sample, hall, settings))


def print_slip(ticket: "SlipTicket", hall: "SlipHall", settings: "PrinterSettings",
               transport: "Transport | None" = None) -> PrintResult:
    """Print one ticket slip; raises PrinterError with a message for the hall's IT person."""
    from printer.transport import open_transport

    started = time.monotonic()
    job = slip_job(ticket, hall, settings)
    target = transport or open_transport(settings.url, settings.timeout_seconds)
    target.send(job)
    return PrintResult(ticket.number, target.url, len(job), time.monotonic() - started)


def printer_status(settings: "PrinterSettings",
                   transport: "Transport | None" = None) -> "PrinterStatus":
    """Online and paper state through the real-time status request, where the
    connection reads back; never raises for an unreachable printer (it is offline)."""
    from printer.transport import open_transport

    return (transport or open_transport(settings.url, settings.timeout_seconds)).status()


def write_slip_preview(ticket: "SlipTicket", hall: "SlipHall", settings: "PrinterSettings",
                       target: str | Path) -> Path:
    """A PNG of the slip as it prints, for the kiosk screen, the admin pages and docs."""
    from printer.layout import slip_layout
    from printer.raster import find_cjk_font, write_preview

    layout = slip_layout(ticket, hall, settings.width)
    return write_preview(layout, find_cjk_font(settings.font), target)
