"""The supervisor's pages: the live hall dashboard (/supervisor), reports (/reports) and the
printable daily report (/reports/daily); and the service desk's booking page (/desk), which any
staff member may use. Page shells only: the pages sign in and read the
REST API and Socket.IO with the supervisor's own token."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..app import current_hall

blueprint = Blueprint("supervision_pages", __name__)


@blueprint.get("/supervisor")
def dashboard_page():
    return render_template("supervisor.html")


@blueprint.get("/reports")
def reports_page():
    return render_template("reports.html", daily=False)


@blueprint.get("/desk")
def desk_page():
    """The service desk (导服台): staff book a slot for a citizen without a phone and print it."""
    info = current_hall().service.setup().hall
    return render_template("desk.html", hall={"name": info.name, "name_en": info.name_en})


@blueprint.get("/reports/daily")
def daily_report_page():
    return render_template("reports.html", daily=True)
