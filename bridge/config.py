"""bridge.toml, read once at start into checked, frozen values.

Every mistake is reported with where it is and what would be right, in Chinese and English,
before any port is opened: a bridge that starts is a bridge whose every device is addressable.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOCOLS = ("ff68", "a090")
DEFAULT_BAUD = 9600
#: a rater's key value → the hall's five levels (1 非常不满意 … 5 非常满意)
DEFAULT_LEVELS = {0: 1, 1: 3, 2: 4, 3: 5}
DEFAULT_TEXT = "请{number}号到{window}号窗口"
TEXT_FIELDS = {"number", "window"}


class BridgeConfigError(ValueError):
    """bridge.toml cannot be used: where, and what would be right (中文 / English)."""


@dataclass(frozen=True)
class Port:
    name: str
    url: str
    baud: int = DEFAULT_BAUD
    protocol: str = "ff68"


@dataclass(frozen=True)
class Keypad:
    port: str
    address: int
    window: int


@dataclass(frozen=True)
class Rater:
    port: str
    address: int
    window: int
    levels: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_LEVELS))


@dataclass(frozen=True)
class Strip:
    port: str
    address: int
    window: int
    text: str = DEFAULT_TEXT


@dataclass(frozen=True)
class BridgeConfig:
    ports: tuple[Port, ...]
    keypads: tuple[Keypad, ...] = ()
    raters: tuple[Rater, ...] = ()
    strips: tuple[Strip, ...] = ()

    @property
    def windows(self) -> set[int]:
        return {device.window for device in (*self.keypads, *self.raters, *self.strips)}

    def port(self, name: str) -> Port:
        return next(port for port in self.ports if port.name == name)


def load(path: str | Path) -> BridgeConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BridgeConfigError(f"无法读取 {path} / cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BridgeConfigError(f"{path} 不是 UTF-8 文本 / {path} is not UTF-8 text") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BridgeConfigError(f"{path} 不是有效的 TOML / {path} is not valid TOML: {exc}") from None
    return parse(document)


def parse(document: dict[str, Any]) -> BridgeConfig:
    _only(document, {"ports", "keypads", "raters", "strips"}, "bridge.toml")
    ports = tuple(_port(entry, i) for i, entry in _entries(document, "ports"))
    if not ports:
        raise BridgeConfigError("至少需要一个 [[ports]] / at least one [[ports]] is needed")
    _unique([p.name for p in ports], "[[ports]] name")
    by_name = {p.name: p for p in ports}
    keypads = tuple(Keypad(**_device(e, i, "keypads", by_name, "ff68", set()))
                    for i, e in _entries(document, "keypads"))
    raters = tuple(Rater(**_device(e, i, "raters", by_name, "ff68", {"levels"}), levels=_levels(e, i))
                   for i, e in _entries(document, "raters"))
    strips = tuple(Strip(**_device(e, i, "strips", by_name, "a090", {"text"}), text=_text(e, i))
                   for i, e in _entries(document, "strips"))
    _unique([f"{d.port} {d.address}" for d in (*keypads, *raters, *strips)], "(port, address)")
    _unique([f"{d.window}" for d in raters], "[[raters]] window")
    return BridgeConfig(ports, keypads, raters, strips)


# --- sections ------------------------------------------------------------------------------------

def _entries(document: dict, section: str) -> list[tuple[int, dict]]:
    entries = document.get(section, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BridgeConfigError(f"{section} 应写作 [[{section}]] 表 / {section} must be [[{section}]] tables")
    return list(enumerate(entries, start=1))


def _port(entry: dict, i: int) -> Port:
    where = f"[[ports]] 第 {i} 项 / entry {i}"
    _only(entry, {"name", "url", "baud", "protocol"}, where)
    name, url = _text_field(entry, "name", where), _text_field(entry, "url", where)
    baud = entry.get("baud", DEFAULT_BAUD)
    if not _whole(baud) or not 300 <= baud <= 921600:
        raise BridgeConfigError(f"{where}: baud 应为 300–921600 的整数 / baud must be a whole number "
                                f"from 300 to 921600")
    protocol = entry.get("protocol", "ff68")
    if protocol not in PROTOCOLS:
        raise BridgeConfigError(f"{where}: protocol 应为 \"ff68\"（呼叫器、评价器）或 \"a090\"（条屏） / "
                                f"protocol must be \"ff68\" (keypads, raters) or \"a090\" (strips)")
    return Port(name, url, baud, protocol)


def _device(entry: dict, i: int, section: str, ports: dict[str, Port], protocol: str,
            extra: set[str]) -> dict[str, Any]:
    where = f"[[{section}]] 第 {i} 项 / entry {i}"
    _only(entry, {"port", "address", "window"} | extra, where)
    port = _text_field(entry, "port", where)
    if port not in ports:
        raise BridgeConfigError(f"{where}: 没有名为 {port!r} 的 [[ports]] / no [[ports]] is named {port!r}")
    if ports[port].protocol != protocol:
        raise BridgeConfigError(f"{where}: 端口 {port!r} 的协议是 {ports[port].protocol}，应为 {protocol} / "
                                f"port {port!r} speaks {ports[port].protocol}; {section} need {protocol}")
    address = entry.get("address")
    if not _whole(address) or not 0 <= address <= 255:
        raise BridgeConfigError(f"{where}: address 应为 0–255 的整数 / address must be a whole number 0 to 255")
    window = entry.get("window")
    if not _whole(window) or window < 1:
        raise BridgeConfigError(f"{where}: window 应为窗口号（正整数） / window must be a window number")
    return {"port": port, "address": address, "window": window}


def _levels(entry: dict, i: int) -> dict[int, int]:
    where = f"[[raters]] 第 {i} 项 / entry {i}"
    levels = entry.get("levels", DEFAULT_LEVELS)
    if not isinstance(levels, dict) or not levels:
        raise BridgeConfigError(f"{where}: levels 应为 {{键值 = 等级}} 表 / levels must be a table "
                                f"{{device value = level}}")
    checked = {}
    for key, level in levels.items():
        value = int(key) if isinstance(key, str) and key.isdigit() else key
        if not _whole(value) or not 0 <= value <= 255 or not _whole(level) or not 1 <= level <= 5:
            raise BridgeConfigError(f"{where}: levels 中 {key} = {level!r} 无效：键为 0–255，等级为 1–5 / "
                                    f"levels {key} = {level!r}: values are 0 to 255, levels 1 to 5")
        checked[value] = level
    return checked


def _text(entry: dict, i: int) -> str:
    where = f"[[strips]] 第 {i} 项 / entry {i}"
    text = entry.get("text", DEFAULT_TEXT)
    if not isinstance(text, str) or not text:
        raise BridgeConfigError(f"{where}: text 应为文本 / text must be text")
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        names = {"?"}
    if not names <= TEXT_FIELDS:
        raise BridgeConfigError(f"{where}: text 只能使用 {{number}} 和 {{window}} / text may only use "
                                f"{{number}} and {{window}}")
    try:
        text.format(number="A001", window=1).encode("gbk")
    except UnicodeEncodeError as exc:
        raise BridgeConfigError(f"{where}: 条屏无法显示 {exc.object[exc.start]!r}（GBK 中没有） / the strip cannot "
                                f"show {exc.object[exc.start]!r} (not in GBK)") from None
    return text


# --- checks --------------------------------------------------------------------------------------

def _only(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise BridgeConfigError(f"{where}: 未知的设置 {', '.join(unknown)}，可用 {', '.join(sorted(allowed))} / "
                                f"unknown setting {', '.join(unknown)}; known: {', '.join(sorted(allowed))}")


def _text_field(entry: dict, name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BridgeConfigError(f"{where}: 缺少 {name}（文本） / {name} is required (text)")
    return value.strip()


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unique(values: list[str], what: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise BridgeConfigError(f"{what} 重复：{value} / {what} used twice: {value}")
        seen.add(value)
