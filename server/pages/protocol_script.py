"""GET /static/protocol.js: the live protocol's names for the web pages, generated from the
shared `protocol` package at request time, so a page never holds its own copy of them. A
plain script file from the hall's own origin, so it runs under any page's CSP."""

from __future__ import annotations

from flask import Blueprint, Response

from protocol import javascript

blueprint = Blueprint("protocol_script", __name__)


@blueprint.get("/static/protocol.js")
def protocol_js() -> Response:
    return Response(javascript.script(), mimetype="text/javascript",
                    headers={"Cache-Control": "no-cache"})
