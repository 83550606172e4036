"""Reading config.toml: every key checked, then turned into the frozen values of `hall.setup`.

`parse_config` is pure (a dict in, a `HallConfig` out); `load_config` is the edge that
reads the file. Every mistake becomes a `ConfigError` whose message names the key and
says what is wrong, so an operator never has to read a traceback. The setup's values are
importable from here too, so a caller that loads a config needs one import.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hall.identity import GREEN_CATEGORIES, IdentityMode, IdentityRules
from hall.remote import RemoteItemRules, RemoteRules
from hall.setup import (WINDOW_KINDS, Announcement, Appointments, Department, HallConfig, HallInfo,
                        Numbering, Policy, Security, Service, Slip, SlotRules, Supervision, Thresholds,
                        TimeRange, WindowSpec)

DEFAULT_WINDOW_PRIORITY = 5
RESERVED_PREFIX_HINT = "one capital letter A-Z"


class ConfigError(ValueError):
    """A configuration mistake, worded for the hall's operator."""


# --- the edge -----------------------------------------------------------------------

def load_config(path: str | Path) -> HallConfig:
    """Read and validate a config.toml; every failure is a ConfigError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    try:
        return parse_config_text(text)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse_config_text(text: str) -> HallConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    return parse_config(data)


def client_table(table: Any, section: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A part's own table of config.toml ([server], [kiosk], [display], [printer]): a table
    whose keys are all known; each part then checks its values."""
    if not isinstance(table, dict):
        raise ConfigError(f"[{section}] must be a table")
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise ConfigError(f"{section}.{unknown[0]}: unknown key (known: {', '.join(keys)})")
    return table


# --- validation helpers --------------------------------------------------------------

CODE_RE = re.compile(r"^[A-Z0-9_]{2,16}$")
#: a hall's code goes as it is into ?hall=CODE and into addresses: only characters that need no escaping
HALL_CODE_RE = re.compile(r"^[a-z0-9-]{1,32}$")
#: `--hall all` means every hall of the deployment, so no hall may be called that
EVERY_HALL = "all"
PREFIX_RE = re.compile(r"^[A-Z]$")
REGION_CODE_RE = re.compile(r"^(\d{6}|\d{12})?$")
#: 事项实施编码 and 实施主体编码 are long codes of digits and capitals (a 统一社会信用代码 is 18)
PLATFORM_CODE_RE = re.compile(r"^[0-9A-Z-]{0,64}$")
PLATFORM_CODE_HINT = "up to 64 of 0-9, A-Z, '-'"
RANGE_RE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
CLIENT_SECTIONS = ("server", "kiosk", "display", "printer", "window_screen", "phone", "notify")


