"""Supervision over REST, /api/v1: the dashboard's data, alerts and their acknowledgement, reports,
the 好差评 export and the audit trail. Who may read each is its rule in server/permissions.py:
supervisors and admins; reports also the read-only auditor; the audit trail the admin and the
auditor. A clerk or a device gets 403, no token 401."""

from __future__ import annotations

from datetime import date, timezone

from flask import Blueprint, Response, jsonify, request

from hall import kpi

from .. import audit, cases, db, protocol, ratings, reports, repository as repo
from ..api import body, field
from ..app import current_hall
from ..errors import ApiError
from ..permissions import AUDIT_READERS_RULE, REPORT_READERS_RULE, SUPERVISORS, caller, permit
from ..supervision import dashboard

blueprint = Blueprint("supervision_api", __name__, url_prefix="/api/v1")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def query_date(name: str, default: date) -> date:
    """A YYYY-MM-DD query parameter; anything else is a 422, never a 500."""
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, "bad_field", f"{name} 应为 YYYY-MM-DD 格式的日期 / {name} must be a date "
                       "like 2026-11-26") from None


def query_flag(name: str) -> bool:
    text = request.args.get(name, "0")
    if text not in ("0", "1", "true", "false"):
        raise ApiError(422, "bad_field", f"{name} 应为 0 或 1 / {name} must be 0 or 1")
    return text in ("1", "true")


@blueprint.get("/supervision")
@permit(SUPERVISORS)
def supervision():
    return jsonify(dashboard(current_hall()))


@blueprint.get("/alerts")
@permit(SUPERVISORS)
def list_alerts():
    hall = current_hall()
    only_open = query_flag("open")
    day = query_date("date", hall.service.today())
    conn = hall.database.connection()
    with db.read(conn):
        rows = (repo.open_alerts(conn, hall.service.hall_id) if only_open
                else repo.alerts_between(conn, hall.service.hall_id, day, day))
    return jsonify(alerts=[protocol.alert_view(row) for row in rows])


@blueprint.post("/alerts/<int:alert_id>/acknowledge")
@permit(SUPERVISORS)
def acknowledge(alert_id: int):
    who = caller()
    if alert_id >= 2**62:
        raise ApiError(404, "alert_not_found", f"没有这条告警 / no alert {alert_id}")
    return jsonify(alert=current_hall().supervision.acknowledge(alert_id, who.actor))


# --- 差评 cases --------------------------------------------------------------------------------------

CASE_STATUSES = ("open", "closed", "all")


@blueprint.get("/cases")
@permit(REPORT_READERS_RULE)
def list_cases():
    """?status=open (default: every case not closed, whenever opened) | closed | all, and for
    closed or all ?from=YYYY-MM-DD&to=YYYY-MM-DD by the day a case was opened (default today)."""
    hall = current_hall()
    status = request.args.get("status", "open")
    if status not in CASE_STATUSES:
        raise ApiError(422, "bad_field", "status 应为 open、closed 或 all / status must be open, closed or all")
    start = end = None
    if status != "open":
        first = query_date("from", hall.service.today())
        last = query_date("to", first)
        if last < first or (last - first).days >= 366:
            raise ApiError(422, "bad_range", "to 不能早于 from，且最多一年 / to must not be before from, "
                           "and a range is at most a year")
        start, end = (moment.astimezone(timezone.utc)
                      for moment in kpi.day_bounds(first, last, hall.service.setup().hall.tz))
    conn = hall.database.connection()
    with db.read(conn):
        rows = repo.cases_where(conn, hall.service.hall_id, status, start, end)
        views = cases.case_views(conn, hall.service, rows, hall.service.clock())
    return jsonify(cases=views)


# the path names a case `id`, as the OpenAPI document calls every row's number in a path

def _case_or_404(case_id: int) -> None:
    if case_id >= 2**62:
        raise ApiError(404, "case_not_found", f"没有这个差评案件 / no case {case_id}")


@blueprint.get("/cases/<int:id>")
@permit(REPORT_READERS_RULE)
def get_case(id: int):  # noqa: A002 (the path's name)
    case_id = id
    _case_or_404(case_id)
    hall = current_hall()
    conn = hall.database.connection()
    with db.read(conn):
        row = repo.get_case(conn, hall.service.hall_id, case_id)
        if row is None:
            raise ApiError(404, "case_not_found", f"没有这个差评案件 / no case {case_id}")
        view = cases.case_view(conn, hall.service, row, hall.service.clock())
    return jsonify(case=view)


@blueprint.post("/cases/<int:id>/steps")
@permit(SUPERVISORS)
def take_case_step(id: int):  # noqa: A002 (the path's name)
    """{step: follow_up | rectify | appeal | appeal_upheld | appeal_rejected | close, note}."""
    case_id = id
    _case_or_404(case_id)
    hall = current_hall()
    data = body()
    step, note = field(data, "step", str), field(data, "note", str)
    user = repo.get_user(hall.database.connection(), caller().id)
    return jsonify(case=cases.take_step(hall, case_id, step, note, user["username"]))


