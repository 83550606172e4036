"""The citizen-facing window screen, /window/<n>. The page shell carries no data: the screen
proves itself with its window device token (given once as ?token=…, then kept by the browser)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from .. import protocol
from ..app import current_hall

blueprint = Blueprint("window_screen", __name__)


@blueprint.get("/window/<int:number>")
def window_screen(number: int):
    if all(spec.number != number for spec in current_hall().service.setup().windows):
        abort(404, description=f"没有 {number} 号窗口 / no window {number}")
    return render_template("window.html", number=number, rating_reasons=protocol.rating_reasons())
