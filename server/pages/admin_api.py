"""/api/v1/admin: the administration API behind the /admin page. Admins only: every route
checks the role before anything else, so a clerk, a supervisor or a device gets 403.

Setup forms go through `administration.change_setup` (validate the whole document, refuse
stranding, store a version, audit, then tell live clients); staff and device changes go
through `accounts` with the admin named in the audit trail.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, send_file

from hall.config import ConfigError, parse_config
from hall.toml_writer import dumps

from .. import accounts, audit, db, previews
from .. import administration as admin
from .. import repository as repo
from ..api import body, field
from ..app import current_hall
from ..backup import PG_DUMP_HINT, SHARED_FILE_HINT, backup_to
from ..datadir import SetupRefused
from ..errors import INVALID_CODES, ApiError, error_response, status_for
from ..permissions import ADMINS, caller, permit_blueprint
from ..inbound import check_value, read_body, takes_raw_body
from ..setup_messages import bilingual

blueprint = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")

IMPORT_LIMIT = 2 * 1024 * 1024   # a config.toml of a large hall, with its comments
AUDIT_PAGE = 100


# every admin route, present and future: no token 401, any other role 403
permit_blueprint(blueprint, ADMINS)


@blueprint.before_request
def audit_name() -> None:
    """Runs after the admission above, for an admitted admin only."""
    user = repo.get_user(current_hall().database.connection(), caller().id)
    g.admin = user["username"]   # the audit trail names people by their user name


# --- refusals in one place ------------------------------------------------------------------

INDEXED = re.compile(r"^\[?(departments|services|windows)\]?\[(\d+)\]")
# "appointments.items.A01.capacity …" names the field `capacity` of the item's own slots
KEY = re.compile(r"^\[?([a-z_]+)\]?(?:\[\d+\])?(?:\s\([^)]*\))?(?:\.items\.[A-Z0-9_]+)?(?:\.([a-z_]+))?")


def _named(message: str, document: dict | None) -> str:
    """'services[12].hours …' → 'services[12] (A13).hours …': the admin knows codes, not indexes."""
    match = INDEXED.match(message)
    if not match or document is None or message[match.end():].startswith(" ("):
        return message
    kind, i = match.group(1), int(match.group(2))
    entries = document.get(kind) or []
    if i >= len(entries) or not isinstance(entries[i], dict):
        return message
    key = entries[i].get(admin.ENTRY_KEYS[kind])
    return f"{message[:match.end()]} ({key}){message[match.end():]}"


@blueprint.errorhandler(ConfigError)
def invalid_setup(exc: ConfigError):
    message = _named(str(exc), g.get("candidate"))
    match = KEY.match(message)
    where = message.split(":", 1)[0].split(" = ", 1)[0].split(" must ", 1)[0].split(" is ", 1)[0] \
        if match else None
    response = jsonify(error="invalid_setup", message=bilingual(message, where),
                       section=match.group(1) if match else None, field=match.group(2) if match else None)
    response.status_code = 422
    return response


@blueprint.errorhandler(admin.SetupChanged)
def changed_meanwhile(exc: admin.SetupChanged):
    response = jsonify(error="setup_changed", message=str(exc), current_version=exc.current)
    response.status_code = 409
    return response


@blueprint.errorhandler(SetupRefused)
def refused(exc: SetupRefused):
    return error_response(409, "setup_refused", str(exc))


@blueprint.errorhandler(admin.EntryNotFound)
def entry_not_found(exc: admin.EntryNotFound):
    return error_response(404, "not_found", str(exc))


@blueprint.errorhandler(accounts.AccountError)
def account_refused(exc: accounts.AccountError):
    status = 422 if exc.code in INVALID_CODES or exc.code == "bad_display_name" else status_for(exc.code)
    return error_response(status, exc.code, str(exc))


@blueprint.errorhandler(previews.PreviewUnavailable)
def preview_unavailable(exc: previews.PreviewUnavailable):
    return error_response(503, "preview_unavailable", str(exc))


# --- the setup --------------------------------------------------------------------------------

def _edited_version() -> int | None:
    """`If-Match: <version>`: the setup version the change was made on (the admin page always
    sends it; a script may leave it out and take last-write-wins)."""
    given = request.headers.get("If-Match")
    if given is None:
        return None
    try:
        return int(given.strip().strip('"'))
    except ValueError:
        raise ApiError(422, "bad_field", "If-Match 应为设置版本号 / If-Match must be a setup version number") from None


def _change(action: str, subject: str, edit: admin.Edit):
    def remembered(document: dict) -> dict:
        g.candidate = edit(document)   # so a validation message can name the entry by its code
        return g.candidate
    version, document = admin.change_setup(current_hall(), g.admin, action, subject, remembered,
                                           edited_version=_edited_version())
    return jsonify(version=version, document=document)


def _values() -> dict[str, Any]:
    """A form's values: a JSON object of the keys config.toml describes."""
    return body()


