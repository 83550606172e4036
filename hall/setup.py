"""The hall's setup as frozen values: its name and hours, numbering, policies, templates,
supervision thresholds, appointments, and its departments, items and windows.

What config.toml describes once `hall.config` has validated it; the rest of the hall reads
only these values. Nothing here reads a file or checks a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from hall.identity import IdentityMode, IdentityRules
from hall.remote import RemoteRules

WINDOW_KINDS = ("comprehensive", "dedicated", "green")


@dataclass(frozen=True)
class TimeRange:
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Thresholds:
    """A supervision rule's yellow and red levels."""

    yellow: float
    red: float


@dataclass(frozen=True)
class HallInfo:
    code: str
    name: str
    name_en: str
    timezone: str
    issuing_hours: tuple[TimeRange, ...]
    working_days: frozenset[int]
    holidays: frozenset[date]
    extra_working_days: frozenset[date] = frozenset()   # 调休: weekend days that are worked
    notice: str = ""
    notice_en: str = ""
    region_code: str = ""   # 行政区划代码 of the hall, as the provincial 好差评 platform knows it

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.isoweekday() in self.working_days and day not in self.holidays


@dataclass(frozen=True)
class Numbering:
    digits: int = 3
    green_prefix: str = "V"
    appointment_prefix: str = "Y"


@dataclass(frozen=True)
class Policy:
    max_recalls: int = 3
    no_show_after_recalls: int = 2
    no_show_after_minutes: float = 5
    late_return_places: int = 3
    late_return_minutes: float = 60
    hold_minutes: float = 30
    rating_timeout_seconds: float = 60
    almost_turn_ahead: int = 3


@dataclass(frozen=True)
class Announcement:
    call: str = "请 {number} 号 到 {window} 号窗口 办理"
    call_en: str = "Number {number}, please go to window {window}"
    recall_prefix: str = "再次呼叫"
    recall_prefix_en: str = "Calling again"
    repeat: int = 2
    quiet_hours: tuple[TimeRange, ...] = ()
    volume: int = 80


@dataclass(frozen=True)
class Slip:
    width: int = 80
    footer: str = "请在休息区等候，留意叫号屏幕及语音提示。过号请到服务台咨询。"
    footer_en: str = "Please wait in the seating area and watch the board and listen for your number."
    logo: str = ""


@dataclass(frozen=True)
class Supervision:
    wait_minutes: Thresholds = Thresholds(30, 60)
    handling_minutes: Thresholds = Thresholds(30, 60)
    queue_length: Thresholds = Thresholds(15, 30)
    paused_minutes: Thresholds = Thresholds(15, 30)
    empty_window_minutes: Thresholds = Thresholds(5, 15)
    device_offline_minutes: Thresholds = Thresholds(2, 10)   # a device that dropped off
    check_seconds: float = 30
    bad_rating_follow_up_hours: float = 24    # a 差评 case is followed up within this long
    bad_rating_rectify_hours: float = 360     # and put right (整改) within this long of its follow-up


@dataclass(frozen=True)
class SlotRules:
    """How one item's appointment slots are cut: their length, places, hours and horizon."""

    slot_minutes: int = 30
    capacity: int = 3
    hours: tuple[TimeRange, ...] = (TimeRange(time(9), time(11, 30)), TimeRange(time(14), time(16, 30)))
    days_ahead: int = 7


@dataclass(frozen=True)
class Appointments:
    """预约: the default slot rules, per-item overrides, check-in grace and anti-hoarding limits."""

    enabled: bool = False
    slots: SlotRules = SlotRules()
    items: tuple[tuple[str, SlotRules], ...] = ()   # per-item overrides
    services: tuple[str, ...] = ()                  # bookable items; empty means every item
    early_grace_minutes: float = 15
    late_grace_minutes: float = 10
    late_gets_normal_ticket: bool = True
    max_per_mobile_per_day: int = 2
    max_per_mobile_per_item: int = 1
    # against sweeping from many addresses (invented mobile numbers from a botnet or a phone
    # farm): at most this share of a slot's places may be taken in any slot_burst_minutes
    slot_burst_share: float = 0.5
    slot_burst_minutes: float = 10

    def bookable(self, service: str) -> bool:
        return self.enabled and (not self.services or service in self.services)

    def rules_for(self, service: str) -> SlotRules:
        return dict(self.items).get(service, self.slots)


