"""One answer for "who is next" and "how many are ahead" (hall/order.py), on random days.

A day is a random sequence of the hall's commands run through the pure core. After every
step, every view that says how many people stand before a waiting ticket — the core's
`people_ahead`, the REST ticket view, the phone page, the kiosk's reply — says the ticket's
index in the call order of the windows that may call it, and call-next takes index 0.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from hall import commands as c
from hall import order, wording
from hall.queue import HallState, handle
from hall.tickets import CALLABLE_STATES, Ticket
from hall.wait import ticket_wait
from server import protocol
from server.pages import phone
from tests.conftest import HALL_MORNING
from tests.hall.random_days import HALL, WINDOWS, a_day, play


def same_line(ticket: Ticket, other: Ticket) -> bool:
    """Whether `other` stands in the line `ticket` stands in (see hall/order.py)."""
    if ticket.target_window is not None:
        return True   # a ticket sent to a window stands in that window's whole call order
    return other.target_window is None and other.service == ticket.service


def check_one_answer(state: HallState, now) -> None:
    today = state.today(now)
    lines = {n: order.window_line(state, n, today) for n in WINDOWS}
    for ticket in state.tickets.values():
        if ticket.state not in CALLABLE_STATES or ticket.business_date != today:
            continue
        callers = order.calling_windows(state.setup, ticket)
        indices = {n: [t.id for t in lines[n] if same_line(ticket, t)].index(ticket.id) for n in callers}
        assert len(set(indices.values())) <= 1, ("the windows that may call it disagree", indices)
        ahead = order.people_ahead(state, ticket)
        assert all(i == ahead for i in indices.values()), (ticket, ahead, indices)
        rest = protocol.ticket_view(ticket, state.setup, state)
        page = phone.waiting_part(state, ticket, now)
        assert rest["waiting_ahead"] == page["ahead"] == ahead
        watch = order.watched_windows(state, ticket)
        assert page["watch"] == watch and set(watch) <= set(callers)
        open_now = order.open_calling_windows(state, ticket)
        assert watch == (open_now or list(callers))
        check_honest_words(state, ticket, now, page, served=bool(open_now))


def check_honest_words(state: HallState, ticket: Ticket, now, page: dict, served: bool) -> None:
    estimate = ticket_wait(state, ticket, now)
    if served:
        assert not estimate.uncertain
        return
    assert estimate.uncertain and page["estimate"]["text"] == wording.NO_WINDOW.zh
    assert page["estimate"]["text_en"] == wording.NO_WINDOW.en
    assert page["turn_notice"] is None, "no 下一位就是您 while no window serves the item"
    assert "即将叫号" not in str(page) and "Very soon" not in str(page)


def one_answer(before: HallState, command: c.Command, events: list, state: HallState, now) -> None:
    if isinstance(command, c.CallNext):
        head = order.window_line(before, command.window, before.today(now))
        assert [e.ticket_id for e in events[:1]] == [t.id for t in head[:1]], "call-next takes index 0"
        if events:
            assert order.people_ahead(before, before.tickets[events[0].ticket_id]) == 0
    check_one_answer(state, now)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_day())
def test_every_view_gives_the_place_in_the_call_order(actions) -> None:
    play(actions, one_answer)


def test_a_ticket_sent_to_a_window_stands_first_there_on_every_view() -> None:
    state, now = HallState.fresh(HALL), HALL_MORNING
    for number in (2, 3):
        state, _ = handle(state, c.SignIn(window=number, clerk=number), now)
    for ticket_id in range(1, 8):
        state, _ = handle(state, c.IssueTicket(ticket_id=ticket_id, service="A01"), now)
    state, _ = handle(state, c.CallNext(window=3), now)
    state, _ = handle(state, c.TransferTicket(ticket_id=1, to_window=2), now)
    sent = state.tickets[1]
    assert order.window_line(state, 2, now.date())[0].id == 1
    assert protocol.ticket_view(sent, state.setup, state)["waiting_ahead"] == 0
    assert phone.waiting_part(state, sent, now)["ahead"] == 0
    state, events = handle(state, c.CallNext(window=2), now)
    assert events[0].ticket_id == 1


def test_no_open_window_is_said_plainly_and_never_as_very_soon() -> None:
    state, now = HallState.fresh(HALL), HALL_MORNING
    state, _ = handle(state, c.IssueTicket(ticket_id=1, service="C01"), now)
    ticket = state.tickets[1]
    page = phone.waiting_part(state, ticket, now)
    assert page["ahead"] == 0 and page["turn_notice"] is None
    assert (page["estimate"]["text"], page["estimate"]["text_en"]) == (
        "暂无窗口办理此事项", "No window is serving this item now")
    assert page["watch"] == [1, 4], "while none is open, every window that may call it"
    assert wording.ahead_sentence(0, no_window=True).en == "Nobody ahead of you"
    state, _ = handle(state, c.SignIn(window=4, clerk=4), now)
    page = phone.waiting_part(state, state.tickets[1], now)
    assert page["watch"] == [4] and page["estimate"]["text"] == "即将叫号"
    assert page["turn_notice"]["text"].startswith("下一位就是您")
