"""Who may do what, from the one policy table: every route declares its rule, the OpenAPI
document shows it, and every kind of caller the table leaves out is refused with a JSON
401 or 403 that changes nothing. Checks that depend on the hall's state run in the
command's transaction: a clerk's earlier view of the hall grants nothing."""

from __future__ import annotations

import re

import pytest

from hall import commands as c
from hall.tickets import QueueError
from protocol import live
from server import accounts, repository as repo
from server.app import create_app
from server.auth import Identity
from server.openapi import route_rules
from server.app import socketio as server_socketio
from server.permissions import ALERT_LISTENERS, ANONYMOUS, LISTENERS, PRINCIPALS, RULES, TICKET, acting_clerk
from tests.conftest import FakeClock

PASSWORD = "password-1"
SCOPE_CODES = {"not_your_window", "not_your_ticket", "not_signed_in"}


@pytest.fixture
def hall_app(tmp_path, small_config_file):
    app = create_app(tmp_path / "var", small_config_file, clock=FakeClock(), start_clockwork=False)
    hall = app.extensions["jiaohao"]
    people = (("clerk2", "clerk"), ("clerk3", "clerk"), ("boss", "supervisor"), ("root", "admin"),
              ("checker", "auditor"))
    app.user_ids = {name: accounts.add_user(hall.database, hall.service.hall_id, name, role, PASSWORD,
                                            name, "G1")
                    for name, role in people}
    app.user_ids["metro"] = accounts.add_user(hall.database, hall.service.hall_id, "metro", "city", PASSWORD,
                                              city=True)
    app.tokens = {kind: accounts.add_device(hall.database, hall.service.hall_id, f"{kind}-1", kind,
                                            3 if kind == "window" else None).token
                  for kind in ("kiosk", "display", "window")}
    app.tokens["bridge"] = accounts.add_device(hall.database, hall.service.hall_id, "bridge-1", "bridge",
                                               windows=(3,)).token
    yield app
    hall.data.close()


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def login(app, username: str) -> str:
    reply = app.test_client().post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200
    return reply.get_json()["token"]


def principal_tokens(app) -> dict[str, str | None]:
    """A token for every kind of caller, and the ticket whose track token is the "ticket" one."""
    issued = app.test_client().post("/api/v1/tickets", json={"service": "A01"},
                                    headers=bearer(app.tokens["kiosk"])).get_json()
    app.ticket_id = issued["id"]
    return {ANONYMOUS: None, "admin": login(app, "root"), "supervisor": login(app, "boss"),
            "clerk": login(app, "clerk3"), "auditor": login(app, "checker"), "city": login(app, "metro"), "kiosk": app.tokens["kiosk"], "display": app.tokens["display"],
            "window": app.tokens["window"], "bridge": app.tokens["bridge"], TICKET: issued["track_url"].rsplit("/", 1)[1]}


def operations(app) -> list[tuple[str, str, dict]]:
    document = app.test_client().get("/api/openapi.json").get_json()
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def concrete(path: str, ticket_id: int) -> str:
    values = {"id": str(ticket_id), "number": "3", "seq": "1", "section": "hall", "code": "A01",
              "username": "clerk2",
              "name": "display-1", "token": "no-such-token"}
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)


def test_every_api_route_declares_a_permission(hall_app) -> None:
    rules = route_rules(hall_app)
    undeclared = sorted(f"{method} {path}" for (path, method), rule in rules.items()
                        if path.startswith("/api/") and rule is None)
    assert undeclared == []
    names = {rule.name for rule in RULES}
    for path, method, op in operations(hall_app):
        assert op["x-permission"]["rule"] in names, (method, path)
        assert set(op["x-permission"]["admits"]) <= set(PRINCIPALS)
        assert op["description"].startswith("Who may: ")


