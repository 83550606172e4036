"""The citizen's phone page: /t/<token> from the QR code on the ticket, and the small JSON
it polls, /api/v1/track/<token>.

No app, no sign-in, no personal data: the token in the address is the ticket's own
256-bit tracking token (only its hash is stored), it shows that one ticket and nothing
else, and it stops working when the ticket's business day is over. The page is one small
HTML document with its style and script inline, so a weak phone connection loads it in
one round trip; it asks for news every few seconds.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from hall import order, wording
from hall.queue import HallState
from hall.tickets import CALLABLE_STATES, Ticket, TicketState
from hall.wait import ticket_wait

from .. import inbound, protocol, repository as repo
from ..app import Hall, current_hall
from ..errors import ApiError, RateLimited
from ..notify.outbox import NotifyRefused, wish_from
from ..ratelimit import Limit, TokenBuckets
from ..security import hash_token
from ..permissions import TRACK_HOLDER, permit

blueprint = Blueprint("phone", __name__, template_folder="templates")

S = TicketState
#: how often the page asks for news, in seconds: while something can still happen, and after
POLL_SECONDS = 3
POLL_SECONDS_QUIET = 15
#: a tracking token is 43 URL-safe base64 characters; anything else is not worth a lookup
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
FINAL_STATES = (S.CANCELLED, S.EXPIRED)


@dataclass(frozen=True)
class Limits:
    """Per ticket, per address for every request, and per address for unknown tokens."""

    per_token: Limit = Limit(capacity=30, rate=0.5)       # polling every 3 s uses 0.33/s
    # a hall's guest Wi-Fi or a carrier's NAT puts hundreds of phones behind one address
    per_address: Limit = Limit(capacity=600, rate=50)
    misses_per_address: Limit = Limit(capacity=10, rate=1 / 6)   # guessing tokens is pointless


def _limiter() -> tuple[TokenBuckets, Limits]:
    return current_app.extensions["jiaohao_phone_limits"]


@blueprint.record_once
def _install_limits(state) -> None:
    state.app.extensions.setdefault("jiaohao_phone_limits", (TokenBuckets(), Limits()))


def check_rate(token: str) -> None:
    buckets, limits = _limiter()
    address = request.remote_addr or "?"
    wait = buckets.take(("address", address), limits.per_address) or buckets.take(
        ("token", token), limits.per_token)
    if wait:
        raise RateLimited(wait)


def missed(token: str) -> None:
    """An unknown token: counted against the address, so scanning for tokens is slowed."""
    buckets, limits = _limiter()
    wait = buckets.take(("misses", request.remote_addr or "?"), limits.misses_per_address)
    if wait:
        raise RateLimited(wait)


# --- finding the ticket -----------------------------------------------------------------------------

class TicketUnknown(Exception):
    pass


class TicketExpired(Exception):
    def __init__(self, ticket: Ticket):
        self.ticket = ticket


def tracked(hall: Hall, token: str) -> tuple[HallState, Ticket, datetime]:
    """The hall as it stands and the ticket behind `token`, if it is today's."""
    found = repo.ticket_by_track_hash(hall.database.connection(), hash_token(token)) \
        if TOKEN_RE.match(token) else None
    if found is None or found[0] != hall.service.hall_id:
        raise TicketUnknown
    ticket = found[1]
    state = hall.service.snapshot_with((ticket.id,))   # the hall as committed, kept between requests
    now = hall.service.clock()
    ticket = state.tickets.get(ticket.id, ticket)
    if not hall.service.still_tracked(ticket):
        raise TicketExpired(ticket)
    return state, ticket, now


# --- what the page shows ------------------------------------------------------------------------------

def local_time(value: datetime | None, state: HallState) -> str | None:
    return None if value is None else value.astimezone(state.setup.hall.tz).strftime("%H:%M")


def words(found: wording.Words | None) -> dict[str, str] | None:
    return None if found is None else {"text": found.zh, "text_en": found.en}


def window_named(state: HallState, number: int | None) -> dict[str, Any] | None:
    if number is None:
        return None
    spec = state.setup.window(number)
    return {"number": number, "name": spec.name, "name_en": spec.name_en}


