"""One answer for "who is next" and "how many are ahead" (hall/order.py), on random days.

A day is a random sequence of the hall's commands run through the pure core. After every
step, every view that says how many people stand before a waiting ticket — the core's
`people_ahead`, the REST ticket view, the phone page, the kiosk's reply — says the ticket's
index in the call order of the windows that may call it, and call-next takes index 0.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall import commands as c
from hall import order, wording
from hall.config import parse_config
from hall.queue import HallState, handle
from hall.tickets import CALLABLE_STATES, Priority, QueueError, Ticket
from hall.wait import ticket_wait
from server import protocol
from server.pages import phone
from tests.conftest import HALL_MORNING, small_hall_document

#: the small hall without B01's daily cap, so a random day can issue as many as it likes
HALL = parse_config(small_hall_document(services=[
    {k: v for k, v in item.items() if k != "daily_cap"} for item in small_hall_document()["services"]]))
WINDOWS = [spec.number for spec in HALL.windows]
SERVICES = [item.code for item in HALL.services]

window_no = st.sampled_from(WINDOWS)
pick = st.integers(min_value=0, max_value=10_000)   # which ticket, modulo those there are

issue = st.tuples(st.just("issue"), st.sampled_from(SERVICES),
                  st.sampled_from([Priority.NORMAL] * 4 + [Priority.GREEN, Priority.APPOINTMENT]))
step = st.one_of(
    issue, issue, issue, issue,
    st.tuples(st.just("sign_in"), window_no),
    st.tuples(st.just("sign_in"), window_no),
    st.tuples(st.just("sign_out"), window_no),
    st.tuples(st.just("pause"), window_no),
    st.tuples(st.just("resume_window"), window_no),
    st.tuples(st.just("call_next"), window_no),
    st.tuples(st.just("call_next"), window_no),
    st.tuples(st.just("call_next"), window_no),
    st.tuples(st.just("call_specific"), window_no, pick),
    st.tuples(st.just("recall"), pick),
    st.tuples(st.just("start"), pick),
    st.tuples(st.just("finish"), pick),
    st.tuples(st.just("no_show"), pick),
    st.tuples(st.just("return_late"), pick),
    st.tuples(st.just("hold"), pick, st.sampled_from(["window", "any"])),
    st.tuples(st.just("resume"), pick),
    st.tuples(st.just("transfer_item"), pick, st.sampled_from(SERVICES)),
    st.tuples(st.just("transfer_window"), pick, window_no),
    st.tuples(st.just("transfer_window"), pick, window_no),
    st.tuples(st.just("cancel"), pick),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=20)),
)


def _nth(state: HallState, n: int) -> int:
    ids = sorted(state.tickets)
    return ids[n % len(ids)] if ids else 0


def command_for(state: HallState, action: tuple, next_id: int) -> c.Command | None:
    kind, *args = action
    if kind == "issue":
        return c.IssueTicket(ticket_id=next_id, service=args[0], priority=args[1])
    if kind in ("sign_in", "sign_out", "pause", "resume_window", "call_next"):
        number = args[0]
        return {"sign_in": c.SignIn(window=number, clerk=100 + number),
                "sign_out": c.SignOut(window=number),
                "pause": c.PauseWindow(window=number, reason="临时外出"),
                "resume_window": c.ResumeWindow(window=number),
                "call_next": c.CallNext(window=number)}[kind]
    if kind == "wait":
        return None
    if not state.tickets:
        return None
    if kind == "call_specific":
        return c.CallSpecific(window=args[0], ticket_id=_nth(state, args[1]), reason="特呼")
    ticket_id = _nth(state, args[0])
    return {"recall": lambda: c.Recall(ticket_id=ticket_id),
            "start": lambda: c.StartService(ticket_id=ticket_id),
            "finish": lambda: c.FinishService(ticket_id=ticket_id),
            "no_show": lambda: c.MarkNoShow(ticket_id=ticket_id),
            "return_late": lambda: c.ReturnLate(ticket_id=ticket_id),
            "hold": lambda: c.HoldTicket(ticket_id=ticket_id, return_to=args[1], minutes=10),
            "resume": lambda: c.ResumeTicket(ticket_id=ticket_id),
            "transfer_item": lambda: c.TransferTicket(ticket_id=ticket_id, to_service=args[1]),
            "transfer_window": lambda: c.TransferTicket(ticket_id=ticket_id, to_window=args[1]),
            "cancel": lambda: c.CancelTicket(ticket_id=ticket_id, reason="市民离开"),
            }[kind]()


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


def run_day(actions: list[tuple]) -> None:
    state, now, next_id = HallState.fresh(HALL), HALL_MORNING, 1
    for action in actions:
        if action[0] == "wait":
            now += timedelta(minutes=action[1])
            continue
        command = command_for(state, action, next_id)
        if command is None:
            continue
        before = state
        heads = {n: order.window_line(state, n, state.today(now)) for n in WINDOWS}
        now += timedelta(seconds=20)
        try:
            state, events = handle(state, command, now)
        except QueueError:
            assert state is before
            continue
        if isinstance(command, c.IssueTicket):
            next_id += 1
        if isinstance(command, c.CallNext) and events:
            called = events[0].ticket_id
            assert heads[command.window][0].id == called, "call-next takes index 0"
            assert order.people_ahead(before, before.tickets[called]) == 0
        if isinstance(command, c.CallNext) and not events:
            assert heads[command.window] == []
        check_one_answer(state, now)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(issue, min_size=3, max_size=20), st.sets(window_no),
       st.lists(step, min_size=10, max_size=80))
def test_every_view_gives_the_place_in_the_call_order(morning, signed_in, actions) -> None:
    run_day(morning + [("sign_in", n) for n in sorted(signed_in)] + actions)


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
