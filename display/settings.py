"""The [display] table of config.toml, validated into `DisplaySettings`.

    [display]
    server = "http://192.168.1.10:8080"   # the hall server
    token = "..."                         # the board's device token (jiaohao admin device add)
    zone = "1F"                           # only the windows whose zone is "1F" ("" = every window)
    orientation = "landscape"             # or "portrait"
    fullscreen = true
    screen = 0                            # which monitor, 0 = the first
    mute = false
    speech = "espeak"                     # "espeak", "qt" (Qt TextToSpeech) or "clips"
    clips_dir = "/opt/jiaohao/clips"      # recorded clips, for speech = "clips"
    blink_seconds = 5                     # how long the newest call blinks, at most 5
    reduced_motion = false                # true: the newest call never blinks
    recent_calls = 8                      # how many earlier calls are listed

Command-line options override these keys one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hall.config import ConfigError, client_table
from protocol.live import BLINK_LONGEST_SECONDS

ORIENTATIONS = ("landscape", "portrait")
SPEECH_ENGINES = ("espeak", "qt", "clips")
KEYS = ("server", "token", "zone", "orientation", "fullscreen", "screen", "mute", "speech",
        "voice", "clips_dir", "blink_seconds", "reduced_motion", "recent_calls")


@dataclass(frozen=True)
class DisplaySettings:
    server: str = "http://127.0.0.1:8080"
    token: str = ""
    zone: str = ""
    orientation: str = "landscape"
    fullscreen: bool = False
    screen: int = 0
    mute: bool = False
    speech: str = "espeak"
    voice: str = "cmn-latn-pinyin"
    clips_dir: str = ""
    blink_seconds: float = BLINK_LONGEST_SECONDS
    reduced_motion: bool = False
    recent_calls: int = 8

    @property
    def portrait(self) -> bool:
        return self.orientation == "portrait"

    @property
    def blink(self) -> float:
        """How long the newest call blinks: not at all for viewers who asked for reduced motion."""
        return 0 if self.reduced_motion else self.blink_seconds

    def with_overrides(self, **changes: Any) -> "DisplaySettings":
        """These settings with the given values (None keeps the current one), validated again."""
        merged = {k: v for k, v in changes.items() if v is not None}
        return check_settings(replace(self, **merged))


def parse_display_table(table: Any) -> DisplaySettings:
    return check_settings(DisplaySettings(**client_table(table, "display", KEYS)))


def check_settings(s: DisplaySettings) -> DisplaySettings:
    """Every key checked with a message naming it; returns the settings unchanged."""
    _text("server", s.server)
    if not s.server.startswith(("http://", "https://")):
        raise ConfigError(f"display.server = {s.server!r}: expected an address like http://10.0.0.5:8080")
    for key in ("token", "zone", "voice", "clips_dir"):
        _text(key, getattr(s, key))
    _choice("orientation", s.orientation, ORIENTATIONS)
    _choice("speech", s.speech, SPEECH_ENGINES)
    for key in ("fullscreen", "mute", "reduced_motion"):
        if not isinstance(getattr(s, key), bool):
            raise ConfigError(f"display.{key} must be true or false, got {getattr(s, key)!r}")
    _whole("screen", s.screen, 0, 16)
    _whole("recent_calls", s.recent_calls, 0, 20)
    if isinstance(s.blink_seconds, bool) or not isinstance(s.blink_seconds, (int, float)) \
            or not 0 <= s.blink_seconds <= BLINK_LONGEST_SECONDS:
        # WCAG 2.2.2: nobody can pause a wall screen, so the blink has to stop by itself
        raise ConfigError(f"display.blink_seconds = {s.blink_seconds!r}: expected a number of "
                          f"seconds from 0 to {BLINK_LONGEST_SECONDS} (a blink nobody can stop "
                          f"must end within {BLINK_LONGEST_SECONDS} s)")
    if s.speech == "clips" and not s.clips_dir:
        raise ConfigError("display.clips_dir is missing: speech = \"clips\" needs the folder of "
                          "recorded clips (see docs/display.md)")
    return s


def _text(key: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"display.{key} must be text, got {value!r}")


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"display.{key} = {value!r}: expected " + " or ".join(map(repr, allowed)))


def _whole(key: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"display.{key} = {value!r}: expected a whole number from {low} to {high}")