class _Section:
    """One TOML table being read; remembers its dotted name for messages."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise ConfigError(f"[{where}] must be a table")
        self.data = dict(data)
        self.where = where
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.where}.{name}"

    def get(self, name: str, check: Callable[[Any, str], Any], default: Any = ...) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if default is ...:
                raise ConfigError(f"{self.key(name)} is missing")
            return default
        return check(self.data[name], self.key(name))

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise ConfigError(f"{self.key(unknown[0])}: unknown key (check the spelling)")


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be text, got {value!r}")
    return value


def _zone(value: Any, key: str) -> str:
    """A window's zone ("1F"): a board of that zone asks for it by name when it connects, so
    it is short, printable, without ":" (room names use it) and not "*" (every zone's board)."""
    value = _text(value, key).strip()
    if len(value) > 32 or not value.isprintable() or ":" in value or value == "*":
        raise ConfigError(f"{key} = {value!r}: a zone is a short name such as 1F (at most 32 "
                          "characters, no ':', not '*')")
    return value


def _name(value: Any, key: str) -> str:
    value = _text(value, key).strip()
    if not value:
        raise ConfigError(f"{key} must not be empty")
    if len(value) > 120:
        raise ConfigError(f"{key} is too long (at most 120 characters)")
    return value


def _matching(pattern: re.Pattern[str], hint: str) -> Callable[[Any, str], str]:
    def check(value: Any, key: str) -> str:
        value = _text(value, key)
        if not pattern.match(value):
            raise ConfigError(f"{key} = {value!r} is not valid: expected {hint}")
        return value
    return check


def _int(low: int, high: int) -> Callable[[Any, str], int]:
    def check(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{key} = {value} is out of range ({low} to {high})")
        return value
    return check


def _number(low: float, high: float) -> Callable[[Any, str], float]:
    def check(value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} must be a number, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{key} = {value} is out of range ({low} to {high})")
        return float(value)
    return check


def _time_ranges(value: Any, key: str) -> tuple[TimeRange, ...]:
    text = _text(value, key)
    ranges = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = RANGE_RE.match(part.replace(" ", ""))
        if not match:
            raise ConfigError(f"{key}: {part!r} is not a time range like 08:30-11:30")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ConfigError(f"{key}: {part!r} is not a valid time of day")
        end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
        if end <= time(h1, m1):
            raise ConfigError(f"{key}: {part!r} ends before it starts")
        ranges.append(TimeRange(time(h1, m1), end))
    return tuple(ranges)


def _thresholds(value: Any, key: str) -> Thresholds:
    if (not isinstance(value, list) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
        raise ConfigError(f"{key} must be [yellow, red], two numbers, got {value!r}")
    yellow, red = value
    if yellow < 0 or red < yellow:
        raise ConfigError(f"{key} = {value!r}: red must be at least yellow, both ≥ 0")
    return Thresholds(float(yellow), float(red))


def _timezone(value: Any, key: str) -> str:
    value = _text(value, key)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{key} = {value!r} is not a known time zone (e.g. Asia/Shanghai)") from None
    return value


def _weekdays(value: Any, key: str) -> frozenset[int]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{key} must be a list of weekdays 1-7 (1 = Monday)")
    return frozenset(_int(1, 7)(v, f"{key}[{i}]") for i, v in enumerate(value))


def _dates(value: Any, key: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be a list of dates like \"2026-10-01\"")
    days = set()
    for i, item in enumerate(value):
        if isinstance(item, date):
            days.add(item)
            continue
        try:
            days.add(date.fromisoformat(_text(item, f"{key}[{i}]")))
        except ValueError:
            raise ConfigError(f"{key}[{i}] = {item!r} is not a date like 2026-10-01") from None
    return frozenset(days)


def _template(*placeholders: str) -> Callable[[Any, str], str]:
    def check(value: Any, key: str) -> str:
        value = _name(value, key)
        sample = {name: "1" for name in placeholders}
        try:
            value.format(**sample)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"{key}: unknown placeholder {exc} (allowed: "
                + ", ".join("{" + p + "}" for p in placeholders) + ")") from None
        return value
    return check


def _code_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of codes")
    return list(value)


def _table(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a table")
    return value


# --- sections -------------------------------------------------------------------------

def _hall_code(value: Any, key: str) -> str:
    """What names the hall in ?hall=CODE, in `--hall CODE` and in its addresses."""
    value = _text(value, key)
    if not HALL_CODE_RE.match(value):
        raise ConfigError(f"{key} = {value!r} 无效：大厅代码应为 1–32 个小写字母、数字或 '-' / is not valid: "
                          "a hall's code is 1-32 lower-case letters, digits and '-'")
    if value == EVERY_HALL:
        raise ConfigError(f"{key} = {value!r} 是保留字（--hall all 指全部大厅），请另选代码 / is reserved "
                          "(--hall all means every hall): choose another code")
    return value


def _hall(data: Any) -> HallInfo:
    s = _Section(data, "hall")
    info = HallInfo(
        code=s.get("code", _hall_code),
        name=s.get("name", _name),
        name_en=s.get("name_en", _name),
        timezone=s.get("timezone", _timezone, "Asia/Shanghai"),
        issuing_hours=s.get("issuing_hours", _time_ranges, _time_ranges("08:30-17:00", "")),
        working_days=s.get("working_days", _weekdays, frozenset({1, 2, 3, 4, 5})),
        holidays=s.get("holidays", _dates, frozenset()),
        extra_working_days=s.get("extra_working_days", _dates, frozenset()),
        notice=s.get("notice", _text, ""),
        notice_en=s.get("notice_en", _text, ""),
        region_code=s.get("region_code", _matching(REGION_CODE_RE, "6 or 12 digits (行政区划代码)"), ""),
    )
    if not info.issuing_hours:
        raise ConfigError("hall.issuing_hours must name at least one time range")
    s.finish()
    return info


def _numbering(data: Any) -> Numbering:
    s = _Section(data, "numbering")
    prefix = _matching(PREFIX_RE, RESERVED_PREFIX_HINT)
    result = Numbering(
        digits=s.get("digits", _int(3, 4), 3),
        green_prefix=s.get("green_prefix", prefix, "V"),
        appointment_prefix=s.get("appointment_prefix", prefix, "Y"),
    )
    s.finish()
    if result.green_prefix == result.appointment_prefix:
        raise ConfigError("numbering.green_prefix and numbering.appointment_prefix must differ")
    return result


def _policy(data: Any) -> Policy:
    s = _Section(data, "policy")
    policy = Policy(
        max_recalls=s.get("max_recalls", _int(0, 20), 3),
        no_show_after_recalls=s.get("no_show_after_recalls", _int(0, 20), 2),
        no_show_after_minutes=s.get("no_show_after_minutes", _number(0, 240), 5),
        late_return_places=s.get("late_return_places", _int(0, 1000), 3),
        late_return_minutes=s.get("late_return_minutes", _number(0, 1440), 60),
        hold_minutes=s.get("hold_minutes", _number(1, 1440), 30),
        rating_timeout_seconds=s.get("rating_timeout_seconds", _number(5, 3600), 60),
        almost_turn_ahead=s.get("almost_turn_ahead", _int(0, 50), 3),
    )
    s.finish()
    if policy.no_show_after_recalls > policy.max_recalls:
        raise ConfigError("policy.no_show_after_recalls cannot exceed policy.max_recalls "
                          "(the clerk could never mark 过号)")
    return policy


#: 等保 level 2 floors: a hall may be stricter, never laxer
MIN_PASSWORD_LENGTH = 10
MIN_AUDIT_RETENTION_DAYS = 180


def _security(data: Any) -> Security:
    s = _Section(data, "security")
    result = Security(
        password_min_length=s.get("password_min_length", _int(MIN_PASSWORD_LENGTH, 128), 10),
        password_classes=s.get("password_classes", _int(3, 4), 3),
        password_expiry_days=s.get("password_expiry_days", _int(0, 3650), 0),
        lockout_failures=s.get("lockout_failures", _int(1, 20), 5),
        lockout_window_minutes=s.get("lockout_window_minutes", _number(1, 1440), 15),
        lockout_minutes=s.get("lockout_minutes", _number(1, 1440), 15),
        idle_minutes=s.get("idle_minutes", _number(1, 480), 30),
        window_idle_minutes=s.get("window_idle_minutes", _number(1, 960), 240),
        session_hours=s.get("session_hours", _number(1, 24), 14),
        audit_retention_days=s.get("audit_retention_days", _int(MIN_AUDIT_RETENTION_DAYS, 36500), 180),
        personal_data_days=s.get("personal_data_days", _int(1, 3650), 30),
    )
    s.finish()
    return result


def _identity_mode(value: Any, key: str) -> IdentityMode:
    try:
        return IdentityMode(value)
    except ValueError:
        raise ConfigError(f"{key} = {value!r}: use \"off\", \"optional\" or \"required\"") from None


def _green_categories(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or any(v not in GREEN_CATEGORIES for v in value):
        raise ConfigError(f"{key} must be a list of {', '.join(GREEN_CATEGORIES)}")
    return tuple(dict.fromkeys(value))


def _identity(data: Any) -> IdentityRules:
    s = _Section(data, "identity")
    result = IdentityRules(
        tickets_per_person_per_item=s.get("tickets_per_person_per_item", _int(1, 99), 1),
        one_open_ticket=s.get("one_open_ticket", _flag, False),
        green_channel=s.get("green_channel", _green_categories, ()),
        elderly_age=s.get("elderly_age", _int(50, 120), 60),
        keep_name=s.get("keep_name", _flag, False),
    )
    s.finish()
    return result


def _remote_item(s: "_Section") -> RemoteItemRules:
    result = RemoteItemRules(daily_share=s.get("daily_share", _number(0, 1), None),
                             daily_tickets=s.get("daily_tickets", _int(0, 9999), None))
    s.finish()
    return result


def _remote(data: Any, services: tuple[Service, ...]) -> RemoteRules:
    """远程取号: which items, what share of their day, how long to activate, per-number limits."""
    s = _Section(data, "remote")
    d = RemoteRules()
    known = {item.code for item in services}
    offered = tuple(s.get("services", _code_list, []))
    for code in offered:
        if code not in known:
            raise ConfigError(f"remote.services: {code!r} is not a service code")
    items = []
    for code, raw in s.get("items", _table, {}).items():
        if code not in known:
            raise ConfigError(f"remote.items.{code}: {code!r} is not a service code")
        items.append((code, _remote_item(_Section(raw, f"remote.items.{code}"))))
    result = RemoteRules(
        enabled=s.get("enabled", _flag, d.enabled), services=offered, items=tuple(items),
        daily_share=s.get("daily_share", _number(0, 1), d.daily_share),
        daily_tickets=s.get("daily_tickets", _int(0, 9999), d.daily_tickets),
        activate_minutes=s.get("activate_minutes", _number(5, 720), d.activate_minutes),
        max_per_mobile_per_day=s.get("max_per_mobile_per_day", _int(1, 50), d.max_per_mobile_per_day),
    )
    s.finish()
    return result


def _announcement(data: Any) -> Announcement:
    s = _Section(data, "announcement")
    placeholders = ("number", "window", "window_name", "service")
    result = Announcement(
        call=s.get("call", _template(*placeholders), Announcement.call),
        call_en=s.get("call_en", _template(*placeholders), Announcement.call_en),
        recall_prefix=s.get("recall_prefix", _text, Announcement.recall_prefix),
        recall_prefix_en=s.get("recall_prefix_en", _text, Announcement.recall_prefix_en),
        repeat=s.get("repeat", _int(1, 5), 2),
        quiet_hours=s.get("quiet_hours", _time_ranges, ()),
        volume=s.get("volume", _int(0, 100), 80),
    )
    s.finish()
    return result


def _slip(data: Any) -> Slip:
    s = _Section(data, "slip")

    def width(value: Any, key: str) -> int:
        if value not in (80, 58) or isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r}: the paper width must be 80 or 58 (mm)")
        return int(value)

    result = Slip(
        width=s.get("width", width, 80),
        footer=s.get("footer", _text, Slip.footer),
        footer_en=s.get("footer_en", _text, Slip.footer_en),
        logo=s.get("logo", _text, ""),
    )
    s.finish()
    return result


def _supervision(data: Any) -> Supervision:
    s = _Section(data, "supervision")
    d = Supervision()
    result = Supervision(
        wait_minutes=s.get("wait_minutes", _thresholds, d.wait_minutes),
        handling_minutes=s.get("handling_minutes", _thresholds, d.handling_minutes),
        queue_length=s.get("queue_length", _thresholds, d.queue_length),
        paused_minutes=s.get("paused_minutes", _thresholds, d.paused_minutes),
        empty_window_minutes=s.get("empty_window_minutes", _thresholds, d.empty_window_minutes),
        device_offline_minutes=s.get("device_offline_minutes", _thresholds, d.device_offline_minutes),
        check_seconds=s.get("check_seconds", _number(1, 3600), d.check_seconds),
        bad_rating_follow_up_hours=s.get("bad_rating_follow_up_hours", _number(0.01, 720),
                                         d.bad_rating_follow_up_hours),
        bad_rating_rectify_hours=s.get("bad_rating_rectify_hours", _number(0.01, 8760),
                                       d.bad_rating_rectify_hours),
    )
    s.finish()
    return result


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _slot_rules(s: _Section, base: SlotRules) -> SlotRules:
    rules = SlotRules(
        slot_minutes=s.get("slot_minutes", _int(5, 240), base.slot_minutes),
        capacity=s.get("capacity", _int(1, 500), base.capacity),
        hours=s.get("hours", _time_ranges, base.hours),
        days_ahead=s.get("days_ahead", _int(0, 90), base.days_ahead),
    )
    if not rules.hours:
        raise ConfigError(f"{s.key('hours')} must name at least one time range")
    return rules


def _appointments(data: Any, services: tuple[Service, ...]) -> Appointments:
    s = _Section(data, "appointments")
    d = Appointments()
    slots = _slot_rules(s, d.slots)
    known = {item.code for item in services}
    bookable = tuple(s.get("services", _code_list, []))
    for code in bookable:
        if code not in known:
            raise ConfigError(f"appointments.services: {code!r} is not a service code")
    items = []
    for code, raw in s.get("items", _table, {}).items():
        if code not in known:
            raise ConfigError(f"appointments.items.{code}: {code!r} is not a service code")
        item = _Section(raw, f"appointments.items.{code}")
        items.append((code, _slot_rules(item, slots)))
        item.finish()
    result = Appointments(
        enabled=s.get("enabled", _flag, d.enabled), slots=slots, items=tuple(items), services=bookable,
        early_grace_minutes=s.get("early_grace_minutes", _number(0, 240), d.early_grace_minutes),
        late_grace_minutes=s.get("late_grace_minutes", _number(0, 240), d.late_grace_minutes),
        late_gets_normal_ticket=s.get("late_gets_normal_ticket", _flag, d.late_gets_normal_ticket),
        max_per_mobile_per_day=s.get("max_per_mobile_per_day", _int(1, 50), d.max_per_mobile_per_day),
        max_per_mobile_per_item=s.get("max_per_mobile_per_item", _int(1, 50), d.max_per_mobile_per_item),
        slot_burst_share=s.get("slot_burst_share", _number(0.1, 1), d.slot_burst_share),
        slot_burst_minutes=s.get("slot_burst_minutes", _number(0, 1440), d.slot_burst_minutes),
    )
    s.finish()
    return result


def _array(data: dict[str, Any], name: str) -> list[Any]:
    items = data.get(name)
    if items is None:
        raise ConfigError(f"[[{name}]] is missing: the hall needs at least one")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"[[{name}]] must be a non-empty array of tables")
    return items


def _departments(data: dict[str, Any]) -> tuple[Department, ...]:
    result: dict[str, Department] = {}
    for i, raw in enumerate(_array(data, "departments")):
        s = _Section(raw, f"departments[{i}]")
        dept = Department(
            code=s.get("code", _matching(CODE_RE, "2-16 of A-Z, 0-9, _")),
            name=s.get("name", _name),
            name_en=s.get("name_en", _name),
            prefix=s.get("prefix", _matching(PREFIX_RE, RESERVED_PREFIX_HINT)),
        )
        s.finish()
        if dept.code in result:
            raise ConfigError(f"departments[{i}].code = {dept.code!r} is used twice")
        result[dept.code] = dept
    return tuple(result.values())


def _services(data: dict[str, Any], hall: HallInfo, departments: tuple[Department, ...],
              numbering: Numbering) -> tuple[Service, ...]:
    by_code = {d.code: d for d in departments}
    result: dict[str, Service] = {}
    for i, raw in enumerate(_array(data, "services")):
        s = _Section(raw, f"services[{i}]")
        code = s.get("code", _matching(CODE_RE, "2-16 of A-Z, 0-9, _"))
        dept = s.get("department", _text)
        if dept not in by_code:
            raise ConfigError(f"services[{i}].department = {dept!r} is not a department code")
        prefix = s.get("prefix", _matching(PREFIX_RE, RESERVED_PREFIX_HINT), by_code[dept].prefix)
        if prefix in (numbering.green_prefix, numbering.appointment_prefix):
            raise ConfigError(f"services[{i}] ({code}): prefix {prefix!r} is reserved for "
                              "green-channel or appointment tickets")
        item = Service(
            code=code, department=dept, prefix=prefix,
            name=s.get("name", _name), name_en=s.get("name_en", _name),
            handling_minutes=s.get("handling_minutes", _number(0.5, 480)),
            hours=s.get("hours", _time_ranges, hall.issuing_hours),
            daily_cap=s.get("daily_cap", _int(1, 9999), None),
            implementation_code=s.get("implementation_code", _matching(PLATFORM_CODE_RE, PLATFORM_CODE_HINT), ""),
            department_code=s.get("department_code", _matching(PLATFORM_CODE_RE, PLATFORM_CODE_HINT), ""),
            alert_wait_minutes=s.get("alert_wait_minutes", _thresholds, None),
            alert_handling_minutes=s.get("alert_handling_minutes", _thresholds, None),
            alert_queue_length=s.get("alert_queue_length", _thresholds, None),
            identity=s.get("identity", _identity_mode, IdentityMode.OFF),
            identity_name=s.get("identity_name", _flag, False),
        )
        s.finish()
        if not item.hours:
            raise ConfigError(f"services[{i}].hours must name at least one time range")
        if code in result:
            raise ConfigError(f"services[{i}].code = {code!r} is used twice")
        result[code] = item
    return tuple(result.values())


def _window(i: int, raw: Any, services: tuple[Service, ...],
            departments: tuple[Department, ...]) -> WindowSpec:
    s = _Section(raw, f"windows[{i}]")
    number = s.get("number", _int(1, 999))
    kind = s.get("kind", _text, "dedicated")
    if kind not in WINDOW_KINDS:
        raise ConfigError(f"windows[{i}].kind = {kind!r}: expected one of {', '.join(WINDOW_KINDS)}")
    dept_codes = s.get("departments", _code_list, [])
    item_codes = s.get("services", _code_list, [])
    overrides = s.get("priority", _table, {})
    known_depts = {d.code for d in departments}
    known_items = {item.code: item for item in services}
    chosen: list[str] = []
    for code in dept_codes:
        if code not in known_depts:
            raise ConfigError(f"windows[{i}].departments: {code!r} is not a department code")
        chosen += [item.code for item in services if item.department == code]
    for code in item_codes:
        if code not in known_items:
            raise ConfigError(f"windows[{i}].services: {code!r} is not a service code")
        chosen.append(code)
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise ConfigError(f"windows[{i}] (window {number}) serves no items: "
                          "give departments = [...] or services = [...]")
    for code, value in overrides.items():
        if code not in chosen:
            raise ConfigError(f"windows[{i}].priority.{code}: the window does not serve {code!r}")
        _int(1, 99)(value, f"windows[{i}].priority.{code}")
    spec = WindowSpec(
        number=number, kind=kind,
        name=s.get("name", _name), name_en=s.get("name_en", _name),
        zone=s.get("zone", _zone, ""),
        priorities=tuple((code, int(overrides.get(code, DEFAULT_WINDOW_PRIORITY))) for code in chosen),
    )
    s.finish()
    return spec


def _windows(data: dict[str, Any], services: tuple[Service, ...],
             departments: tuple[Department, ...]) -> tuple[WindowSpec, ...]:
    result: dict[int, WindowSpec] = {}
    for i, raw in enumerate(_array(data, "windows")):
        spec = _window(i, raw, services, departments)
        if spec.number in result:
            raise ConfigError(f"windows[{i}].number = {spec.number} is used twice")
        result[spec.number] = spec
    served = {code for spec in result.values() for code in spec.services}
    for item in services:
        if item.code not in served:
            raise ConfigError(f"services: {item.code} ({item.name}) is served by no window: "
                              "citizens could take a ticket nobody can call")
    return tuple(sorted(result.values(), key=lambda w: w.number))


SECTIONS = ("hall", "numbering", "policy", "announcement", "slip", "supervision", "security",
            "departments", "services", "windows", "appointments", "identity", "remote")


def parse_config(data: dict[str, Any]) -> HallConfig:
    """Validate a parsed config.toml; the first mistake found is raised as ConfigError."""
    unknown = sorted(set(data) - set(SECTIONS) - set(CLIENT_SECTIONS))
    if unknown:
        raise ConfigError(f"[{unknown[0]}]: unknown section (check the spelling)")
    if "hall" not in data:
        raise ConfigError("[hall] is missing")
    hall = _hall(data["hall"])
    numbering = _numbering(data.get("numbering", {}))
    departments = _departments(data)
    services = _services(data, hall, departments, numbering)
    return HallConfig(
        hall=hall,
        numbering=numbering,
        policy=_policy(data.get("policy", {})),
        announcement=_announcement(data.get("announcement", {})),
        slip=_slip(data.get("slip", {})),
        supervision=_supervision(data.get("supervision", {})),
        departments=departments,
        services=services,
        windows=_windows(data, services, departments),
        extra={name: data[name] for name in CLIENT_SECTIONS if name in data},
        appointments=_appointments(data.get("appointments", {}), services),
        security=_security(data.get("security", {})),
        identity=_identity(data.get("identity", {})),
        remote=_remote(data.get("remote", {}), services),
    )