def expected_refusal(op: dict, kind: str) -> int | None:
    """What the table says this kind of caller gets: 401, 403, or None (admitted)."""
    permission = op["x-permission"]
    if permission["credential"] != "bearer" or kind in permission["admits"]:
        return None
    if kind == ANONYMOUS:
        return 401
    # a track token is only looked up where the rule takes one: elsewhere it is no token at all
    return 401 if kind == TICKET else 403


@pytest.mark.parametrize("kind", PRINCIPALS)
def test_each_kind_of_caller_is_refused_where_the_table_says(hall_app, kind: str) -> None:
    tokens = principal_tokens(hall_app)
    http = hall_app.test_client()
    hall = hall_app.extensions["jiaohao"]
    seq_before = repo.last_seq(hall.database.connection(), hall.service.hall_id)
    admitted = []
    for path, method, op in operations(hall_app):
        status = expected_refusal(op, kind)
        if status is None:
            admitted.append((path, method))
            continue
        with http.open(concrete(path, hall_app.ticket_id), method=method.upper(), json={},
                       headers=bearer(tokens[kind])) as reply:
            body = reply.get_json()
        assert reply.status_code == status, (kind, method, path, body)
        assert body["error"] == ("unauthorized" if status == 401 else "forbidden") and body["message"]
    assert repo.last_seq(hall.database.connection(), hall.service.hall_id) == seq_before, \
        "a refusal changes nothing"
    for path, method in admitted:
        if path == "/api/v1/auth/logout":
            continue   # would end the session the rest of the loop uses
        with http.open(concrete(path, hall_app.ticket_id), method=method.upper(), json={},
                       headers=bearer(tokens[kind])) as reply:
            body = reply.get_json(silent=True) or {}
        assert reply.status_code != 401 and reply.status_code < 500, (kind, method, path, body)
        assert reply.status_code != 403 or body.get("error") in SCOPE_CODES, (kind, method, path, body)


def test_a_track_token_reads_and_rates_only_its_own_ticket(hall_app) -> None:
    tokens = principal_tokens(hall_app)
    http = hall_app.test_client()
    other = http.post("/api/v1/tickets", json={"service": "A01"}, headers=bearer(tokens["kiosk"])).get_json()
    own = http.get(f"/api/v1/tickets/{hall_app.ticket_id}", headers=bearer(tokens[TICKET]))
    assert own.status_code == 200
    for reply in (http.get(f"/api/v1/tickets/{other['id']}", headers=bearer(tokens[TICKET])),
                  http.post(f"/api/v1/tickets/{other['id']}/evaluation", json={"rating": 5},
                            headers=bearer(tokens[TICKET]))):
        assert reply.status_code == 403 and reply.get_json()["error"] == "forbidden"


def test_the_live_channel_admits_whom_the_table_says(hall_app) -> None:
    """Every kind the table admits connects; only those it lets hear alerts hear a 差评's alert."""
    tokens = principal_tokens(hall_app)
    listeners = {kind: server_socketio.test_client(hall_app, auth={"token": token} if token else None)
                 for kind, token in tokens.items()}
    assert {kind for kind, client in listeners.items() if client.is_connected()} == set(LISTENERS.admits)
    service = hall_app.extensions["jiaohao"].service
    clerk3 = hall_app.user_ids["clerk3"]
    ticket_id = hall_app.ticket_id
    for command in (c.SignIn(window=3, clerk=clerk3), c.CallNext(window=3),
                    c.StartService(ticket_id=ticket_id), c.FinishService(ticket_id=ticket_id),
                    c.RateService(ticket_id=ticket_id, rating=1)):
        service.execute(command)
    heard = {kind for kind, client in listeners.items() if client.is_connected()
             and any(m["name"] == live.ALERT_RAISED for m in client.get_received())}
    assert heard == set(ALERT_LISTENERS.admits)
    for client in listeners.values():
        if client.is_connected():
            client.disconnect()


