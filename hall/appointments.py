"""预约: the pure rules of appointments — which slots exist, whether a booking is allowed, and
what a check-in at the kiosk leads to. No clock, no database: callers pass `now` and counts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hall.setup import Appointments, HallInfo

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class AppointmentError(Exception):
    """A refused booking or check-in; `code` is stable for clients, `message` is bilingual."""

    def __init__(self, code: str, message: str, **detail):
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    end: time

    def ends_at(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.day, self.end, tz)


@dataclass(frozen=True)
class CheckIn:
    """What a check-in leads to: `on_time` (an appointment ticket), `too_early` (come back at
    `come_back_at`) or `too_late` (a normal ticket when `normal_ticket` is offered)."""

    outcome: str
    come_back_at: datetime | None = None
    normal_ticket: bool = False


# --- slots ----------------------------------------------------------------------------------

def slots_on(rules: Appointments, hall: HallInfo, service: str, day: date) -> list[Slot]:
    """The item's slots on one day: none on a closed day, else the bookable hours cut into
    whole slots (a remainder too short for a slot is not offered)."""
    if not rules.bookable(service) or not hall.is_working_day(day):
        return []
    item = rules.rules_for(service)
    length = timedelta(minutes=item.slot_minutes)
    slots = []
    for hours in item.hours:
        start = datetime.combine(day, hours.start)
        while start + length <= datetime.combine(day, hours.end):
            slots.append(Slot(day, start.time(), (start + length).time()))
            start += length
    return slots


def bookable_days(rules: Appointments, hall: HallInfo, service: str, today: date) -> list[date]:
    horizon = rules.rules_for(service).days_ahead
    days = (today + timedelta(days=n) for n in range(horizon + 1))
    return [day for day in days if slots_on(rules, hall, service, day)]


def find_slot(rules: Appointments, hall: HallInfo, service: str, day: date, start: time) -> Slot:
    for slot in slots_on(rules, hall, service, day):
        if slot.start == start:
            return slot
    raise AppointmentError("no_such_slot", "没有这个时段 / there is no such slot")


# --- booking ----------------------------------------------------------------------------------

def check_mobile(mobile: str) -> str:
    mobile = mobile.strip().replace(" ", "").replace("-", "")
    if not MOBILE_RE.match(mobile):
        raise AppointmentError("bad_mobile", "请填写 11 位手机号码 / enter an 11-digit mobile number")
    return mobile


def mask_mobile(mobile: str) -> str:
    """138****1234: enough for the citizen to recognise, too little to call."""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return mobile[:3] + "****" + mobile[-4:]


def check_booking(rules: Appointments, hall: HallInfo, service: str, slot: Slot, now: datetime,
                  same_day: int, same_item: int) -> None:
    """Refuse a booking the rules do not allow. `same_day` and `same_item` are the mobile
    number's open bookings on the slot's day and for the item (limits against hoarding);
    the capacity is checked by the caller under the write lock."""
    if not rules.bookable(service):
        raise AppointmentError("not_bookable", "该事项不可预约 / this item cannot be booked")
    tz = hall.tz
    today = now.astimezone(tz).date()
    if slot.ends_at(tz) <= now:
        raise AppointmentError("slot_past", "该时段已过 / this slot is over")
    if slot.day > today + timedelta(days=rules.rules_for(service).days_ahead):
        raise AppointmentError("too_far_ahead", "超出可预约的天数 / too far ahead to book")
    if same_day >= rules.max_per_mobile_per_day:
        raise AppointmentError("limit_per_day", f"同一手机号每天最多预约 {rules.max_per_mobile_per_day} 次 "
                               f"/ at most {rules.max_per_mobile_per_day} bookings per mobile number a day")
    if same_item >= rules.max_per_mobile_per_item:
        raise AppointmentError("limit_per_item", f"同一手机号每个事项最多 {rules.max_per_mobile_per_item} 个预约 "
                               f"/ at most {rules.max_per_mobile_per_item} open bookings per item")


#: a few places of one slot may always go at once: a family or colleagues booking together
SLOT_BURST_FLOOR = 3


def slot_burst_places(rules: Appointments, capacity: int) -> int:
    """How many of a slot's places may be taken within `slot_burst_minutes`, whoever books."""
    return max(min(SLOT_BURST_FLOOR, capacity), math.ceil(capacity * rules.slot_burst_share))


def check_slot_burst(rules: Appointments, capacity: int, taken_at: list[datetime], now: datetime) -> None:
    """Refuse a place when the slot already gave its burst share within the burst window:
    per-address limits cannot see a sweep spread over many addresses, but the slot can.
    `taken_at` are the times the slot's open bookings were made (or moved into it)."""
    window = timedelta(minutes=rules.slot_burst_minutes)
    recent = sorted(t for t in taken_at if now - t < window)
    burst = slot_burst_places(rules, capacity)
    if not rules.slot_burst_minutes or len(recent) < burst:
        return
    frees_at = recent[-burst] + window
    wait = max(1, math.ceil((frees_at - now).total_seconds()))
    raise AppointmentError("slot_busy", f"该时段预约过于集中，请 {math.ceil(wait / 60)} 分钟后再试 / too many "
                           f"bookings of this slot at once: try again in {math.ceil(wait / 60)} min",
                           retry_after=wait)


# --- check-in ------------------------------------------------------------------------------------

def check_in(rules: Appointments, starts: datetime, ends: datetime, now: datetime) -> CheckIn:
    """Inside [start − early grace, end + late grace] the citizen is on time."""
    opens = starts - timedelta(minutes=rules.early_grace_minutes)
    closes = ends + timedelta(minutes=rules.late_grace_minutes)
    if now < opens:
        return CheckIn("too_early", come_back_at=opens)
    if now > closes:
        return CheckIn("too_late", normal_ticket=rules.late_gets_normal_ticket)
    return CheckIn("on_time")


def no_show_after(rules: Appointments, ends: datetime) -> datetime:
    """A booking not checked in by then is a no-show (预约爽约)."""
    return ends + timedelta(minutes=rules.late_grace_minutes)
