"""The appointment routes, /api/v1/appointments: slots and booking for citizens (no sign-in,
rate-limited), the manage link's view / cancel / move, and check-in for kiosks and staff.

A booking's manage token is its only key: it is given once, in the booking reply, and only its
hash is stored. Staff at the service desk book with their own token and may leave out the mobile.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from hall.appointments import AppointmentError
from hall.pinyin import pinyin_keys

from ..api import body, field, issued_reply
from ..app import current_hall
from ..appointments import DESK, Booked
from ..errors import ApiError, RateLimited
from ..permissions import BOOKERS, ISSUERS, LINK_HOLDER, PUBLIC_RATE_LIMITED, caller, permit
from ..ratelimit import Limit, TokenBuckets

blueprint = Blueprint("appointments_api", __name__, url_prefix="/api/v1/appointments")


@dataclass(frozen=True)
class Limits:
    # a hall's guest Wi-Fi puts many phones behind one address: generous per address for
    # reading, strict per mobile number; and since mobile numbers can be invented, a booking
    # also spends from its address and from its address in that one slot
    reads_per_address: Limit = Limit(capacity=300, rate=10)
    bookings_per_address: Limit = Limit(capacity=10, rate=1 / 30)
    bookings_per_mobile: Limit = Limit(capacity=5, rate=1 / 60)
    bookings_per_address_in_slot: Limit = Limit(capacity=2, rate=1 / 600)
    misses_per_address: Limit = Limit(capacity=10, rate=1 / 6)   # guessing manage links


@blueprint.record_once
def _install_limits(state) -> None:
    state.app.extensions.setdefault("jiaohao_booking_limits", (TokenBuckets(), Limits()))


def _spend(kind: str, key: Any) -> None:
    buckets, limits = current_app.extensions["jiaohao_booking_limits"]
    wait = buckets.take((kind, key), getattr(limits, kind))
    if wait:
        raise RateLimited(wait)


def _spend_on_booking(mobile: str, service: str, day: date, start: time) -> None:
    """A citizen's booking spends from its address, its address in the slot, and its number."""
    try:
        _spend("bookings_per_address", client_address())
        # a slot is one hall's: the halls of a deployment may use the same item codes
        _spend("bookings_per_address_in_slot", (client_address(), current_hall().service.hall_id, service, day, start))
        _spend("bookings_per_mobile", mobile.strip())
    except ApiError:
        _sweep_refused(service, day, start)
        raise


def _sweep_refused(service: str, day: date, start: time) -> None:
    """A citizen's booking refused as sweeping: recorded for the supervisors and announced to them."""
    hall, slot = current_hall(), (service, day.isoformat(), start.strftime("%H:%M"))
    hall.appointments.sweeps.refused(client_address(), " ".join(slot), hall.service.clock().isoformat())
    hall.live.broadcast_appointment("refused", dict(zip(("service", "date", "start"), slot)))


def client_address() -> str:
    """Who asks, for the limits: an IPv6 client is its /64, since one home or phone is handed a
    whole /64 and could otherwise take a fresh address for every booking."""
    address = request.remote_addr or "?"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "bad_field", "date 应为 2026-11-26 格式 / date must look like 2026-11-26") from None


def _start(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "bad_field", "start 应为 09:30 格式 / start must look like 09:30") from None


def _booked_reply(booked: Booked) -> dict[str, Any]:
    base = current_hall().settings.public_url or request.host_url.rstrip("/")
    return booked.booking | {"manage_token": booked.manage_token,
                             "manage_url": f"{base}/book/m/{booked.manage_token}",
                             "qr_url": f"{base}/book/qr/{booked.booking['code']}.svg"}


def _announce(change: str, booking: dict[str, Any]) -> None:
    """Tell the dashboards a booking changed; no personal data goes out."""
    current_hall().live.broadcast_appointment(
        change, {k: booking[k] for k in ("service", "date", "start", "state")})


