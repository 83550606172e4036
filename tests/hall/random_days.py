"""Random days for property tests: the hall's commands in any order, run through the pure core."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from hypothesis import strategies as st

from hall import commands as c
from hall import events as e
from hall.config import parse_config
from hall.queue import HallState, handle
from hall.tickets import Priority, QueueError
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


def a_day() -> st.SearchStrategy[list[tuple]]:
    """Tickets issued early, some windows signed in, then anything at all."""
    return st.builds(lambda morning, signed_in, actions: morning + [("sign_in", n) for n in sorted(signed_in)] + actions,
                     st.lists(issue, min_size=3, max_size=20), st.sets(window_no),
                     st.lists(step, min_size=10, max_size=80))


#: called after every command the hall accepted: (state before, command, events, state after, now)
Check = Callable[[HallState, c.Command, list[e.Event], HallState, datetime], None]


def play(actions: list[tuple], check: Check) -> HallState:
    """Run a random day through the core; a refused command must change nothing."""
    state, now, next_id = HallState.fresh(HALL), HALL_MORNING, 1
    for action in actions:
        if action[0] == "wait":
            now += timedelta(minutes=action[1])
            continue
        command = command_for(state, action, next_id)
        if command is None:
            continue
        now += timedelta(seconds=20)
        try:
            after, events = handle(state, command, now)
        except QueueError:
            continue
        if isinstance(command, c.IssueTicket):
            next_id += 1
        check(state, command, events, after, now)
        state = after
    return state