def waiting_part(state: HallState, ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Where the ticket stands, and the page's words for it (the page only shows them)."""
    place = order.place_of(state, ticket)
    item = state.setup.service(ticket.service)
    no_window = not place.served_now
    almost = state.setup.policy.almost_turn_ahead
    return {"ahead": place.ahead, "estimate": protocol.estimate_view(ticket_wait(state, ticket, now)),
            "almost": place.ahead <= almost,
            "windows": [{"number": n, "open": n in place.open_windows} for n in place.windows],
            "watch": list(place.watch),
            "sent_to": window_named(state, ticket.target_window),
            "turn_notice": words(wording.turn_notice(place.ahead, almost, no_window)),
            "note": words(wording.waiting_note(ticket.state is S.TRANSFERRED, ticket.target_window,
                                               (item.name, item.name_en), no_window))}


def after_part(state: HallState, ticket: Ticket) -> dict[str, Any]:
    policy = state.setup.policy
    if ticket.state is S.HELD:
        return {"hold_until": local_time(ticket.hold_until, state),
                "hold_any_window": ticket.hold_return == "any"}
    if ticket.state is S.NO_SHOW:
        deadline = None
        if ticket.no_show_at is not None and policy.late_return_minutes > 0:
            deadline = local_time(ticket.no_show_at + timedelta(minutes=policy.late_return_minutes), state)
        return {"late_return_until": deadline}
    return {}


def track_view(state: HallState, ticket: Ticket, now: datetime) -> dict[str, Any]:
    """Everything the phone page shows about one ticket, and nothing about anyone else."""
    item = state.setup.service(ticket.service)
    info = state.setup.hall
    view: dict[str, Any] = {
        "id": ticket.id, "number": ticket.number, "state": ticket.state.value,
        "service_name": item.name, "service_name_en": item.name_en,
        "priority": ticket.priority.value,
        "issued_at": local_time(ticket.issued_at, state),
        "hall": {"name": info.name, "name_en": info.name_en},
        "window": window_named(state, ticket.window), "recalls": ticket.recalls,
        "rating": ticket.rating, "can_rate": ticket.state is S.DONE and ticket.rating is None,
        "almost_turn_ahead": state.setup.policy.almost_turn_ahead,
        "now": local_time(now, state),
        "poll_seconds": POLL_SECONDS if ticket.is_open else POLL_SECONDS_QUIET,
        "final": ticket.state in FINAL_STATES or (ticket.state is S.DONE and ticket.rating is not None),
    }
    if ticket.state in CALLABLE_STATES:
        view |= waiting_part(state, ticket, now)
    return view | after_part(state, ticket)


# --- routes ------------------------------------------------------------------------------------------

def _private(response: Response) -> Response:
    """The address carries the token: never cache it, never leak it in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _page(template: str, status: int, **context) -> Response:
    nonce = secrets.token_urlsafe(16)
    response = Response(render_template(template, nonce=nonce, **context), status=status,
                        mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return _private(response)


def _hall_names() -> dict[str, str]:
    info = current_hall().service.setup().hall
    return {"name": info.name, "name_en": info.name_en}


@blueprint.get("/t/<token>")
def track_page(token: str):
    try:
        check_rate(token)
        state, ticket, now = tracked(current_hall(), token)
    except ApiError as refused:
        response = _page("phone/message.html", refused.status, kind="busy", hall=_hall_names())
        response.headers.update(refused.headers)
        return response
    except TicketUnknown:
        try:
            missed(token)
        except ApiError as refused:
            response = _page("phone/message.html", refused.status, kind="busy", hall=_hall_names())
            response.headers.update(refused.headers)
            return response
        return _page("phone/message.html", 404, kind="unknown", hall=_hall_names())
    except TicketExpired as gone:
        return _page("phone/message.html", 410, kind="expired", hall=_hall_names(),
                     number=gone.ticket.number, day=gone.ticket.business_date.isoformat())
    view = _with_notify(track_view(state, ticket, now), ticket)
    return _page("phone/track.html", 200, initial=view, hall=view["hall"], number=ticket.number,
                 rating_reasons=protocol.rating_reasons())


def _tracked_or_refused(token: str) -> tuple[HallState, Ticket, datetime]:
    check_rate(token)
    try:
        return tracked(current_hall(), token)
    except TicketUnknown:
        missed(token)
        raise ApiError(404, "ticket_not_found", "没有这张票，请核对二维码 / no such ticket: "
                       "check the QR code") from None
    except TicketExpired:
        raise ApiError(410, "expired", "这张票已过期（仅当天有效）/ this ticket has expired "
                       "(tickets are valid on the day they are issued)") from None


@blueprint.get("/api/v1/track/<token>")
@permit(TRACK_HOLDER)
def track_api(token: str):
    state, ticket, now = _tracked_or_refused(token)
    return _private(jsonify(_with_notify(track_view(state, ticket, now), ticket)))


def _with_notify(view: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    """The citizen's own text-message opt-in (number masked), and the hall's "N ahead"."""
    notifications = current_hall().notifications
    return view | {"notify": notifications.view(ticket.id), "notify_ahead": notifications.settings.ahead}


# --- notifications: a text message when the turn is near and when called ---------------------------

@blueprint.post("/api/v1/track/<token>/notify")
@permit(TRACK_HOLDER)
def notify_me(token: str):
    """Opt in: {"mobile": "138…", "ahead": true, "called": true} (both default true)."""
    _, ticket, _ = _tracked_or_refused(token)
    notifications = current_hall().notifications
    try:
        wish = wish_from(inbound.json_body(), notifications.settings.provider)
        chosen = notifications.subscribe(ticket.id, wish, via="phone")
    except NotifyRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message) from None
    return _private(jsonify(chosen))


@blueprint.delete("/api/v1/track/<token>/notify")
@permit(TRACK_HOLDER)
def notify_me_not(token: str):
    """Opt out: nothing more is sent for this ticket, and the number is forgotten."""
    _, ticket, _ = _tracked_or_refused(token)
    return _private(jsonify(notify=None, removed=current_hall().notifications.unsubscribe(ticket.id)))