# --- citizens ---------------------------------------------------------------------------------

def bookable_item(setup, item, days) -> dict[str, Any]:
    """An item as the booking page lists it: under its department, findable by pinyin."""
    dept = setup.department(item.department)
    initials, spelled = pinyin_keys(item.name)
    return {"code": item.code, "name": item.name, "name_en": item.name_en,
            "department": dept.code, "department_name": dept.name, "department_name_en": dept.name_en,
            "initials": initials, "spelled": spelled, "days": [d.isoformat() for d in days]}


@blueprint.get("/services")
@permit(PUBLIC_RATE_LIMITED)
def bookable_services():
    _spend("reads_per_address", client_address())
    hall = current_hall()
    setup = hall.service.setup()
    order = {d.code: i for i, d in enumerate(setup.departments)}   # grouped as the hall lists them
    items = [bookable_item(setup, s, hall.appointments.days(s.code))
             for s in sorted(setup.services, key=lambda s: order.get(s.department, len(order)))
             if setup.appointments.bookable(s.code)]
    return jsonify(enabled=setup.appointments.enabled, services=items)


@blueprint.get("/slots")
@permit(PUBLIC_RATE_LIMITED)
def slots():
    _spend("reads_per_address", client_address())
    service = request.args.get("service", "")
    day = _day(request.args.get("date", ""))
    return jsonify(service=service, date=day.isoformat(), slots=current_hall().appointments.slots(service, day))


@blueprint.post("")
@permit(BOOKERS)
def book():
    who = caller()   # None: a citizen; staff book at the desk for citizens without a phone
    data = body()
    service = field(data, "service", str)
    day, start = _day(field(data, "date", str)), _start(field(data, "start", str))
    name = field(data, "name", str, required=False, default="")
    remind = field(data, "remind", bool, required=False, default=False)   # text reminders, opted in
    if who is None:
        mobile = field(data, "mobile", str)
        _spend_on_booking(mobile, service, day, start)
    else:
        mobile = field(data, "mobile", str, required=False, default="") or DESK
    try:
        booked = current_hall().appointments.book(service, day, start, mobile, name,
                                                  actor=who.actor if who else "citizen", remind=remind)
    except AppointmentError as refused:
        if refused.code == "slot_busy":   # many addresses at one slot: a sweep the slot itself saw
            _sweep_refused(service, day, start)
        raise
    _announce("booked", booked.booking)
    return jsonify(_booked_reply(booked)), 201


def _managed(token: str):
    _spend("reads_per_address", client_address())
    try:
        return current_hall().appointments.managed(token)
    except AppointmentError:
        _spend("misses_per_address", client_address())
        raise


@blueprint.get("/manage/<token>")
@permit(LINK_HOLDER)
def view(token: str):
    _managed(token)
    return jsonify(current_hall().appointments.view(token))


@blueprint.delete("/manage/<token>")
@permit(LINK_HOLDER)
def cancel(token: str):
    _managed(token)
    booking = current_hall().appointments.cancel(token)
    _announce("cancelled", booking)
    return jsonify(booking)


@blueprint.put("/manage/<token>")
@permit(LINK_HOLDER)
def move(token: str):
    _managed(token)
    data = body()
    day, start = _day(field(data, "date", str)), _start(field(data, "start", str))
    booking = current_hall().appointments.move(token, day, start)
    _announce("moved", booking)
    return jsonify(booking)


# --- the kiosk ------------------------------------------------------------------------------------

@blueprint.post("/check-in")
@permit(ISSUERS)
def check_in():
    hall, who = current_hall(), caller()
    data = body()
    code = field(data, "code", str)
    accept_normal = field(data, "accept_normal_ticket", bool, required=False, default=False)
    done = hall.appointments.check_in(code, who.actor, accept_normal=accept_normal)
    _announce("checked_in", done.booking)
    return jsonify(issued_reply(done.issued) | {"outcome": done.outcome, "booking": done.booking}), 201
