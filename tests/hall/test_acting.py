"""The acting window, checked by the core: a clerk acts only where they are signed in, on
tickets their window may act on; a window screen only on visits its window finished."""

from __future__ import annotations

import dataclasses

import pytest

from hall import commands as c
from hall.acting import may_act_on
from hall.queue import decide
from hall.tickets import QueueError, TicketState, WindowState, WindowStatus
from tests.conftest import HALL_MORNING
from tests.hall.test_transitions import SETUP, hall_with

S = TicketState
AT_3 = c.ActingWindow(window=3, clerk=7)     # hall_with: clerk 7 is signed in at window 3
AT_2 = c.ActingWindow(window=2, clerk=8)


def with_window_2_open(state):
    windows = dict(state.windows)
    windows[2] = WindowState(2, WindowStatus.OPEN, clerk=8, since=HALL_MORNING)
    return dataclasses.replace(state, windows=windows)


def refusal(state, command) -> str | None:
    try:
        decide(state, command, HALL_MORNING)
    except QueueError as refused:
        return refused.code
    return None


@pytest.mark.parametrize("command", [
    c.CallNext(window=3, acting=AT_2), c.PauseWindow(window=3, reason="x", acting=AT_2),
    c.SignOut(window=3, acting=AT_2), c.ResumeWindow(window=3, acting=AT_2),
    c.CallSpecific(window=3, ticket_id=1, reason="x", acting=AT_2),
    c.CallNext(window=3, acting=c.ActingWindow(window=3, clerk=8)),
])
def test_only_the_clerk_signed_in_there_acts_at_a_window(command) -> None:
    assert refusal(with_window_2_open(hall_with(S.WAITING)), command) == "not_your_window"


def test_a_called_citizen_belongs_to_the_window_that_called_them() -> None:
    state = with_window_2_open(hall_with(S.CALLED))          # called at window 3
    assert refusal(state, c.StartService(ticket_id=1, acting=AT_2)) == "not_your_ticket"
    assert refusal(state, c.StartService(ticket_id=1, acting=AT_3)) is None
    assert refusal(state, c.StartService(ticket_id=1)) is None, "a supervisor acts anywhere"


def test_a_clerk_no_longer_signed_in_is_refused_before_the_ticket_is_looked_at() -> None:
    state = hall_with(S.CALLED)
    gone = c.ActingWindow(window=3, clerk=99)
    assert refusal(state, c.StartService(ticket_id=1, acting=gone)) == "not_signed_in"
    assert refusal(state, c.StartService(ticket_id=1, acting=c.ActingWindow(window=2, clerk=8))) \
        == "not_signed_in", "window 2 is closed"


def test_which_window_may_act_on_a_ticket() -> None:
    waiting = hall_with(S.WAITING).tickets[1]                 # A01: windows 1, 2, 3 serve it
    assert [w for w in (1, 2, 3, 4) if may_act_on(SETUP, w, waiting)] == [1, 2, 3]
    sent = dataclasses.replace(waiting, state=S.TRANSFERRED, target_window=4)
    assert [w for w in (1, 2, 3, 4) if may_act_on(SETUP, w, sent)] == [4]
    held = hall_with(S.HELD).tickets[1]                       # held at window 3, back to it
    assert [w for w in (1, 2, 3, 4) if may_act_on(SETUP, w, held)] == [3]
    held_for_any = dataclasses.replace(held, hold_return="any")
    assert [w for w in (1, 2, 3, 4) if may_act_on(SETUP, w, held_for_any)] == [1, 2, 3]


def test_a_window_screen_rates_only_its_own_windows_visits() -> None:
    done = hall_with(S.DONE)                                  # finished at window 3
    assert refusal(done, c.RateService(ticket_id=1, rating=5, acting=c.ActingWindow(window=2))) \
        == "not_your_ticket"
    assert refusal(done, c.SkipRating(ticket_id=1, acting=c.ActingWindow(window=2))) == "not_your_ticket"
    assert refusal(done, c.RateService(ticket_id=1, rating=5, acting=c.ActingWindow(window=3))) is None
