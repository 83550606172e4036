"""The hall's voice for web boards: each call said as the PyQt6 board says it (the chime, then
the hall's sentence as many times as configured), rendered here to one WAV, kept per text in
the data directory and served to the board pages, which have no speech engine of their own.

The server decides whether a call is still worth saying when a board asks for it, as the
PyQt6 board's presenter does before each sentence: not in quiet hours, not when the window has
moved on or the ticket was called again since (the recall is said instead)."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from common.sound import MANDARIN_VOICE
from hall.setup import HallConfig

from . import protocol
from .previews import announcement_wav

log = logging.getLogger(__name__)

FOLDER = "announcements"
#: a sentence said twice after the chime is ~9 s, ~380 KB: the newest 200 (~75 MB) cover every
#: board asking for the same call and every recall of the last hour or so; older ones go first
KEEP = 200


@dataclass(frozen=True)
class Silence:
    """Why a call is not said now: `quiet_hours` or `overtaken`."""
    reason: str


def quiet_now(setup: HallConfig, now: datetime) -> bool:
    local = now.astimezone(setup.hall.tz).time()
    return any(period.contains(local) for period in setup.announcement.quiet_hours)


def silence_for(call, setup: HallConfig, now: datetime) -> Silence | None:
    """A call row (repository.call_event) is said only while its window still calls it."""
    if quiet_now(setup, now):
        return Silence("quiet_hours")
    still_called = call["state"] == "called" and call["ticket_window"] == call["window"]
    if not still_called or call["latest_call"] != call["seq"]:
        return Silence("overtaken")
    return None


def spoken_sentence(call, setup: HallConfig) -> str:
    recall = call["kind"] == "ticket_recalled"
    return protocol.announcement(setup, call["number"], call["window"], call["service"], recall)["spoken"]


class AnnouncementCache:
    """WAV files named by a hash of everything that makes them sound as they do."""

    def __init__(self, folder: Path, keep: int = KEEP):
        self.folder = folder
        self.keep = keep
        self._lock = threading.Lock()   # two boards asking at once synthesise the sentence once

    def path_for(self, setup: HallConfig, spoken: str) -> Path:
        words = setup.announcement
        key = f"{MANDARIN_VOICE}|{words.volume}|{words.repeat}|{spoken}"
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{name}.wav"

    def audio(self, setup: HallConfig, spoken: str) -> Path:
        """The file for this sentence, rendered on first use (raises previews.PreviewUnavailable)."""
        target = self.path_for(setup, spoken)
        with self._lock:
            if target.is_file():
                os.utime(target)   # recently asked for: kept longest
                return target
            self.folder.mkdir(parents=True, exist_ok=True)
            data = announcement_wav(setup, spoken)
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)   # a reader never sees half a file
            self._prune()
        log.info("announcement rendered: %s (%d KB)", spoken, len(data) // 1024)
        return target

    def _prune(self) -> None:
        files = sorted(self.folder.glob("*.wav"), key=lambda f: f.stat().st_mtime)
        for old in files[:max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)
