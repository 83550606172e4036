"""The REST API, /api/v1: thin views that parse, call one service function, and shape the
reply. Who may call each route is declared on it (`@permit`, server/permissions.py); a clerk's
or a window screen's command carries its acting window, which the core checks inside the
transaction. Refusals become {"error", "message"} in errors.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from flask import Blueprint, g, jsonify, request

from hall import commands as c
from hall import order
from hall.wait import page_waits
from hall.tickets import Priority, Ticket
from protocol.live import SEQ_HEADER

from . import accounts, inbound, protocol, repository as repo
from .app import current_hall, served_halls
from .auth import Identity
from .errors import ApiError
from .notify.outbox import NotifyRefused, wish_from
from .permissions import (ANY_TOKEN, DEVICES, ISSUERS, KEYPAD_TICKET, KEYPAD_WINDOW, PUBLIC, RATERS,
                          SERVING_SCREEN, SIGNED_IN, STAFF, TICKET_CLERK, TICKET_READERS, WINDOW_CLERK,
                          WINDOW_READERS, acting_for, acting_screen, actor_for, caller, permit,
                          signed_in_window)
from .services import IssuedTicket, Outcome

api = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_TEXT = 200


# --- the hall's order, on every reply ------------------------------------------------------------

@api.before_request
def note_hall_seq() -> None:
    """Where the hall's log stood before this request read anything: what the reply shows is at
    least that new, so a page that orders replies and live messages by seq never takes a reply
    for newer than it is."""
    hall = current_hall()
    g.hall_seq = repo.last_seq(hall.database.connection(), hall.service.hall_id)


def answered(outcome: Outcome) -> Outcome:
    """A command's reply shows the hall exactly as its own last event left it."""
    if outcome.seqs:
        g.hall_seq = outcome.seqs[-1]
    return outcome


@api.after_request
def stamp_hall_seq(response):
    if "hall_seq" in g:
        response.headers[SEQ_HEADER] = str(g.hall_seq)
    return response


# --- parsing ---------------------------------------------------------------------------------

def body() -> dict[str, Any]:
    """The JSON object of the request, checked in inbound.py; an empty body counts as {}."""
    return inbound.json_body()


