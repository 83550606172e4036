"""Headers every response carries: no page of the hall may be framed by another site (a staff
page in a hidden frame can be clicked through), and no browser guesses a content type; and
pages and data compressed for browsers that take gzip."""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

NO_FRAMING = "frame-ancestors 'none'"


def protect(response: Response) -> Response:
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = NO_FRAMING
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy.rstrip('; ')}; {NO_FRAMING}"
    return response


def install(app: Flask) -> None:
    app.after_request(protect)
    app.after_request(compress)


# --- compression ---------------------------------------------------------------------------------

#: answers worth compressing: the pages (API answers are small, and a device's CPU is better spent)
COMPRESSIBLE = ("text/html", "text/css", "application/javascript", "text/javascript", "image/svg+xml")
MIN_COMPRESS_BYTES = 1400   # below one packet, compressing saves nothing on the wire


def compress(response: Response) -> Response:
    """gzip for a phone on a slow link: the phone page is ~18 KB of HTML, ~5 KB compressed."""
    if (response.direct_passthrough or response.is_streamed or response.status_code != 200
            or "Content-Encoding" in response.headers
            or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    data = response.get_data()
    if len(data) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
