"""Opting in and out from the phone page and at the kiosk; what is queued, and when."""

from __future__ import annotations

from server import repository as repo
from tests.notify.conftest import Api, signed_in

MOBILE = "13812345678"


def issue(app, service: str = "A01", **extra) -> dict:
    status, reply = app.kiosk.post("/tickets", {"service": service} | extra)
    assert status == 201, reply
    return reply


def token_of(reply: dict) -> str:
    return reply["track_url"].rsplit("/", 1)[1]


def call_next(clerk, window: int = 3) -> dict | None:
    """Finish the ticket this clerk called last (if any), then call the next one."""
    current = getattr(clerk, "current", None)
    if current is not None:
        assert clerk.post(f"/tickets/{current}/start")[0] == 200
        assert clerk.post(f"/tickets/{current}/finish")[0] == 200
    status, reply = clerk.post(f"/windows/{window}/call-next")
    assert status == 200, reply
    clerk.current = reply["ticket"] and reply["ticket"]["id"]
    return reply["ticket"]


def outbox(app, ticket_id: int) -> list:
    hall = app.extensions["jiaohao"]
    return [dict(row) for row in repo.outbox_of_ticket(hall.database.connection(), ticket_id)]


def test_opt_in_answers_the_masked_number_and_the_page_shows_it(notify_app) -> None:
    ticket = issue(notify_app)
    phone = Api(notify_app)
    status, reply = phone.post(f"/track/{token_of(ticket)}/notify", {"mobile": MOBILE})
    assert status == 200 and reply == {"mobile": "138****5678", "wechat": False, "ahead": True, "called": True,
                                       "ahead_at": 3}
    assert phone.get(f"/track/{token_of(ticket)}")[1]["notify"]["mobile"] == "138****5678"
    status, reply = phone.call("DELETE", f"/track/{token_of(ticket)}/notify")
    assert status == 200 and reply["removed"] is True
    assert phone.get(f"/track/{token_of(ticket)}")[1]["notify"] is None


def test_bad_opt_ins_are_refused_in_both_languages_and_change_nothing(notify_app) -> None:
    ticket = issue(notify_app)
    phone, path = Api(notify_app), f"/track/{token_of(ticket)}/notify"
    for body, code in (({}, "missing_field"), ({"mobile": "12345"}, "bad_mobile"), ({"mobile": 138},
                       "bad_mobile"), ({"mobile": MOBILE, "ahead": "yes"}, "bad_field"),
                       ({"mobile": MOBILE, "ahead": False, "called": False}, "nothing_chosen"),
                       ({"openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"}, "bad_openid")):
        status, reply = phone.post(path, body)
        assert status == 422 and reply["error"] == code and " / " in reply["message"], (body, reply)
    assert phone.post("/track/" + "x" * 43 + "/notify", {"mobile": MOBILE})[0] == 404
    assert phone.get(f"/track/{token_of(ticket)}")[1]["notify"] is None


def test_a_finished_ticket_cannot_opt_in(notify_app) -> None:
    ticket = issue(notify_app)
    clerk = signed_in(notify_app, "clerk2", 3)
    called = call_next(clerk)
    clerk.post(f"/tickets/{called['id']}/start")
    clerk.post(f"/tickets/{called['id']}/finish")
    status, reply = Api(notify_app).post(f"/track/{token_of(ticket)}/notify", {"mobile": MOBILE})
    assert status == 409 and reply["error"] == "ticket_closed"


def test_the_ahead_message_is_queued_by_the_call_that_brings_the_ticket_close(notify_app) -> None:
    tickets = [issue(notify_app) for _ in range(6)]
    last = tickets[-1]
    assert Api(notify_app).post(f"/track/{token_of(last)}/notify", {"mobile": MOBILE})[0] == 200
    assert outbox(notify_app, last["id"]) == []          # 5 ahead: nothing yet
    clerk = signed_in(notify_app, "clerk2", 3)
    call_next(clerk)
    assert outbox(notify_app, last["id"]) == []          # 4 ahead
    call_next(clerk)                   # 3 ahead: committed with this call
    [ahead] = outbox(notify_app, last["id"])
    assert ahead["kind"] == "ahead" and ahead["ahead"] == 3 and ahead["state"] == "pending"
    assert ahead["text"].startswith("【测试大厅】") and "3" in ahead["text"] and "3 ahead" in ahead["text_en"]
    assert ahead["idem_key"].endswith(f":ticket:{last['id']}:ahead") and MOBILE not in str(ahead)
    for _ in range(4):
        call_next(clerk)
    kinds = [(m["kind"], m["window"]) for m in outbox(notify_app, last["id"])]
    assert kinds == [("ahead", None), ("called", 3)]