@blueprint.get("/setup")
def get_setup():
    conn = current_hall().database.connection()
    version, document = repo.current_setup(conn, current_hall().service.hall_id)
    return jsonify(version=version, document=document)


@blueprint.put("/setup/<section>")
def put_section(section: str):
    return _change(f"setup.{section}", f"[{section}]", admin.set_section(section, _values()))


@blueprint.put("/appointments/items/<code>")
def put_item_slots(code: str):
    return _change("appointments.item", f"item {code} slots", admin.set_item_table("appointments", code, _values()))


@blueprint.delete("/appointments/items/<code>")
def remove_item_slots(code: str):
    return _change("appointments.item_removed", f"item {code} slots", admin.remove_item_table("appointments", code))


@blueprint.put("/remote/items/<code>")
def put_remote_item(code: str):
    """远程取号 for one item: its own daily_share of the cap or daily_tickets, as in config.toml."""
    return _change("remote.item", f"item {code} remote places", admin.set_item_table("remote", code, _values()))


@blueprint.delete("/remote/items/<code>")
def remove_remote_item(code: str):
    return _change("remote.item_removed", f"item {code} remote places", admin.remove_item_table("remote", code))


def _entry_routes(kind: str, rule: str) -> None:
    """POST /<kind>, PUT and DELETE /<kind>/<code or number> for departments, items and windows."""
    label = admin.ENTRY_NAMES[kind][1]

    def add():
        values = _values()
        return _change(f"{kind}.add", f"{label} {values.get(admin.ENTRY_KEYS[kind])}",
                       admin.add_entry(kind, values))

    def replace(**address):
        key, = address.values()
        return _change(f"{kind}.update", f"{label} {key}", admin.replace_entry(kind, key, _values()))

    def remove(**address):
        key, = address.values()
        return _change(f"{kind}.remove", f"{label} {key}", admin.remove_entry(kind, key))

    blueprint.add_url_rule(f"/{kind}", f"add_{kind}", add, methods=["POST"])
    blueprint.add_url_rule(f"/{kind}/{rule}", f"replace_{kind}", replace, methods=["PUT"])
    blueprint.add_url_rule(f"/{kind}/{rule}", f"remove_{kind}", remove, methods=["DELETE"])


_entry_routes("departments", "<code>")
_entry_routes("services", "<code>")
_entry_routes("windows", "<int:number>")


@blueprint.get("/export.toml")
def export_toml():
    conn = current_hall().database.connection()
    version, document = repo.current_setup(conn, current_hall().service.hall_id)
    response = Response(dumps(document), mimetype="application/toml")
    response.headers["Content-Disposition"] = "attachment; filename=config.toml"
    response.headers["X-Setup-Version"] = str(version)
    return response


@blueprint.post("/import")
@takes_raw_body
def import_toml():
    try:
        text = read_body(IMPORT_LIMIT).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError("not valid TOML: nested too deeply") from None
    check_value(document)
    return _change("setup.import", "config.toml", admin.replace_document(document))


# --- templates: previews ------------------------------------------------------------------------

def _candidate(section: str, values: dict[str, Any]):
    """The setup as it would be with these values, validated; nothing is saved."""
    conn = current_hall().database.connection()
    _, document = repo.current_setup(conn, current_hall().service.hall_id)
    g.candidate = admin.set_section(section, values)(document)
    return parse_config(admin.normalised(g.candidate))


def _sample_call():
    data = _values()
    values = {k: v for k, v in data.items() if k not in ("service", "window")}
    setup = _candidate("announcement", values)
    window = field(data, "window", int, required=False)
    if window is not None and window not in {w.number for w in setup.windows}:
        raise ApiError(422, "bad_field", f"没有 {window} 号窗口 / no window {window}")
    return setup, previews.sample_call(setup, field(data, "service", str, required=False), window)


