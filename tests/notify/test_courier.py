"""The courier: each message sent once, every attempt logged, retries with backoff, out-of-date
messages dropped, a rate limit per number, and a slow provider that holds up no call."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import timedelta

import pytest

from server import repository as repo
from tests.notify.conftest import Api, login, make_app, signed_in
from tests.notify.fakes import Reply, start_fake, stop_fake
from tests.notify.test_opt_in import MOBILE, call_next, issue, outbox, token_of

SECRET = "gateway-secret-0123"


def opt_in(app, ticket: dict, mobile: str = MOBILE, **wish) -> None:
    status, reply = Api(app).post(f"/track/{token_of(ticket)}/notify", {"mobile": mobile} | wish)
    assert status == 200, reply


def attempts(app) -> list[dict]:
    hall = app.extensions["jiaohao"]
    return [dict(r) for r in hall.database.connection().execute(
        "SELECT a.*, o.kind, o.ticket_id FROM notify_attempts a JOIN notify_outbox o ON o.id = a.outbox_id "
        "ORDER BY a.id")]


def courier(app):
    return app.extensions["jiaohao"].notifications.courier


def test_the_log_provider_sends_each_message_once_with_the_number_masked(notify_app, caplog) -> None:
    ticket = issue(notify_app)
    opt_in(notify_app, ticket)
    clerk = signed_in(notify_app, "clerk2", 3)
    with caplog.at_level(logging.INFO, logger="server.notify.providers"):
        assert courier(notify_app).deliver_due() == 1
        call_next(clerk)
        assert courier(notify_app).deliver_due() == 1
        assert courier(notify_app).deliver_due() == 0      # nothing twice
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 and all("138****5678" in line and MOBILE not in line for line in logged)
    assert [(a["kind"], a["result"], a["provider"]) for a in attempts(notify_app)] == [
        ("ahead", "sent", "log"), ("called", "sent", "log")]


def test_an_ahead_message_for_a_ticket_called_meanwhile_is_dropped(notify_app) -> None:
    ticket = issue(notify_app)
    opt_in(notify_app, ticket)
    call_next(signed_in(notify_app, "clerk2", 3))     # called before the courier came round
    assert courier(notify_app).deliver_due() == 2
    assert [(a["kind"], a["result"], a["detail"]) for a in attempts(notify_app)] == [
        ("ahead", "dropped", "ticket no longer waiting"), ("called", "sent", "logged")]


def test_a_called_message_after_the_ticket_ended_is_dropped(notify_app) -> None:
    ticket = issue(notify_app)
    opt_in(notify_app, ticket, ahead=False)
    clerk = signed_in(notify_app, "clerk2", 3)
    call_next(clerk)
    call_next(clerk)                                   # finished before the courier came round
    courier(notify_app).deliver_due()
    assert [(a["kind"], a["result"]) for a in attempts(notify_app)] == [("called", "dropped")]


def test_opting_out_drops_what_is_pending(notify_app) -> None:
    ticket = issue(notify_app)
    opt_in(notify_app, ticket)
    Api(notify_app).call("DELETE", f"/track/{token_of(ticket)}/notify")
    assert courier(notify_app).deliver_due() == 0
    assert [m["state"] for m in outbox(notify_app, ticket["id"])] == ["dropped"]


def test_more_than_the_hourly_limit_to_one_number_is_dropped(tmp_path, seeded) -> None:
    app = make_app(tmp_path, seeded, {"provider": "log", "per_mobile_per_hour": 2})
    try:
        for _ in range(3):
            opt_in(app, issue(app), called=False)
        courier(app).deliver_due()
        assert [a["result"] for a in attempts(app)] == ["sent", "sent", "dropped"]
        assert attempts(app)[2]["detail"].startswith("rate limit")
        app.clock.advance(hours=1, minutes=1)
        opt_in(app, issue(app), called=False)
        courier(app).deliver_due()
        assert attempts(app)[-1]["result"] == "sent"
    finally:
        app.extensions["jiaohao"].data.close()


# --- the webhook, with retries -----------------------------------------------------------------

@pytest.fixture
def gateway():
    answers: list[Reply] = []
    fake = start_fake(lambda got: answers.pop(0) if answers else Reply(200, b'{"ok": true}'))
    fake.answers = answers
    yield fake
    stop_fake(fake)


def webhook_app(tmp_path, seeded, url: str, **more):
    return make_app(tmp_path, seeded, {"provider": "webhook", "webhook_url": url, "webhook_secret": SECRET,
                                       "retry_seconds": 10, "max_attempts": 3, "timeout_seconds": 2} | more)


def test_the_webhook_posts_the_documented_json_signed_with_hmac(tmp_path, seeded, gateway) -> None:
    app = webhook_app(tmp_path, seeded, gateway.url + "/sms")
    try:
        ticket = issue(app)
        opt_in(app, ticket)
        courier(app).deliver_due()
        call_next(signed_in(app, "clerk2", 3))
        courier(app).deliver_due()
        assert [g.path for g in gateway.received] == ["/sms", "/sms"]
        first, second = gateway.received
        expected = hmac.new(SECRET.encode(), first.body, hashlib.sha256).hexdigest()
        assert first.headers["x-jiaohao-signature"] == expected
        assert first.headers["content-type"].startswith("application/json")
        ahead, called = json.loads(first.body), json.loads(second.body)
        assert set(ahead) == {"kind", "mobile", "number", "service", "window", "text", "text_en", "id"}
        assert ahead["kind"] == "ahead" and ahead["mobile"] == MOBILE and ahead["number"] == ticket["number"]
        assert ahead["service"] == "A01" and ahead["window"] is None      # the item as the API names it
        assert "企业设立登记" in ahead["text"] and "Business registration" in ahead["text_en"]
        assert called["kind"] == "called" and called["window"] == 3 and "3" in called["text"]
        assert called["id"] != ahead["id"] and called["id"].endswith(":called")
    finally:
        app.extensions["jiaohao"].data.close()


def test_a_failing_gateway_is_retried_with_backoff_then_given_up(tmp_path, seeded, gateway) -> None:
    app = webhook_app(tmp_path, seeded, gateway.url)
    try:
        gateway.answers.extend([Reply(503, b"busy"), Reply(500, b"oops"), Reply(502, b"down")])
        ticket = issue(app)
        opt_in(app, ticket, called=False)
        courier(app).deliver_due()
        [message] = outbox(app, ticket["id"])
        assert message["state"] == "pending" and message["attempts"] == 1
        assert courier(app).deliver_due() == 0               # not due before its backoff
        app.clock.advance(seconds=10)
        courier(app).deliver_due()                            # second failure: next in 20 s
        app.clock.advance(seconds=10)
        assert courier(app).deliver_due() == 0
        app.clock.advance(seconds=10)
        courier(app).deliver_due()                            # third and last attempt
        [message] = outbox(app, ticket["id"])
        assert message["state"] == "failed" and message["attempts"] == 3
        assert [a["result"] for a in attempts(app)] == ["failed", "failed", "failed"]
        assert len({json.loads(g.body)["id"] for g in gateway.received}) == 1   # one message, three tries
    finally:
        app.extensions["jiaohao"].data.close()


def test_a_refusal_is_not_retried(tmp_path, seeded, gateway) -> None:
    app = webhook_app(tmp_path, seeded, gateway.url)
    try:
        gateway.answers.append(Reply(400, b'{"error": "bad number +8613812345678"}'))
        ticket = issue(app)
        opt_in(app, ticket, called=False)
        courier(app).deliver_due()
        [message] = outbox(app, ticket["id"])
        assert message["state"] == "failed" and "HTTP 400" in message["detail"]
        # the gateway echoed the number: the log and the dashboard keep it masked
        assert "+86138****5678" in message["detail"] and MOBILE not in message["detail"]
        assert MOBILE not in attempts(app)[0]["detail"]
    finally:
        app.extensions["jiaohao"].data.close()


def test_a_provider_that_times_out_holds_up_no_call(tmp_path, seeded, gateway) -> None:
    """The courier runs as the server's background task; while it waits on a provider that
    does not answer, clerks keep calling at their usual pace."""
    app = webhook_app(tmp_path, seeded, gateway.url, timeout_seconds=3)
    hall = app.extensions["jiaohao"]
    gateway.answers.extend([Reply(200, b"{}", delay=10)] * 20)
    from server.app import socketio
    hall.notifications.courier.start(socketio.start_background_task)
    try:
        tickets = [issue(app) for _ in range(12)]
        for ticket in tickets:
            opt_in(app, ticket)
        deadline = time.monotonic() + 5
        while not gateway.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gateway.received, "the courier is sending"
        clerk = signed_in(app, "clerk2", 3)
        took = []
        for _ in range(10):
            started = time.monotonic()
            assert call_next(clerk) is not None
            took.append(time.monotonic() - started)
        assert max(took) < 1.0, took          # a call is milliseconds; the provider hangs for 3 s
        assert len(gateway.received) <= 2     # still on its first messages
    finally:
        gateway.release.set()
        hall.notifications.courier.stop()
        hall.data.close()


# --- reminders ---------------------------------------------------------------------------------

def test_a_booking_gets_its_reminders_the_day_before_and_an_hour_before(notify_app) -> None:
    hall = notify_app.extensions["jiaohao"]
    clock = notify_app.clock
    clock.now = clock.now.replace(day=24, hour=0)               # 24 Nov, 08:00 in the hall
    status, booked = Api(notify_app).post("/appointments", {"service": "A01", "date": "2026-11-26",
                                                             "start": "09:00", "mobile": MOBILE, "remind": True})
    assert status == 201 and booked["remind"] is True
    other = Api(notify_app).post("/appointments", {"service": "A01", "date": "2026-11-26", "start": "09:30",
                                                    "mobile": "13912345678"})[1]
    assert other["remind"] is False
    notifications = hall.notifications
    assert notifications.queue_reminders() == 0
    clock.now = clock.now.replace(day=25, hour=1, minute=0)     # 25 Nov 09:00: a day before
    assert notifications.queue_reminders() == 1
    assert notifications.queue_reminders() == 0                 # queued once
    clock.now = clock.now.replace(day=26, hour=0, minute=5)     # 26 Nov 08:05: within the hour
    assert notifications.queue_reminders() == 1
    notifications.courier.deliver_due()
    rows = [dict(r) for r in hall.database.connection().execute("SELECT * FROM notify_outbox ORDER BY id")]
    assert [(r["kind"], r["state"]) for r in rows] == [("reminder", "sent"), ("reminder", "sent")]
    assert "2026-11-26 09:00" in rows[0]["text"] and "09:00" in rows[0]["text_en"]


def test_a_reminder_for_a_cancelled_booking_is_dropped(notify_app) -> None:
    hall = notify_app.extensions["jiaohao"]
    clock = notify_app.clock
    clock.now = clock.now.replace(day=24, hour=0)
    booked = Api(notify_app).post("/appointments", {"service": "A01", "date": "2026-11-26", "start": "09:00",
                                                     "mobile": MOBILE, "remind": True})[1]
    clock.now = clock.now.replace(day=25, hour=1)
    hall.notifications.queue_reminders()
    Api(notify_app).call("DELETE", f"/appointments/manage/{booked['manage_token']}")
    hall.notifications.courier.deliver_due()
    assert [a["result"] for a in attempts(notify_app)] == ["dropped"]


# --- what supervisors see ------------------------------------------------------------------------

def test_the_delivery_log_and_the_report_counts(notify_app) -> None:
    ticket = issue(notify_app)
    opt_in(notify_app, ticket)
    call_next(signed_in(notify_app, "clerk2", 3))
    courier(notify_app).deliver_due()
    boss = login(notify_app, "boss")
    status, log = boss.get("/notifications/log")
    assert status == 200 and log["provider"] == "log"
    assert [(r["kind"], r["result"], r["mobile"]) for r in log["rows"]] == [
        ("called", "sent", "138****5678"), ("ahead", "dropped", "138****5678")]
    assert MOBILE not in json.dumps(log)
    assert login(notify_app, "clerk3").get("/notifications/log")[0] == 403
    assert Api(notify_app).get("/notifications/log")[0] == 401
    assert boss.get("/notifications/log?limit=x")[0] == 422
    status, report = boss.get("/reports?from=2026-11-26&to=2026-11-26")
    assert status == 200 and report["notifications"] == {"log": {"sent": 1, "failed": 0, "dropped": 1}}
    csv = boss.client.get("/api/v1/reports/export.csv?from=2026-11-26&to=2026-11-26",
                          headers={"Authorization": f"Bearer {boss.token}"}).data.decode("utf-8-sig")
    assert "通知 Notifications" in csv and "log,1,0,1" in csv


def test_the_courier_ends_with_its_database(tmp_path, seeded) -> None:
    from server.app import socketio
    app = make_app(tmp_path, seeded, {"provider": "log"})
    hall = app.extensions["jiaohao"]
    hall.notifications.courier.start(socketio.start_background_task)
    hall.data.close()
    task = hall.notifications.courier._task
    task.join(timeout=5)
    assert not task.is_alive()