@dataclass(frozen=True)
class Security:
    """等保 level 2: who may choose which password, how long a sign-in lasts, what is kept how long."""

    password_min_length: int = 10
    password_classes: int = 3            # of lower case, upper case, digits, other characters
    password_expiry_days: int = 0        # 0: passwords do not expire
    lockout_failures: int = 5            # wrong passwords in lockout_window_minutes lock the account
    lockout_window_minutes: float = 15
    lockout_minutes: float = 15
    idle_minutes: float = 30             # a staff session unused this long ends
    window_idle_minutes: float = 240     # … unless its clerk is signed in at a window (a slow afternoon)
    session_hours: float = 14            # every session ends this long after sign-in, used or not
    audit_retention_days: int = 180      # the audit trail is kept at least this long
    personal_data_days: int = 30         # mobile numbers and names are purged this long after the visit


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str
    prefix: str


@dataclass(frozen=True)
class Service:
    """A service item (事项): what a citizen takes a ticket for."""

    code: str
    department: str
    name: str
    name_en: str
    prefix: str
    handling_minutes: float
    hours: tuple[TimeRange, ...]
    daily_cap: int | None = None
    implementation_code: str = ""   # 事项实施编码: the item as the provincial platform lists it
    department_code: str = ""       # 实施主体编码 of the department that handles it
    alert_wait_minutes: Thresholds | None = None
    alert_handling_minutes: Thresholds | None = None
    alert_queue_length: Thresholds | None = None
    identity: IdentityMode = IdentityMode.OFF   # the kiosk asks for the ID card: off / optional / required
    identity_name: bool = False   # the item needs the name read from the card (kept sealed)


@dataclass(frozen=True)
class WindowSpec:
    """A window's fixed setup: the items it serves, each with its priority there."""

    number: int
    name: str
    name_en: str
    kind: str
    zone: str
    priorities: tuple[tuple[str, int], ...]  # (service code, priority), lower is called first

    @cached_property
    def services(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.priorities)

    @cached_property
    def priority_map(self) -> dict[str, int]:
        """The window's priority of each item it serves (asked for every ticket it ranks)."""
        return dict(self.priorities)

    def priority_of(self, service: str) -> int | None:
        return self.priority_map.get(service)


@dataclass(frozen=True)
class HallConfig:
    hall: HallInfo
    numbering: Numbering
    policy: Policy
    announcement: Announcement
    slip: Slip
    supervision: Supervision
    departments: tuple[Department, ...]
    services: tuple[Service, ...]
    windows: tuple[WindowSpec, ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    appointments: Appointments = Appointments()
    security: Security = Security()
    identity: IdentityRules = IdentityRules()
    remote: RemoteRules = RemoteRules()

    # Lookups by code and number, built once per setup: every view asks them per ticket.
    # cached_property writes the instance's __dict__, which a frozen dataclass allows.

    @cached_property
    def _services_by_code(self) -> dict[str, Service]:
        return {item.code: item for item in self.services}

    @cached_property
    def _windows_by_number(self) -> dict[int, WindowSpec]:
        return {spec.number: spec for spec in self.windows}

    @cached_property
    def _serving(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for spec in self.windows:
            for code in spec.services:
                out.setdefault(code, []).append(spec.number)
        return {code: tuple(numbers) for code, numbers in out.items()}

    def service(self, code: str) -> Service:
        return self._services_by_code[code]

    def department(self, code: str) -> Department:
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise KeyError(code)

    def window(self, number: int) -> WindowSpec:
        return self._windows_by_number[number]

    def windows_serving(self, service: str) -> tuple[int, ...]:
        return self._serving.get(service, ())
