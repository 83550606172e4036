"""The business day follows the hall's local midnight, not UTC's."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hall import commands as c
from hall.numbering import business_date, format_number, spoken_number
from hall.queue import HallState, handle
from tests.conftest import small_hall

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_shanghai_day_turns_at_16_utc() -> None:
    before = datetime(2026, 11, 26, 15, 59, 59, tzinfo=timezone.utc)
    assert business_date(before, SHANGHAI) == date(2026, 11, 26)
    assert business_date(before + timedelta(seconds=1), SHANGHAI) == date(2026, 11, 27)


def test_numbers_restart_at_local_midnight_not_utc_midnight() -> None:
    hall = HallState.fresh(small_hall())
    at = datetime(2026, 11, 26, 15, 58, tzinfo=timezone.utc)   # 23:58 in Shanghai
    numbers = []
    for i in range(1, 5):
        hall, events = handle(hall, c.IssueTicket(ticket_id=i, service="A01"), at)
        numbers.append((events[0].business_date.isoformat(), events[0].number))
        at += timedelta(minutes=1)
    assert numbers == [("2026-11-26", "A001"), ("2026-11-26", "A002"),
                       ("2026-11-27", "A001"), ("2026-11-27", "A002")]
    # UTC midnight, eight hours later, changes nothing
    hall, events = handle(hall, c.IssueTicket(ticket_id=9, service="A01"),
                          datetime(2026, 11, 27, 0, 0, 30, tzinfo=timezone.utc))
    assert events[0].number == "A003"


def test_number_format_grows_instead_of_repeating() -> None:
    assert format_number("A", 7) == "A007"
    assert format_number("A", 999) == "A999"
    assert format_number("A", 1000) == "A1000"
    assert format_number("B", 12, digits=4) == "B0012"


def test_digits_are_read_one_by_one() -> None:
    assert spoken_number("A001") == "A 零 零 一"
    assert spoken_number("V120") == "V 一 二 零"
