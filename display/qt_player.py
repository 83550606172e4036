"""WAV files played through Qt Multimedia, so a fresh machine with a sound card speaks with
nothing more installed (PyQt6 brings it; `libpulse0` is its one system library). Without a
sound device Qt plays into nothing at the sound's own pace, so the board keeps its timing.

The player lives in the GUI thread (Qt objects belong to one thread); the announcer's thread
asks it to play through a queued signal and waits until the sound has stopped, with a limit
a little past the sound's own length, so one stuck sound never silences the board.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PyQt6.QtCore import QEventLoop, QObject, QThread, QTimer, QUrl, pyqtSignal
from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer

from common.sound import wav_seconds

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0


class QtPlayer(QObject):
    _start = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.output = QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.player.playbackStateChanged.connect(self._state)
        self.player.errorOccurred.connect(self._error)
        self._start.connect(self._play)
        self._done = threading.Event()
        self._playing = False

    def play(self, path: Path) -> None:
        """Plays `path` and returns when it has finished (or failed)."""
        self._done.clear()
        limit = _length(path) + GRACE_SECONDS
        if QThread.currentThread() is self.thread():   # called in the GUI thread: wait in a local loop
            loop = QEventLoop()
            self.player.playbackStateChanged.connect(loop.quit)
            QTimer.singleShot(int(limit * 1000), loop.quit)
            self._play(str(path))
            loop.exec()
            self.player.playbackStateChanged.disconnect(loop.quit)
        else:
            self._start.emit(str(path))
            if not self._done.wait(limit):
                log.warning("playing %s did not finish within %.0f s", path.name, limit)

    def _play(self, path: str) -> None:
        self._playing = True
        self.player.setSource(QUrl.fromLocalFile(path))
        self.player.play()

    def _state(self, state: QMediaPlayer.PlaybackState) -> None:
        if state == QMediaPlayer.PlaybackState.StoppedState and self._playing:
            self._playing = False
            self._done.set()

    def _error(self, error: QMediaPlayer.Error, message: str) -> None:
        log.warning("Qt Multimedia could not play: %s", message or error)
        self._playing = False
        self._done.set()


def _length(path: Path) -> float:
    try:
        return wav_seconds(path)
    except (OSError, EOFError, ValueError):
        return 30.0
