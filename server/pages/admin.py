"""The administration page, /admin: a page shell; everything it shows comes from /api/v1/admin,
which refuses anyone but an admin (the page itself holds no data, so anyone may load it)."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("admin_page", __name__)


@blueprint.get("/admin")
def admin_page():
    return render_template("admin.html")
