"""The [kiosk] table of config.toml, validated into `KioskSettings`.

    [kiosk]
    server = "http://192.168.1.10:8080"   # the hall server
    token = "…"                           # this kiosk's device token (or --token, or $JIAOHAO_KIOSK_TOKEN)
    fullscreen = true                      # frameless, full screen, no way out but the exit gesture + PIN
    exit_pin = "2468"                      # required with fullscreen: 4–8 digits
    idle_seconds = 45                      # an untouched kiosk goes back home after this
    ticket_seconds = 15                    # how long the ticket screen stays (twice as long after a print fault)
    speak = false                          # say "您已领取 A005 号，前方等待 3 人" after each ticket
    language = "zh"                        # "zh" or "en": the language a fresh screen starts in
    printer_check_seconds = 60             # how often the printer's state is checked and reported

The printer itself is the [printer] table (see docs/printing.md); `--printer` overrides its url.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Any

from hall.config import ConfigError, client_table

KEYS = ("server", "token", "fullscreen", "exit_pin", "idle_seconds", "ticket_seconds", "speak",
        "language", "printer_check_seconds", "id_reader")
LANGUAGES = ("zh", "en")
PIN_RE = re.compile(r"^\d{4,8}$")
TOKEN_ENV = "JIAOHAO_KIOSK_TOKEN"


@dataclass(frozen=True)
class KioskSettings:
    server: str = ""
    token: str = ""
    fullscreen: bool = False
    exit_pin: str = ""
    idle_seconds: int = 45
    ticket_seconds: int = 15
    speak: bool = False
    language: str = "zh"
    printer_check_seconds: int = 60
    id_reader: str = ""     # a SAM ID card reader's serial port, "keyboard" for one that types, "" for none

    def with_overrides(self, **changes: Any) -> "KioskSettings":
        """These settings with the command line's values (None keeps the configured one), checked again."""
        merged = replace(self, **{k: v for k, v in changes.items() if v is not None})
        return check_settings(merged)


def parse_kiosk_table(table: Any) -> KioskSettings:
    """Validate [kiosk]; a missing server or token is checked later, once the command line is merged."""
    client_table(table, "kiosk", KEYS)
    settings = KioskSettings(
        server=_text(table, "server", ""),
        token=_text(table, "token", "") or os.environ.get(TOKEN_ENV, ""),
        fullscreen=_flag(table, "fullscreen", False),
        exit_pin=_text(table, "exit_pin", ""),
        idle_seconds=_whole(table, "idle_seconds", 45, 10, 600),
        ticket_seconds=_whole(table, "ticket_seconds", 15, 5, 120),
        speak=_flag(table, "speak", False),
        language=_text(table, "language", "zh"),
        printer_check_seconds=_whole(table, "printer_check_seconds", 60, 10, 3600),
        id_reader=_text(table, "id_reader", ""),
    )
    return check_settings(settings, complete=False)


def check_settings(settings: KioskSettings, complete: bool = True) -> KioskSettings:
    """Checks across keys; `complete` also wants what the kiosk cannot run without."""
    if settings.language not in LANGUAGES:
        raise ConfigError(f"kiosk.language = {settings.language!r}: expected \"zh\" or \"en\"")
    if settings.exit_pin and not PIN_RE.match(settings.exit_pin):
        raise ConfigError("kiosk.exit_pin: expected 4 to 8 digits, written in quotes (\"2468\")")
    if settings.server and not settings.server.startswith(("http://", "https://")):
        raise ConfigError(f"kiosk.server = {settings.server!r}: expected an http:// or https:// address")
    if not complete:
        return settings
    if not settings.server:
        raise ConfigError("kiosk.server is not set: give --server URL or server = \"http://…\" in [kiosk]")
    if not settings.token:
        raise ConfigError(f"kiosk.token is not set: give --token, ${TOKEN_ENV}, or token = \"…\" in [kiosk] "
                          "(the kiosk's device token, made with `jiaohao admin`)")
    if settings.fullscreen and not settings.exit_pin:
        raise ConfigError("kiosk.exit_pin is required with fullscreen: without it nobody could close the kiosk")
    return settings


def _text(table: dict, key: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"kiosk.{key} must be text in quotes, got {value!r}")
    return value.strip()


def _flag(table: dict, key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"kiosk.{key} must be true or false, got {value!r}")
    return value


def _whole(table: dict, key: str, default: int, low: int, high: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"kiosk.{key} must be a whole number of seconds, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"kiosk.{key} = {value}: expected {low} to {high} seconds")
    return value
