"""The pure appointment rules: slots, booking limits, check-in grace; no fixtures, no I/O."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from hall.appointments import (AppointmentError, Slot, bookable_days, check_booking, check_in,
                               check_mobile, find_slot, mask_mobile, slots_on)
from hall import appointments as appointment_rules
from hall.config import ConfigError, parse_config
from tests.conftest import small_hall_document

RULES = {"enabled": True, "slot_minutes": 30, "capacity": 3, "hours": "09:00-10:00,14:00-15:15",
         "days_ahead": 3, "early_grace_minutes": 15, "late_grace_minutes": 10,
         "max_per_mobile_per_day": 2, "max_per_mobile_per_item": 1,
         "items": {"C01": {"slot_minutes": 20, "capacity": 1}}}
THURSDAY = date(2026, 11, 26)


def hall_with(**changes):
    document = small_hall_document(appointments=RULES | changes)
    document["hall"] = document["hall"] | {"working_days": [1, 2, 3, 4, 5], "holidays": ["2026-11-27"]}
    return parse_config(document)


SETUP = hall_with()
A = SETUP.appointments


def test_slots_cut_the_hours_into_whole_slots() -> None:
    starts = [slot.start for slot in slots_on(A, SETUP.hall, "A01", THURSDAY)]
    # 14:00-15:15 gives two half-hour slots: the last quarter hour is no slot
    assert starts == [time(9), time(9, 30), time(14), time(14, 30)]


def test_an_item_overrides_the_slot_length() -> None:
    slots = slots_on(A, SETUP.hall, "C01", THURSDAY)
    assert [s.start for s in slots][:3] == [time(9), time(9, 20), time(9, 40)]
    assert A.rules_for("C01").capacity == 1 and A.rules_for("A01").capacity == 3


def test_no_slots_on_holidays_weekends_or_when_disabled() -> None:
    assert slots_on(A, SETUP.hall, "A01", date(2026, 11, 27)) == []   # holiday
    assert slots_on(A, SETUP.hall, "A01", date(2026, 11, 28)) == []   # Saturday
    off = hall_with(enabled=False)
    assert slots_on(off.appointments, off.hall, "A01", THURSDAY) == []


def test_bookable_days_skip_closed_days_within_the_horizon() -> None:
    # Thu 26 open, Fri 27 holiday, Sat 28 and Sun 29 closed → only the Thursday within 3 days
    assert bookable_days(A, SETUP.hall, "A01", THURSDAY) == [THURSDAY]
    assert bookable_days(A, SETUP.hall, "A01", date(2026, 11, 29)) == [date(2026, 11, 30), date(2026, 12, 1),
                                                                       date(2026, 12, 2)]


def test_find_slot_refuses_a_made_up_start() -> None:
    assert find_slot(A, SETUP.hall, "A01", THURSDAY, time(9, 30)).end == time(10)
    with pytest.raises(AppointmentError) as refused:
        find_slot(A, SETUP.hall, "A01", THURSDAY, time(9, 15))
    assert refused.value.code == "no_such_slot"


NOW = datetime(2026, 11, 26, 0, 30, tzinfo=timezone.utc)    # 08:30 in the hall
SLOT = Slot(THURSDAY, time(9), time(9, 30))


@pytest.mark.parametrize("slot,same_day,same_item,code", [
    (SLOT, 2, 0, "limit_per_day"),
    (SLOT, 0, 1, "limit_per_item"),
    (Slot(date(2026, 11, 25), time(9), time(9, 30)), 0, 0, "slot_past"),
    (Slot(date(2026, 12, 1), time(9), time(9, 30)), 0, 0, "too_far_ahead"),
])
def test_booking_refusals(slot, same_day, same_item, code) -> None:
    with pytest.raises(AppointmentError) as refused:
        check_booking(A, SETUP.hall, "A01", slot, NOW, same_day, same_item)
    assert refused.value.code == code


def test_a_booking_within_the_limits_passes() -> None:
    check_booking(A, SETUP.hall, "A01", SLOT, NOW, same_day=1, same_item=0)


def test_mobile_numbers_are_checked_and_masked() -> None:
    assert check_mobile(" 138-0013-8000 ") == "13800138000"
    assert mask_mobile("13800138000") == "138****8000"
    with pytest.raises(AppointmentError):
        check_mobile("12345")


STARTS = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)   # 09:00 in the hall
ENDS = STARTS + timedelta(minutes=30)


@pytest.mark.parametrize("minutes,outcome", [(-16, "too_early"), (-15, "on_time"), (0, "on_time"),
                                             (40, "on_time"), (41, "too_late")])
def test_check_in_grace(minutes, outcome) -> None:
    assert check_in(A, STARTS, ENDS, STARTS + timedelta(minutes=minutes)).outcome == outcome


def test_too_early_says_when_to_come_back_and_too_late_offers_a_normal_ticket() -> None:
    early = check_in(A, STARTS, ENDS, STARTS - timedelta(hours=1))
    assert early.come_back_at == STARTS - timedelta(minutes=15)
    assert check_in(A, STARTS, ENDS, ENDS + timedelta(hours=1)).normal_ticket is True
    strict = hall_with(late_gets_normal_ticket=False).appointments
    assert check_in(strict, STARTS, ENDS, ENDS + timedelta(hours=1)).normal_ticket is False


@pytest.mark.parametrize("changes,key", [
    ({"capacity": 0}, "appointments.capacity"),
    ({"hours": "10:00-09:00"}, "appointments.hours"),
    ({"enabled": "yes"}, "appointments.enabled"),
    ({"services": ["ZZ9"]}, "appointments.services"),
    ({"items": {"ZZ9": {}}}, "appointments.items.ZZ9"),
    ({"items": {"A01": {"capacty": 2}}}, "appointments.items.A01.capacty"),
    ({"max_per_mobile_per_day": 0}, "appointments.max_per_mobile_per_day"),
    ({"slot_burst_share": 0}, "appointments.slot_burst_share"),
    ({"slot_burst_minutes": -1}, "appointments.slot_burst_minutes"),
    ({"early_grace": 5}, "appointments.early_grace"),
])
def test_config_mistakes_name_the_key(changes, key) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        hall_with(**changes)


@pytest.mark.parametrize("capacity, share, places", [(3, 0.5, 3), (2, 0.1, 2), (20, 0.5, 10), (7, 0.5, 4),
                                                     (100, 0.25, 25), (100, 1, 100)])
def test_a_slot_gives_its_burst_share_but_always_a_family_s_few_places(capacity, share, places) -> None:
    rules = hall_with(slot_burst_share=share).appointments
    assert appointment_rules.slot_burst_places(rules, capacity) == places
