"""The remote walk-in routes, /api/v1/remote-tickets (远程取号): the items offered today and a
ticket taken for today (anyone, rate-limited), its holder's view by its code, activation on the
phone with the hall's entrance token, and activation at the kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from hall.remote import Activation
from hall.tickets import QueueError

from ..api import body, field, issued_reply
from ..app import current_hall
from ..errors import ApiError, RateLimited
from ..permissions import BOOKERS, ISSUERS, LINK_HOLDER, PUBLIC_RATE_LIMITED, SUPERVISORS, caller, permit
from ..ratelimit import Limit, TokenBuckets
from .appointments_api import client_address

blueprint = Blueprint("remote_api", __name__, url_prefix="/api/v1/remote-tickets")


@dataclass(frozen=True)
class Limits:
    # as for bookings: many phones share a hall's guest Wi-Fi, so per address is generous and
    # per mobile number strict; unknown codes are guesses and cost more
    reads_per_address: Limit = Limit(capacity=300, rate=10)
    takes_per_address: Limit = Limit(capacity=10, rate=1 / 30)
    takes_per_mobile: Limit = Limit(capacity=3, rate=1 / 600)
    misses_per_address: Limit = Limit(capacity=10, rate=1 / 6)


@blueprint.record_once
def _install_limits(state) -> None:
    state.app.extensions.setdefault("jiaohao_remote_limits", (TokenBuckets(), Limits()))


def _spend(kind: str, key: Any) -> None:
    buckets, limits = current_app.extensions["jiaohao_remote_limits"]
    wait = buckets.take((kind, key), getattr(limits, kind))
    if wait:
        raise RateLimited(wait)


def _announce(change: str, remote: dict[str, Any]) -> None:
    """Dashboards refresh their remote figures; no code, number or name goes out."""
    current_hall().live.broadcast_appointment(f"remote_{change}", {"service": remote["service"],
                                                                   "state": remote["state"]})


@blueprint.get("/services")
@permit(PUBLIC_RATE_LIMITED)
def offered():
    _spend("reads_per_address", client_address())
    hall = current_hall()
    setup = hall.service.setup()
    return jsonify(enabled=setup.remote.enabled, activate_minutes=setup.remote.activate_minutes,
                   services=hall.remote.offered())


@blueprint.post("")
@permit(BOOKERS)
def take():
    who = caller()
    data = body()
    service = field(data, "service", str)
    mobile = field(data, "mobile", str)
    id_number = data.get("id_number")
    if who is None:
        _spend("takes_per_address", client_address())
        _spend("takes_per_mobile", mobile.strip())
    remote = current_hall().remote.take(service, mobile, id_number, actor=who.actor if who else "citizen")
    _announce("taken", remote)
    return jsonify(remote), 201


def _found(code: str) -> None:
    _spend("reads_per_address", client_address())
    try:
        current_hall().remote.find(code)
    except QueueError:
        _spend("misses_per_address", client_address())
        raise


@blueprint.get("/<code>")
@permit(LINK_HOLDER)
def view(code: str):
    _found(code)
    return jsonify(current_hall().remote.view(code))


@blueprint.post("/<code>/activate")
@permit(LINK_HOLDER)
def activate_at_entrance(code: str):
    """On the citizen's phone, from the page the entrance QR code opens: its token says the
    phone is in the hall."""
    _found(code)
    data = body()
    hall = current_hall()
    if not hall.remote.at_entrance(data.get("entrance_token")):
        raise ApiError(403, "bad_entrance_token", "请扫描大厅入口处的二维码激活 / scan the QR code at the "
                       "hall's entrance to activate")
    issued, remote = hall.remote.activate(code, Activation.ENTRANCE, actor="citizen")
    _announce("activated", remote)
    return jsonify(remote | {"ticket": issued_reply(issued)}), 201


@blueprint.post("/activate")
@permit(ISSUERS)
def activate_at_kiosk():
    """The code typed or scanned at the kiosk: the kiosk's ticket reply, printed as any other."""
    who = caller()
    code = field(body(), "code", str)
    issued, remote = current_hall().remote.activate(code, Activation.KIOSK, actor=who.actor)
    _announce("activated", remote)
    return jsonify(issued_reply(issued) | {"remote": remote}), 201


@blueprint.get("/entrance")
@permit(SUPERVISORS)
def entrance():
    """The entrance QR code's address, for the poster at the hall's door."""
    hall = current_hall()
    base = hall.settings.public_url or request.host_url.rstrip("/")
    token = hall.remote.entrance_token()
    return jsonify(url=f"{base}/entrance/{token}", qr_url=f"{base}/entrance/{token}/qr.svg")
