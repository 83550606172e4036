"""The [printer] table of config.toml, validated into `PrinterSettings`.

    [printer]
    url = "network://192.168.1.50:9100"   # default "dummy"
    width = 80                             # 80 or 58; default [slip] width
    chinese = "native"                     # or "raster" for printers without a Chinese font
    qr = "native"                          # or "raster" for printers without GS ( k
    timeout_seconds = 3
    font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"   # optional
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from hall.config import ConfigError, HallConfig, client_table
from printer.errors import PrinterError
from printer.transport import parse_printer_url

MODES = ("native", "raster")
WIDTHS = (80, 58)
MIN_TIMEOUT, MAX_TIMEOUT = 0.5, 30.0
KEYS = ("url", "width", "chinese", "qr", "timeout_seconds", "font")


@dataclass(frozen=True)
class PrinterSettings:
    url: str = "dummy"
    width: int = 80
    chinese: str = "native"
    qr: str = "native"
    timeout_seconds: float = 3.0
    font: str | None = None

    def with_overrides(self, **changes: Any) -> "PrinterSettings":
        """These settings with the given values (None keeps the current one), validated."""
        merged = {k: v for k, v in changes.items() if v is not None}
        settings = replace(self, **merged)
        return parse_printer_table({k: v for k, v in asdict(settings).items() if v is not None},
                                   settings.width)


def printer_settings(config: HallConfig) -> PrinterSettings:
    return parse_printer_table(config.extra.get("printer", {}), config.slip.width)


def parse_printer_table(table: Any, default_width: int = 80) -> PrinterSettings:
    client_table(table, "printer", KEYS)
    return PrinterSettings(
        url=_url(table.get("url", "dummy")),
        width=_choice(table.get("width", default_width), "width", WIDTHS, "paper width in mm"),
        chinese=_choice(table.get("chinese", "native"), "chinese", MODES,
                        "raster for printers without a Chinese font"),
        qr=_choice(table.get("qr", "native"), "qr", MODES,
                   "raster for printers without their own QR command"),
        timeout_seconds=_timeout(table.get("timeout_seconds", 3)),
        font=_font(table.get("font")),
    )


def _url(value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"printer.url must be text, got {value!r}")
    try:
        return parse_printer_url(value).url
    except PrinterError as exc:
        raise ConfigError(f"printer.url: {exc}") from None


def _choice(value: Any, key: str, allowed: tuple, hint: str) -> Any:
    if isinstance(value, bool) or value not in allowed:
        shown = " or ".join(repr(a) for a in allowed)
        raise ConfigError(f"printer.{key} = {value!r}: expected {shown} ({hint})")
    return value


def _timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"printer.timeout_seconds must be a number, got {value!r}")
    if not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
        raise ConfigError(f"printer.timeout_seconds = {value}: expected {MIN_TIMEOUT:g} to "
                          f"{MAX_TIMEOUT:g} (a kiosk must not hang on a dead printer)")
    return float(value)


def _font(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"printer.font must be the path of a font file, got {value!r}")
    if not Path(value).is_file():
        raise ConfigError(f"printer.font = {value!r}: file not found "
                          "(install fonts-wqy-microhei, or remove the key to search the usual places)")
    return value
