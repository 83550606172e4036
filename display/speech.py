"""Speech for the board: a small `Speaker` interface and its engines.

A speaker's `chime()` and `say(text)` return when the sound has finished: the announcer calls
them one after the other from its own thread, which is what keeps announcements from
overlapping. Engines:

* `EspeakSpeaker` — espeak-ng's Mandarin voice writes a WAV, a `Player` plays it (default).
* `ClipsSpeaker`  — a folder of recorded clips put together word by word (docs/display.md).
* `QtSpeaker`     — Qt TextToSpeech, only where the system has a Mandarin voice.
* `RecordingSpeaker` — remembers what would have been said, for tests.

No sound card is not an error worth stopping for: a failed playback is logged and the queue
goes on.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from common.sound import ESPEAK, MANDARIN_VOICE, SPEECH_TIMEOUT, espeak_wav, join_wavs, write_chime

log = logging.getLogger(__name__)

#: players tried in this order; each plays a WAV file and exits when it has finished
PLAYERS = (("paplay",), ("aplay", "-q"), ("pw-play",), ("ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"))


class Speaker(Protocol):
    def chime(self) -> None: ...

    def say(self, text: str) -> None: ...


# --- playing WAV files ----------------------------------------------------------------------

class Player:
    """Plays a WAV file with the first command-line player found; logs (once) when there is none."""

    def __init__(self, command: tuple[str, ...] | None = None):
        self.command = command if command is not None else find_player()
        self._warned = False

    def play(self, path: Path) -> None:
        if not self.command:
            if not self._warned:
                log.warning("no audio player found (install pulseaudio-utils or alsa-utils): "
                            "announcements are shown but not heard")
                self._warned = True
            return
        try:
            done = subprocess.run([*self.command, str(path)], capture_output=True, timeout=SPEECH_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("playing %s failed: %s", path.name, exc)
            return
        if done.returncode != 0:
            log.warning("playing %s failed: %s", path.name, done.stderr.decode(errors="replace").strip())


def find_player() -> tuple[str, ...]:
    for command in PLAYERS:
        if shutil.which(command[0]):
            return command
    return ()


# --- espeak-ng -----------------------------------------------------------------------------

class EspeakSpeaker:
    """espeak-ng (offline, Mandarin voice `cmn-latn-pinyin`) into a WAV, then the player."""

    def __init__(self, volume: int = 80, voice: str = MANDARIN_VOICE, rate: int = 150,
                 player: Player | None = None, workdir: Path | None = None):
        if shutil.which(ESPEAK) is None:
            raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
        self.volume, self.voice, self.rate = volume, voice, rate
        self.player = player or Player()
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="jiaohao-speech-"))
        self._chime = write_chime(self.workdir / "chime.wav", volume)
        self._last: tuple[str, Path] | None = None   # a call is said twice: synthesise it once

    def chime(self) -> None:
        self.player.play(self._chime)

    def say(self, text: str) -> None:
        self.player.play(self.synthesise(text))

    def synthesise(self, text: str) -> Path:
        if self._last and self._last[0] == text:
            return self._last[1]
        path = espeak_wav(text, self.workdir / "sentence.wav", volume=self.volume, voice=self.voice,
                          rate=self.rate)
        self._last = (text, path)
        return path


# --- recorded clips --------------------------------------------------------------------------

#: words of the default templates and the file names (pinyin) their clips may have
CLIP_ALIASES = {
    "请": "qing", "号": "hao", "到": "dao", "窗口": "chuangkou", "号窗口": "haochuangkou",
    "办理": "banli", "再次呼叫": "zaicihujiao", "十": "shi", "百": "bai",
    "零": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
    "八": "8", "九": "9",
}
LONGEST_WORD = 8


def number_words(value: int) -> list[str]:
    """A window number as said aloud: 3 → 三, 12 → 十二, 21 → 二十一, 105 → 一百零五."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return [digits[value]]
    hundreds, tens, ones = value // 100, value // 10 % 10, value % 10
    words = [digits[hundreds], "百"] if hundreds else []
    if tens:
        if hundreds or tens > 1:   # 十二, but 二十一 and 一百一十二
            words.append(digits[tens])
        words.append("十")
    elif hundreds and ones:
        words.append("零")
    if ones:
        words.append(digits[ones])
    return words


class ClipsSpeaker:
    """Joins recorded clips: each word of the sentence is a file `<word>.wav` or its pinyin
    alias (请 → qing.wav); letters are `A.wav` …; digits `0.wav` … `9.wav`; the chime
    `chime.wav` (a generated one when missing)."""

    def __init__(self, folder: Path | str, volume: int = 80, player: Player | None = None):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise RuntimeError(f"clips folder {self.folder} not found")
        self.player = player or Player()
        self.workdir = Path(tempfile.mkdtemp(prefix="jiaohao-clips-"))
        chime = self.folder / "chime.wav"
        self._chime = chime if chime.is_file() else write_chime(self.workdir / "chime.wav", volume)

    def chime(self) -> None:
        self.player.play(self._chime)

    def say(self, text: str) -> None:
        clips = self.clips_for(text)
        if clips:
            self.player.play(join_wavs(clips, self.workdir / "sentence.wav"))

    def clips_for(self, text: str) -> list[Path]:
        """The clip files for a sentence, longest word first; a word without a clip is logged."""
        found, i = [], 0
        text = _numbers_as_words(text)
        while i < len(text):
            if text[i].isspace():
                i += 1
                continue
            for size in range(min(LONGEST_WORD, len(text) - i), 0, -1):
                clip = self._clip(text[i:i + size])
                if clip is not None:
                    found.append(clip)
                    i += size
                    break
            else:
                log.warning("no clip for %r in %s", text[i], self.folder)
                i += 1
        return found

    def _clip(self, word: str) -> Path | None:
        for name in (word, CLIP_ALIASES.get(word), word.upper() if word.isascii() else None):
            if name and (self.folder / f"{name}.wav").is_file():
                return self.folder / f"{name}.wav"
        return None


def _numbers_as_words(text: str) -> str:
    """Digit runs left in the spoken sentence are window numbers: say them as numbers (十二)."""
    out, run = [], ""
    for ch in text + " ":
        if ch.isdigit():
            run += ch
            continue
        if run:
            out.append("".join(number_words(int(run))))
            run = ""
        out.append(ch)
    return "".join(out).rstrip(" ")


# --- for tests -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Said:
    kind: str       # "chime" or "say"
    text: str
    start: float
    end: float


class RecordingSpeaker:
    """Remembers what it was asked to say and when; each sound lasts `seconds`."""

    def __init__(self, seconds: float = 0.0):
        self.seconds = seconds
        self.said: list[Said] = []
        self._lock = threading.Lock()
        self._busy = False

    def chime(self) -> None:
        self._sound("chime", "")

    def say(self, text: str) -> None:
        self._sound("say", text)

    def _sound(self, kind: str, text: str) -> None:
        with self._lock:
            if self._busy:
                raise AssertionError("two sounds at once")
            self._busy = True
        start = time.monotonic()
        time.sleep(self.seconds)
        with self._lock:
            self._busy = False
            self.said.append(Said(kind, text, start, time.monotonic()))

    def sentences(self) -> list[str]:
        with self._lock:
            return [s.text for s in self.said if s.kind == "say"]
