"""The short ways to figures that cost the same however many wait, against the long ways,
over random days: a page of estimates, the wait of a long line, the holds that ran out."""

from __future__ import annotations

import heapq

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall import order, wait
from hall.estimate import MAX_AHEAD, WindowCapacity, minutes_until_called
from hall.queue import HallState, due_hold_returns
from hall.tickets import TicketState
from hall.wait import page_waits, ticket_wait
from tests.hall.random_days import WINDOWS, a_day, play


def one_by_one(ahead: int, handling: float, windows: list[WindowCapacity]) -> float:
    """Every call in turn to whichever window frees first (what the estimate promises)."""
    heap = [max(w.free_in, 0.0) for w in windows]
    heapq.heapify(heap)
    for _ in range(min(ahead, MAX_AHEAD)):
        heapq.heappush(heap, heapq.heappop(heap) + handling)
    return heap[0]


def pages_as_one_by_one(before, command, events, state: HallState, now) -> None:
    day = state.today(now)
    for window in WINDOWS:
        queue = order.window_queue(state, window, day)
        head = queue.page(None, 4)
        assert page_waits(state, window, day, head, None, now) == [ticket_wait(state, t, now) for _, t in head]
        if head:   # the page after the head's first ticket
            after = head[0][0]
            rest = queue.page(after, 3)
            assert page_waits(state, window, day, rest, after) == [ticket_wait(state, t) for _, t in rest]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day())
def test_a_page_of_estimates_is_each_ticket_estimated_alone(actions) -> None:
    play(actions, pages_as_one_by_one)


def holds_as_a_scan(before, command, events, state: HallState, now) -> None:
    for probe in (now, now.replace(hour=23)):
        scan = sorted(t.id for t in state.tickets.values()
                      if t.state is TicketState.HELD and t.hold_until is not None and t.hold_until <= probe)
        assert due_hold_returns(state, probe) == scan


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day())
def test_the_holds_that_ran_out_are_those_a_scan_finds(actions) -> None:
    play(actions, holds_as_a_scan)


@settings(max_examples=300, deadline=None)
@given(ahead=st.integers(0, 2500), handling=st.one_of(st.just(0.0), st.floats(0.1, 60), st.integers(1, 30)),
       frees=st.lists(st.one_of(st.just(0.0), st.floats(-5, 400)), min_size=1, max_size=9))
def test_whole_rounds_at_once_give_the_calls_one_by_one(ahead, handling, frees) -> None:
    windows = [WindowCapacity(i, free) for i, free in enumerate(frees)]
    fast, slow = minutes_until_called(ahead, handling, windows), one_by_one(ahead, handling, windows)
    assert abs(fast - slow) <= 1e-9 * max(1.0, slow)



def work_as_each_line_counted(before, command, events, state: HallState, now) -> None:
    """What each window serves first, found line by line as `order.count_before` counts it."""
    day = state.today(now)
    takers = wait.open_counts(state)
    for window in WINDOWS:
        lines = wait._lines_with_minutes(state, window, day, takers)
        for _, ticket in order.window_queue(state, window, day).page(None, 6):
            for other in order.calling_windows(state.setup, ticket):
                theirs = wait._lines_with_minutes(state, other, day, takers)
                key = order.call_order(state.setup, other)(ticket)
                counted = [order.count_before(line, priority, key) for priority, line, *_ in theirs]
                assert wait.work_first(state, other, ticket, takers) == wait._minutes_of(theirs, counted, ticket)
        assert lines is wait._lines_with_minutes(state, window, day, takers), "worked out once per state"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day())
def test_the_work_before_a_ticket_is_each_line_counted(actions) -> None:
    play(actions, work_as_each_line_counted)
