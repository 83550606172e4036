"""The learned wait estimate on constructed halls, and its accuracy against the naive one."""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hall import commands as c
from hall.estimate import (MIN_SAMPLES, STEP_MINUTES, WaitEstimate, WindowCapacity, accuracy,
                           learned_wait, minutes_until_called, recent_handling)
from hall.queue import HallState, handle, naive_wait_for, people_ahead, wait_for
from hall.tickets import Priority, TicketState
from hall.config import parse_config
from tests.conftest import HALL_MORNING, small_hall_document

NOW = HALL_MORNING
#: the small hall without its daily cap on B01, so a busy day can be simulated
UNCAPPED_HALL = parse_config(small_hall_document(services=[
    {k: v for k, v in item.items() if k != "daily_cap"} for item in small_hall_document()["services"]]))


class Day:
    """A hall driven minute by minute through the pure core."""

    def __init__(self, *windows: int):
        self.state = HallState.fresh(UNCAPPED_HALL)
        self.now = NOW
        self.next_id = 1
        for n in windows:
            self.do(c.SignIn(window=n, clerk=100 + n))

    def do(self, command) -> list:
        self.state, events = handle(self.state, command, self.now)
        return events

    def issue(self, service: str = "A01", priority: Priority = Priority.NORMAL) -> int:
        self.now += timedelta(seconds=30)
        self.do(c.IssueTicket(ticket_id=self.next_id, service=service, priority=priority))
        self.next_id += 1
        return self.next_id - 1

    def estimate(self, ticket_id: int) -> WaitEstimate:
        ticket = self.state.tickets[ticket_id]
        return wait_for(self.state, ticket.service, people_ahead(self.state, ticket, ticket.business_date),
                        self.now)

    def centre(self, ticket_id: int) -> float:
        estimate = self.estimate(ticket_id)
        return (estimate.low + estimate.high) / 2

    def learned(self, service: str, *minutes: float) -> None:
        self.state = dataclasses.replace(self.state, handling={**self.state.handling, service: minutes})


def queue_of_six(*windows: int) -> tuple[Day, int]:
    day = Day(*windows)
    ids = [day.issue("A01") for _ in range(6)]
    return day, ids[-1]


# --- constructed cases ----------------------------------------------------------------------------

def test_a_window_opening_brings_the_wait_down() -> None:
    day, last = queue_of_six(3)
    before = day.estimate(last)
    day.do(c.SignIn(window=2, clerk=102))
    after = day.estimate(last)
    assert after.high < before.high and after.low <= before.low
    assert (before.windows, after.windows) == (1, 2)


def test_a_window_pausing_pushes_the_wait_up() -> None:
    day, last = queue_of_six(2, 3)
    before = day.estimate(last)
    day.do(c.PauseWindow(window=2, reason="系统故障"))
    after = day.estimate(last)
    assert after.high > before.high and after.low >= before.low


def test_no_window_open_is_a_wider_guess_flagged_uncertain() -> None:
    day, last = queue_of_six()
    estimate = day.estimate(last)
    assert estimate.uncertain and estimate.windows == len(day.state.setup.windows_serving("A01"))
    day.do(c.SignIn(window=3, clerk=103))
    assert not day.estimate(last).uncertain


def test_a_green_channel_ticket_goes_ahead_of_the_waiting_ones() -> None:
    day, last = queue_of_six(3)
    before = day.estimate(last)
    green = day.issue("A01", Priority.GREEN)
    assert people_ahead(day.state, day.state.tickets[last], NOW.date()) == 6
    assert day.estimate(last).high > before.high
    assert people_ahead(day.state, day.state.tickets[green], NOW.date()) == 0
    assert day.estimate(green).high <= STEP_MINUTES


def test_recent_slow_services_raise_the_estimate_and_fast_ones_lower_it() -> None:
    day, last = queue_of_six(3)
    configured = day.centre(last)
    day.learned("A01", 30, 28, 32, 31)       # configured 15 min; today they take twice that
    slow = day.centre(last)
    day.learned("A01", 6, 7, 5, 6)
    fast = day.centre(last)
    assert fast < configured < slow


def test_the_latest_services_weigh_most() -> None:
    assert recent_handling([30, 30, 30, 8, 8, 8], 15) < recent_handling([8, 8, 8, 30, 30, 30], 15)


