"""A day of the hall with notifications on, driven through the API: random arrivals, opt-ins
from phones and kiosks, calls at two windows, services, no-shows and cancellations, and the
courier coming round at random moments. Whoever opted in hears "N ahead" before "called",
each at most once, and nothing once their ticket has ended; with the courier keeping up,
everyone whose ticket was called hears both, exactly once."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from server import repository as repo
from tests.notify.conftest import Api, signed_in
from tests.notify.test_opt_in import issue, token_of

SERVICES = ("A01", "A02")


def run_day(app, seed: int, courier_every_step: bool) -> dict[int, dict]:
    rng = random.Random(seed)
    hall = app.extensions["jiaohao"]
    clerks = {2: signed_in(app, "clerk2", 2), 3: signed_in(app, "clerk3", 3)}
    current: dict[int, int | None] = {2: None, 3: None}
    opted: dict[int, dict] = {}
    for step in range(160):
        app.clock.advance(seconds=20)     # every step at its own moment: "before" and "after" are clear
        roll = rng.random()
        if roll < 0.35:
            wish = {"mobile": f"139{rng.randrange(10**8):08d}", "ahead": rng.random() < 0.8,
                    "called": rng.random() < 0.8}
            wish["called"] = wish["called"] or not wish["ahead"]
            if rng.random() < 0.3:
                ticket = issue(app, rng.choice(SERVICES), notify=wish)
            else:
                ticket = issue(app, rng.choice(SERVICES))
                if rng.random() < 0.5:
                    assert Api(app).post(f"/track/{token_of(ticket)}/notify", wish)[0] == 200
                else:
                    wish = None
            if wish:
                opted[ticket["id"]] = wish
        elif roll < 0.85:
            window = rng.choice((2, 3))
            clerk, ticket_id = clerks[window], current[window]
            if ticket_id is not None:
                if rng.random() < 0.15:
                    app.clock.advance(minutes=6)
                    assert clerk.post(f"/tickets/{ticket_id}/no-show")[0] == 200
                else:
                    assert clerk.post(f"/tickets/{ticket_id}/start")[0] == 200
                    assert clerk.post(f"/tickets/{ticket_id}/finish")[0] == 200
            status, reply = clerk.post(f"/windows/{window}/call-next")
            assert status == 200, reply
            current[window] = reply["ticket"] and reply["ticket"]["id"]
        elif opted and roll < 0.9:
            victim = rng.choice(sorted(opted))
            boss = clerks[2]
            boss.post(f"/tickets/{victim}/cancel", {"reason": "left"})   # refused if no longer waiting
        if courier_every_step or rng.random() < 0.3:
            hall.notifications.courier.deliver_due()
    hall.notifications.courier.deliver_due()
    return opted


def sent_and_ends(app) -> tuple[dict[int, list], dict[int, datetime]]:
    hall = app.extensions["jiaohao"]
    conn = hall.database.connection()
    sent: dict[int, list] = {}
    for row in conn.execute("SELECT o.ticket_id, o.kind, o.ahead, a.at FROM notify_attempts a "
                            "JOIN notify_outbox o ON o.id = a.outbox_id WHERE a.result = 'sent' ORDER BY a.id"):
        sent.setdefault(row["ticket_id"], []).append((row["kind"], row["ahead"], datetime.fromisoformat(row["at"])))
    last_event: dict[int, datetime] = {}
    for record in repo.event_records(conn, hall.service.hall_id):
        if record["ticket_id"] is not None:
            last_event[record["ticket_id"]] = datetime.fromisoformat(record["at"])
    ends = {ticket.id: last_event[ticket.id] for ticket in repo.all_tickets(conn, hall.service.hall_id)
            if not ticket.is_open}
    return sent, ends


def called_tickets(app) -> set[int]:
    hall = app.extensions["jiaohao"]
    conn = hall.database.connection()
    return {r["ticket_id"] for r in repo.event_records(conn, hall.service.hall_id) if r["kind"] == "ticket_called"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_order_once_and_never_after_the_end(notify_app, seed) -> None:
    opted = run_day(notify_app, seed, courier_every_step=False)
    sent, ends = sent_and_ends(notify_app)
    assert set(sent) <= set(opted) and len(opted) > 20
    for ticket_id, messages in sent.items():
        kinds = [kind for kind, _, _ in messages]
        assert kinds in (["ahead"], ["called"], ["ahead", "called"]), (ticket_id, kinds)
        assert all(ahead <= 3 for kind, ahead, _ in messages if kind == "ahead")
        if ticket_id in ends:
            assert all(at < ends[ticket_id] for _, _, at in messages), (ticket_id, messages, ends[ticket_id])
        wish = opted[ticket_id]
        assert ("ahead" in kinds) <= wish["ahead"] and ("called" in kinds) <= wish["called"]


def test_with_the_courier_keeping_up_every_wish_is_met_exactly_once(notify_app) -> None:
    opted = run_day(notify_app, 7, courier_every_step=True)
    sent, _ = sent_and_ends(notify_app)
    called = called_tickets(notify_app)
    met = 0
    for ticket_id, wish in opted.items():
        kinds = [kind for kind, _, _ in sent.get(ticket_id, [])]
        if ticket_id in called:
            assert kinds == [k for k in ("ahead", "called") if wish[k]], (ticket_id, wish, kinds)
            met += 1
        else:
            assert "called" not in kinds
    assert met > 10