def test_opting_in_when_already_close_queues_at_once(notify_app) -> None:
    ticket = issue(notify_app)
    Api(notify_app).post(f"/track/{token_of(ticket)}/notify", {"mobile": MOBILE, "called": False})
    [ahead] = outbox(notify_app, ticket["id"])
    assert ahead["kind"] == "ahead" and ahead["ahead"] == 0
    clerk = signed_in(notify_app, "clerk2", 3)
    call_next(clerk)
    assert [m["kind"] for m in outbox(notify_app, ticket["id"])] == ["ahead"]   # "called" not wanted


def test_the_kiosk_opts_in_with_the_ticket_in_one_transaction(notify_app) -> None:
    reply = issue(notify_app, notify={"mobile": MOBILE, "ahead": False})
    assert reply["notify"] == {"mobile": "138****5678", "wechat": False, "ahead": False, "called": True,
                               "ahead_at": 3}
    status, refused = notify_app.kiosk.post("/tickets", {"service": "A01", "notify": {"mobile": "1234"}})
    assert status == 422 and refused["error"] == "bad_mobile"
    hall = notify_app.extensions["jiaohao"]
    assert len(repo.all_tickets(hall.database.connection(), hall.service.hall_id)) == 1   # none issued


def test_the_number_is_sealed_at_rest_and_purged_with_the_tickets_day(notify_app) -> None:
    from server import db, personal
    hall = notify_app.extensions["jiaohao"]
    ticket = issue(notify_app)
    Api(notify_app).post(f"/track/{token_of(ticket)}/notify", {"mobile": MOBILE})
    hall.notifications.courier.deliver_due()

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in hall.data.path.iterdir() if p.name.startswith(db.DB_FILENAME))
    assert MOBILE.encode() not in on_disk()
    conn = hall.database.connection()
    assert hall.data.vault.open(conn.execute("SELECT mobile_sealed FROM notify_subscriptions").fetchone()[0]) == MOBILE
    notify_app.clock.advance(days=29)
    assert personal.purge_expired(hall.service) == 0          # 30 days are kept
    notify_app.clock.advance(days=2)
    assert personal.purge_expired(hall.service) == 2          # the wish and the sent message
    assert conn.execute("SELECT COUNT(*) FROM notify_subscriptions").fetchone()[0] == 0
    assert tuple(conn.execute("SELECT mobile_sealed, mobile_index FROM notify_outbox").fetchone()) == (None, None)
    assert hall.notifications.delivery_log()[0]["mobile"] == ""


def test_a_transfer_or_a_cancellation_ahead_brings_the_message_too(notify_app) -> None:
    tickets = [issue(notify_app) for _ in range(6)]
    last = tickets[-1]
    Api(notify_app).post(f"/track/{token_of(last)}/notify", {"mobile": MOBILE, "called": False})
    from tests.notify.conftest import login
    boss = login(notify_app, "boss")
    assert boss.post(f"/tickets/{tickets[0]['id']}/transfer", {"service": "C01"})[0] == 200
    assert outbox(notify_app, last["id"]) == []                  # 4 ahead
    assert boss.post(f"/tickets/{tickets[1]['id']}/cancel", {"reason": "left"})[0] == 200
    [ahead] = outbox(notify_app, last["id"])                     # 3 ahead
    assert ahead["kind"] == "ahead" and ahead["ahead"] == 3


def test_near_the_head_is_the_first_ahead_plus_one_of_each_line(notify_app) -> None:
    from hall import order
    tickets = [issue(notify_app) for _ in range(6)]
    hall = notify_app.extensions["jiaohao"]
    state = hall.service.snapshot()
    day = state.tickets[tickets[0]["id"]].business_date
    near = order.near_the_head(state, day, ["A01"], 3)
    assert [t.id for t in near] == [t["id"] for t in tickets[:4]]
    assert all(order.people_ahead(state, t) <= 3 for t in near)
    assert order.people_ahead(state, state.tickets[tickets[4]["id"]]) == 4
