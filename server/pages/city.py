"""The city's pages and their REST API: the dashboard of every hall side by side (/city, GET
/api/v1/city/dashboard) and the reports comparing halls (/city/reports, GET /api/v1/city/reports,
also as an Excel workbook). Only a city account reads them (server/permissions.py, CITY_READERS);
a hall's own staff, its admin too, get 403. Nothing here changes a hall."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from .. import city, reports
from ..app import current_city, current_hall
from ..errors import ApiError
from ..permissions import CITY_READERS, permit
from .supervision_api import XLSX, query_date

blueprint = Blueprint("city", __name__)

FORMATS = ("json", "xlsx")


@blueprint.get("/city")
def dashboard_page():
    return render_template("city.html", reports=False, deployment_wide=True)


@blueprint.get("/city/reports")
def reports_page():
    return render_template("city.html", reports=True, deployment_wide=True)


@blueprint.get("/api/v1/city/dashboard")
@permit(CITY_READERS)
def dashboard():
    return jsonify(current_city().dashboard())


def city_report() -> dict:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (default: today, this server's hall's day) → the report."""
    first = query_date("from", current_hall().service.today())
    last = query_date("to", first)
    try:
        return current_city().report(first, last)
    except reports.RangeError as exc:
        raise ApiError(422, "bad_range", str(exc)) from None


def workbook(data: dict) -> Response:
    name = f"jiaohao-city-{data['from']}-{data['to']}.xlsx"
    return Response(city.to_xlsx(data), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.get("/api/v1/city/reports")
@permit(CITY_READERS)
def report():
    """JSON, or with ?format=xlsx the same report as an Excel workbook."""
    chosen = request.args.get("format", "json")
    if chosen not in FORMATS:
        raise ApiError(422, "bad_field", "format 应为 json 或 xlsx / format must be json or xlsx")
    data = city_report()
    return workbook(data) if chosen == "xlsx" else jsonify(data)


@blueprint.get("/api/v1/city/reports.xlsx")
@permit(CITY_READERS)
def report_xlsx():
    return workbook(city_report())
