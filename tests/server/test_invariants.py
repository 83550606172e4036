"""Random command sequences over several windows, on a real database file, keep the hall's
invariants; and eight threads with their own connections never share a number or a ticket."""

from __future__ import annotations

import tempfile
import threading
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hall import commands as c
from hall.tickets import CURRENT_STATES, Priority, QueueError, WindowStatus
from server import accounts, db, repository as repo
from server.datadir import open_data_dir
from server.services import HallService
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.server.test_storage import assert_log_replays

WINDOWS = (1, 2, 3, 4)
SERVICES = ("A01", "A02", "B01", "C01")
ticket_ref = st.integers(min_value=0, max_value=40)

# how often each move is drawn: the common ones weigh more, so most sequences reach calls,
# services, holds and transfers rather than stopping at refusals
MOVES = {
    "issue": (6, lambda: st.tuples(st.sampled_from(SERVICES), st.sampled_from(list(Priority)))),
    "sign_in": (3, lambda: st.tuples(st.sampled_from(WINDOWS), st.integers(0, 4))),
    "sign_out": (1, lambda: st.tuples(st.sampled_from(WINDOWS))),
    "pause": (1, lambda: st.tuples(st.sampled_from(WINDOWS))),
    "resume_window": (1, lambda: st.tuples(st.sampled_from(WINDOWS))),
    "call_next": (6, lambda: st.tuples(st.sampled_from(WINDOWS))),
    "call_specific": (1, lambda: st.tuples(st.sampled_from(WINDOWS), ticket_ref)),
    "start": (4, lambda: st.tuples(ticket_ref)),
    "finish": (4, lambda: st.tuples(ticket_ref)),
    "recall": (2, lambda: st.tuples(ticket_ref)),
    "no_show": (2, lambda: st.tuples(ticket_ref)),
    "resume": (2, lambda: st.tuples(ticket_ref)),
    "cancel": (1, lambda: st.tuples(ticket_ref)),
    "return_late": (2, lambda: st.tuples(ticket_ref)),
    "hold": (2, lambda: st.tuples(ticket_ref, st.sampled_from(["window", "any"]))),
    "transfer_service": (1, lambda: st.tuples(ticket_ref, st.sampled_from(SERVICES))),
    "transfer_window": (1, lambda: st.tuples(ticket_ref, st.sampled_from(WINDOWS))),
    "wait": (2, lambda: st.tuples(st.integers(1, 600))),
    "next_day": (1, lambda: st.tuples(st.integers(0, 1))),
}
WEIGHTED = [kind for kind, (weight, _) in MOVES.items() for _ in range(weight)]
STEPS = st.sampled_from(WEIGHTED).flatmap(
    lambda kind: MOVES[kind][1]().map(lambda args, kind=kind: (kind, *args)))

TICKET_COMMANDS = {
    "recall": lambda t: c.Recall(ticket_id=t), "start": lambda t: c.StartService(ticket_id=t),
    "finish": lambda t: c.FinishService(ticket_id=t, case_no="X"),
    "no_show": lambda t: c.MarkNoShow(ticket_id=t), "resume": lambda t: c.ResumeTicket(ticket_id=t),
    "cancel": lambda t: c.CancelTicket(ticket_id=t), "return_late": lambda t: c.ReturnLate(ticket_id=t),
}


def to_command(step: tuple, ticket_ids: list[int], clerks: list[int], clock: FakeClock,
               signed_in: list[int] = ()):
    kind, *args = step
    if kind in ("call_next", "call_specific", "pause", "sign_out") and signed_in:
        # aim most window moves at windows that are signed in, where they can succeed
        args[0] = signed_in[args[0] % len(signed_in)]
    ticket = ticket_ids[args[0] % len(ticket_ids)] if ticket_ids and kind not in (
        "issue", "sign_in", "sign_out", "pause", "resume_window", "call_next", "wait", "next_day",
        "call_specific") else None
    match kind:
        case "issue":
            return c.IssueTicket(ticket_id=0, service=args[0], priority=args[1])
        case "sign_in":
            return c.SignIn(window=args[0], clerk=clerks[args[1]])
        case "sign_out":
            return c.SignOut(window=args[0])
        case "pause":
            return c.PauseWindow(window=args[0], reason="break")
        case "resume_window":
            return c.ResumeWindow(window=args[0])
        case "call_next":
            return c.CallNext(window=args[0])
        case "call_specific":
            if not ticket_ids:
                return None
            return c.CallSpecific(window=args[0], ticket_id=ticket_ids[args[1] % len(ticket_ids)],
                                  reason="asked")
        case "wait":
            clock.advance(seconds=args[0])
            return None
        case "next_day":
            clock.advance(days=1, hours=args[0])
            return c.ExpireDay()
    if ticket is None:
        return None
    if kind == "hold":
        return c.HoldTicket(ticket_id=ticket, return_to=args[1])
    if kind == "transfer_service":
        return c.TransferTicket(ticket_id=ticket, to_service=args[1])
    if kind == "transfer_window":
        return c.TransferTicket(ticket_id=ticket, to_window=args[1])
    return TICKET_COMMANDS[kind](ticket)


