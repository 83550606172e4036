"""The public booking page, /book: pick an item, a day and a slot, give a mobile number, get a
booking code with its QR code and a manage link (/book/m/<token>) to move or cancel.

Like the phone page it is one small document with inline style and script (under a nonce CSP),
served by the hall's own server; it talks only to /api/v1/appointments. The QR code holds just
the booking code, which a hall scanner types into the kiosk like a keyboard.
"""

from __future__ import annotations

import io
import re
import secrets

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, render_template, request

from ..app import current_hall
from ..appointments import CODE_ALPHABET, CODE_LENGTH

blueprint = Blueprint("book", __name__, template_folder="templates")

CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _page(manage_token: str = "") -> Response:
    return _citizen_page("book/book.html", manage_token=manage_token,
                         remote=current_hall().service.setup().remote.enabled)


def _citizen_page(template: str, **values) -> Response:
    nonce = secrets.token_urlsafe(16)
    info = current_hall().service.setup().hall
    html = render_template(template, nonce=nonce, hall={"name": info.name, "name_en": info.name_en}, **values)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    # the manage link is a key: never cached, never sent on as a Referer
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.get("/book")
def book_page():
    return _page()


@blueprint.get("/book/m/<token>")
def manage_page(token: str):
    if not TOKEN_RE.match(token):
        abort(404)
    return _page(token)


# --- 远程取号: a remote ticket for today, and the hall's entrance QR code that activates it ---------

@blueprint.get("/remote")
def remote_page():
    return _citizen_page("remote/remote.html", code="", entrance="")


@blueprint.get("/remote/<code>")
def remote_ticket_page(code: str):
    """The remote ticket's own address: its code is its key, like a booking's manage link."""
    if not CODE_RE.match(code):
        abort(404)
    return _citizen_page("remote/remote.html", code=code, entrance="")


def _entrance(token: str) -> str:
    if not current_hall().remote.at_entrance(token):
        abort(404)
    return token


@blueprint.get("/entrance/<token>")
def entrance_page(token: str):
    """What the QR code at the hall's entrance opens: the phone activates its remote ticket here."""
    return _citizen_page("remote/remote.html", code="", entrance=_entrance(token))


@blueprint.get("/entrance/<token>/qr.svg")
def entrance_qr(token: str):
    """The entrance QR code itself, for the poster at the door."""
    base = current_hall().settings.public_url or request.host_url.rstrip("/")
    return _svg(qr_svg(f"{base}/entrance/{_entrance(token)}"))


def qr_svg(text: str) -> bytes:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _svg(picture: bytes) -> Response:
    response = Response(picture, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.get("/book/qr/<code>.svg")
def qr(code: str):
    # drawn for any well-formed code without a lookup: the picture says nothing the code does not
    if not CODE_RE.match(code):
        abort(404)
    return _svg(qr_svg(code))


@blueprint.get("/book/m/<token>/qr.svg")
def manage_qr(token: str):
    """The manage link as a QR code, for the desk's printed booking: a relative with a phone
    scans it to move or cancel. Drawn without a lookup, like the code's QR: it holds only the
    link that is already this address's own."""
    if not TOKEN_RE.match(token):
        abort(404)
    base = current_hall().settings.public_url or request.host_url.rstrip("/")
    return _svg(qr_svg(f"{base}/book/m/{token}"))