def test_a_window_screen_reads_only_its_own_windows_queue(hall_app) -> None:
    http = hall_app.test_client()
    screen = bearer(hall_app.tokens["window"])                       # the screen of window 3
    assert http.get("/api/v1/windows/3/queue", headers=screen).status_code == 200
    refused = http.get("/api/v1/windows/2/queue", headers=screen)
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"


# --- state-dependent checks run in the transaction -------------------------------------------------

def clerk(app, username: str) -> Identity:
    return Identity("user", app.user_ids[username], username, "clerk")


def test_a_clerk_at_window_2_cannot_act_on_a_ticket_window_3_took_meanwhile(hall_app) -> None:
    hall = hall_app.extensions["jiaohao"]
    service = hall.service
    clerk2, clerk3 = clerk(hall_app, "clerk2"), clerk(hall_app, "clerk3")
    service.execute(c.SignIn(window=2, clerk=clerk2.id, actor=clerk2.actor))
    service.execute(c.SignIn(window=3, clerk=clerk3.id, actor=clerk3.actor))
    ticket = service.issue("A01").ticket
    service.execute(c.CallNext(window=2, actor=clerk2.actor))
    # what the view sees when clerk 2 presses "start": their window, and the ticket called there
    seen = service.snapshot()
    assert seen.tickets[ticket.id].window == 2
    acting = acting_clerk(seen, clerk2)
    # meanwhile a supervisor sends the citizen to window 3, and window 3 calls them
    service.execute(c.TransferTicket(ticket_id=ticket.id, to_window=3, actor="user:boss"))
    service.execute(c.CallNext(window=3, actor=clerk3.actor))
    seq = repo.last_seq(hall.database.connection(), service.hall_id)
    with pytest.raises(QueueError) as refused:
        service.execute(c.StartService(ticket_id=ticket.id, actor=clerk2.actor, acting=acting))
    assert refused.value.code == "not_your_ticket"
    after = service.ticket(ticket.id)
    assert (after.state.value, after.window) == ("called", 3), "nothing changed"
    assert repo.last_seq(hall.database.connection(), service.hall_id) == seq


def test_a_clerk_who_signed_out_meanwhile_acts_nowhere(hall_app) -> None:
    service = hall_app.extensions["jiaohao"].service
    clerk2 = clerk(hall_app, "clerk2")
    service.execute(c.SignIn(window=2, clerk=clerk2.id, actor=clerk2.actor))
    ticket = service.issue("A01").ticket
    acting = acting_clerk(service.snapshot(), clerk2)           # the view: signed in at window 2
    service.execute(c.SignOut(window=2, actor=clerk2.actor))    # another tab signs them out
    with pytest.raises(QueueError) as refused:
        service.execute(c.CancelTicket(ticket_id=ticket.id, actor=clerk2.actor, acting=acting))
    assert refused.value.code == "not_signed_in"
    with pytest.raises(QueueError) as refused:
        service.execute(c.CallNext(window=2, actor=clerk2.actor, acting=acting))
    assert refused.value.code == "not_your_window"
    assert service.ticket(ticket.id).state.value == "waiting"


def test_the_refusal_from_the_transaction_is_a_json_403(hall_app) -> None:
    http = hall_app.test_client()
    tokens = principal_tokens(hall_app)
    ticket_id = hall_app.ticket_id
    assert http.post("/api/v1/windows/3/sign-in", headers=bearer(tokens["clerk"])).status_code == 200
    assert http.post("/api/v1/windows/3/call-next", headers=bearer(tokens["clerk"])).status_code == 200
    token2 = login(hall_app, "clerk2")
    assert http.post("/api/v1/windows/2/sign-in", headers=bearer(token2)).status_code == 200
    reply = http.post(f"/api/v1/tickets/{ticket_id}/start", headers=bearer(token2))
    assert reply.status_code == 403 and reply.get_json()["error"] == "not_your_ticket"
    reply = http.post("/api/v1/windows/3/pause", json={"reason": "午休"}, headers=bearer(token2))
    assert reply.status_code == 403 and reply.get_json()["error"] == "not_your_window"
