"""The kiosk's link to the hall server and its printer, as Qt signals.

`HallClient` calls back on its own threads; here those callbacks only emit signals, which
Qt delivers on the GUI thread. Issuing and printing run on a thread pool so that a slow
server or a dead printer never freezes the screen.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from PyQt6.QtCore import QObject, QRunnable, QThreadPool, pyqtSignal

from client.hall_client import ClientError, ServerUnreachable
from protocol.live import HALL_SNAPSHOT

from .identity import IdentityError, IdentitySource
from .presenter import CheckInRequest, IssueRequest, NotifyRequest
from .printing import KioskPrinter, slip_from_reply

log = logging.getLogger(__name__)

ISSUE_ATTEMPTS = 3       # the same request_id each time: a retry never issues a second ticket
RETRY_PAUSE = 0.5


class _Job(QRunnable):
    def __init__(self, work: Callable[[], None]):
        super().__init__()
        self.work = work

    def run(self) -> None:
        try:
            self.work()
        except Exception:   # a worker must never take the kiosk down
            log.exception("kiosk background job failed")


class KioskConnection(QObject):
    message = pyqtSignal(str, object)          # live message name, payload
    status = pyqtSignal(str, object)           # "connected" | "disconnected" | "refused", reason
    issued = pyqtSignal(object)                # the server's reply: a committed ticket
    issue_failed = pyqtSignal(str, str)        # error code ("unreachable" when no answer), message
    check_in_refused = pyqtSignal(str, str, object)   # error code, message, the reply's details
    printed = pyqtSignal(str)                  # ticket number
    print_failed = pyqtSignal(str, object)     # ticket number, presenter.Text for the citizen
    printer_checked = pyqtSignal(object)       # PrinterStatus
    notify_on = pyqtSignal(object)             # the opt-in as the server keeps it (number masked)
    notify_refused = pyqtSignal(str, str)      # error code ("unreachable" when no answer), message
    card_read = pyqtSignal(object)             # identity.CardRead: a card on the reader
    card_failed = pyqtSignal(object)           # identity.IdentityError: the reader could not read it

    def __init__(self, client_factory: Callable[..., Any], printer: KioskPrinter,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.client = client_factory(on_message=self._on_message, on_status=self._on_status)
        self.printer = printer
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(3)
        self._reading_card = False

    # --- HallClient's threads → signals ------------------------------------------------------

    def _on_message(self, name: str, payload: dict[str, Any]) -> None:
        self.message.emit(name, payload)

    def _on_status(self, status: str, reason: str | None) -> None:
        self.status.emit(status, reason)

    # --- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.client.start()
        self._run(self.printer.warm_up)

    def stop(self) -> None:
        self.client.stop()
        self.pool.waitForDone(10_000)
        # HallClient.stop() leaves its keep-alive HTTP session open; close it once no job uses it
        http = getattr(self.client, "http", None)
        if http is not None:
            http.close()

    def _run(self, work: Callable[[], None]) -> None:
        self.pool.start(_Job(work))

    # --- requests ------------------------------------------------------------------------------

    def issue(self, request: IssueRequest) -> None:
        """Ask for the ticket, then print it once the server has committed it."""
        self._run(lambda: self._issue_and_print(request))

    def _issue_and_print(self, request: IssueRequest) -> None:
        reply = self._issue(request)
        if reply is not None:
            self._print(reply)

    def _issue(self, request: IssueRequest) -> dict[str, Any] | None:
        body = {"service": request.service, "priority": request.priority, "request_id": request.request_id}
        if request.id_number:
            body["id_number"] = request.id_number
        if request.id_name:
            body["id_name"] = request.id_name
        if request.green_category:
            body["green_category"] = request.green_category
        for attempt in range(ISSUE_ATTEMPTS):
            try:
                return self.client.post("/api/v1/tickets", json=body)
            except ClientError as exc:
                self.issue_failed.emit(exc.code, exc.message)
                return None
            except ServerUnreachable as exc:
                log.warning("issuing %s, attempt %d: %s", request.service, attempt + 1, exc)
                if attempt + 1 < ISSUE_ATTEMPTS:
                    time.sleep(RETRY_PAUSE)
                else:
                    self.issue_failed.emit("unreachable", str(exc))
        return None

    def check_in(self, request: CheckInRequest) -> None:
        """Check a booking code in, then print its ticket like any other."""
        self._run(lambda: self._check_in_and_print(request))

    def _check_in_and_print(self, request: CheckInRequest) -> None:
        body = {"code": request.code, "accept_normal_ticket": request.accept_normal}
        try:
            reply = self._checked_in(body)
        except ClientError as exc:
            self.check_in_refused.emit(exc.code, exc.message, exc.detail)
            return
        except ServerUnreachable as exc:
            # not retried: a lost reply after a committed check-in would be refused as used;
            # the citizen tries again and the desk can look the booking up
            self.issue_failed.emit("unreachable", str(exc))
            return
        self._print(reply)

    def _checked_in(self, body: dict[str, Any]) -> dict[str, Any]:
        """One field takes both codes a citizen brings: a booking's, checked in, and a remote
        ticket's (远程取号), activated into the queue. Booking and remote codes share one shape,
        so a code no booking has is asked of the remote tickets."""
        try:
            return self.client.post("/api/v1/appointments/check-in", json=body)
        except ClientError as exc:
            if exc.code != "booking_not_found":
                raise
            try:
                return self.client.post("/api/v1/remote-tickets/activate", json={"code": body["code"]})
            except ClientError as remote:
                if remote.code != "remote_not_found":
                    raise
                raise ClientError(404, "code_not_found", "没有这个预约码或远程取号码 / no booking or remote "
                                  "ticket with this code") from None

    def notify(self, request: NotifyRequest) -> None:
        """Opt the ticket on screen in to text messages, as its phone page would."""
        self._run(lambda: self._notify(request))

    def _notify(self, request: NotifyRequest) -> None:
        try:
            reply = self.client.post(f"/api/v1/track/{request.track_token}/notify", json={"mobile": request.mobile})
        except ClientError as exc:
            self.notify_refused.emit(exc.code, exc.message)
            return
        except ServerUnreachable as exc:
            self.notify_refused.emit("unreachable", str(exc))
            return
        self.notify_on.emit(reply)

    def read_card(self, source: IdentitySource) -> None:
        """Ask the ID card reader once, off the GUI thread (a serial read waits for its reply);
        one read at a time, so the reader never gets a second command mid-reply."""
        if self._reading_card:
            return
        self._reading_card = True
        self._run(lambda: self._read_card(source))

    def _read_card(self, source: IdentitySource) -> None:
        try:
            card = source.read()
        except IdentityError as failed:
            self.card_failed.emit(failed)
            return
        finally:
            self._reading_card = False
        if card is not None:
            self.card_read.emit(card)

    def _print(self, reply: dict[str, Any]) -> None:
        self.issued.emit(reply)
        outcome = self.printer.print_ticket(slip_from_reply(reply))
        if outcome.ok:
            self.printed.emit(outcome.number)
        else:
            self.print_failed.emit(outcome.number, outcome.problem)

    def refresh(self) -> None:
        """A fresh snapshot by REST: issuing hours open and close without any event."""
        self._run(self._refresh)

    def _refresh(self) -> None:
        if not self.client.connected:
            return
        try:
            self.message.emit(HALL_SNAPSHOT, self.client.get("/api/v1/hall"))
        except (ClientError, ServerUnreachable) as exc:
            log.info("snapshot refresh failed: %s", exc)

    def check_printer(self) -> None:
        self._run(lambda: self.printer_checked.emit(self.printer.check_and_report()))
