"""The optional spoken confirmation after a ticket ("您已领取 A 零 零 五 号，前方等待 3 人").

Behind a small interface so tests record what would be said, and so a kiosk without a
sound device or without espeak-ng simply stays silent.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Protocol

from common.sound import ESPEAK, MANDARIN_VOICE

log = logging.getLogger(__name__)

VOICES = {"zh": MANDARIN_VOICE, "en": "en"}


class Speaker(Protocol):
    def say(self, text: str, language: str) -> None: ...

    def stop(self) -> None: ...


class Silent:
    def say(self, text: str, language: str) -> None:
        pass

    def stop(self) -> None:
        pass


class Recording:
    """Remembers what would have been said: for tests and for a kiosk's log."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))

    def stop(self) -> None:
        pass


class Espeak:
    """espeak-ng in the background; a new confirmation cuts the previous one short, so the
    kiosk never talks over itself to the next citizen."""

    def __init__(self, program: str = ESPEAK, speed: int = 140):
        self.program = program
        self.speed = speed
        self._running: subprocess.Popen | None = None

    def say(self, text: str, language: str) -> None:
        self.stop()
        try:
            self._running = subprocess.Popen(
                [self.program, "-v", VOICES.get(language, MANDARIN_VOICE), "-s", str(self.speed), text],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("spoken confirmation failed: %s", exc)

    def stop(self) -> None:
        if self._running is not None and self._running.poll() is None:
            self._running.terminate()
            try:
                self._running.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._running.kill()
        self._running = None


def make_speaker(enabled: bool) -> Speaker:
    if not enabled:
        return Silent()
    program = shutil.which(ESPEAK)
    if program is None:
        log.warning("kiosk.speak is on but espeak-ng is not installed: staying silent")
        return Silent()
    return Espeak(program)
