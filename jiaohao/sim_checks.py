"""The invariants a simulated day must keep, checked against the server's own database file,
its reports, a live board and the phone pages. Each check returns {ok, detail}."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from client.hall_client import HallClient, wait_until
from hall import events as e
from hall.events import event_from_record
from hall.queue import HallState, replay
from server import db
from server import repository as repo
from protocol.live import TICKET_CALLED
from server.services import HallService

from .simulation import both_estimates, compare

DATABASE = "jiaohao.sqlite3"
#: the report figures the simulator can recount from its own record
KPI_FIELDS = ("issued", "served", "no_show", "ratings", "satisfied")
REQUEUES = {e.TicketResumed.KIND, e.TicketTransferred.KIND, e.TicketReturnedLate.KIND}


def hall_service(data: Path) -> HallService:
    """The hall of a demo data directory, read from its SQLite file (the caller closes it)."""
    database = db.Database(data / DATABASE)
    return HallService(database, repo.find_hall(database.connection())["id"])


def setup_of(data: Path):
    service = hall_service(data)
    try:
        return service.setup()
    finally:
        service.database.close()


def report_summary(api) -> dict[str, Any]:
    return api.do("GET", "/reports?by=item")["summary"]


def board_listener(base: str, token: str, timeout: float = 10) -> tuple[HallClient, list[dict]]:
    """A real websocket board that keeps every call it hears (replayed ones marked)."""
    received: list[dict] = []
    lock = threading.Lock()

    def on_message(name: str, payload: dict) -> None:
        if name == TICKET_CALLED:
            with lock:
                received.append(payload)
    board = HallClient(base, token, on_message=on_message)
    board.start()
    if not wait_until(lambda: board.connected, timeout=timeout):
        board.stop()
        raise RuntimeError("the board could not connect")
    return board, received


def _ok(ok: bool, detail: Any = "") -> dict[str, Any]:
    return {"ok": bool(ok), "detail": detail}


def final_states(stored: dict, ours: set[int]) -> dict:
    open_ = {stored[i].number: stored[i].state.value for i in ours
             if stored[i].state.value not in ("done", "no_show", "cancelled", "expired")}
    return _ok(not open_, open_ or f"{len(ours)} tickets all final")


def record_matches(stored: dict, day) -> dict:
    differ = {r.number: (r.final, stored[r.id].state.value) for r in day.tickets.values()
              if r.final != stored[r.id].state.value}
    return _ok(not differ, differ or "the server's states are the simulator's")


def called_once(records: list[dict]) -> dict:
    """A ticket is called again only after going back into a queue (hold, transfer, late return)."""
    callable_: dict[int, bool] = {}
    twice = []
    for r in records:
        ticket, kind = r["ticket_id"], r["kind"]
        if kind == e.TicketIssued.KIND or kind in REQUEUES:
            callable_[ticket] = True
        elif kind == e.TicketCalled.KIND:
            if not callable_.get(ticket):
                twice.append(r["seq"])
            callable_[ticket] = False
    return _ok(not twice, twice or "no ticket called while already called")


def numbers_unique(tickets: list) -> dict:
    repeated = [k for k, n in Counter((t.business_date, t.number) for t in tickets).items() if n > 1]
    return _ok(not repeated, [f"{d} {n}" for d, n in repeated] or f"{len(tickets)} numbers, none repeated")


def log_replays(service: HallService, records: list[dict]) -> dict:
    conn = service.database.connection()
    rebuilt = replay(HallState.fresh(service.setup()), [event_from_record(r) for r in records])
    stored = {t.id: t for t in repo.all_tickets(conn, service.hall_id)}
    differ = sorted(i for i in stored if rebuilt.tickets.get(i) != stored[i])
    windows_ok = rebuilt.windows == repo.load_windows(conn, service.hall_id)
    return _ok(not differ and windows_ok and len(rebuilt.tickets) == len(stored),
               {"tickets_differ": differ, "windows_match": windows_ok, "events": len(records)})


def own_kpis(day) -> dict[str, int]:
    records = day.tickets.values()
    ratings = [r.rating for r in records if r.rating is not None]
    return {"issued": len(day.tickets), "served": sum(r.final == "done" for r in records),
            "no_show": sum(r.final == "no_show" for r in records), "ratings": len(ratings),
            "satisfied": sum(1 for v in ratings if v >= 3)}


def kpis_match(before: dict, after: dict, own: dict) -> dict:
    """The report's figures grew by exactly what the simulator did."""
    reported = {k: after[k] - before[k] for k in KPI_FIELDS}
    return _ok(reported == own, {"reported": reported, "recounted": own})


def boards_heard(boards: dict[str, list[dict]], records: list[dict], ours: set[int]) -> dict:
    """`board_heard` for each board (name → the calls it received); one board's detail as is."""
    if len(boards) == 1:
        return board_heard(next(iter(boards.values())), records, ours)
    found = {name: board_heard(received, records, ours) for name, received in boards.items()}
    return _ok(all(f["ok"] for f in found.values()), {name: f["detail"] for name, f in found.items()})


def board_heard(received: list[dict], records: list[dict], ours: set[int]) -> dict:
    calls = {r["seq"] for r in records if r["kind"] == e.TicketCalled.KIND and r["ticket_id"] in ours}

    def heard() -> set[int]:
        return {m["seq"] for m in list(received) if not m.get("recall") and m["ticket"]["id"] in ours}
    wait_until(lambda: heard() >= calls, timeout=10)
    got = heard()
    return _ok(got == calls, {"calls_logged": len(calls), "calls_heard": len(got),
                              "missing": sorted(calls - got)[:10]})


