"""Headers every response carries: no page of the hall may be framed by another site (a staff
page in a hidden frame can be clicked through), and no browser guesses a content type."""

from __future__ import annotations

from flask import Flask, Response

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
