"""The clerk's window terminal, /clerk: a page shell; the page talks to the REST API and Socket.IO."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("clerk_page", __name__)


@blueprint.get("/clerk")
def clerk_terminal():
    return render_template("clerk.html")
