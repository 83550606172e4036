"""Wiring of the board: connection → presenter → widgets, and calls → announcer.

Everything here runs in the GUI thread (the connection's signals are queued to it). A slot
that fails logs the failure and the board goes on showing the last good state: a board that
stopped on an exception would be worse than one that missed a message.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from PyQt6.QtCore import QEventLoop, QObject, QTimer, pyqtSignal
from PyQt6.QtGui import QFont, QGuiApplication
from PyQt6.QtWidgets import QApplication

from protocol.live import HALL_SNAPSHOT

from .announcer import Announcer, VoiceSettings
from .connection import BoardConnection
from .presenter import Presenter
from .settings import DisplaySettings
from .speech import ClipsSpeaker, EspeakSpeaker, Player, Speaker
from .widgets import FONT_FAMILY, BoardWidget

log = logging.getLogger(__name__)

REFRESH_MS = 250        # blink phase and clock; a blink period is 2 × 500 ms
SCREENSHOT_TIMEOUT = 15.0


class BoardError(Exception):
    """The board cannot start or cannot do what was asked (worded for the operator)."""


class Board(QObject):
    """Feeds messages to the presenter, the view to the widget and the calls to the announcer."""

    #: after the widget was given the view of a message: (event name, payload)
    updated = pyqtSignal(str, object)

    def __init__(self, presenter: Presenter, connection: BoardConnection, widget: BoardWidget,
                 announcer: Announcer | None = None, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        super().__init__(widget)
        self.presenter, self.connection, self.widget = presenter, connection, widget
        self.announcer, self.clock, self.wall = announcer, clock, wall
        connection.message.connect(self.on_message)
        connection.status.connect(self.on_status)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.refresh()

    def on_message(self, name: str, payload: dict) -> None:
        try:
            for item in self.presenter.message(name, payload, self.clock()):
                if self.announcer is not None:
                    self.announcer.enqueue(item)
            if name == HALL_SNAPSHOT:
                self._check_zone()
            self.refresh()
            self.updated.emit(name, payload)
        except Exception:
            log.exception("the board could not apply %s", name)

    def on_status(self, status: str, reason: str) -> None:
        try:
            self.presenter.set_connected(status == "connected")
            if status == "refused":
                self.presenter.set_refused()
                log.error("the server refused the board's token: %s (check display.token)", reason)
            elif status == "disconnected":
                log.warning("link to the server lost (%s); reconnecting", reason or "no reason given")
            self.refresh()
        except Exception:
            log.exception("the board could not show the link status %s", status)

    def refresh(self) -> None:
        now = self.clock()
        view = self.presenter.view(now, self.wall())
        self.widget.show_view(view, flash=view.blinking and int(now * 2) % 2 == 0)

    def _check_zone(self) -> None:
        zone, zones = self.presenter.zone, self.presenter.zones()
        if zone and zone not in zones:
            log.error("no window is in zone %r; the hall's zones are: %s", zone, ", ".join(sorted(zones)))

    def stop(self) -> None:
        self.timer.stop()
        self.connection.status.disconnect(self.on_status)   # our own hang-up is not a lost link
        self.connection.stop()
        if self.announcer is not None:
            self.announcer.stop()


def make_player():
    """Qt Multimedia, which every board has with PyQt6; a command-line player only where Qt
    Multimedia cannot load (no libpulse0)."""
    try:
        from .qt_player import QtPlayer
        return QtPlayer()
    except Exception as exc:   # the module's system library missing: any import or start error
        log.warning("Qt Multimedia unavailable (%s): using a command-line player", exc)
        return Player()


def make_speaker(settings: DisplaySettings, volume: int) -> Speaker | None:
    """The configured speech engine, or None (logged) when it cannot work on this machine."""
    try:
        if settings.speech == "clips":
            return ClipsSpeaker(settings.clips_dir, volume, player=make_player())
        if settings.speech == "qt":
            from .qt_speech import QtSpeaker
            return QtSpeaker(volume, player=make_player())
        return EspeakSpeaker(volume, settings.voice, player=make_player())
    except RuntimeError as exc:
        log.error("speech %r unavailable: %s; calls are shown but not said", settings.speech, exc)
        return None


def build_board(settings: DisplaySettings, voice: VoiceSettings, volume: int,
                speaker: Speaker | None = None, speak: bool = True) -> Board:
    """A board connected to the server (not yet started); `speaker` replaces the configured one."""
    widget = BoardWidget(portrait=settings.portrait)
    presenter = Presenter(zone=settings.zone, blink_seconds=settings.blink,
                          recent_count=settings.recent_calls)
    connection = BoardConnection(settings.server, settings.token, zone=settings.zone)
    announcer = None
    if speak and not settings.mute:
        speaker = speaker or make_speaker(settings, volume)
        announcer = (Announcer(speaker, voice, still_due=presenter.still_due).start()
                     if speaker is not None else None)
    return Board(presenter, connection, widget, announcer)


def wait_until_synced(board: Board, timeout: float) -> bool:
    """Run the event loop until the first snapshot arrived, the token was refused, or `timeout`
    seconds passed; a refused token raises BoardError at once (waiting longer cannot help)."""
    loop, refused = QEventLoop(), []
    board.updated.connect(lambda name, payload: loop.quit() if name == HALL_SNAPSHOT else None)
    board.connection.status.connect(lambda status, reason: (refused.append(reason), loop.quit())
                                    if status == "refused" else None)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    if not board.presenter.synced:
        loop.exec()
    if refused and not board.presenter.synced:
        raise BoardError(f"the server refused the board's token ({refused[0]}): check --token / display.token")
    return board.presenter.synced


def save_screenshot(board: Board, path: Path) -> Path:
    board.refresh()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not board.widget.grab().save(str(path)):
        raise BoardError(f"could not write {path}")
    return path


def place_window(widget: BoardWidget, settings: DisplaySettings) -> None:
    screens = QGuiApplication.screens()
    if settings.screen >= len(screens):
        log.warning("display.screen = %d but only %d screen(s): using the first", settings.screen,
                    len(screens))
    screen = screens[settings.screen] if settings.screen < len(screens) else screens[0]
    widget.move(screen.geometry().topLeft())
    if settings.fullscreen:
        widget.setScreen(screen)
        widget.showFullScreen()
    else:
        widget.show()


def run_board(settings: DisplaySettings, voice: VoiceSettings, volume: int,
              screenshot: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setFont(QFont(FONT_FAMILY))
    board = build_board(settings, voice, volume, speak=screenshot is None)
    board.connection.start()
    try:
        if screenshot is not None:
            if not wait_until_synced(board, SCREENSHOT_TIMEOUT):
                raise BoardError(f"no answer from {settings.server} within {SCREENSHOT_TIMEOUT:.0f} s "
                                 "(is the server running, is the token right?)")
            print(f"screenshot written to {save_screenshot(board, screenshot)}")
            return 0
        place_window(board.widget, settings)
        return app.exec()
    finally:
        board.stop()
