"""Qt TextToSpeech as a board speaker, only where it can really speak Mandarin.

Qt's `speechd` engine waits forever when the machine has no sound device, so it is refused
unless one is present; an engine without a Chinese voice is refused too. The engine lives in
the GUI thread (Qt objects belong to one thread); the announcer's thread asks it to speak
through a queued signal and waits, with a time limit, until it is done.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PyQt6.QtCore import QLocale, QObject, pyqtSignal
from PyQt6.QtTextToSpeech import QTextToSpeech

from .speech import Player, write_chime

SECONDS_PER_CHARACTER = 0.5
MIN_WAIT = 5.0


def sound_device_present() -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return (any(Path("/dev/snd").glob("pcmC*p")) or bool(os.environ.get("PULSE_SERVER"))
            or (bool(runtime) and Path(runtime, "pulse", "native").exists()))


def mandarin_locale(engine: QTextToSpeech) -> QLocale | None:
    for locale in engine.availableLocales():
        if locale.language() == QLocale.Language.Chinese:
            return locale
    return None


class QtSpeaker(QObject):
    _speak = pyqtSignal(str)

    def __init__(self, volume: int = 80, engine: str | None = None, player: Player | None = None):
        super().__init__()
        names = [n for n in QTextToSpeech.availableEngines() if n != "mock"] if engine is None else [engine]
        if not names:
            raise RuntimeError("Qt TextToSpeech has no engine on this system")
        if names[0] == "speechd" and not sound_device_present():
            raise RuntimeError("Qt's speechd engine hangs without a sound device; none found")
        self.tts = QTextToSpeech(names[0], self)
        locale = mandarin_locale(self.tts)
        if locale is None:
            raise RuntimeError(f"Qt TextToSpeech ({names[0]}) has no Mandarin voice")
        self.tts.setLocale(locale)
        self.tts.setVolume(max(0, min(volume, 100)) / 100)
        self.player = player or Player()
        self._chime = write_chime(Path(os.environ.get("TMPDIR", "/tmp")) / "jiaohao-chime.wav", volume)
        self._done = threading.Event()
        self.tts.stateChanged.connect(self._state)
        self._speak.connect(self.tts.say)

    def _state(self, state: QTextToSpeech.State) -> None:
        if state in (QTextToSpeech.State.Ready, QTextToSpeech.State.Error):
            self._done.set()

    def chime(self) -> None:
        self.player.play(self._chime)

    def say(self, text: str) -> None:
        """Called from the announcer's thread: speak in the GUI thread, wait until finished."""
        self._done.clear()
        self._speak.emit(text)
        self._done.wait(max(MIN_WAIT, SECONDS_PER_CHARACTER * len(text)))
