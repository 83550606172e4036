"""The day so far kept added up as the log grows (hall/kpi.py's LiveDay) gives the figures the
replay of the whole log gives (`measure`), for every group, at any moment of random days; and
the replay's sums equal plain sums of its facts."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall import commands as c
from hall import kpi
from hall.events import event_record
from hall.queue import HallState, handle
from hall.tickets import CALLABLE_STATES, QueueError, TicketState
from tests.hall.random_days import HALL, SERVICES, WINDOWS, a_day, command_for, pick
from tests.conftest import HALL_MORNING

DAY = HALL_MORNING.astimezone(HALL.hall.tz).date()

rate = st.tuples(st.just("rate"), pick, st.sampled_from([1, 2, 3, 4, 5, None]))
look = st.tuples(st.just("look"), st.integers(0, 600))
alert = st.tuples(st.just("alert"), st.sampled_from([None, *WINDOWS]), st.sampled_from([None, *SERVICES]))
extras = st.lists(st.one_of(rate, rate, look, look, alert), max_size=30)


def a_day_with_reports():
    """A random day with ratings, alerts and moments the report is asked for mixed in."""
    return st.builds(lambda day, more, seed: _shuffle_in(day, more, seed), a_day(), extras, st.randoms())


def _shuffle_in(day: list, more: list, rng) -> list:
    out = list(day)
    for action in more:
        out.insert(rng.randint(0, len(out)), action)
    return out


def _rating_command(state: HallState, action: tuple):
    finished = sorted(t.id for t in state.tickets.values() if t.state is TicketState.DONE and t.rating is None)
    if not finished:
        return None
    ticket_id = finished[action[1] % len(finished)]
    return c.SkipRating(ticket_id=ticket_id) if action[2] is None else c.RateService(ticket_id=ticket_id,
                                                                                    rating=action[2])


def plain_kpis(facts: list[kpi.Fact], with_time: bool = True) -> dict:
    """The figures of a group as plain sums and a plain sort of its facts."""
    def total(kind):
        return sum(f.value for f in facts if f.kind == kind)

    def count(kind):
        return sum(1 for f in facts if f.kind == kind)
    waits = sorted(f.value for f in facts if f.kind == "wait")
    handling = [f.value for f in facts if f.kind == "handling"]
    ratings = [f.value for f in facts if f.kind == "rating"]
    row = {"issued": count("issued"), "called": count("called"), "served": count("served"),
           "accepted": count("accepted"), "no_show": count("no_show"),
           "wait_mean": sum(waits) / len(waits) if waits else None,
           "wait_p90": waits[math.ceil(0.9 * len(waits)) - 1] if waits else None,
           "handling_mean": sum(handling) / len(handling) if handling else None,
           "ratings": len(ratings), "satisfied": sum(1 for r in ratings if r >= 3),
           "bad_ratings": sum(1 for r in ratings if r <= 2), "alerts": count("alert")}
    if with_time:
        row |= {"signed_in_seconds": total("signed_in"), "serving_seconds": total("serving"),
                "paused_seconds": total("paused"), "empty_seconds": total("empty")}
    return row


def assert_close(ours: dict, plain: dict) -> None:
    for name, value in plain.items():
        if isinstance(value, float):
            assert ours[name] == pytest.approx(value, rel=1e-12, abs=1e-6), name
        else:
            assert ours[name] == value, name


def compare(records: list[dict], live: kpi.LiveDay, alerts: list[dict], now) -> None:
    start, end = kpi.day_bounds(DAY, DAY, HALL.hall.tz)
    facts = kpi.measure(records, HALL, start, end, now, alerts)
    replayed = kpi.Tallies.of(facts)
    extra = live.running(now, alerts)
    assert live.tallies.summary(HALL, extra) == replayed.summary(HALL)
    assert live.tallies.wait_histogram() == replayed.wait_histogram() == kpi.wait_histogram(facts)
    assert_close(replayed.summary(HALL), plain_kpis(facts))
    for by in kpi.DIMENSIONS:
        groups = live.tallies.group(by, extra)
        assert groups == replayed.group(by), by
        buckets = defaultdict(list)
        for fact in facts:
            if fact.dim(by) is not None:
                buckets[fact.dim(by)].append(fact)
        assert list(groups) == sorted(buckets)
        for key, row in groups.items():
            assert_close(row, plain_kpis(buckets[key], by in kpi.TIME_DIMENSIONS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day_with_reports(), st.lists(st.integers(0, 999_999), min_size=1, max_size=5))
def test_the_day_kept_as_it_goes_equals_the_replay_of_its_log(actions, micros) -> None:
    state, now, next_id = HallState.fresh(HALL), HALL_MORNING, 1
    live, records, alerts = kpi.LiveDay(HALL, DAY), [], []
    for i, action in enumerate(actions):
        if action[0] == "wait":
            now += timedelta(minutes=action[1])
            continue
        if action[0] == "look":   # the report asked between two events
            compare(records, live, alerts, now + timedelta(seconds=action[1]))
            continue
        now += timedelta(seconds=20, microseconds=micros[i % len(micros)])
        if action[0] == "alert":
            alerts.append({"raised_at": now, "window": action[1], "service": action[2]})
            continue
        command = _rating_command(state, action) if action[0] == "rate" else command_for(state, action, next_id)
        if command is None:
            continue
        try:
            state, events = handle(state, command, now)
        except QueueError:
            continue
        next_id += isinstance(command, c.IssueTicket)
        for event in events:
            record = event_record(event)
            records.append(record)
            live.feed(record)
    compare(records, live, alerts, now)
    compare(records, live, alerts, now + timedelta(hours=3))


def test_records_of_other_days_are_left_out_and_the_day_ends_at_midnight() -> None:
    live, records = kpi.LiveDay(HALL, DAY), []
    state, now = HallState.fresh(HALL), HALL_MORNING
    for command in (c.SignIn(window=1, clerk=7), c.IssueTicket(ticket_id=1, service=SERVICES[0])):
        state, events = handle(state, command, now)
        records += [event_record(event) for event in events]
    yesterday = dict(records[-1], at=(now - timedelta(days=1)).isoformat(), ticket_id=99)
    for record in [yesterday] + records:
        live.feed(record)
    late = now.replace(hour=23, minute=59) + timedelta(hours=5)   # asked the next morning
    summary = live.tallies.summary(HALL, live.running(late))
    assert summary["issued"] == 1
    start, end = kpi.day_bounds(DAY, DAY, HALL.hall.tz)
    assert summary["signed_in_seconds"] == (end - now).total_seconds()
    assert summary == kpi.summary(kpi.measure([yesterday] + records, HALL, start, end, late), HALL)


def core_lines(state: HallState) -> dict:
    """The lines as the queue core has them: who waits, per item and window sent to."""
    lines: dict = {}
    for ticket in state.tickets.values():
        if ticket.state in CALLABLE_STATES:
            key = (ticket.service, ticket.target_window)
            count, earliest = lines.get(key, (0, ticket.issued_at))
            lines[key] = (count + 1, min(earliest, ticket.issued_at))
    return lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day())
def test_the_lines_kept_as_the_day_goes_are_the_queues_own(actions) -> None:
    """The city dashboard's lines (each line's size and earliest issue time) equal the queue
    core's after every event: issues, calls, holds and their return, transfers, late returns."""
    state, now, next_id = HallState.fresh(HALL), HALL_MORNING, 1
    live = kpi.LiveDay(HALL, DAY)
    for action in actions:
        if action[0] == "wait":
            now += timedelta(minutes=action[1])
            continue
        now += timedelta(seconds=20)
        command = command_for(state, action, next_id)
        if command is None:
            continue
        try:
            state, events = handle(state, command, now)
        except QueueError:
            continue
        next_id += isinstance(command, c.IssueTicket)
        for event in events:
            live.feed(event_record(event))
        kept = {(line.service, line.sent_to): (line.waiting, line.earliest) for line in live.waiting_lines()}
        assert kept == core_lines(state)
