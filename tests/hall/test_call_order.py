"""Who is called next, issuing rules, and the window's own state machine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hall import commands as c
from hall.queue import HallState, handle, naive_wait_for, people_ahead, wait_for
from hall.tickets import Priority, QueueError, WindowStatus
from tests.conftest import HALL_MORNING, small_hall, small_hall_document
from hall.config import parse_config

NOW = HALL_MORNING


def opened(*numbers: int, setup=None) -> HallState:
    hall = HallState.fresh(setup or small_hall())
    for n in numbers:
        hall, _ = handle(hall, c.SignIn(window=n, clerk=100 + n), NOW)
    return hall


class Hall:
    """A tiny driver: issue tickets minute by minute, call them at windows."""

    def __init__(self, *windows: int, setup=None):
        self.state = opened(*windows, setup=setup)
        self.now = NOW
        self.next_id = 1

    def issue(self, service: str, priority: Priority = Priority.NORMAL) -> str:
        self.now += timedelta(minutes=1)
        self.state, events = handle(self.state, c.IssueTicket(ticket_id=self.next_id, service=service,
                                                              priority=priority), self.now)
        self.next_id += 1
        return events[0].number

    def do(self, command) -> list:
        self.now += timedelta(seconds=10)
        self.state, events = handle(self.state, command, self.now)
        return events

    def call(self, window: int) -> str | None:
        events = self.do(c.CallNext(window=window))
        return self.state.tickets[events[0].ticket_id].number if events else None

    def id_of(self, number: str) -> int:
        return next(t.id for t in self.state.tickets.values() if t.number == number)

    def finish_current(self, window: int) -> None:
        ticket = self.state.current_ticket(window)
        self.do(c.StartService(ticket_id=ticket.id))
        self.do(c.FinishService(ticket_id=ticket.id))


def test_numbers_count_per_prefix() -> None:
    hall = Hall()
    assert [hall.issue(s) for s in ("A01", "A02", "B01", "A01", "C01")] == \
        ["A001", "A002", "B001", "A003", "C001"]


def test_green_and_appointment_tickets_use_their_own_prefixes() -> None:
    hall = Hall()
    assert hall.issue("A01", Priority.GREEN) == "V001"
    assert hall.issue("B01", Priority.GREEN) == "V002"
    assert hall.issue("A01", Priority.APPOINTMENT) == "Y001"
    assert hall.issue("A01") == "A001"


def test_issue_time_order_within_an_item() -> None:
    hall = Hall(3)
    first, second = hall.issue("A01"), hall.issue("A01")
    assert hall.call(3) == first
    hall.finish_current(3)
    assert hall.call(3) == second


def test_green_channel_goes_first_then_appointments_then_normal() -> None:
    hall = Hall(3)
    normal = hall.issue("A01")
    appointment = hall.issue("A01", Priority.APPOINTMENT)
    green = hall.issue("A02", Priority.GREEN)
    order = []
    for _ in range(3):
        order.append(hall.call(3))
        hall.finish_current(3)
    assert order == [green, appointment, normal]


def test_window_priority_beats_issue_time_within_a_class() -> None:
    # window 2 gives B01 priority 1 over the market-regulation items (default 5)
    hall = Hall(2)
    a = hall.issue("A01")
    b = hall.issue("B01")
    assert hall.call(2) == b
    hall.finish_current(2)
    assert hall.call(2) == a


def test_dedicated_window_never_calls_other_items() -> None:
    hall = Hall(4)
    hall.issue("A01")
    hall.issue("B01")
    assert hall.call(4) is None
    tax = hall.issue("C01")
    assert hall.call(4) == tax


def test_comprehensive_and_dedicated_windows_share_a_queue() -> None:
    hall = Hall(2, 3)
    numbers = [hall.issue("A01") for _ in range(4)]
    called = [hall.call(3), hall.call(2)]
    hall.finish_current(3)
    called.append(hall.call(3))
    hall.finish_current(2)
    called.append(hall.call(2))
    assert called == numbers, "each ticket once, in issue order, whichever window calls"


def test_transferred_ticket_jumps_ahead_of_normal_tickets_but_keeps_its_issue_time() -> None:
    hall = Hall(2, 4)
    first_tax = hall.issue("C01")
    moved = hall.issue("A01")
    assert hall.call(2) == moved
    hall.do(c.StartService(ticket_id=hall.id_of(moved)))
    hall.do(c.TransferTicket(ticket_id=hall.id_of(moved), to_service="C01"))
    assert hall.call(4) == moved, "a transferred citizen already waited once"
    assert hall.state.tickets[hall.id_of(moved)].issued_at < hall.now
    hall.finish_current(4)
    assert hall.call(4) == first_tax


def test_transfer_to_window_is_called_only_there() -> None:
    hall = Hall(2, 3, 4)
    number = hall.issue("A01")
    assert hall.call(3) == number
    hall.do(c.TransferTicket(ticket_id=hall.id_of(number), to_window=4))
    assert hall.call(2) is None
    assert hall.call(4) == number, "window 4 does not serve A01 but the ticket was sent there"


def test_call_specific_only_for_tickets_the_window_may_serve() -> None:
    hall = Hall(3, 4)
    tax = hall.issue("C01")
    with pytest.raises(QueueError) as refused:
        hall.do(c.CallSpecific(window=3, ticket_id=hall.id_of(tax), reason="asked"))
    assert refused.value.code == "not_served_here"
    with pytest.raises(QueueError) as no_reason:
        hall.do(c.CallSpecific(window=4, ticket_id=hall.id_of(tax), reason="  "))
    assert no_reason.value.code == "reason_required"
    events = hall.do(c.CallSpecific(window=4, ticket_id=hall.id_of(tax), reason="老人 elderly"))
    assert events[0].specific and events[0].reason == "老人 elderly"


def test_call_next_refused_while_the_window_has_a_current_ticket() -> None:
    hall = Hall(3)
    hall.issue("A01"), hall.issue("A01")
    hall.call(3)
    with pytest.raises(QueueError) as refused:
        hall.call(3)
    assert refused.value.code == "window_busy"


def test_closed_and_paused_windows_cannot_call() -> None:
    hall = Hall(3)
    hall.issue("A01")
    with pytest.raises(QueueError) as closed:
        hall.call(2)
    assert closed.value.code == "window_closed"
    hall.do(c.PauseWindow(window=3, reason="午休"))
    with pytest.raises(QueueError) as paused:
        hall.call(3)
    assert paused.value.code == "window_paused"
    hall.do(c.ResumeWindow(window=3))
    assert hall.call(3) == "A001"


def test_late_return_goes_k_places_behind_the_head() -> None:
    hall = Hall(3)  # the small hall puts late citizens 2 places behind the head
    late = hall.issue("A01")
    others = [hall.issue("A01") for _ in range(4)]
    assert hall.call(3) == late
    hall.do(c.Recall(ticket_id=hall.id_of(late)))
    hall.do(c.Recall(ticket_id=hall.id_of(late)))
    hall.do(c.MarkNoShow(ticket_id=hall.id_of(late)))
    hall.do(c.ReturnLate(ticket_id=hall.id_of(late)))
    order = []
    for _ in range(5):
        order.append(hall.call(3))
        hall.finish_current(3)
    assert order == [others[0], others[1], late, others[2], others[3]]


def test_late_return_with_a_short_queue_goes_to_the_end() -> None:
    hall = Hall(3)
    late, other = hall.issue("A01"), hall.issue("A01")
    hall.call(3)
    for _ in range(2):
        hall.do(c.Recall(ticket_id=hall.id_of(late)))
    hall.do(c.MarkNoShow(ticket_id=hall.id_of(late)))
    hall.do(c.ReturnLate(ticket_id=hall.id_of(late)))
    assert [hall.call(3)] == [other]


def test_people_ahead_and_the_estimate() -> None:
    hall = Hall(2, 3)
    for _ in range(4):
        hall.issue("A01")
    last = hall.state.tickets[4]
    assert people_ahead(hall.state, last, last.business_date) == 3
    naive = naive_wait_for(hall.state, "A01", 3)
    # 3.5 × 15 min ÷ 2 open windows (2 and 3) = 26.25 → about 15–35 minutes
    assert (naive.low, naive.high, naive.windows, naive.uncertain) == (15, 35, 2, False)
    # both windows are idle: the first two go at once, the fourth when one frees, at 15 minutes
    learned = wait_for(hall.state, "A01", 3, hall.now)
    assert (learned.low, learned.high, learned.windows, learned.uncertain) == (5, 25, 2, False)


def test_daily_cap() -> None:
    hall = Hall()
    for _ in range(3):
        hall.issue("B01")
    with pytest.raises(QueueError) as refused:
        hall.issue("B01")
    assert refused.value.code == "daily_cap_reached"


def test_issuing_hours_and_closed_days() -> None:
    document = small_hall_document()
    document["hall"] = dict(document["hall"], issuing_hours="08:30-11:30", working_days=[1, 2, 3, 4, 5],
                            holidays=["2026-11-27"], extra_working_days=["2026-11-29"])
    setup = parse_config(document)
    hall = HallState.fresh(setup)
    issue = c.IssueTicket(ticket_id=1, service="A01")
    local_8am = NOW - timedelta(hours=2)   # 08:00 in Shanghai
    with pytest.raises(QueueError) as early:
        handle(hall, issue, local_8am)
    assert early.value.code == "outside_hours"
    handle(hall, issue, NOW)   # 10:00 on a Thursday
    with pytest.raises(QueueError) as holiday:
        handle(hall, issue, NOW + timedelta(days=1))
    assert holiday.value.code == "hall_closed_today"
    with pytest.raises(QueueError):
        handle(hall, issue, NOW + timedelta(days=2))   # Saturday
    handle(hall, issue, NOW + timedelta(days=3))       # a make-up Sunday


def test_unknown_service_is_refused() -> None:
    with pytest.raises(QueueError) as refused:
        Hall().issue("ZZ")
    assert refused.value.code == "unknown_service"


# --- windows -----------------------------------------------------------------------------

def test_sign_in_rules() -> None:
    hall = Hall(3)
    with pytest.raises(QueueError) as taken:
        hall.do(c.SignIn(window=3, clerk=999))
    assert taken.value.code == "window_taken"
    with pytest.raises(QueueError) as elsewhere:
        hall.do(c.SignIn(window=2, clerk=103))
    assert elsewhere.value.code == "clerk_elsewhere"
    with pytest.raises(QueueError) as missing:
        hall.do(c.SignIn(window=77, clerk=1))
    assert missing.value.code == "window_not_found"


def test_sign_out_and_pause_need_a_free_window() -> None:
    hall = Hall(3)
    hall.issue("A01")
    hall.call(3)
    for command in (c.SignOut(window=3), c.PauseWindow(window=3, reason="break")):
        with pytest.raises(QueueError) as busy:
            hall.do(command)
        assert busy.value.code == "window_busy"
    hall.finish_current(3)
    with pytest.raises(QueueError) as reason:
        hall.do(c.PauseWindow(window=3, reason=" "))
    assert reason.value.code == "reason_required"
    hall.do(c.PauseWindow(window=3, reason="系统故障"))
    assert hall.state.windows[3].pause_reason == "系统故障"
    hall.do(c.SignOut(window=3))
    assert hall.state.windows[3].status is WindowStatus.CLOSED
    with pytest.raises(QueueError) as closed:
        hall.do(c.SignOut(window=3))
    assert closed.value.code == "window_closed"
    with pytest.raises(QueueError) as not_paused:
        hall.do(c.ResumeWindow(window=3))
    assert not_paused.value.code == "window_not_paused"


def test_held_ticket_returns_to_its_window_first() -> None:
    hall = Hall(2, 3)
    number = hall.issue("A01")
    hall.issue("A01")
    assert hall.call(3) == number
    hall.do(c.HoldTicket(ticket_id=hall.id_of(number), return_to="window"))
    hall.do(c.ResumeTicket(ticket_id=hall.id_of(number)))
    assert hall.call(2) == "A002", "window 2 cannot take a ticket held for window 3"
    assert hall.call(3) == number
