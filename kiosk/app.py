"""Wiring: presenter, connection, printer, speech and the window; kiosk chrome; screenshots.

Slots here turn signals into presenter calls with the current time. An exception in a
slot is logged and shown as a notice, never allowed to end the kiosk.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from PyQt6.QtCore import QObject, Qt, QTimer
from PyQt6.QtWidgets import QApplication

from printer.config import PrinterSettings
from printer.slip import SlipHall
from protocol.live import APPOINTMENT_CHANGED, HALL_SNAPSHOT, QUEUE_CHANGED

from .connection import KioskConnection
from .identity import IdentityError, IdentitySource
from .identity.sam import SamReader
from .identity.wedge import KeyboardWedge
from .presenter import IDENTITY, KioskPresenter, Text, places_moved
from .printing import KioskPrinter
from .settings import KioskSettings
from .speech import Speaker, Silent
from .widgets import KioskWindow

log = logging.getLogger(__name__)

TICK_MS = 1000
SNAPSHOT_REFRESH_MS = 60_000
CARD_POLL_MS = 500       # a card laid on the reader is read within half a second


def identity_source(id_reader: str) -> IdentitySource | None:
    """[kiosk] id_reader: a serial port for a SAM reader, "keyboard" for a reader that types."""
    if not id_reader:
        return None
    return KeyboardWedge() if id_reader == "keyboard" else SamReader(id_reader)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def guarded(slot: Callable) -> Callable:
    """A failing slot is logged and shown; the kiosk keeps running."""
    @functools.wraps(slot)
    def run(self, *args, **kwargs):
        try:
            return slot(self, *args, **kwargs)
        except Exception:
            log.exception("kiosk: %s failed", slot.__name__)
            self.presenter.notice = Text("出现故障，请重试或到服务台咨询",
                                         "Something went wrong: please try again or ask at the service desk")
            self.window.render()
    return run


@dataclass
class Kiosk:
    """What `build_kiosk` makes; tests reach into it."""

    app: "KioskApp"
    window: KioskWindow
    presenter: KioskPresenter
    connection: KioskConnection


class KioskApp(QObject):
    def __init__(self, settings: KioskSettings, connection: KioskConnection, speaker: Speaker | None = None,
                 clock: Callable[[], datetime] = utc_now, quit_app: Callable[[], None] | None = None,
                 identity: IdentitySource | None = None):
        super().__init__()
        self.settings = settings
        #: the ID card reader: a SAM reader polled while the identity screen is up, or a
        #: keyboard-wedge reader fed the screen's keys; typed entry needs no device
        self.identity = identity if identity is not None else identity_source(settings.id_reader)
        self.clock = clock
        self.speaker = speaker or Silent()
        self.quit_app = quit_app or QApplication.quit
        self.presenter = KioskPresenter(language=settings.language, idle_seconds=settings.idle_seconds,
                                        ticket_seconds=settings.ticket_seconds, exit_pin=settings.exit_pin)
        self.window = KioskWindow(self.presenter)
        self.connection = connection
        self.exit_allowed = not settings.fullscreen
        self._wire()
        self.presenter.subscribe(self.window.render)
        self.window.render()

    def _wire(self) -> None:
        c, w = self.connection, self.window
        c.message.connect(self.on_message)
        c.status.connect(self.on_status)
        c.issued.connect(self.on_issued)
        c.issue_failed.connect(self.on_issue_failed)
        c.check_in_refused.connect(self.on_check_in_refused)
        c.printed.connect(self.on_printed)
        c.print_failed.connect(self.on_print_failed)
        w.header.language_toggled.connect(lambda: self.presenter.toggle_language(self.clock()))
        w.header.large_text_toggled.connect(lambda: self.presenter.toggle_large_text(self.clock()))
        w.home.department_chosen.connect(lambda code: self.presenter.open_department(code, self.clock()))
        w.home.search_opened.connect(lambda: self.presenter.open_search(self.clock()))
        w.home.green_toggled.connect(lambda: self.presenter.toggle_green(self.clock()))
        w.items.item_chosen.connect(self.choose_item)
        w.items.back.connect(lambda: self.presenter.back(self.clock()))
        w.search.item_chosen.connect(self.choose_item)
        w.search.key_typed.connect(lambda key: self.presenter.type_key(key, self.clock()))
        w.search.query_edited.connect(lambda text: self.presenter.set_query(text, self.clock()))
        w.search.back.connect(lambda: self.presenter.back(self.clock()))
        w.home.check_in_opened.connect(lambda: self.presenter.open_check_in(self.clock()))
        w.check_in.key_typed.connect(lambda key: self.presenter.type_code(key, self.clock()))
        w.check_in.code_edited.connect(lambda text: self.presenter.set_code(text, self.clock()))
        w.check_in.submitted.connect(self.submit_code)
        w.check_in.normal_ticket_taken.connect(self.take_normal_ticket)
        w.check_in.back.connect(lambda: self.presenter.back(self.clock()))
        w.ticket.done.connect(self.presenter.go_home)
        w.ticket.notify_opened.connect(lambda: self.presenter.open_notify(self.clock()))
        w.notify.key_typed.connect(lambda key: self.presenter.type_mobile(key, self.clock()))
        w.notify.submitted.connect(self.submit_mobile)
        w.notify.back.connect(lambda: self.presenter.back(self.clock()))
        c.notify_on.connect(self.on_notify_on)
        c.notify_refused.connect(self.on_notify_refused)
        w.identity.key_typed.connect(lambda key: self.presenter.type_id(key, self.clock()))
        w.identity.submitted.connect(self.submit_id)
        w.identity.skipped.connect(self.skip_identity)
        w.identity.back.connect(lambda: self.presenter.back(self.clock()))
        w.identity.wedge_key.connect(self.on_wedge_key)
        w.declare.chosen.connect(self.declare)
        w.declare.back.connect(lambda: self.presenter.back(self.clock()))
        c.card_read.connect(self.on_card_read)
        c.card_failed.connect(self.on_card_failed)
        self.card_timer = QTimer(self)
        self.card_timer.timeout.connect(self.poll_card)
        w.corner.tapped.connect(self.on_corner_tap)
        w.pin_pad.entered.connect(self.on_pin)
        self.ticker = QTimer(self)
        self.ticker.timeout.connect(self.on_tick)
        self.refresher = QTimer(self)
        self.refresher.timeout.connect(self.connection.refresh)
        self.printer_timer = QTimer(self)
        self.printer_timer.timeout.connect(self.connection.check_printer)

    # --- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        self.connection.start()
        self.ticker.start(TICK_MS)
        self.refresher.start(SNAPSHOT_REFRESH_MS)
        self.printer_timer.start(self.settings.printer_check_seconds * 1000)
        if isinstance(self.identity, SamReader):
            self.card_timer.start(CARD_POLL_MS)
        QTimer.singleShot(2000, self.connection.check_printer)   # report the printer once at start
        self.on_tick()

    def stop(self) -> None:
        for timer in (self.ticker, self.refresher, self.printer_timer, self.card_timer):
            timer.stop()
        self.speaker.stop()
        self.connection.stop()
        if self.identity is not None:
            self.identity.close()

    def show(self) -> None:
        if self.settings.fullscreen:
            # kiosk chrome: no title bar, nothing to drag or close, always in front
            self.window.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
            self.window.setCursor(Qt.CursorShape.BlankCursor)
            self.window.closeEvent = self._refuse_close
            self.window.showFullScreen()
        else:
            self.window.setWindowTitle("Jiaohao 取号机")
            self.window.show()

    def _refuse_close(self, event) -> None:
        if self.exit_allowed:
            event.accept()
        else:
            event.ignore()   # Alt+F4 and the like: only the exit gesture and PIN close a kiosk

    # --- slots ---------------------------------------------------------------------------------

    @guarded
    def on_message(self, name: str, payload: Any) -> None:
        if not isinstance(payload, dict):
            return
        if name == HALL_SNAPSHOT:
            self.presenter.apply_snapshot(payload)
            hall = payload.get("hall") or {}
            self.connection.printer.set_hall_name(hall.get("name", ""), hall.get("name_en", ""),
                                                  hall.get("timezone", ""))
        elif name == QUEUE_CHANGED and not payload.get("replayed"):
            self.presenter.apply_queue_changed(payload)
        elif name == APPOINTMENT_CHANGED and places_moved(payload):
            self.connection.refresh()   # the items' views as the server now counts their places

    @guarded
    def on_status(self, status: str, reason: Any) -> None:
        if (status == "connected") != self.presenter.connected:
            log.info("server connection: %s %s", status, reason or "")
        self.presenter.set_connection(status, reason)

    @guarded
    def choose_item(self, code: str) -> None:
        request = self.presenter.choose_item(code, self.clock())
        if request is not None:
            self.connection.issue(request)

    # --- the ID card -----------------------------------------------------------------------------

    @guarded
    def poll_card(self) -> None:
        if self.presenter.screen == IDENTITY and isinstance(self.identity, SamReader):
            self.connection.read_card(self.identity)

    @guarded
    def on_wedge_key(self, text: str, at: float) -> None:
        if not isinstance(self.identity, KeyboardWedge):
            return
        try:
            if self.identity.feed(text, at):
                card = self.identity.read()
                if card is not None:
                    self.on_card_read(card)
        except IdentityError as failed:
            self.on_card_failed(failed)

    @guarded
    def on_card_read(self, card: Any) -> None:
        request = self.presenter.card_read(card.number.value, self.clock(), name=card.name)
        if request is not None:
            self.connection.issue(request)

    @guarded
    def on_card_failed(self, failed: Any) -> None:
        self.presenter.card_failed(failed, self.clock())

    @guarded
    def submit_id(self) -> None:
        request = self.presenter.submit_id(self.clock())
        if request is not None:
            self.connection.issue(request)

    @guarded
    def declare(self, category: str) -> None:
        request = self.presenter.declare(category or None, self.clock())
        if request is not None:
            self.connection.issue(request)

    @guarded
    def skip_identity(self) -> None:
        request = self.presenter.skip_identity(self.clock())
        if request is not None:
            self.connection.issue(request)

    @guarded
    def submit_code(self) -> None:
        request = self.presenter.submit_code(self.clock())
        if request is not None:
            self.connection.check_in(request)

    @guarded
    def take_normal_ticket(self) -> None:
        request = self.presenter.take_normal_ticket(self.clock())
        if request is not None:
            self.connection.check_in(request)

    @guarded
    def submit_mobile(self) -> None:
        request = self.presenter.submit_mobile(self.clock())
        if request is not None:
            self.connection.notify(request)

    @guarded
    def on_notify_on(self, reply: Any) -> None:
        self.presenter.notify_on(reply if isinstance(reply, dict) else {}, self.clock())

    @guarded
    def on_notify_refused(self, code: str, message: str) -> None:
        self.presenter.notify_refused(code, message, self.clock())

    @guarded
    def on_check_in_refused(self, code: str, message: str, detail: Any) -> None:
        self.presenter.check_in_refused(code, message, detail if isinstance(detail, dict) else {},
                                        self.clock())

    @guarded
    def on_issued(self, reply: Any) -> None:
        self.presenter.issued(reply, self.clock())
        said = self.presenter.confirmation()
        if said is not None and self.settings.speak:
            self.speaker.say(self.presenter.t(said), self.presenter.language)

    @guarded
    def on_issue_failed(self, code: str, message: str) -> None:
        self.presenter.issue_failed(code, message, self.clock())

    @guarded
    def on_printed(self, number: str) -> None:
        self.presenter.printed(number)

    @guarded
    def on_print_failed(self, number: str, problem: Any) -> None:
        self.presenter.print_failed(number, problem)

    @guarded
    def on_tick(self) -> None:
        now = self.clock()
        self.window.set_clock(self.presenter.local_time(now))
        if self.presenter.tick(now) and self.window.pin_pad.isVisible():
            self.window.pin_pad.hide()

    @guarded
    def on_corner_tap(self) -> None:
        if self.presenter.corner_tapped(self.clock()):
            self.window.pin_pad.open()

    @guarded
    def on_pin(self, pin: str) -> None:
        if self.presenter.pin_accepted(pin) or not self.settings.fullscreen:
            self.exit_allowed = True
            self.window.pin_pad.hide()
            self.quit_app()
        else:
            self.window.pin_pad.wrong()


def build_kiosk(settings: KioskSettings, printer_settings: PrinterSettings, slip_hall: SlipHall,
                speaker: Speaker | None = None, client_factory: Callable[..., Any] | None = None,
                printer_transport: Any = None, clock: Callable[[], datetime] = utc_now,
                quit_app: Callable[[], None] | None = None, identity: IdentitySource | None = None) -> Kiosk:
    """The kiosk, wired. `client_factory(on_message=, on_status=)` replaces the real HallClient
    in tests; `printer_transport` replaces the configured printer; `identity` the ID card
    reader [kiosk] id_reader names."""
    from client.hall_client import HallClient

    if client_factory is None:
        def client_factory(**callbacks):
            return HallClient(settings.server, settings.token, timeout=4.0, **callbacks)
    holder: dict[str, Any] = {}

    def post(path: str, **kw) -> Any:
        return holder["client"].post(path, **kw)
    printer = KioskPrinter(printer_settings, slip_hall, post, printer_transport)
    connection = KioskConnection(client_factory, printer)
    holder["client"] = connection.client
    app = KioskApp(settings, connection, speaker, clock, quit_app, identity)
    # the local config names the hall until the server's snapshot does, so even a kiosk that
    # starts while the server is down says where it stands
    app.presenter.hall_name = Text(slip_hall.name, slip_hall.name_en or slip_hall.name)
    app.window.render()
    return Kiosk(app, app.window, app.presenter, connection)


def save_screenshot(window: KioskWindow, target: str | Path) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(target)):
        raise OSError(f"cannot write {target}")
    return target
