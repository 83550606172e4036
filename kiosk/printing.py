"""The kiosk's printer: a slip only after the server committed the ticket, faults shown
to the citizen in plain words and reported to the server for the supervisor.

Everything here blocks (up to the printer's timeout) and runs in the connection's worker
threads, never on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

import printer
from printer.config import PrinterSettings
from printer.slip import SlipHall, SlipTicket
from printer.transport import PrinterStatus

from .presenter import Text, watched

log = logging.getLogger(__name__)

STATUS_PATH = "/api/v1/devices/status"


@dataclass(frozen=True)
class PrintOutcome:
    number: str
    ok: bool
    problem: Text | None
    status: PrinterStatus


def slip_from_reply(reply: dict[str, Any]) -> SlipTicket:
    """The slip of a ticket exactly as the server issued it (201 reply of POST /tickets)."""
    info = reply.get("ticket") or {}
    wait = reply.get("estimated_wait") or {}
    return SlipTicket(
        number=reply["number"], service_code=reply["service"],
        service_name=info.get("service_name", reply["service"]),
        service_name_en=info.get("service_name_en", ""),
        department_name=info.get("department_name", ""),
        department_name_en=info.get("department_name_en", ""),
        waiting_ahead=int(reply.get("waiting_ahead", 0)),
        wait_low=int(wait.get("low", 0)), wait_high=int(wait.get("high", 0)),
        windows=watched(reply), track_url=reply["track_url"],
        issued_at=datetime.fromisoformat(reply["issued_at"]), no_window=bool(wait.get("uncertain")))


def citizen_problem(status: PrinterStatus) -> Text:
    """What the citizen reads when the slip did not come out; the number stays on screen."""
    if status.paper == "out":
        return Text("打印机缺纸，未能打印凭条。请记下您的号码，留意叫号屏幕。",
                    "The printer is out of paper. Please note your number and watch the screens.")
    return Text("打印机故障，未能打印凭条。请记下您的号码，留意叫号屏幕。",
                "The printer is not working. Please note your number and watch the screens.")


#: a kiosk without a [printer] prints to the in-memory dummy: nothing comes out, and it must say so
NO_PRINTER = Text("本机未连接打印机，不打印凭条。请记下您的号码，留意叫号屏幕。",
                  "This kiosk has no printer: no slip is printed. Please note your number and watch the screens.")


def status_report(status: PrinterStatus, printed: bool | None, detail: str = "",
                  configured: bool = True) -> dict[str, Any]:
    """The body of POST /devices/status. A printer that is reachable but does not answer
    status requests (online None) counts as online unless a slip just failed. A kiosk with
    no printer configured reports so (`configured: false`): "no printer", not "OK"."""
    if not configured:
        return {"printer": {"online": False, "paper": "unknown", "configured": False,
                            "detail": "no printer configured (dummy)"}}
    online = status.online if status.online is not None else printed is not False
    return {"printer": {"online": online, "paper": status.paper,
                        "detail": (detail or status.detail)[:200]}}


class KioskPrinter:
    """Prints slips and checks the printer; `post` is the hall client's REST post."""

    def __init__(self, settings: PrinterSettings, hall: SlipHall,
                 post: Callable[..., Any], transport: Any = None):
        self.settings = settings
        self.hall = hall
        self._post = post
        self._transport = transport   # tests and the dummy printer pass one; else opened per job
        self.last_reported: dict[str, Any] | None = None
        # a 9100 printer serves one connection at a time: a status check must not cut into a slip
        self._lock = threading.Lock()

    def set_hall_name(self, name: str, name_en: str, tz: str) -> None:
        """The server's setup wins over the local file for the hall's name and time zone."""
        if name:
            self.hall = replace(self.hall, name=name, name_en=name_en or self.hall.name_en, tz=tz or self.hall.tz)

    def warm_up(self) -> None:
        """Load the slip's libraries and font before the first citizen touches the screen."""
        try:
            printer.warm_up(self.hall, self.settings)
        except Exception:   # a missing font or library shows at the first real slip, with its message
            log.exception("preparing the printer's slip failed")

    def print_ticket(self, slip: SlipTicket) -> PrintOutcome:
        with self._lock:
            return self._print(slip)

    @property
    def configured(self) -> bool:
        """False for the dummy printer of a kiosk with no [printer]: slips go nowhere. (A
        transport handed in, as tests and the screenshots do, is a printer of its own.)"""
        return self.settings.url != "dummy" or self._transport is not None

    def _print(self, slip: SlipTicket) -> PrintOutcome:
        if not self.configured:
            status = PrinterStatus(None, "unknown", "no printer configured")
            if self.last_reported is None:
                self.report(status, printed=None)
            return PrintOutcome(slip.number, False, NO_PRINTER, status)
        try:
            printer.print_slip(slip, self.hall, self.settings, self._transport)
        except printer.PrinterError as exc:
            log.warning("ticket %s not printed: %s", slip.number, exc)
            status = self._status()
            if status.online is not False:
                status = PrinterStatus(False, status.paper, str(exc))
            self.report(status, printed=False, detail=str(exc))
            return PrintOutcome(slip.number, False, citizen_problem(status), status)
        status = PrinterStatus(True, "ok", f"printed {slip.number}")
        if self.last_reported is None or not self.last_reported["printer"]["online"]:
            self.report(status, printed=True)   # a recovered printer clears the fault at once
        return PrintOutcome(slip.number, True, None, status)

    def check_status(self) -> PrinterStatus:
        with self._lock:
            return self._status()

    def _status(self) -> PrinterStatus:
        try:
            return printer.printer_status(self.settings, self._transport)
        except printer.PrinterError as exc:   # a bad address, say; status() itself never raises
            return PrinterStatus(False, "unknown", str(exc))

    def check_and_report(self) -> PrinterStatus:
        status = self.check_status()
        self.report(status, printed=None)
        return status

    def report(self, status: PrinterStatus, printed: bool | None, detail: str = "") -> bool:
        """Tell the server; a server out of reach is logged, never raised: the citizen's
        ticket matters more than the report, which the next check repeats."""
        body = status_report(status, printed, detail, configured=self.configured)
        try:
            self._post(STATUS_PATH, json=body)
        except Exception as exc:
            log.warning("printer status not reported: %s", exc)
            return False
        self.last_reported = body
        return True
