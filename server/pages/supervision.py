"""The supervisor's pages: the live hall dashboard (/supervisor), reports (/reports) and the
printable daily report (/reports/daily). Page shells only: the pages sign in and read the
REST API and Socket.IO with the supervisor's own token."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("supervision_pages", __name__)


@blueprint.get("/supervisor")
def dashboard_page():
    return render_template("supervisor.html")


@blueprint.get("/reports")
def reports_page():
    return render_template("reports.html", daily=False)


@blueprint.get("/reports/daily")
def daily_report_page():
    return render_template("reports.html", daily=True)