# --- notifications: the delivery log ---------------------------------------------------------------

@blueprint.get("/notifications/log")
@permit(SUPERVISORS)
def notification_log():
    """The latest delivery attempts (?limit=, at most 500), numbers masked, newest first."""
    try:
        limit = min(500, max(1, int(request.args.get("limit", "100"))))
    except ValueError:
        raise ApiError(422, "bad_query", "limit 应为整数 / limit must be a whole number") from None
    notifications = current_hall().notifications
    return jsonify(provider=notifications.provider.name, rows=notifications.delivery_log(limit))


# --- reports --------------------------------------------------------------------------------------

def report_query() -> dict:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD&by=item|department|window|clerk|hour|day → the report."""
    hall = current_hall()
    first = query_date("from", hall.service.today())
    last = query_date("to", first)
    by = request.args.get("by", "item")
    if by not in kpi.DIMENSIONS:
        raise ApiError(422, "bad_field", "by 应为 " + " / ".join(kpi.DIMENSIONS) + " / by must be one of "
                       + ", ".join(kpi.DIMENSIONS))
    try:
        return reports.report(hall, first, last, by)
    except reports.RangeError as exc:
        raise ApiError(422, "bad_range", str(exc)) from None


def download(content: bytes, mimetype: str, data: dict, extension: str) -> Response:
    name = f"jiaohao-report-{data['from']}-{data['to']}-{data['by']}.{extension}"
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.get("/reports")
@permit(REPORT_READERS_RULE)
def report_json():
    return jsonify(report_query())


@blueprint.get("/reports/export.csv")
@permit(REPORT_READERS_RULE)
def report_csv():
    data = report_query()
    return download(reports.to_csv(data), "text/csv; charset=utf-8", data, "csv")


@blueprint.get("/reports/export.xlsx")
@permit(REPORT_READERS_RULE)
def report_xlsx():
    data = report_query()
    return download(reports.to_xlsx(data), XLSX, data, "xlsx")


# --- 好差评 export (GB/T 39046-2020) -------------------------------------------------------------

def ratings_query() -> dict:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (default today) → every rated visit of those days."""
    hall = current_hall()
    first = query_date("from", hall.service.today())
    last = query_date("to", first)
    try:
        return ratings.rated_rows(hall.service, first, last)
    except reports.RangeError as exc:
        raise ApiError(422, "bad_range", str(exc)) from None


def ratings_download(content: bytes, mimetype: str, data: dict, extension: str) -> Response:
    name = f"jiaohao-ratings-{data['from']}-{data['to']}.{extension}"
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.get("/reports/ratings.json")
@permit(REPORT_READERS_RULE)
def ratings_json():
    return jsonify(ratings_query())


@blueprint.get("/reports/ratings.csv")
@permit(REPORT_READERS_RULE)
def ratings_csv():
    data = ratings_query()
    return ratings_download(ratings.to_csv(data), "text/csv; charset=utf-8", data, "csv")


@blueprint.get("/reports/ratings.xlsx")
@permit(REPORT_READERS_RULE)
def ratings_xlsx():
    data = ratings_query()
    return ratings_download(ratings.to_xlsx(data), XLSX, data, "xlsx")


# --- the audit trail, for the admin and the auditor ------------------------------------------------

AUDIT_PAGE = 100


@blueprint.get("/audit")
@permit(AUDIT_READERS_RULE)
def audit_trail():
    """?kind=changes|sign_in (default changes), ?limit=, ?before=id: newest first."""
    hall = current_hall()
    limit = min(max(request.args.get("limit", AUDIT_PAGE, type=int), 1), 500)
    before = request.args.get("before", None, type=int)
    kind = request.args.get("kind", "changes")
    if kind not in repo.AUDIT_KINDS:
        raise ApiError(422, "bad_field", "kind 应为 changes 或 sign_in / kind must be changes or sign_in")
    return jsonify(entries=repo.audit_entries(hall.database.connection(), hall.service.hall_id,
                                              limit, before, kind))


@blueprint.get("/audit/export.csv")
@permit(AUDIT_READERS_RULE)
def audit_export():
    """Every entry of ?from=YYYY-MM-DD&to=YYYY-MM-DD (the hall's days; default today) as CSV."""
    hall = current_hall()
    first = query_date("from", hall.service.today())
    last = query_date("to", first)
    if last < first or (last - first).days >= 3660:
        raise ApiError(422, "bad_range", "to 不能早于 from，且最多十年 / to must not be before from, "
                       "and a range is at most ten years")
    start, end = kpi.day_bounds(first, last, hall.service.setup().hall.tz)
    rows = repo.audit_entries_between(hall.database.connection(), hall.service.hall_id,
                                      start.astimezone(timezone.utc), end.astimezone(timezone.utc))
    name = f"jiaohao-audit-{first}-{last}.csv"
    return Response(audit.to_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
