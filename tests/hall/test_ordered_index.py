"""The ordered structures that keep the call order (hall/order.py's QueueIndex on hall/lines.py)
against a plain sort of every waiting ticket, over random days."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall import order
from hall.lines import CHUNK, SortedLine
from hall.queue import HallState
from hall.tickets import CALLABLE_STATES, CURRENT_STATES, TicketState
from tests.hall.random_days import WINDOWS, a_day, play


def plainly(state: HallState, window: int, day) -> list:
    """The window's call order the slow, obvious way."""
    mine = [t for t in state.tickets.values() if t.business_date == day and order.may_call(state.setup, window, t)]
    return sorted(mine, key=order.call_order(state.setup, window))


def same_as_a_plain_sort(before, command, events, state: HallState, now) -> None:
    day = state.today(now)
    for window in WINDOWS:
        plain = plainly(state, window, day)
        queue = order.window_queue(state, window, day)
        assert order.window_line(state, window, day) == plain and len(queue) == len(plain)
        assert order.next_for_window(state, window, day) == (plain[0] if plain else None)
        key = order.call_order(state.setup, window)
        for place, ticket in enumerate(plain):
            assert order.index_at(state, window, ticket) == place
        if len(plain) > 2:   # a page after any ticket is the rest of the plain order
            cut = plain[len(plain) // 2]
            assert [t for _, t in queue.page(key(cut), 3)] == plain[len(plain) // 2 + 1:][:3]
        current = [t for t in state.tickets.values() if t.window == window and t.state in CURRENT_STATES]
        assert state.current_ticket(window) == (current[0] if current else None)
        held = sorted((t for t in state.tickets.values() if t.window == window and t.state is TicketState.HELD),
                      key=lambda t: t.id)
        assert order.held_at(state, window) == held
    for item in state.setup.services:
        line = sorted((t for t in state.tickets.values() if t.state in CALLABLE_STATES and t.business_date == day
                       and t.service == item.code and t.target_window is None), key=order.item_order)
        assert order.item_line(state, item.code, day) == line
    fresh = order.QueueIndex.of(state.tickets.values())
    kept = state.index
    assert {k: list(v) for k, v in kept.lines.items()} == {k: list(v) for k, v in fresh.lines.items()}
    assert kept.sent == fresh.sent and kept.current == fresh.current and kept.held == fresh.held


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day())
def test_the_kept_order_is_a_plain_sort_after_every_command(actions) -> None:
    play(actions, same_as_a_plain_sort)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 400)), max_size=600))
def test_a_sorted_line_is_a_sorted_list_whatever_is_added_or_removed(changes) -> None:
    line, plain = SortedLine(), []
    for add, n in changes:
        key = (n % 3, n, n)
        if add and key not in plain:
            line, plain = line.added(key, n), sorted(plain + [key])
        elif not add:
            line, plain = line.removed(key), [k for k in plain if k != key]
    assert list(line.keys()) == plain and len(line) == len(plain)
    for probe in ((0,), (1, 200), (2, 401, 0)):
        assert line.before(probe) == sum(1 for k in plain if k < probe)
    assert line.slice(len(plain) // 2, 5) == [k[1] for k in plain[len(plain) // 2:][:5]]


def test_an_older_line_is_never_changed_by_a_newer_one() -> None:
    rng = random.Random(7)
    line = SortedLine.of(((n,), n) for n in range(3 * CHUNK))
    keep = list(line)
    for _ in range(200):
        n = rng.randrange(6 * CHUNK)
        newer = line.added((n, 0.5), n) if rng.random() < 0.5 else line.removed((n,))
        assert list(line) == keep and len(newer) in (len(line) - 1, len(line), len(line) + 1)


def test_a_line_knows_its_earliest_issued_ticket_without_walking_it() -> None:
    rng = random.Random(3)

    class Issued:
        def __init__(self, n: int) -> None:
            self.n, self.issued_at = n, rng.randrange(1000)
    values = [Issued(n) for n in range(5 * CHUNK)]
    line = SortedLine.of((((v.n,), v) for v in values), since=lambda v: v.issued_at)
    alive = list(values)
    for v in rng.sample(values, 4 * CHUNK):
        line, alive = line.removed((v.n,)), [a for a in alive if a is not v]
        assert line.earliest() is min(alive, key=lambda a: a.issued_at)