def field(data: dict, name: str, kind: type, required: bool = True, default: Any = None) -> Any:
    if name not in data or data[name] is None:
        if required:
            raise ApiError(422, "missing_field", f"缺少字段 {name} / {name} is required")
        return default
    value = data[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ApiError(422, "bad_field", f"{name} 应为整数 / {name} must be a whole number")
    if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ApiError(422, "bad_field", f"{name} 应为数字 / {name} must be a number")
    if kind is list and not isinstance(value, list):
        raise ApiError(422, "bad_field", f"{name} 应为列表 / {name} must be a list")
    if kind is bool and not isinstance(value, bool):
        raise ApiError(422, "bad_field", f"{name} 应为 true 或 false / {name} must be true or false")
    if kind is str:
        if not isinstance(value, str):
            raise ApiError(422, "bad_field", f"{name} 应为文本 / {name} must be text")
        if len(value) > MAX_TEXT:
            raise ApiError(422, "bad_field", f"{name} 过长 / {name} is longer than {MAX_TEXT} characters")
    return value


# --- where staff are ---------------------------------------------------------------------------

def clerk_window(who: Identity) -> int | None:
    """The window where this clerk is signed in now (for display: a command's own check runs
    in its transaction)."""
    return signed_in_window(current_hall().service.snapshot(), who)


def window_or_404(number: int) -> None:
    if number not in current_hall().service.snapshot().windows:
        raise ApiError(404, "window_not_found", f"没有 {number} 号窗口 / no window {number}")


MAX_ID = 2**62   # beyond SQLite's integers: no such ticket, and no overflow error either


def ticket_or_404(ticket_id: int) -> Ticket:
    ticket = current_hall().service.ticket(ticket_id) if ticket_id < MAX_ID else None
    if ticket is None:
        raise ApiError(404, "ticket_not_found", f"没有这张票 / no ticket {ticket_id}")
    return ticket


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    service = current_hall().service
    return protocol.ticket_view(ticket, service.setup(), service.snapshot())


# --- sign-in ------------------------------------------------------------------------------------

def signing_in_hall(data: dict):
    """The hall a sign-in is for: the one its `hall` field names by code (needed when the
    deployment has several halls, since each hall has its own user names), else the request's."""
    hall = g.jiaohao_hall = served_halls().for_sign_in(data.get("hall"))
    return hall


def _signed_in(hall, data: dict, *, allow_expired: bool = False):
    """The account whose user name and password the body gives, or the refusal (throttled per
    address in memory, locked per account in the database)."""
    username, password = field(data, "username", str), field(data, "password", str)
    address = request.remote_addr or "?"
    account = f"{username}@{hall.service.hall_id}"   # user names are per hall; '@' is in none
    wait = hall.throttle.retry_after(account, address)
    if wait:
        raise ApiError(429, "too_many_attempts", f"登录失败次数过多，请 {wait} 秒后再试 / too many failed "
                       f"sign-ins: try again in {wait} s", {"Retry-After": str(wait)})
    try:
        user = accounts.sign_in(hall.database, hall.service.hall_id, username, password, address,
                                hall.session_clock(), allow_expired=allow_expired)
    except accounts.SignInRefused as refused:
        if refused.code == "account_locked":
            raise ApiError(423, refused.code, str(refused), {"Retry-After": str(refused.retry_after)}) from None
        if refused.code == "password_expired":
            raise ApiError(403, refused.code, str(refused)) from None
        hall.throttle.failed(account, address)
        raise ApiError(401, refused.code, str(refused)) from None
    hall.throttle.succeeded(account, address)
    return user


@api.post("/auth/login")
@permit(PUBLIC)
def login():
    data = body()
    hall = signing_in_hall(data)
    user = _signed_in(hall, data)
    token = accounts.start_session(hall.database, user["id"], hall.session_clock())
    return jsonify(token=token, user={"id": user["id"], "username": user["username"],
                                      "name": user["display_name"], "role": user["role"],
                                      "staff_no": user["staff_no"]})


@api.post("/auth/password")
@permit(PUBLIC)
def change_password():
    """A staff member changes their own password (also an expired one): the old password proves
    who they are; every session of theirs ends, so they sign in again with the new one."""
    data = body()
    hall = signing_in_hall(data)
    user = _signed_in(hall, data, allow_expired=True)
    try:
        accounts.set_password(hall.database, user["username"], field(data, "new_password", str),
                              actor=f"user:{user['id']}", now=hall.session_clock(),
                              hall_id=user["hall_id"])
    except accounts.AccountError as exc:
        raise ApiError(422, exc.code, str(exc)) from None
    hall.live.drop_revoked()   # the sessions the old password opened lose their live connection
    return jsonify(ok=True)


@api.post("/auth/logout")
@permit(SIGNED_IN)
def logout():
    hall = current_hall()
    who = caller()
    accounts.end_session(hall.database, who.session_id, hall.session_clock(),
                         user=repo.get_user(hall.database.connection(), who.id),
                         address=request.remote_addr or "?")
    return jsonify(ok=True)


@api.get("/me")
@permit(ANY_TOKEN)
def me():
    who = caller()
    return jsonify(who.public() | {"signed_in_window": clerk_window(who) if who.kind == "user" else None})


# --- the hall -----------------------------------------------------------------------------------

@api.get("/hall")
@permit(ANY_TOKEN)
def hall_snapshot():
    return jsonify(current_hall().live.snapshot_payload())


# --- tickets --------------------------------------------------------------------------------------

@api.post("/tickets")
@permit(ISSUERS)
def issue_ticket():
    hall, who = current_hall(), caller()
    data = body()
    service_code = field(data, "service", str)
    priority_name = field(data, "priority", str, required=False, default="normal")
    request_id = field(data, "request_id", str, required=False)
    try:
        priority = Priority(priority_name)
    except ValueError:
        raise ApiError(422, "bad_field", "priority 应为 normal / green / appointment") from None
    person = hall.service.person_for(service_code, data.get("id_number"),
                                     field(data, "id_name", str, required=False, default=""),
                                     field(data, "green_category", str, required=False))
    along = _opted_in_at_the_kiosk(hall, data.get("notify"))
    issued = hall.service.issue(service_code, priority, actor=who.actor, request_id=request_id, along=along,
                                person=person)
    reply = issued_reply(issued)
    if along is not None:
        reply["notify"] = hall.notifications.view(issued.ticket.id)
    if person is not None:
        reply["id_number_masked"] = person.number.masked   # for the kiosk's screen, never the slip
    return jsonify(reply), 200 if issued.repeated else 201


def _opted_in_at_the_kiosk(hall, wanted: Any):
    """The kiosk's optional {"notify": {"mobile": "138…", "ahead": true, "called": true}}: the
    citizen's wish is kept in the transaction that issues the ticket, or neither is."""
    if wanted is None:
        return None
    if not isinstance(wanted, dict):
        raise ApiError(422, "bad_field", "notify 应为对象 / notify must be an object")
    try:
        wish = wish_from(wanted, hall.notifications.settings.provider)
    except NotifyRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None
    return lambda conn, ticket_id: hall.notifications.subscribe_in(conn, ticket_id, wish, via="kiosk")


def issued_reply(issued: IssuedTicket) -> dict[str, Any]:
    """What a kiosk needs to print a slip; also the reply of an appointment check-in."""
    hall = current_hall()
    base = hall.settings.public_url or request.host_url.rstrip("/")
    ticket = issued.ticket
    return {
        "id": ticket.id, "number": ticket.number, "service": ticket.service,
        "waiting_ahead": issued.waiting_ahead,
        "estimated_wait": protocol.estimate_view(issued.estimate),
        "windows": list(issued.windows), "watch": list(issued.watch), "track_url": f"{base}/t/{issued.track_token}",
        "issued_at": protocol.iso(ticket.issued_at), "repeated": issued.repeated,
        "ticket": protocol.ticket_view(ticket, hall.service.setup()),
    }


@api.get("/tickets/<int:ticket_id>")
@permit(TICKET_READERS)
def get_ticket(ticket_id: int):
    return jsonify(ticket_json(ticket_or_404(ticket_id)))


def _ticket_action(ticket_id: int, make: Callable[[dict, str], c.Command]):
    """A clerk's command about one ticket (or a bridge's, for the clerk at its window), carrying
    the window they act at; the core refuses it if that window may not act on the ticket when
    the command runs."""
    who, service = caller(), current_hall().service
    ticket = ticket_or_404(ticket_id)
    acting = acting_for(service.snapshot(), who, ticket=ticket)
    command = replace(make(body(), who.actor), acting=acting, actor=actor_for(who, acting))
    outcome = answered(service.execute(command))
    return jsonify(ticket_json(outcome.state.tickets[ticket_id]))


@api.post("/tickets/<int:ticket_id>/recall")
@permit(KEYPAD_TICKET)
def recall(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.Recall(ticket_id=ticket_id, actor=a))


@api.post("/tickets/<int:ticket_id>/start")
@permit(KEYPAD_TICKET)
def start(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.StartService(ticket_id=ticket_id, actor=a))


@api.post("/tickets/<int:ticket_id>/finish")
@permit(KEYPAD_TICKET)
def finish(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.FinishService(
        ticket_id=ticket_id, case_no=field(d, "case_no", str, required=False), actor=a))


@api.post("/tickets/<int:ticket_id>/no-show")
@permit(KEYPAD_TICKET)
def no_show(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.MarkNoShow(ticket_id=ticket_id, actor=a))


@api.post("/tickets/<int:ticket_id>/hold")
@permit(KEYPAD_TICKET)
def hold(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.HoldTicket(
        ticket_id=ticket_id, minutes=field(d, "minutes", float, required=False),
        return_to=field(d, "return_to", str, required=False, default="window"), actor=a))


@api.post("/tickets/<int:ticket_id>/resume")
@permit(TICKET_CLERK)
def resume(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.ResumeTicket(ticket_id=ticket_id, actor=a))


@api.post("/tickets/<int:ticket_id>/transfer")
@permit(TICKET_CLERK)
def transfer(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.TransferTicket(
        ticket_id=ticket_id, to_service=field(d, "service", str, required=False),
        to_window=field(d, "window", int, required=False), actor=a))


@api.post("/tickets/<int:ticket_id>/cancel")
@permit(TICKET_CLERK)
def cancel(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.CancelTicket(
        ticket_id=ticket_id, reason=field(d, "reason", str, required=False, default=""), actor=a))


@api.post("/tickets/<int:ticket_id>/return")
@permit(TICKET_CLERK)
def return_late(ticket_id: int):
    return _ticket_action(ticket_id, lambda d, a: c.ReturnLate(ticket_id=ticket_id, actor=a))


@api.post("/tickets/<int:ticket_id>/evaluation")
@permit(RATERS)
def evaluation(ticket_id: int):
    """Rated at the serving window's screen or its rater (the core checks it is that window's)
    or on the citizen's phone (the decorator checked it is this ticket's own token)."""
    hall, who = current_hall(), caller()
    ticket = ticket_or_404(ticket_id)
    data = body()
    reasons = field(data, "reasons", list, required=False, default=[])
    if not all(isinstance(code, str) for code in reasons) or len(reasons) > 10:
        raise ApiError(422, "bad_field", "reasons 应为原因代码列表 / reasons must be a list of reason codes")
    outcome = answered(hall.service.execute(c.RateService(
        ticket_id=ticket_id, rating=field(data, "rating", int), reasons=tuple(reasons),
        comment=field(data, "comment", str, required=False, default=""), actor=who.actor,
        acting=acting_screen(who, ticket))))
    return jsonify(ticket_json(outcome.state.tickets[ticket_id]))


@api.post("/tickets/<int:ticket_id>/evaluation/skip")
@permit(SERVING_SCREEN)
def evaluation_skipped(ticket_id: int):
    """The window screen's rating prompt timed out: stored as not rated, never as satisfied."""
    hall, who = current_hall(), caller()
    ticket = ticket_or_404(ticket_id)
    outcome = answered(hall.service.execute(c.SkipRating(ticket_id=ticket_id, actor=who.actor,
                                                         acting=acting_screen(who, ticket))))
    return jsonify(ticket_json(outcome.state.tickets[ticket_id]))


# --- windows --------------------------------------------------------------------------------------

def _window_action(number: int, make: Callable[[dict, Identity], c.Command]):
    """A command about one window, carrying the clerk acting there (in person or through a
    bridge's keypad); the core refuses it if that clerk is not signed in at the window when the
    command runs."""
    who, service = caller(), current_hall().service
    window_or_404(number)
    acting = acting_for(service.snapshot(), who, window=number)
    command = replace(make(body(), who), acting=acting, actor=actor_for(who, acting))
    return answered(service.execute(command))


def _window_reply(outcome, number: int):
    hall = current_hall()
    clerks = repo.clerk_names(hall.database.connection(), hall.service.hall_id)
    return jsonify(window=protocol.window_view(outcome.state.windows[number], outcome.state, clerks))


@api.post("/windows/<int:number>/sign-in")
@permit(STAFF)
def sign_in(number: int):
    who = caller()
    outcome = answered(current_hall().service.execute(
        c.SignIn(window=number, clerk=who.id, actor=who.actor)))
    return _window_reply(outcome, number)


@api.post("/windows/<int:number>/sign-out")
@permit(WINDOW_CLERK)
def sign_out(number: int):
    return _window_reply(_window_action(number, lambda d, w: c.SignOut(window=number, actor=w.actor)),
                         number)


@api.post("/windows/<int:number>/pause")
@permit(KEYPAD_WINDOW)
def pause(number: int):
    return _window_reply(_window_action(number, lambda d, w: c.PauseWindow(
        window=number, reason=field(d, "reason", str), actor=w.actor)), number)


@api.post("/windows/<int:number>/resume")
@permit(KEYPAD_WINDOW)
def resume_window(number: int):
    return _window_reply(_window_action(number, lambda d, w: c.ResumeWindow(window=number, actor=w.actor)),
                         number)


@api.post("/windows/<int:number>/call-next")
@permit(KEYPAD_WINDOW)
def call_next(number: int):
    outcome = _window_action(number, lambda d, w: c.CallNext(window=number, actor=w.actor))
    if not outcome.events:
        return jsonify(ticket=None)
    return jsonify(ticket=ticket_json(outcome.state.tickets[outcome.events[0].ticket_id]))


@api.post("/windows/<int:number>/call")
@permit(KEYPAD_WINDOW)
def call_specific(number: int):
    hall = current_hall()

    def make(data: dict, who: Identity) -> c.Command:
        wanted = field(data, "number", str).strip().upper()
        ticket = repo.ticket_by_number(hall.database.connection(), hall.service.hall_id,
                                       hall.service.today(), wanted)
        if ticket is None:
            raise ApiError(404, "ticket_not_found", f"今天没有 {wanted} 号 / no ticket {wanted} today")
        return c.CallSpecific(window=number, ticket_id=ticket.id, actor=who.actor,
                              reason=field(data, "reason", str, required=False, default="特呼"))
    outcome = _window_action(number, make)
    return jsonify(ticket=ticket_json(outcome.state.tickets[outcome.events[0].ticket_id]))


#: the window queue's page: `limit` tickets by default, never more than the most
QUEUE_PAGE, QUEUE_PAGE_MOST = 50, 200


@api.get("/windows/<int:number>/queue")
@permit(WINDOW_READERS)
def window_queue(number: int):
    """The head of the window's call order (hall/order.py): `limit` tickets (default 50, at most
    200) after the `after` cursor, `total` waiting for the window, `next` when more follow;
    `?number=A123` gives one ticket's place instead."""
    state = current_hall().service.snapshot()
    if number not in state.windows:
        raise ApiError(404, "window_not_found", f"没有 {number} 号窗口 / no window {number}")
    today = state.today(current_hall().service.clock())
    line = order.window_queue(state, number, today)
    held = order.held_at(state, number)
    reply: dict[str, Any] = {"total": len(line),
                             "held": [protocol.ticket_view(t, state.setup) for t in held]}
    wanted = request.args.get("number")
    if wanted is not None:
        return jsonify(reply | _place_in(line, wanted.strip().upper(), number, state))
    limit = _queue_limit()
    after = _queue_after(request.args.get("after"))
    page = line.page(after, limit)
    seen = (0 if after is None else line.before(after[:3] + (after[3] + 1,))) + len(page)
    waits = page_waits(state, number, today, page, after)
    return jsonify(reply | {"waiting": [protocol.ticket_view(t, state.setup, state, wait)
                                        | {"order_keys": {str(number): protocol.order_key_text(key)}}
                                        for (key, t), wait in zip(page, waits)],
                            "next": protocol.order_key_text(page[-1][0]) if page and seen < len(line) else None})


def _queue_limit() -> int:
    text = request.args.get("limit", str(QUEUE_PAGE))
    if not text.isdigit() or not 1 <= int(text) <= QUEUE_PAGE_MOST:
        raise ApiError(422, "bad_field", f"limit 应为 1–{QUEUE_PAGE_MOST} / limit must be 1 to {QUEUE_PAGE_MOST}")
    return int(text)


def _queue_after(cursor: str | None) -> tuple | None:
    if cursor is None:
        return None
    parts = cursor.split("-")
    if len(parts) != 4 or not all(p.isdigit() and len(p) < 20 for p in parts):
        raise ApiError(422, "bad_field", "after 应为上一页的 next / after must be the next of the page before")
    klass, priority, micros, ticket_id = map(int, parts)
    try:
        rank_at = protocol.EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise ApiError(422, "bad_field", "after 应为上一页的 next / after must be the next of the page "
                       "before") from None
    return (klass, priority, rank_at, ticket_id)


def _place_in(line: order.WindowQueue, wanted: str, window: int, state) -> dict[str, Any]:
    hall = current_hall()
    found = repo.ticket_by_number(hall.database.connection(), hall.service.hall_id, hall.service.today(), wanted)
    ticket = None if found is None else state.tickets.get(found.id)
    if ticket is None or not order.may_call(state.setup, window, ticket) \
            or ticket.business_date != hall.service.today():
        raise ApiError(404, "ticket_not_found", f"{wanted} 不在本窗口的等候队列中 / {wanted} is not waiting "
                       "for this window")
    return {"place": line.before(order.call_order(state.setup, window)(ticket)),
            "ticket": protocol.ticket_view(ticket, state.setup, state)}


# --- devices ----------------------------------------------------------------------------------------

PAPER_STATES = ("ok", "near_end", "out", "unknown")


@api.post("/devices/status")
@permit(DEVICES)
def device_status():
    """A device reports its own state; a kiosk reports its printer (online, paper)."""
    from . import db
    hall, who = current_hall(), caller()
    data = body()
    printer = data.get("printer")
    status: dict[str, Any] = {"detail": field(data, "detail", str, required=False, default="")}
    if printer is not None:
        if not isinstance(printer, dict) or not isinstance(printer.get("online"), bool) \
                or printer.get("paper") not in PAPER_STATES:
            raise ApiError(422, "bad_field", "printer must be {online: true|false, paper: "
                           + "|".join(PAPER_STATES) + ", detail?}")
        status["printer"] = {"online": printer["online"], "paper": printer["paper"],
                             "detail": field(printer, "detail", str, required=False, default="")}
        if field(printer, "configured", bool, required=False, default=True) is False:
            status["printer"]["configured"] = False   # a kiosk with no printer at all, not a fault
    conn = hall.database.connection()
    with db.write(conn):
        repo.set_device_status(conn, who.id, status, hall.service.clock())
    return jsonify(ok=True, status=status)
