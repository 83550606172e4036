"""GET /api/openapi.json: the REST contract as an OpenAPI 3 document (tests check it covers every route).

Who may call each route is not written here: it is the rule the route declares with
`@permit` (server/permissions.py), looked up through the app's URL map, so the document and
the server cannot disagree. Each operation carries it as `x-permission`.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, jsonify

from . import permissions
from .permissions import ANONYMOUS, Rule

openapi_blueprint = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}
BEARER = [{"bearer": []}]

# path → {method: (summary, request schema or None, success status)}
ROUTES = {
    "/api/v1/auth/login": {"post": ("Sign in with user name and password; `hall` (the hall's code) names "
                                    "the hall when the deployment has several (404 hall_not_found)",
                                    {"username": "string", "password": "string", "hall": "string"}, 200)},
    "/api/v1/auth/logout": {"post": ("End this staff session", None, 200)},
    "/api/v1/auth/password": {"post": ("Change one's own password (also an expired one); every session of "
                                       "the account ends",
                                       {"username": "string", "password": "string",
                                        "new_password": "string", "hall": "string"}, 200)},
    "/api/v1/me": {"get": ("Who this token belongs to", None, 200)},
    "/api/v1/health": {"get": (
        "Is this server process fit to serve: {ok, failed: [names], database {ok, ms, backend, "
        "live_processes}, message_queue {ok, configured, ms}, clockwork {ok, running, last_tick_at, "
        "seconds_since_tick, leading}, process}; 503 with the same body when any check failed. "
        "No address or credential of the database or the queue is shown", None, 200)},
    "/api/v1/calls/{seq}/announcement": {"get": (
        "The call at this seq said aloud (audio/wav: chime, then the hall's sentence as often as "
        "configured); 204 with X-Jiaohao-Silence when not to be said now (quiet hours, window moved on)",
        None, 200)},
    "/api/v1/me/today": {"get": ("This staff member's counts for today: called, served, no-show …",
                                 None, 200)},
    "/api/v1/hall": {"get": ("The hall snapshot: items, windows, recent calls", None, 200)},
    "/api/v1/tickets": {"post": ("Issue a ticket; notify: the citizen's optional text-message opt-in "
                                 "{mobile, ahead, called}, kept in the same transaction; id_number: the "
                                 "身份证 number read at the kiosk, held to the per-person limits of an item "
                                 "with identity optional/required (422 bad_id_number, 422 id_required, "
                                 "409 person_limit_reached); id_name kept sealed only where [identity] "
                                 "keep_name or the item's identity_name; green_category 军人 / 残疾人 as declared",
                                 {"service": "string", "priority": "string", "request_id": "string",
                                  "notify": "object", "id_number": "string", "id_name": "string",
                                  "green_category": "string"}, 201)},
    "/api/v1/remote-tickets/services": {"get": (
        "远程取号: today's items offered remotely, with places left and the wait as it stands (uncertain, "
        "wait_text: the estimate's range and how far to trust it)", None, 200)},
    "/api/v1/remote-tickets": {"post": (
        "Take a remote ticket for today: it holds a place and joins the queue only when activated by its "
        "deadline (409 remote_full / remote_limit_per_mobile / person_limit_reached / daily_cap_reached / "
        "outside_hours; 422 bad_mobile / bad_id_number / id_required)",
        {"service": "string", "mobile": "string", "id_number": "string"}, 201)},
    "/api/v1/remote-tickets/{code}": {"get": ("A remote ticket as its holder sees it (masked numbers)", None, 200)},
    "/api/v1/remote-tickets/{code}/activate": {"post": (
        "Activate on the phone with the hall's entrance token (403 bad_entrance_token, 409 remote_lapsed / "
        "remote_already_activated)", {"entrance_token": "string"}, 201)},
    "/api/v1/remote-tickets/activate": {"post": (
        "Activate at the kiosk with the code: the kiosk's ticket reply plus `remote`", {"code": "string"}, 201)},
    "/api/v1/remote-tickets/entrance": {"get": ("The entrance QR code's address for the hall's door", None, 200)},
    "/api/v1/tickets/{id}": {"get": ("One ticket",
                                     None, 200)},
    "/api/v1/tickets/{id}/recall": {"post": ("Call the ticket again (重呼)", None, 200)},
    "/api/v1/tickets/{id}/start": {"post": ("The citizen arrived: start handling", None, 200)},
    "/api/v1/tickets/{id}/finish": {"post": ("Finish (办结), optionally with a case number",
                                             {"case_no": "string"}, 200)},
    "/api/v1/tickets/{id}/no-show": {"post": ("Mark no-show (过号)", None, 200)},
    "/api/v1/tickets/{id}/hold": {"post": ("Hold (挂起) while the citizen fetches a document",
                                           {"minutes": "number", "return_to": "string"}, 200)},
    "/api/v1/tickets/{id}/resume": {"post": ("Bring a held ticket back to the queue", None, 200)},
    "/api/v1/tickets/{id}/transfer": {"post": ("Transfer to another item or window",
                                               {"service": "string", "window": "integer"}, 200)},
    "/api/v1/tickets/{id}/cancel": {"post": ("Cancel a waiting or held ticket",
                                             {"reason": "string"}, 200)},
    "/api/v1/tickets/{id}/return": {"post": ("A late citizen returns after no-show", None, 200)},
    "/api/v1/tickets/{id}/evaluation": {"post": ("Rate the finished visit, 1 to 5",
                                                 {"rating": "integer"}, 200)},
    "/api/v1/devices/status": {"post": ("A device reports its state (a kiosk: its printer's paper)",
                                        {"printer": "object", "detail": "string"}, 200)},
    "/api/v1/tickets/{id}/evaluation/skip": {"post": ("The rating prompt timed out: not rated", None, 200)},
    "/api/v1/windows/{number}/sign-in": {"post": ("Sign in at the window", None, 200)},
    "/api/v1/windows/{number}/sign-out": {"post": ("Sign out of the window", None, 200)},
    "/api/v1/windows/{number}/pause": {"post": ("Pause the window with a reason",
                                                {"reason": "string"}, 200)},
    "/api/v1/windows/{number}/resume": {"post": ("Resume a paused window", None, 200)},
    "/api/v1/windows/{number}/call-next": {"post": ("Call the next ticket; {ticket: null} if nobody waits",
                                                    None, 200)},
    "/api/v1/windows/{number}/call": {"post": ("Call a specific number (特呼)",
                                               {"number": "string", "reason": "string"}, 200)},
    "/api/v1/windows/{number}/queue": {"get": ("The head of the window's call order: ?limit= tickets "
                                               "(default 50, at most 200), total waiting for the window, next "
                                               "(a cursor for ?after=) when more follow, and its held tickets; "
                                               "?number=A123 gives that ticket's place",
                                               None, 200)},
    "/api/v1/supervision": {"get": ("The live dashboard's data: windows with clerk, current ticket and "
                                    "timers; items with waiting, longest wait and estimate; devices with "
                                    "connection and printer state; open alerts",
                                    None, 200)},
    "/api/v1/alerts": {"get": ("Alerts: ?open=1 those still open, else those raised on ?date=YYYY-MM-DD "
                               "(default today)", None, 200)},
    "/api/v1/alerts/{id}/acknowledge": {"post": ("Acknowledge an alert (recorded; a 差评 then clears)",
                                                 None, 200)},
    "/api/v1/cases": {"get": ("差评 cases: ?status=open (default: every case not closed) | closed | all, the "
                              "last two for ?from=YYYY-MM-DD&to=YYYY-MM-DD by opening day; each with who rated "
                              "what item, window and clerk, how badly and why, its due time, overdue, status, "
                              "steps and next_steps", None, 200)},
    "/api/v1/cases/{id}": {"get": ("One 差评 case", None, 200)},
    "/api/v1/cases/{id}/steps": {"post": (
        "Take a step of a 差评 case with a note: follow_up (回访核实), rectify (整改), appeal (申诉), "
        "appeal_upheld / appeal_rejected (复核, by someone other than the appellant), close (办结); "
        "409 step_not_allowed or own_appeal, 422 note_required; audited, and told live to supervisors",
        {"step": "string", "note": "string"}, 200)},
    "/api/v1/reports": {"get": ("KPIs for ?from=YYYY-MM-DD&to=YYYY-MM-DD (default today) grouped "
                                "?by=item|department|window|clerk|hour|day, with the hall's 三率 and chart "
                                "series", None, 200)},
    "/api/v1/reports/export.csv": {"get": ("The same report as CSV (UTF-8 with BOM)",
                                           None, 200)},
    "/api/v1/reports/export.xlsx": {"get": ("The same report as an Excel workbook",
                                            None, 200)},
    "/api/v1/city/dashboard": {"get": (
        "A city account's dashboard: every hall of the deployment side by side, now — waiting, longest "
        "wait (seconds), windows open and paused, 空岗 (windows with no clerk or paused while people wait "
        "for them), open alerts per level (red, yellow), today's satisfaction — and the city's totals",
        None, 200)},
    "/api/v1/city/reports": {"get": (
        "The city's report comparing halls for ?from=YYYY-MM-DD&to=YYYY-MM-DD (default today): the 三率 "
        "(项目进驻率, 窗口办结率, 群众满意率) and main figures per hall, the 三率 per department in each hall "
        "and across halls, and the whole city; ?format=xlsx (json by default) gives it as an Excel workbook "
        "(sheets 各大厅 Halls and 各部门 Departments). Bad dates or a backwards range: 422", None, 200)},
    "/api/v1/city/reports.xlsx": {"get": ("The same city report as an Excel workbook", None, 200)},
    "/api/v1/reports/ratings.json": {"get": ("好差评: every rated visit of ?from=YYYY-MM-DD&to=YYYY-MM-DD in the "
                                             "GB/T 39046-2020 rating fields (satisfaction 1 = 非常满意 … "
                                             "5 = 非常不满意; not-rated visits are not rows)", None, 200)},
    "/api/v1/reports/ratings.csv": {"get": ("The same rated visits as CSV (UTF-8 with BOM)",
                                            None, 200)},
    "/api/v1/reports/ratings.xlsx": {"get": ("The same rated visits as an Excel workbook",
                                             None, 200)},
    "/api/v1/track/{token}": {"get": ("The citizen's phone page data for one ticket: state, people "
                                      "ahead, estimated wait, windows to watch, call, rating; 410 once "
                                      "its day is over; rate-limited per token and per address", None, 200)},
    "/api/v1/track/{token}/notify": {
        "post": ("Opt in to text messages for this ticket: when [notify] ahead or fewer are ahead, and "
                 "when called (both default true); the number is stored sealed and shown masked",
                 {"mobile": "string", "ahead": "boolean", "called": "boolean"}, 200),
        "delete": ("Opt out: nothing more is sent and the number is forgotten", None, 200)},
    "/api/v1/notifications/log": {"get": ("The latest delivery attempts of text messages and WeChat notices "
                                          "(?limit=, at most 500), numbers masked", None, 200)},
}

SETUP = "the setup document's keys, as in config.toml"
ADMIN_ROUTES = {
    "/api/v1/admin/setup": {"get": ("The setup in force: {version, document}", None, 200)},
    "/api/v1/admin/setup/{section}": {"put": (
        "Change keys of one table: hall (name, notice, hours, holidays, working days), numbering, policy, "
        "announcement (templates), slip, supervision (thresholds), appointments (slots, grace, limits, "
        "bookable items); a key given as null is removed. "
        "422 invalid_setup names the key; 409 setup_refused if waiting tickets would be stranded",
        {"*": SETUP}, 200)},
    "/api/v1/admin/appointments/items/{code}": {
        "put": ("An item's own appointment slots (slot_minutes, capacity, hours, days_ahead); a key left "
                "out follows [appointments]. 404 for an unknown item, 422 invalid_setup names the key",
                {"slot_minutes": "integer", "capacity": "integer", "hours": "string",
                          "days_ahead": "integer"}, 200),
        "delete": ("The item goes back to the hall-wide appointment slots", None, 200)},
    "/api/v1/admin/remote/items/{code}": {
        "put": ("An item's own remote walk-in places (远程取号): daily_share of its daily cap, or "
                "daily_tickets for an item without a cap; a key left out follows [remote]. 404 for an "
                "unknown item, 422 invalid_setup names the key",
                {"daily_share": "number", "daily_tickets": "integer"}, 200),
        "delete": ("The item goes back to the hall-wide remote places", None, 200)},
    "/api/v1/admin/departments": {"post": ("Add a department", {"*": SETUP}, 200)},
    "/api/v1/admin/departments/{code}": {
        "put": ("Replace a department", {"*": SETUP}, 200),
        "delete": ("Remove a department that has no items left", None, 200)},
    "/api/v1/admin/services": {"post": ("Add a service item", {"*": SETUP}, 200)},
    "/api/v1/admin/services/{code}": {
        "put": ("Replace a service item (name, prefix, handling time, hours, daily cap, alerts)",
                {"*": SETUP}, 200),
        "delete": ("Remove a service item; refused (409) while people wait for it", None, 200)},
    "/api/v1/admin/windows": {"post": ("Add a window", {"*": SETUP}, 200)},
    "/api/v1/admin/windows/{number}": {
        "put": ("Replace a window: its items and each item's priority there", {"*": SETUP}, 200),
        "delete": ("Remove a window; refused (409) if it is the last window of an item people wait for",
                   None, 200)},
    "/api/v1/admin/export.toml": {"get": ("The setup in force as a config.toml file", None, 200)},
    "/api/v1/admin/import": {"post": ("Make a config.toml (the request body, TOML text) the setup in force",
                                      None, 200)},
    "/api/v1/admin/preview/announcement": {"post": (
        "The call sentence for candidate announcement keys: {text, text_en, spoken, recall_text …}",
        {"call": "string", "call_en": "string", "recall_prefix": "string", "window": "integer",
         "service": "string"}, 200)},
    "/api/v1/admin/preview/announcement.wav": {"post": (
        "The call as sound (WAV, espeak-ng); 503 when the server has no espeak-ng",
        {"call": "string", "window": "integer", "service": "string"}, 200)},
    "/api/v1/admin/preview/slip": {"post": ("The ticket slip for candidate slip keys, as the printer's PNG",
                                            {"footer": "string", "width": "integer"}, 200)},
    "/api/v1/admin/staff": {
        "get": ("Staff accounts (never their passwords)", None, 200),
        "post": ("Add a staff account", {"username": "string", "role": "string",
                                                 "password": "string", "display_name": "string",
                                                 "staff_no": "string"}, 201)},
    "/api/v1/admin/staff/{username}": {"put": ("Change role, shown name or 工号",
                                               {"role": "string", "display_name": "string",
                                                "staff_no": "string"}, 200)},
    "/api/v1/admin/staff/{username}/password": {"post": ("Reset the password",
                                                         {"password": "string"}, 200)},
    "/api/v1/admin/staff/{username}/unlock": {"post": ("Unlock an account locked after wrong passwords",
                                                       None, 200)},
    "/api/v1/admin/staff/{username}/disabled": {"put": ("Disable or enable the account",
                                                        {"disabled": "boolean"}, 200)},
    "/api/v1/admin/devices": {
        "get": ("Devices with last seen, connected now, reported status", None, 200),
        "post": ("Add a device; its token is in this reply only",
                 {"name": "string", "kind": "string", "window": "integer"}, 201)},
    "/api/v1/admin/devices/{name}/revoke": {"post": ("Revoke a device's token at once", None, 200)},
    "/api/v1/admin/audit": {"get": ("The audit trail, newest first (?limit=, ?before=id; ?kind=changes "
                                    "(default) or sign_in (every sign-in, failure, lockout, unlock and "
                                    "sign-out))", None, 200)},
    "/api/v1/admin/audit/purge": {"post": ("Remove audit entries older than older_than_days; fewer days than "
                                           "the hall keeps (at least 180) are refused",
                                           {"older_than_days": "integer"}, 200)},
    "/api/v1/audit": {"get": ("The audit trail, newest first (?kind=changes|sign_in, ?limit=, ?before=id)",
                              None, 200)},
    "/api/v1/audit/export.csv": {"get": ("Every audit entry of ?from=YYYY-MM-DD&to=YYYY-MM-DD as CSV",
                                         None, 200)},
    "/api/v1/admin/ratings/deliveries": {"get": (
        "The provincial 好差评 uploads: {enabled, destination, every_minutes, deliveries: the newest attempts "
        "(day, time, rows, attempts, delivered or failed, why)}", None, 200)},
    "/api/v1/admin/backup": {"get": ("A consistent copy of the database (SQLite online backup)",
                                     None, 200)},
}
ROUTES.update(ADMIN_ROUTES)

APPOINTMENT_ROUTES = {
    "/api/v1/appointments/services": {"get": ("The bookable items and their bookable days", None, 200)},
    "/api/v1/appointments/slots": {"get": ("One item's slots on one day with free places "
                                           "(?service=&date=)", None, 200)},
    "/api/v1/appointments": {"post": ("Book a slot; 409 slot_full / limit_per_day / limit_per_item; staff "
                                      "may leave out the mobile (desk booking); remind: text reminders before "
                                      "the slot",
                                      {"service": "string", "date": "string", "start": "string",
                                                   "mobile": "string", "name": "string", "remind": "boolean"},
                                      201)},
    "/api/v1/appointments/manage/{token}": {
        "get": ("The booking behind a manage link, mobile masked", None, 200),
        "delete": ("Cancel the booking; its place is free again", None, 200),
        "put": ("Move the booking to another slot",
                {"date": "string", "start": "string"}, 200)},
    "/api/v1/appointments/check-in": {"post": ("Check in a booking code: an appointment ticket on time; "
                                               "409 too_early {come_back_at}, 409 too_late {normal_ticket} "
                                               "unless accept_normal_ticket",
                                               {"code": "string", "accept_normal_ticket": "boolean"}, 201)},
}
ROUTES.update(APPOINTMENT_ROUTES)
INTEGER_PARAMS = ("id", "number")
#: answers an operation gives besides the common ones: (path, method) → {status: description}
OTHER_RESPONSES = {("/api/v1/health", "get"): {503: "A check failed: the same body as 200, ok false"}}


def _operation(path: str, rule: Rule, summary: str, schema, status: int) -> dict:
    op = {"summary": summary, "description": f"Who may: {rule.says}.",
          "x-permission": {"rule": rule.name, "admits": sorted(rule.admits), "credential": rule.credential,
                           "scopes": list(rule.scopes)},
          "responses": {str(status): {"description": "OK", "content": {"application/json": {}}}}}
    for code, text in ((400, "Malformed request"), (401, "No or invalid token"), (403, "Not allowed"),
                       (404, "Not found"), (409, "Refused by the hall's rules"), (410, "Expired"),
                       (422, "Invalid field"), (423, "Account locked"), (429, "Too many attempts")):
        op["responses"][str(code)] = {"description": text,
                                      "content": {"application/json": {"schema": ERROR}}}
    if rule.credential == "bearer" and not rule.admits_kind(ANONYMOUS):
        op["security"] = BEARER
    params = re.findall(r"\{(\w+)\}", path)
    if params:
        op["parameters"] = [{"name": n, "in": "path", "required": True,
                             "schema": {"type": "integer" if n in INTEGER_PARAMS else "string"}}
                            for n in params]
    if schema == {"*": SETUP}:
        op["requestBody"] = {"content": {"application/json": {"schema": {
            "type": "object", "description": SETUP, "additionalProperties": True}}}}
    elif schema:
        op["requestBody"] = {"content": {"application/json": {"schema": {
            "type": "object", "properties": {k: {"type": v} for k, v in schema.items()}}}}}
    return op


def _shape(path: str) -> str:
    """A route's path with its parameters blanked: /api/v1/tickets/<int:ticket_id> and
    /api/v1/tickets/{id} are the same route."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def route_rules(app: Flask) -> dict[tuple[str, str], Rule | None]:
    """(path shape, method) → the rule the route declared, for every route of the app."""
    found: dict[tuple[str, str], Rule | None] = {}
    for url_rule in app.url_map.iter_rules():
        for method in url_rule.methods - {"HEAD", "OPTIONS"}:
            found[(_shape(url_rule.rule), method.lower())] = permissions.permission_of(app, url_rule.endpoint)
    return found


def document(app: Flask | None = None) -> dict:
    rules = route_rules(app or current_app)
    paths = {}
    for path, methods in ROUTES.items():
        paths[path] = {}
        for method, spec in methods.items():
            rule = rules.get((_shape(path), method))
            if rule is None:
                raise LookupError(f"{method.upper()} {path}: no such route, or it declares no permission")
            paths[path][method] = _operation(path, rule, *spec)
            for code, text in OTHER_RESPONSES.get((path, method), {}).items():
                paths[path][method]["responses"][str(code)] = {"description": text,
                                                               "content": {"application/json": {}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Jiaohao hall server", "version": "1",
                 "description": "Queue management for a government service hall. Tokens go in "
                                "`Authorization: Bearer …`. Live updates: Socket.IO, see docs/protocol.md. "
                                "Replies of the hall's own routes carry `X-Hall-Seq`, their place "
                                "in the order of the live messages. Who may call each operation: "
                                "its `x-permission` (the rule the route declares)."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }


@openapi_blueprint.get("/api/openapi.json")
@permissions.permit(permissions.PUBLIC)
def openapi_json():
    return jsonify(document())