def phones_follow(day, stored: dict) -> dict:
    wrong = {day.tickets[i].number: states for i, states in day.phone_states.items()
             if states[-1] != stored[i].state.value}
    return _ok(bool(day.phone_states) and not wrong, wrong or {day.tickets[i].number: s
                                                              for i, s in day.phone_states.items()})


def notices_kept(service: HallService, records: list[dict], day) -> dict:
    """Whoever opted in: one "N ahead" and one "called" queued for every ticket that was called,
    none queued twice, "called" never for a ticket never called; what was sent went out in
    order and never after the ticket ended. Waits (bounded) for the courier to empty the outbox."""
    conn, hall = service.database.connection(), (service.hall_id,)

    def pending() -> int:
        return conn.execute("SELECT COUNT(*) FROM notify_outbox WHERE state = 'pending' AND hall_id = ?",
                            hall).fetchone()[0]
    wait_until(lambda: pending() == 0, timeout=20)
    called = {r["ticket_id"] for r in records if r["kind"] == e.TicketCalled.KIND}
    ended = {}
    for r in records:
        if r["ticket_id"] is not None and r["to_state"] in ("done", "no_show", "cancelled", "expired"):
            ended[r["ticket_id"]] = datetime.fromisoformat(r["at"])
    queued: dict[int, list] = {}
    for row in conn.execute("SELECT o.ticket_id, o.kind, o.state, (SELECT MIN(a.at) FROM notify_attempts a "
                            "WHERE a.outbox_id = o.id AND a.result = 'sent') AS sent_at "
                            "FROM notify_outbox o WHERE o.ticket_id IS NOT NULL AND o.hall_id = ? "
                            "ORDER BY o.id", hall):
        queued.setdefault(row["ticket_id"], []).append(dict(row))
    wrong = {}
    for ticket_id in day.opted_in:
        rows = queued.get(ticket_id, [])
        kinds = sorted(r["kind"] for r in rows)
        expected = ["ahead", "called"] if ticket_id in called else [k for k in kinds if k == "ahead"][:1]
        sent = {r["kind"]: datetime.fromisoformat(r["sent_at"]) for r in rows if r["sent_at"]}
        late = [k for k, at in sent.items() if ticket_id in ended and at >= ended[ticket_id]]
        out_of_order = "ahead" in sent and "called" in sent and sent["ahead"] > sent["called"]
        if kinds != expected or late or out_of_order or any(r["state"] == "pending" for r in rows):
            wrong[day.tickets[ticket_id].number] = {"queued": kinds, "sent": sorted(sent), "late": late}
    others = sorted(set(queued) - day.opted_in)
    sent_count = sum(1 for rows in queued.values() for r in rows if r["sent_at"])
    return _ok(not wrong and not others and bool(day.opted_in),
               wrong or others or f"{len(day.opted_in)} opted in, {sent_count} messages sent, none late")


def counts(day, cancelled: list[int]) -> dict[str, int]:
    records = list(day.tickets.values())
    used = [r.arrival.outcome for r in records if r.used_outcome]
    return {"issued": len(records), "done": sum(r.final == "done" for r in records),
            "no_show": sum(r.final == "no_show" for r in records), "cancelled": len(cancelled),
            "held": used.count("hold"), "transferred": used.count("transfer"),
            "ratings": sum(r.rating is not None for r in records),
            "calls": sum(r.calls for r in records), "requests": day.request_count(),
            "opted_in": len(day.opted_in)}


def check_all(day, service: HallService, before: dict, boss, boards: dict[str, list[dict]],
              cancelled: list[int]) -> dict:
    """Every invariant of the hall `service` serves, against the simulator's `day`; `boards`:
    the calls each live board heard (board_listener), by the board's name."""
    conn = service.database.connection()
    records = repo.event_records(conn, service.hall_id)
    tickets = repo.all_tickets(conn, service.hall_id)
    stored = {t.id: t for t in tickets}
    ours = set(day.tickets)
    invariants = {
        "every_ticket_final": final_states(stored, ours),
        "states_match_simulation": record_matches(stored, day),
        "nothing_called_twice": called_once(records),
        "numbers_unique": numbers_unique(tickets),
        "log_replays": log_replays(service, records),
        "kpis_match_reports": kpis_match(before, report_summary(boss), own_kpis(day)),
        "board_heard_every_call": boards_heard(boards, records, ours),
        "phone_pages_follow": phones_follow(day, stored),
        "notices_once_in_order": notices_kept(service, records, day),
    }
    pairs = [(r.inputs, r.called - r.issued) for r in day.tickets.values() if r.called is not None]
    return {"invariants": invariants, "counts": counts(day, cancelled), "estimate": compare(pairs),
            "tickets": [{"number": r.number, "item": r.arrival.service, "issued_min": round(r.issued, 1),
                         "called_min": None if r.called is None else round(r.called, 1),
                         "ahead": r.inputs.ahead, "final": r.final, "rating": r.rating,
                         "naive": both_estimates(r.inputs)[0].as_dict(),
                         "learned": both_estimates(r.inputs)[1].as_dict(),
                         "server_estimate_real_minutes": r.server_estimate}
                        for r in day.tickets.values()]}