def check_one_current_per_window(service: HallService) -> None:
    rows = service.database.connection().execute(
        "SELECT \"window\", COUNT(*) FROM tickets WHERE state IN ('called', 'serving') GROUP BY \"window\"")
    assert all(count == 1 for _, count in rows), "a ticket is current at two windows"


def check_reused_state_is_true(service: HallService) -> None:
    """The state kept between commands equals what the database says."""
    kept = service.snapshot()
    conn = service.database.connection()
    with db.read(conn):
        fresh = service.load_state(conn)
    assert kept.tickets == fresh.tickets and kept.windows == fresh.windows
    assert (kept.last_serial, kept.issued) == (fresh.last_serial, fresh.issued)
    assert {k: pytest.approx(v) for k, v in kept.handling.items()} == fresh.handling


def check_invariants(service: HallService) -> None:
    conn = service.database.connection()
    tickets = repo.all_tickets(conn, service.hall_id)
    windows = repo.load_windows(conn, service.hall_id)
    current = Counter(t.window for t in tickets if t.state in CURRENT_STATES)
    assert all(count == 1 for count in current.values()), f"a window has two current tickets: {current}"
    for t in tickets:
        if t.state in CURRENT_STATES:
            assert windows[t.window].status is not WindowStatus.CLOSED, f"{t.number} at a closed window"
    numbers = Counter((t.business_date, t.number) for t in tickets)
    assert max(numbers.values(), default=1) == 1, "a number repeated within a day"
    issued = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'ticket_issued'").fetchone()[0]
    assert issued == len(tickets)
    assert_log_replays(service)


#: the hundred random days run as four tests of 25 days each, so that parallel test processes
#: share them out (each part draws its own days)
DAYS, DAY_PARTS = 100, 4


# fresh_database is a factory the test calls once per example, not state shared between them
@pytest.mark.parametrize("part", range(DAY_PARTS))
@settings(max_examples=DAYS // DAY_PARTS, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=40, max_size=150))
def test_random_days_keep_the_invariants(seeded, fresh_database, part: int, steps: list[tuple]) -> None:
    fresh_database()   # every example starts from an empty hall, on either database
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(to_toml(small_hall_document()), encoding="utf-8")
        data = open_data_dir(seeded(Path(tmp) / "var", config), config)
        clerks = [accounts.repo.insert_user(data.database.connection(), data.hall_id, f"c{i}", "c",
                                            None, "clerk", "x", FakeClock().now) for i in range(5)]
        clock = FakeClock()
        service = HallService(data.database, data.hall_id, clock=clock)
        ticket_ids: list[int] = []
        try:
            for step in steps:
                # ticket commands pick among the tickets still open, where most moves are legal
                open_ids = sorted(repo.open_tickets(data.database.connection(), data.hall_id)) or ticket_ids
                windows = repo.load_windows(data.database.connection(), data.hall_id)
                signed_in = [n for n, w in windows.items() if w.status is not WindowStatus.CLOSED]
                command = to_command(step, open_ids, clerks, clock, signed_in)
                if command is None:
                    continue
                try:
                    outcome = service.execute(command)
                except QueueError:
                    continue
                for e in outcome.events:
                    event(e.kind())
                ticket_ids += [e.ticket_id for e in outcome.events if e.kind() == "ticket_issued"]
                check_one_current_per_window(service)
                check_reused_state_is_true(service)
                clock.advance(seconds=5)
            check_invariants(service)
        finally:
            data.close()


def test_eight_threads_never_share_a_number_or_a_ticket(tmp_path, small_config_file) -> None:
    data = open_data_dir(tmp_path / "var", small_config_file)
    clerks = [add_user(data.database, data.hall_id, f"clerk{i}", "clerk", "password-1")
              for i in range(4)]
    issued: list[tuple[str, str]] = []
    called: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def own_service() -> HallService:
        # each thread opens the file itself: its own connection, as separate processes would
        fresh = open_data_dir(data.path, small_config_file)
        return HallService(fresh.database, fresh.hall_id)

    def issuer(n: int) -> None:
        service = own_service()
        start.wait()
        for i in range(60):
            ticket = service.issue(SERVICES[(n + i) % 2]).ticket   # A01 and A02: windows 1-3 call them
            with lock:
                issued.append((ticket.business_date.isoformat(), ticket.number))

    def window(n: int) -> None:
        service = own_service()
        service.execute(c.SignIn(window=n, clerk=clerks[n - 1]))
        start.wait()
        for _ in range(200):
            ticket = service.call_next(n)
            if ticket is None:
                continue
            with lock:
                called.append(ticket.id)
            service.execute(c.StartService(ticket_id=ticket.id))
            service.execute(c.FinishService(ticket_id=ticket.id))

    def guarded(target, n):
        try:
            target(n)
        except BaseException as exc:  # surfaced below, with its thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(issuer, n)) for n in range(4)]
    threads += [threading.Thread(target=guarded, args=(window, n)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(issued) == 240 and len(set(issued)) == 240, "no duplicate number"
    assert len(called) == len(set(called)), "no ticket called twice"
    conn = data.database.connection()
    calls = conn.execute("SELECT ticket_id, COUNT(*) FROM events WHERE kind = 'ticket_called' "
                         "GROUP BY ticket_id HAVING COUNT(*) > 1").fetchall()
    assert calls == []
    data.close()
