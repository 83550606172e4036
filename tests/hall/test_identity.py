"""The per-person rules of hall/identity.py: the GB 11643 check digit, masking, the daily limit
per person and item, one open ticket, and the green channel worked out from the ID number."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from hall.config import ConfigError, parse_config
from hall.identity import (CHECK_CHARACTERS, ELDERLY, MILITARY, IdentityMode, IdentityRules, Person, PersonTicket,
                           check_character, count_refusals, green_category, identity_for, mask_id_number, parse_id_number,
                           person_may_take, priority_for)
from hall.tickets import Priority, QueueError
from tests.conftest import small_hall_document

#: the rules are pure and take well under a millisecond: hypothesis's per-example wall-clock
#: deadline would measure only the load of the machine the tests share
pure = settings(deadline=None)

#: the worked example of GB 11643-1999 itself
STANDARD_EXAMPLE = "11010519491231002X"


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31))
id_numbers = st.builds(lambda region, born, order: with_check(f"{region}{born:%Y%m%d}{order:03d}"),
                       st.integers(110000, 659999).map(str), birth_dates, st.integers(0, 999))


def test_the_standards_own_example_passes() -> None:
    number = parse_id_number(STANDARD_EXAMPLE)
    assert number.birth_date == date(1949, 12, 31) and number.sex == "女"
    assert number.masked == "110***********002X"
    assert STANDARD_EXAMPLE not in repr(number) and STANDARD_EXAMPLE not in f"{number}"


@pure
@given(id_numbers)
def test_every_number_with_its_check_digit_passes_and_masks_to_eighteen(value: str) -> None:
    number = parse_id_number(value.lower())
    assert number.value == value
    masked = number.masked
    assert len(masked) == 18 and masked[:3] == value[:3] and masked[-4:] == value[-4:]
    assert masked[3:14] == "*" * 11


@pure
@given(id_numbers, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_fails_the_check(value: str, at: int, replacement: str) -> None:
    if value[at] == replacement or (at < 17 and replacement == "X"):
        return
    changed = value[:at] + replacement + value[at + 1:]
    with pytest.raises(QueueError) as refused:
        parse_id_number(changed)
    assert refused.value.code == "bad_id_number" and " / " in refused.value.message


@pytest.mark.parametrize("text", ["", "1101051949123100", "11010519491231002", "1101051949123100XX", "ABCDEFGHIJKLMNOPQR",
                                  with_check("11010519491331002"), with_check("11010519490230002"), 110105194912310020,
                                  None, ["11010519491231002X"]])
def test_malformed_numbers_are_refused(text) -> None:
    with pytest.raises(QueueError) as refused:
        parse_id_number(text)
    assert refused.value.code == "bad_id_number"


def test_check_characters_cover_every_remainder() -> None:
    assert sorted(CHECK_CHARACTERS) == sorted("0123456789X")
    assert mask_id_number("1234567") == "*******"


@pure
@given(st.integers(1, 5), st.lists(st.tuples(st.sampled_from(["A01", "B01"]), st.booleans()), max_size=8))
def test_the_limit_counts_this_items_tickets_of_the_day_only(limit: int, taken: list) -> None:
    rules = IdentityRules(tickets_per_person_per_item=limit)
    earlier = [PersonTicket(service=s, open=o) for s, o in taken]
    same = sum(1 for s, _ in taken if s == "A01")
    if same >= limit:
        with pytest.raises(QueueError) as refused:
            person_may_take(rules, "A01", "企业设立登记", earlier)
        assert refused.value.code == "person_limit_reached"
        assert "企业设立登记" in refused.value.message and " / " in refused.value.message
    else:
        person_may_take(rules, "A01", "企业设立登记", earlier)


@pure
@given(st.lists(st.tuples(st.sampled_from(["A01", "B01"]), st.booleans()), max_size=6))
def test_one_open_ticket_refuses_while_any_ticket_is_open(taken: list) -> None:
    rules = IdentityRules(tickets_per_person_per_item=99, one_open_ticket=True)
    earlier = [PersonTicket(service=s, open=o) for s, o in taken]
    if any(o for _, o in taken):
        with pytest.raises(QueueError, match="排队"):
            person_may_take(rules, "A01", "企业设立登记", earlier)
    else:
        person_may_take(rules, "A01", "企业设立登记", earlier)


def test_identity_modes() -> None:
    assert identity_for(IdentityMode.OFF, None) is None
    assert identity_for(IdentityMode.OPTIONAL, "") is None
    with pytest.raises(QueueError) as refused:
        identity_for(IdentityMode.REQUIRED, None)
    assert refused.value.code == "id_required"
    assert identity_for(IdentityMode.REQUIRED, STANDARD_EXAMPLE).value == STANDARD_EXAMPLE


@pure
@given(birth_dates, st.integers(50, 90))
def test_the_elderly_get_the_green_channel_from_the_birth_date(born: date, age: int) -> None:
    today = date(2026, 11, 26)
    person = parse_id_number(with_check(f"110105{born:%Y%m%d}123"))
    rules = IdentityRules(green_channel=(ELDERLY,), elderly_age=age)
    old_enough = (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) >= age
    assert (green_category(rules, person, None, today) == ELDERLY) == old_enough
    assert green_category(IdentityRules(elderly_age=age), person, None, today) is None   # not granted


def test_the_elderly_age_turns_on_the_birthday() -> None:
    person = parse_id_number(with_check("11010519661126123"))
    rules = IdentityRules(green_channel=(ELDERLY,), elderly_age=60)
    assert green_category(rules, person, None, date(2026, 11, 25)) is None
    assert green_category(rules, person, None, date(2026, 11, 26)) == ELDERLY


def test_declared_categories_count_only_where_the_hall_grants_them() -> None:
    person = Person(parse_id_number(STANDARD_EXAMPLE), name="张三", declared=MILITARY)
    assert "张三" not in repr(person) and STANDARD_EXAMPLE not in repr(person)
    assert green_category(IdentityRules(green_channel=(MILITARY,)), None, MILITARY, date(2026, 1, 1)) == MILITARY
    assert green_category(IdentityRules(green_channel=(ELDERLY,)), None, MILITARY, date(2026, 1, 1)) is None
    assert priority_for(Priority.NORMAL, MILITARY) is Priority.GREEN
    assert priority_for(Priority.APPOINTMENT, MILITARY) is Priority.APPOINTMENT
    assert priority_for(Priority.NORMAL, None) is Priority.NORMAL


def test_config_reads_identity_per_item_and_the_halls_table() -> None:
    document = small_hall_document(identity={"tickets_per_person_per_item": 2, "one_open_ticket": True,
                                             "green_channel": ["老年人", "军人"], "elderly_age": 65})
    document["services"][0]["identity"] = "required"
    document["services"][1]["identity"] = "optional"
    setup = parse_config(document)
    assert [s.identity for s in setup.services] == [IdentityMode.REQUIRED, IdentityMode.OPTIONAL,
                                                     IdentityMode.OFF, IdentityMode.OFF]
    assert setup.identity == IdentityRules(tickets_per_person_per_item=2, one_open_ticket=True,
                                           green_channel=("老年人", "军人"), elderly_age=65)
    assert parse_config(small_hall_document()).identity == IdentityRules()


@pytest.mark.parametrize("change, hint", [
    ({"services": "bogus"}, "off"), ({"identity": {"tickets_per_person_per_item": 0}}, "tickets_per_person_per_item"),
    ({"identity": {"green_channel": ["VIP"]}}, "green_channel"), ({"identity": {"limit": 1}}, "unknown key")])
def test_config_mistakes_name_the_key(change: dict, hint: str) -> None:
    document = small_hall_document()
    if change.get("services"):
        document["services"][0]["identity"] = change["services"]
    else:
        document.update(change)
    with pytest.raises(ConfigError, match=hint):
        parse_config(document)


@pure
@given(st.lists(st.tuples(st.sampled_from(["A01", "B01", "G01"]),
                          st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31),
                                       timezones=st.just(timezone.utc))), max_size=30))
def test_refusals_are_counted_per_item_and_local_hour(refused: list) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    counted = count_refusals(refused, shanghai)
    assert counted["total"] == len(refused) == sum(counted["by_item"].values())
    assert sum(h["refused"] for h in counted["by_hour"]) == len(refused)
    for service, at in refused:
        assert counted["by_item"][service] == sum(1 for s, _ in refused if s == service)
        hour = at.astimezone(shanghai).hour
        assert next(h["refused"] for h in counted["by_hour"] if h["hour"] == hour) == \
            sum(1 for _, a in refused if a.astimezone(shanghai).hour == hour)