@blueprint.post("/preview/announcement")
def preview_announcement():
    return jsonify(_sample_call()[1])


@blueprint.post("/preview/announcement.wav")
def preview_announcement_wav():
    setup, call = _sample_call()
    return Response(previews.announcement_wav(setup, call["spoken"]), mimetype="audio/wav")


@blueprint.post("/preview/slip")
def preview_slip():
    data = _values()
    setup = _candidate("slip", {k: v for k, v in data.items() if k != "service"})
    return Response(previews.slip_png(setup, field(data, "service", str, required=False)),
                    mimetype="image/png")


# --- staff ----------------------------------------------------------------------------------------

def _staff_row(row) -> dict[str, Any]:
    return accounts.user_view(row) | {"created_at": row["created_at"], "locked_until": row["locked_until"],
                                      "password_changed_at": row["password_changed_at"]}


def _own_staff(username: str) -> str:
    """A name of this hall's own staff: another hall's accounts, and the city's (which belong
    to the deployment), are not this admin's to see or change."""
    hall = current_hall()
    row = repo.find_user(hall.database.connection(), username, hall.service.hall_id)
    if row is None or row["role"] == accounts.CITY:
        raise accounts.AccountError("user_not_found", f"本大厅没有用户 {username} / no user named "
                                    f"{username!r} in this hall")
    return username


@blueprint.get("/staff")
def list_staff():
    hall = current_hall()
    rows = repo.list_users(hall.database.connection(), hall.service.hall_id)
    return jsonify(staff=[_staff_row(row) for row in rows if row["role"] != accounts.CITY])


@blueprint.post("/staff")
def add_staff():
    hall = current_hall()
    data = _values()
    username = field(data, "username", str).strip()
    accounts.add_user(hall.database, hall.service.hall_id, username, field(data, "role", str),
                      field(data, "password", str), field(data, "display_name", str, required=False),
                      field(data, "staff_no", str, required=False) or None, actor=g.admin)
    return jsonify(user=_staff_row(repo.find_user(hall.database.connection(), username, hall.service.hall_id))), 201


@blueprint.put("/staff/<username>")
def update_staff(username: str):
    username = _own_staff(username)
    data, hall = _values(), current_hall()
    user = accounts.update_user(hall.database, username, field(data, "role", str),
                                field(data, "display_name", str),
                                field(data, "staff_no", str, required=False), actor=g.admin,
                                hall_id=hall.service.hall_id)
    return jsonify(user=user)


@blueprint.post("/staff/<username>/password")
def reset_password(username: str):
    username = _own_staff(username)
    hall = current_hall()
    accounts.set_password(hall.database, username, field(_values(), "password", str), actor=g.admin,
                          now=hall.session_clock(), hall_id=hall.service.hall_id)
    hall.live.drop_revoked()   # the sessions the old password opened lose their live connection
    return jsonify(ok=True)


@blueprint.post("/staff/<username>/unlock")
def unlock_staff(username: str):
    username = _own_staff(username)
    hall = current_hall()
    accounts.unlock(hall.database, username, actor=g.admin, address=request.remote_addr or "?",
                    now=hall.session_clock(), hall_id=hall.service.hall_id)
    return jsonify(user=_staff_row(repo.find_user(hall.database.connection(), username, hall.service.hall_id)))


@blueprint.put("/staff/<username>/disabled")
def set_disabled(username: str):
    username = _own_staff(username)
    hall = current_hall()
    disabled = field(_values(), "disabled", bool)
    accounts.set_disabled(hall.database, username, disabled, actor=g.admin, hall_id=hall.service.hall_id)
    hall.live.drop_revoked()   # a disabled account's open pages lose their live connection now
    return jsonify(user=_staff_row(repo.find_user(hall.database.connection(), username, hall.service.hall_id)))


# --- the provincial 好差评 uploads ------------------------------------------------------------------

@blueprint.get("/ratings/deliveries")
def rating_deliveries():
    """Whether uploading is on, how often it runs, and the newest attempts of the delivery log."""
    hall = current_hall()
    settings = hall.settings
    rows = repo.rating_deliveries(hall.database.connection(), hall.service.hall_id)
    return jsonify(enabled=bool(settings.ratings_upload_url), destination=settings.ratings_upload_url,
                   every_minutes=settings.ratings_upload_every_minutes,
                   deliveries=[{key: row[key] for key in ("business_date", "at", "destination", "rows",
                                                          "attempts", "result", "detail")} for row in rows])


