"""Every legal and every illegal ticket transition of the queue core."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from hall import commands as c
from hall import events as e
from hall.queue import TRANSITIONS, HallState, handle
from hall.tickets import QueueError, Ticket, TicketState, WindowState, WindowStatus
from tests.conftest import HALL_MORNING, small_hall

S = TicketState
NOW = HALL_MORNING
SETUP = small_hall()


def hall_with(state: TicketState, *, recalls: int = 0, called_minutes_ago: float = 10,
              window_free: bool = False) -> HallState:
    """A hall with window 3 open and ticket 1 (A01) in `state`."""
    ticket = Ticket(id=1, business_date=NOW.date(), service="A01", prefix="A", serial=1,
                    number="A001", priority=c.Priority.NORMAL, state=state,
                    issued_at=NOW - timedelta(hours=1), rank_at=NOW - timedelta(hours=1),
                    window=None if state in (S.WAITING, S.TRANSFERRED) else 3, recalls=recalls,
                    called_at=NOW - timedelta(minutes=called_minutes_ago),
                    no_show_at=NOW - timedelta(minutes=1), hold_return="window",
                    hold_until=NOW + timedelta(minutes=5))
    if window_free and ticket.window is not None and state in (S.CALLED, S.SERVING):
        ticket = dataclasses.replace(ticket, window=None)
    windows = {w.number: WindowState(w.number) for w in SETUP.windows}
    windows[3] = WindowState(3, WindowStatus.OPEN, clerk=7, since=NOW - timedelta(hours=2))
    return HallState(setup=SETUP, windows=windows, tickets={1: ticket})


#: command, the TRANSITIONS action it exercises, and what the hall must look like for it
COMMANDS = {
    "call": lambda: c.CallSpecific(window=3, ticket_id=1, reason="citizen at the desk"),
    "recall": lambda: c.Recall(ticket_id=1),
    "start": lambda: c.StartService(ticket_id=1),
    "finish": lambda: c.FinishService(ticket_id=1, case_no="2026-0001"),
    "no_show": lambda: c.MarkNoShow(ticket_id=1),
    "hold": lambda: c.HoldTicket(ticket_id=1, minutes=15, return_to="window"),
    "resume": lambda: c.ResumeTicket(ticket_id=1),
    "transfer": lambda: c.TransferTicket(ticket_id=1, to_service="A02"),
    "cancel": lambda: c.CancelTicket(ticket_id=1, reason="left"),
    "return_late": lambda: c.ReturnLate(ticket_id=1),
}

CASES = [(action, state) for action in COMMANDS for state in TicketState]


@pytest.mark.parametrize("action,state", CASES, ids=[f"{a}-from-{s.value}" for a, s in CASES])
def test_each_command_from_each_state(action: str, state: TicketState) -> None:
    # a call needs the window free of any other current ticket
    hall = hall_with(state, window_free=action == "call")
    command = COMMANDS[action]()
    legal = TRANSITIONS[action].get(state)
    if legal is None:
        with pytest.raises(QueueError) as refused:
            handle(hall, command, NOW)
        assert refused.value.code == "illegal_transition"
        assert state.value in refused.value.message
        return
    new_hall, events = handle(hall, command, NOW)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, e.TicketEvent)
    assert (event.from_state, event.to_state) == (state, legal)
    assert new_hall.tickets[1].state is legal
    assert hall.tickets[1].state is state, "the old state value is untouched"


def test_refused_command_changes_nothing() -> None:
    hall = hall_with(S.DONE)
    before = dataclasses.replace(hall)
    with pytest.raises(QueueError):
        handle(hall, c.StartService(ticket_id=1), NOW)
    assert hall == before


@pytest.mark.parametrize("state", sorted(TicketState))
def test_expire_day_closes_only_open_tickets_of_earlier_days(state: TicketState) -> None:
    hall = hall_with(state)
    old = dataclasses.replace(hall.tickets[1], business_date=NOW.date() - timedelta(days=1))
    hall = dataclasses.replace(hall, tickets={1: old})
    new_hall, events = handle(hall, c.ExpireDay(), NOW)
    expired = [ev for ev in events if isinstance(ev, e.TicketExpired)]
    if state in TRANSITIONS["expire"]:
        assert [ev.ticket_id for ev in expired] == [1]
        assert new_hall.tickets[1].state is S.EXPIRED
    else:
        assert expired == []
        assert new_hall.tickets[1].state is state


def test_expire_day_leaves_todays_tickets_alone() -> None:
    new_hall, events = handle(hall_with(S.WAITING), c.ExpireDay(), NOW)
    assert not [ev for ev in events if isinstance(ev, e.TicketExpired)]
    assert new_hall.tickets[1].state is S.WAITING


def test_expire_day_signs_out_windows_left_open_from_yesterday() -> None:
    hall = hall_with(S.DONE)
    windows = dict(hall.windows)
    windows[3] = dataclasses.replace(windows[3], since=NOW - timedelta(days=1))
    new_hall, events = handle(dataclasses.replace(hall, windows=windows), c.ExpireDay(), NOW)
    assert [type(ev) for ev in events] == [e.WindowSignedOut]
    assert new_hall.windows[3].status is WindowStatus.CLOSED


# --- the rules inside legal transitions ---------------------------------------------------

def test_recall_counts_and_stops_at_the_limit() -> None:
    hall = hall_with(S.CALLED)
    for expected in (1, 2, 3):
        hall, events = handle(hall, c.Recall(ticket_id=1), NOW)
        assert hall.tickets[1].recalls == expected == events[0].recalls
    with pytest.raises(QueueError) as refused:
        handle(hall, c.Recall(ticket_id=1), NOW)
    assert refused.value.code == "recall_limit"


def test_no_show_needs_recalls_or_time() -> None:
    early = hall_with(S.CALLED, recalls=0, called_minutes_ago=1)
    with pytest.raises(QueueError) as refused:
        handle(early, c.MarkNoShow(ticket_id=1), NOW)
    assert refused.value.code == "no_show_too_early"
    after_recalls = hall_with(S.CALLED, recalls=2, called_minutes_ago=1)
    assert handle(after_recalls, c.MarkNoShow(ticket_id=1), NOW)[0].tickets[1].state is S.NO_SHOW
    after_time = hall_with(S.CALLED, recalls=0, called_minutes_ago=5)
    assert handle(after_time, c.MarkNoShow(ticket_id=1), NOW)[0].tickets[1].state is S.NO_SHOW


def test_late_return_only_within_its_time() -> None:
    hall = hall_with(S.NO_SHOW)
    late = dataclasses.replace(hall.tickets[1], no_show_at=NOW - timedelta(minutes=61))
    with pytest.raises(QueueError) as refused:
        handle(dataclasses.replace(hall, tickets={1: late}), c.ReturnLate(ticket_id=1), NOW)
    assert refused.value.code == "late_return_expired"


def test_hold_and_resume_return_to_the_same_window_with_priority() -> None:
    hall = hall_with(S.SERVING)
    hall, _ = handle(hall, c.HoldTicket(ticket_id=1, minutes=20, return_to="window"), NOW)
    held = hall.tickets[1]
    assert held.hold_until == NOW + timedelta(minutes=20)
    assert hall.current_ticket(3) is None, "a held ticket frees the window"
    hall, _ = handle(hall, c.ResumeTicket(ticket_id=1), NOW)
    back = hall.tickets[1]
    assert (back.state, back.target_window, back.priority_class) == (S.WAITING, 3, 0)


def test_hold_to_any_window() -> None:
    hall, _ = handle(hall_with(S.CALLED), c.HoldTicket(ticket_id=1, return_to="any"), NOW)
    hall, _ = handle(hall, c.ResumeTicket(ticket_id=1), NOW)
    assert hall.tickets[1].target_window is None


def test_hold_refuses_bad_arguments() -> None:
    for command, code in ((c.HoldTicket(ticket_id=1, return_to="home"), "bad_return_to"),
                          (c.HoldTicket(ticket_id=1, minutes=0), "bad_hold_minutes")):
        with pytest.raises(QueueError) as refused:
            handle(hall_with(S.CALLED), command, NOW)
        assert refused.value.code == code


def test_transfer_keeps_number_and_issue_time() -> None:
    hall = hall_with(S.SERVING)
    hall2, events = handle(hall, c.TransferTicket(ticket_id=1, to_service="C01"), NOW)
    moved = hall2.tickets[1]
    assert (moved.number, moved.issued_at, moved.rank_at) == ("A001", hall.tickets[1].issued_at,
                                                              hall.tickets[1].rank_at)
    assert (moved.service, moved.state, moved.priority_class) == ("C01", S.TRANSFERRED, 0)
    assert events[0].from_service == "A01"


def test_transfer_to_a_window_only_that_window_calls_it() -> None:
    hall, _ = handle(hall_with(S.SERVING), c.TransferTicket(ticket_id=1, to_window=4), NOW)
    assert hall.tickets[1].target_window == 4


@pytest.mark.parametrize("command,code", [
    (c.TransferTicket(ticket_id=1), "bad_transfer"),
    (c.TransferTicket(ticket_id=1, to_service="A02", to_window=2), "bad_transfer"),
    (c.TransferTicket(ticket_id=1, to_service="ZZ9"), "unknown_service"),
    (c.TransferTicket(ticket_id=1, to_window=99), "window_not_found"),
    (c.Recall(ticket_id=42), "ticket_not_found"),
])
def test_bad_references_are_refused(command, code) -> None:
    with pytest.raises(QueueError) as refused:
        handle(hall_with(S.CALLED), command, NOW)
    assert refused.value.code == code


def test_finish_records_the_case_number() -> None:
    hall, events = handle(hall_with(S.SERVING), c.FinishService(ticket_id=1, case_no=" 2026-7 "), NOW)
    assert hall.tickets[1].case_no == "2026-7" == events[0].case_no


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        handle(hall_with(S.CALLED), c.Recall(ticket_id=1), NOW.replace(tzinfo=None))


# --- ratings ------------------------------------------------------------------------------

@pytest.mark.parametrize("state", sorted(TicketState))
def test_only_a_finished_visit_is_rated(state: TicketState) -> None:
    hall = hall_with(state)
    if state is S.DONE:
        rated, events = handle(hall, c.RateService(ticket_id=1, rating=4), NOW)
        assert rated.tickets[1].rating == 4 and rated.tickets[1].state is S.DONE
        assert isinstance(events[0], e.ServiceRated)
    else:
        with pytest.raises(QueueError) as refused:
            handle(hall, c.RateService(ticket_id=1, rating=4), NOW)
        assert refused.value.code == "not_finished"


def test_one_rating_per_visit_from_one_to_five() -> None:
    hall = hall_with(S.DONE)
    for bad in (0, 6, -1):
        with pytest.raises(QueueError) as refused:
            handle(hall, c.RateService(ticket_id=1, rating=bad), NOW)
        assert refused.value.code == "bad_rating"
    hall, _ = handle(hall, c.RateService(ticket_id=1, rating=1), NOW)
    with pytest.raises(QueueError) as again:
        handle(hall, c.RateService(ticket_id=1, rating=5), NOW)
    assert again.value.code == "already_rated"


def test_a_timed_out_prompt_is_not_rated_but_the_phone_may_still_rate() -> None:
    hall, events = handle(hall_with(S.DONE), c.SkipRating(ticket_id=1), NOW)
    assert isinstance(events[0], e.RatingSkipped) and hall.tickets[1].rating is None
    hall, _ = handle(hall, c.RateService(ticket_id=1, rating=3), NOW)
    assert hall.tickets[1].rating == 3
    with pytest.raises(QueueError) as refused:
        handle(hall, c.SkipRating(ticket_id=1), NOW)
    assert refused.value.code == "not_awaiting_rating"


def test_a_case_number_longer_than_gb_t_39046_allows_is_refused() -> None:
    longest = "办" * 50
    hall, events = handle(hall_with(S.SERVING), c.FinishService(ticket_id=1, case_no=f"  {longest} "), NOW)
    assert hall.tickets[1].case_no == longest
    before = hall_with(S.SERVING)
    with pytest.raises(QueueError) as refused:
        handle(before, c.FinishService(ticket_id=1, case_no=longest + "1"), NOW)
    assert refused.value.code == "case_no_too_long"
    assert "50" in str(refused.value) and "办件编号" in str(refused.value) and "GB/T 39046-2020" in str(refused.value)
    assert before.tickets[1].state == S.SERVING
