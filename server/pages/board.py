"""The hall board and the window strip as web pages, for TVs and signage players that only
open an address, and the board's voice.

    /board?token=DISPLAY_TOKEN[&zone=1F][&portrait=1]   the hall board (综合屏)
    /strip/<window>?token=…                             the small display above one window
    /api/v1/calls/<seq>/announcement                    a call said aloud (audio/wav)

The page shells carry no hall data: each page proves itself with its token (checked by the
page against /api/v1/me, and by the live connection) and draws what the live messages say.
Everything is served from the hall's own server (no CDN): the pages work without internet."""

from __future__ import annotations

import subprocess

from flask import Blueprint, Response, abort, render_template, send_file

from .. import repository as repo
from ..app import current_hall
from ..errors import ApiError
from ..permissions import BOARDS, permit
from ..previews import PreviewUnavailable
from ..voice import AnnouncementCache, FOLDER, silence_for, spoken_sentence

blueprint = Blueprint("board", __name__)

#: own scripts and styles only; the voice arrives as a blob made from the server's answer
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'")


def _page(html: str) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/board")
def board():
    return _page(render_template("board.html"))


@blueprint.get("/strip/<int:number>")
def strip(number: int):
    if all(spec.number != number for spec in current_hall().service.setup().windows):
        abort(404, description=f"没有 {number} 号窗口 / no window {number}")
    return _page(render_template("strip.html", number=number))


@blueprint.get("/api/v1/calls/<int:seq>/announcement")
@permit(BOARDS)
def announcement(seq: int):
    """The call at `seq` as the hall says it; 204 (and X-Jiaohao-Silence: why) when it is not
    to be said now: quiet hours, or its window has moved on."""
    hall = current_hall()
    service = hall.service
    call = repo.call_event(service.database.connection(), service.hall_id, seq)
    if call is None:
        raise ApiError(404, "call_not_found", f"没有序号 {seq} 的呼叫 / no call at seq {seq}")
    setup = service.setup()
    silence = silence_for(call, setup, service.clock())
    if silence is not None:
        return Response(status=204, headers={"X-Jiaohao-Silence": silence.reason})
    try:
        path = _cache(hall).audio(setup, spoken_sentence(call, setup))
    except (PreviewUnavailable, OSError, subprocess.SubprocessError) as exc:
        raise ApiError(503, "voice_unavailable", str(exc)) from None
    response = send_file(path, mimetype="audio/wav", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _cache(hall) -> AnnouncementCache:
    cache = getattr(hall, "announcements", None)
    if cache is None:
        cache = hall.announcements = AnnouncementCache(hall.data.path / FOLDER)
    return cache