def test_too_few_samples_fall_back_to_the_configured_time() -> None:
    assert recent_handling([], 15) == 15
    assert recent_handling([40] * (MIN_SAMPLES - 1), 15) == 15
    assert 15 < recent_handling([40] * MIN_SAMPLES, 15) < 40
    day, last = queue_of_six(3)
    plain = day.estimate(last)
    day.learned("A01", 40, 40)
    assert (day.estimate(last).low, day.estimate(last).high) == (plain.low, plain.high)


def test_a_forgotten_finish_does_not_swamp_the_mean() -> None:
    assert recent_handling([10, 10, 10, 600], 10) <= 10 * 4


def test_a_window_half_way_through_frees_sooner() -> None:
    day = Day(3)
    day.issue("A01")
    day.do(c.CallNext(window=3))
    waiting = day.issue("A01")
    just_called = day.centre(waiting)
    day.now += timedelta(minutes=12)            # the service has been running for 12 of 15 minutes
    assert day.centre(waiting) < just_called


def test_a_comprehensive_window_serves_other_items_first() -> None:
    day = Day(2)                # window 2 serves market regulation and, first, social security
    alone = day.centre(day.issue("A01"))
    others = Day(2)
    for _ in range(3):
        others.issue("B01")
    ours = others.issue("A01")
    assert people_ahead(others.state, others.state.tickets[ours], NOW.date()) == 0
    assert others.centre(ours) > alone, "window 2 serves the three B01 tickets first"
    later = Day(2)
    ours = later.issue("A01")
    for _ in range(3):
        later.issue("A02")      # same priority at window 2, issued later: they come after
    assert later.centre(ours) == alone


def test_the_ticket_at_the_head_of_an_idle_window_is_called_at_once() -> None:
    day = Day(3)
    estimate = day.estimate(day.issue("A01"))
    assert (estimate.low, estimate.high) == (0, STEP_MINUTES) and estimate.zh() == "即将叫号"


def test_calls_go_to_whichever_window_frees_first() -> None:
    windows = [WindowCapacity(1, 0.0), WindowCapacity(2, 10.0)]
    # window 1 calls at 0, 15, 30; window 2 at 10, 25
    assert [minutes_until_called(n, 15, windows) for n in range(5)] == [0, 10, 15, 25, 30]
    assert minutes_until_called(3, 10, []) == float("inf")


@given(ahead=st.integers(0, 300), samples=st.lists(st.floats(0.5, 120), max_size=20),
       configured=st.floats(1, 60), frees=st.lists(st.floats(0, 120), min_size=1, max_size=6),
       uncertain=st.booleans())
def test_ranges_are_ordered_and_rounded(ahead, samples, configured, frees, uncertain) -> None:
    windows = [WindowCapacity(i, free) for i, free in enumerate(frees)]
    estimate = learned_wait(ahead, samples, configured, windows, uncertain)
    assert 0 <= estimate.low < estimate.high
    assert estimate.low % STEP_MINUTES == 0 and estimate.high % STEP_MINUTES == 0
    assert estimate.windows == len(windows) and estimate.uncertain is uncertain


@given(ahead=st.integers(0, 400), handling=st.floats(0.5, 40), frees=st.lists(st.floats(0, 300), min_size=1,
       max_size=6), which=st.integers(0, 5), nudge=st.floats(-20, 20))
def test_a_window_freeing_a_little_later_moves_the_estimate_by_no_more(ahead, handling, frees, which,
                                                                       nudge) -> None:
    """No jump while windows are out of step: the estimate follows each window's free time
    smoothly (by at most as much as it moved), however far apart the windows free."""
    which %= len(frees)
    moved = frees[:which] + [max(frees[which] + nudge, 0.0)] + frees[which + 1:]
    before = minutes_until_called(ahead, handling, [WindowCapacity(i, f) for i, f in enumerate(frees)])
    after = minutes_until_called(ahead, handling, [WindowCapacity(i, f) for i, f in enumerate(moved)])
    assert abs(after - before) <= abs(moved[which] - frees[which]) + 1e-9 * max(1.0, before)