# --- devices --------------------------------------------------------------------------------------

def _device_row(row, connected: set[int]) -> dict[str, Any]:
    windows = repo.device_windows(current_hall().database.connection(), row["id"])
    return {"name": row["name"], "kind": row["kind"], "window": row["window_number"], "windows": list(windows),
            "created_at": row["created_at"], "last_seen_at": row["last_seen_at"],
            "last_active_at": current_hall().live.last_active(row["id"], row["last_seen_at"]),
            "revoked_at": row["revoked_at"], "connected": row["id"] in connected,
            "status": json.loads(row["status"]) if row["status"] else None,
            "status_at": row["status_at"]}


@blueprint.get("/devices")
def list_devices():
    hall = current_hall()
    connected = hall.live.connected_devices()   # to any of the deployment's processes
    rows = repo.list_devices(hall.database.connection(), hall.service.hall_id)
    return jsonify(devices=[_device_row(row, connected) for row in rows])


@blueprint.post("/devices")
def add_device():
    hall = current_hall()
    data = _values()
    windows = field(data, "windows", list, required=False, default=[])
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 < n < 10**6 for n in windows):
        raise ApiError(422, "bad_field", "windows 应为窗口号列表 / windows must be a list of window numbers")
    device = accounts.add_device(hall.database, hall.service.hall_id, field(data, "name", str).strip(),
                                 field(data, "kind", str), field(data, "window", int, required=False),
                                 windows=tuple(windows), actor=g.admin)
    # the only time the token is ever shown: the database keeps its hash
    return jsonify(device={"name": device.name, "kind": device.kind}, token=device.token), 201


@blueprint.post("/devices/<name>/revoke")
def revoke_device(name: str):
    hall = current_hall()
    accounts.revoke_device(hall.database, hall.service.hall_id, name, actor=g.admin)
    hall.live.drop_revoked()   # its live connection ends now, not at the next clock tick
    return jsonify(ok=True)


# --- the audit trail and backups ----------------------------------------------------------------

@blueprint.get("/audit")
def audit_log():
    hall = current_hall()
    limit = min(max(request.args.get("limit", AUDIT_PAGE, type=int), 1), 500)
    before = request.args.get("before", None, type=int)   # inbound.py bounds it to 64 bits
    kind = request.args.get("kind", "changes")
    if kind not in repo.AUDIT_KINDS:
        raise ApiError(422, "bad_field", "kind 应为 changes 或 sign_in / kind must be changes or sign_in")
    entries = repo.audit_entries(hall.database.connection(), hall.service.hall_id, limit, before, kind)
    return jsonify(entries=entries)


@blueprint.post("/audit/purge")
def purge_audit():
    """Remove entries older than {"older_than_days": N}; N below the hall's retention is refused."""
    hall = current_hall()
    days = field(_values(), "older_than_days", int)
    keep = hall.service.setup().security.audit_retention_days
    try:
        removed = audit.purge(hall.database, hall.service.hall_id, days, keep, g.admin, hall.session_clock())
    except audit.RetentionRefused as exc:
        raise ApiError(422, "retention_too_short", str(exc)) from None
    return jsonify(removed=removed)


@blueprint.get("/backup")
def download_backup():
    """A consistent copy made with SQLite's online backup API while the hall keeps working.
    A PostgreSQL database holds the city's halls and is backed up with pg_dump, not here."""
    hall = current_hall()
    if hall.database.dialect is not db.SQLITE:
        raise ApiError(409, "backup_elsewhere", PG_DUMP_HINT)
    if len(repo.list_halls(hall.database.connection())) > 1:
        raise ApiError(409, "backup_elsewhere", SHARED_FILE_HINT)
    handle, path = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite3", dir=hall.data.path)
    os.close(handle)
    try:
        pages = backup_to(hall.database, path)
        copy = open(path, "rb")
    finally:
        os.unlink(path)   # the open handle keeps the bytes until the download ends
    conn = hall.database.connection()
    with db.write(conn):
        audit.record(conn, hall.service.hall_id, g.admin, "backup.download", "database",
                     after={"pages": pages})
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return send_file(copy, mimetype="application/vnd.sqlite3", as_attachment=True,
                     download_name=f"jiaohao-backup-{stamp}.sqlite3")
