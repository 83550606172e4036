"""The rules of 远程取号 (hall/remote.py), pure: places per item, what refuses a remote ticket,
its deadline, activation and lapse, and the words of a remote estimate."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from hall import remote as r
from hall.config import ConfigError, parse_config
from hall.estimate import WaitEstimate
from hall.remote import RemoteItemRules, RemoteRules, RemoteState
from hall.tickets import QueueError
from tests.conftest import small_hall, small_hall_document

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the rules are pure and take well under a millisecond: hypothesis's per-example wall-clock
#: deadline would measure only the load of the machine the tests share
pure = settings(deadline=None)
ON = RemoteRules(enabled=True, daily_share=0.3, daily_tickets=5, max_per_mobile_per_day=2)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1),
                       timezones=st.just(timezone.utc))


def item(code: str = "B01", cap: int | None = 10):
    return dataclasses.replace(small_hall().service(code), daily_cap=cap)


@pure
@given(st.integers(1, 999), st.floats(0, 1))
def test_places_are_the_share_of_the_cap_rounded_down(cap: int, share: float) -> None:
    rules = dataclasses.replace(ON, daily_share=share)
    places = r.remote_places(rules, item(cap=cap))
    assert 0 <= places <= cap * share and places > cap * share - 1   # walk-ins keep the rest


def test_an_item_without_a_cap_and_an_item_of_its_own() -> None:
    assert r.remote_places(ON, item(cap=None)) == 5
    own = dataclasses.replace(ON, items=(("B01", RemoteItemRules(daily_share=0.5)),
                                         ("C01", RemoteItemRules(daily_tickets=9))))
    assert r.remote_places(own, item(cap=10)) == 5
    assert r.remote_places(own, item("C01", cap=None)) == 9


@pure
@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 5), st.integers(1, 20))
def test_take_is_allowed_exactly_within_every_limit(taken: int, held: int, by_mobile: int, cap: int) -> None:
    thing = item(cap=cap)
    places = r.remote_places(ON, thing)
    allowed = held < cap and taken < places and by_mobile < ON.max_per_mobile_per_day
    try:
        r.check_take(ON, thing, None, taken, held, by_mobile)
    except QueueError as refused:
        assert not allowed
        assert refused.code in ("daily_cap_reached", "remote_full", "remote_limit_per_mobile")
        assert " / " in refused.message
    else:
        assert allowed


def test_the_core_refusal_and_an_item_not_offered_come_first() -> None:
    closed = QueueError("outside_hours", "x / y")
    with pytest.raises(QueueError) as refused:
        r.check_take(ON, item(), closed, 0, 0, 0)
    assert refused.value is closed
    with pytest.raises(QueueError) as refused:
        r.check_take(dataclasses.replace(ON, services=("A01",)), item(), None, 0, 0, 0)
    assert refused.value.code == "remote_not_offered"
    with pytest.raises(QueueError):
        r.check_take(RemoteRules(), item(), None, 0, 0, 0)   # the hall has not turned it on


@pure
@given(moments, st.integers(0, 600), st.floats(5, 720))
def test_the_deadline_is_never_after_the_hours_nor_the_allowance(taken_at, until_close, minutes) -> None:
    rules = dataclasses.replace(ON, activate_minutes=minutes)
    end = taken_at + timedelta(minutes=until_close)
    due = r.deadline(rules, taken_at, end)
    assert taken_at <= due <= end and due <= taken_at + timedelta(minutes=minutes)
    assert due in (end, taken_at + timedelta(minutes=minutes))


@pure
@given(st.sampled_from(list(RemoteState)), moments, st.integers(-120, 120))
def test_activation_and_lapse_agree(state, due, offset) -> None:
    now = due + timedelta(minutes=offset)
    refusal = r.activation_refusal(state, due, now)
    if state is RemoteState.TAKEN:
        assert (refusal is None) == (now <= due)
        assert r.lapsed(state, due, now) == (refusal is not None)
    else:
        assert refusal is not None and not r.lapsed(state, due, now)
        assert refusal.code == ("remote_already_activated" if state is RemoteState.ACTIVATED else "remote_lapsed")


def test_hours_end_is_the_end_of_the_range_now_falls_in() -> None:
    thing = item()
    morning = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)   # 09:00 in Shanghai
    end = r.hours_end(thing, morning, SHANGHAI)
    assert end is not None and end > morning and end.tzinfo is not None


@pure
@given(st.integers(0, 120), st.integers(0, 120), st.booleans())
def test_a_remote_estimate_is_the_range_with_its_caveat(low: int, span: int, uncertain: bool) -> None:
    words = r.remote_wait_words(WaitEstimate(low=low, high=low + span, windows=1, uncertain=uncertain))
    assert r.REMOTE_CAVEAT.zh in words.zh and "only a guide" in words.en
    if uncertain:
        assert "暂无窗口" in words.zh and "No window" in words.en
    elif low + span > 5:
        assert f"{low}–{low + span}" in words.zh and f"{low}–{low + span}" in words.en


def test_config_reads_the_remote_table() -> None:
    setup = parse_config(small_hall_document(remote={
        "enabled": True, "services": ["B01"], "daily_share": 0.4, "activate_minutes": 45,
        "items": {"B01": {"daily_tickets": 2}}}))
    assert setup.remote.offered("B01") and not setup.remote.offered("C01")
    assert setup.remote.activate_minutes == 45 and setup.remote.item_rules("B01").daily_tickets == 2
    assert parse_config(small_hall_document()).remote == RemoteRules()


@pytest.mark.parametrize("table, says", [({"daily_share": 2}, "daily_share"), ({"services": ["ZZ"]}, "ZZ"),
                                         ({"items": {"ZZ": {}}}, "remote.items.ZZ"),
                                         ({"activate_minutes": 1}, "activate_minutes"), ({"share": 1}, "share")])
def test_config_mistakes_name_the_key(table, says) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_config(small_hall_document(remote=table))


def test_the_places_held_for_others_leave_out_the_ticket_using_its_own() -> None:
    held = {"B01": 2}
    assert r.held_for_others(held, "B01") == 2                  # a walk-in leaves both
    assert r.held_for_others(held, "B01", own_place=True) == 1  # an activation uses its own
    assert r.held_for_others(held, "A01") == 0
    assert r.held_for_others({}, "B01", own_place=True) == 0