def test_windows_far_out_of_step_are_counted_not_played_out() -> None:
    # one window idle, one busy for another 1,000 minutes: the idle one takes 2,000 calls first
    windows = [WindowCapacity(1, 0.0), WindowCapacity(2, 1000.0)]
    assert minutes_until_called(1999, 0.5, windows) == 999.5
    assert minutes_until_called(2000, 0.5, windows) == 1000.0
    assert minutes_until_called(2000, 0.5, windows[::-1]) == 1000.0


@given(ahead=st.integers(0, 100), extra=st.integers(1, 50))
def test_more_people_ahead_never_shortens_the_wait(ahead, extra) -> None:
    windows = [WindowCapacity(1, 3.0), WindowCapacity(2, 0.0)]
    assert minutes_until_called(ahead + extra, 12, windows) >= minutes_until_called(ahead, 12, windows)


# --- accuracy ---------------------------------------------------------------------------------------

def test_accuracy_measures_error_from_the_midpoint_and_hits_inside_the_range() -> None:
    pairs = [(WaitEstimate(10, 20, 1, False), 15.0), (WaitEstimate(10, 20, 1, False), 25.0),
             (WaitEstimate(0, 5, 1, False), 2.5), (WaitEstimate(30, 40, 1, False), 20.0)]
    result = accuracy(pairs)
    assert result.count == 4
    assert result.mean_abs_error == (0 + 10 + 0 + 15) / 4
    assert result.inside == 0.5
    assert accuracy([]).count == 0


def simulate_day(seed: int) -> tuple:
    """Three busy hours at windows 2 (shared by two departments) and 3: market regulation
    takes 8 minutes instead of the configured 15, social security 7 instead of 5. Every
    ticket is estimated both ways when issued; its actual wait is known when it is called."""
    rng = random.Random(seed)
    day = Day(2, 3)
    speed = {"A01": 8.0, "A02": 11.0, "B01": 7.0}
    estimates: dict[int, tuple[WaitEstimate, WaitEstimate, datetime]] = {}
    actual: dict[int, float] = {}
    busy_until: dict[int, tuple[datetime, int, datetime]] = {}
    start, samples = day.now, {code: [] for code in speed}
    while day.now < start + timedelta(hours=3):
        day.now += timedelta(seconds=30)
        if rng.random() < 0.16:   # about one ticket every three minutes
            service = rng.choice(("A01", "A01", "A02", "B01"))
            day.do(c.IssueTicket(ticket_id=day.next_id, service=service))
            ticket = day.state.tickets[day.next_id]
            ahead = people_ahead(day.state, ticket, ticket.business_date)
            estimates[ticket.id] = (naive_wait_for(day.state, service, ahead),
                                    wait_for(day.state, service, ahead, day.now), day.now)
            day.next_id += 1
        for window in (2, 3):
            finish_at = busy_until.get(window)
            if finish_at and finish_at[0] <= day.now:
                _, ticket_id, started = busy_until.pop(window)
                day.do(c.FinishService(ticket_id=ticket_id))
                service = day.state.tickets[ticket_id].service
                samples[service].append((day.now - started).total_seconds() / 60)
                day.state = dataclasses.replace(day.state, handling={k: tuple(v) for k, v in samples.items()})
            if window not in busy_until:
                events = day.do(c.CallNext(window=window))
                if events:
                    ticket = day.state.tickets[events[0].ticket_id]
                    actual[ticket.id] = (day.now - ticket.issued_at).total_seconds() / 60
                    day.do(c.StartService(ticket_id=ticket.id))
                    minutes = max(1.0, rng.gauss(speed[ticket.service], speed[ticket.service] * 0.3))
                    busy_until[window] = (day.now + timedelta(minutes=minutes), ticket.id, day.now)
    called = [tid for tid in estimates if tid in actual]
    naive = accuracy((estimates[tid][0], actual[tid]) for tid in called)
    learned = accuracy((estimates[tid][1], actual[tid]) for tid in called)
    return naive, learned, day


def test_the_learned_estimate_beats_the_naive_one_over_a_day() -> None:
    for seed in (1, 2, 3):
        naive, learned, day = simulate_day(seed)
        assert learned.count > 30
        assert all(t.state is not TicketState.EXPIRED for t in day.state.tickets.values())
        assert learned.mean_abs_error < naive.mean_abs_error, (seed, naive, learned)
        assert learned.inside >= naive.inside, (seed, naive, learned)
