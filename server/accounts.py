"""Staff accounts and device tokens: the write side, each change one transaction."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from . import audit, db, repository as repo
from .security import check_password, hash_password, hash_token, new_token, password_problem

ROLES = ("clerk", "supervisor", "admin")
DEVICE_KINDS = ("kiosk", "display", "window")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
DEVICE_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,48}$")


class AccountError(ValueError):
    """A refused account or device change, worded for the operator."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NewDevice:
    id: int
    name: str
    kind: str
    token: str   # shown once; only its hash is kept


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _user(conn, username: str):
    row = repo.find_user(conn, username)
    if row is None:
        raise AccountError("user_not_found", f"no user named {username!r}")
    return row


def _audit(conn, hall_id: int, actor: str | None, action: str, subject: str,
           before: dict | None = None, after: dict | None = None) -> None:
    """Changes made by a person (the admin page, the admin CLI) are audited; seeding is not."""
    if actor is not None:
        audit.record(conn, hall_id, actor, action, subject, before, after)


def user_view(row) -> dict:
    """A staff account as the admin page and the audit trail show it: never its password."""
    return {"username": row["username"], "display_name": row["display_name"], "staff_no": row["staff_no"],
            "role": row["role"], "disabled": bool(row["disabled"])}


def add_user(database: db.Database, hall_id: int, username: str, role: str, password: str,
             display_name: str | None = None, staff_no: str | None = None, *,
             actor: str | None = None, password_hash: str | None = None) -> int:
    """`password_hash`: the password's hash when the caller made it already (the demo hall's
    accounts share one published password, and one scrypt run serves them all)."""
    if not USERNAME_RE.match(username):
        raise AccountError("bad_username", "a user name is 2-32 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise AccountError("bad_role", f"role must be one of {', '.join(ROLES)}")
    problem = password_problem(password)
    if problem:
        raise AccountError("weak_password", problem)
    # hashed before the write transaction: scrypt takes tens of milliseconds, and the hall's
    # writers would queue behind it
    stored = password_hash if password_hash is not None else hash_password(password)
    conn = database.connection()
    with db.write(conn):
        if repo.find_user(conn, username):
            raise AccountError("user_exists", f"user {username!r} already exists")
        user_id = repo.insert_user(conn, hall_id, username, (display_name or username).strip(),
                                   staff_no, role, stored, _now())
        _audit(conn, hall_id, actor, "staff.add", f"user {username}",
               after=user_view(repo.get_user(conn, user_id)) | {"password": "set"})
        return user_id


def set_password(database: db.Database, username: str, password: str, *, actor: str | None = None) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError("weak_password", problem)
    stored = hash_password(password)   # before the write lock, as in add_user
    conn = database.connection()
    with db.write(conn):
        row = _user(conn, username)
        repo.set_password_hash(conn, row["id"], stored)
        # whoever knew the old password may be signed in with it: those sessions end now
        repo.revoke_user_sessions(conn, row["id"], _now())
        _audit(conn, row["hall_id"], actor, "staff.password", f"user {username}",
               None, {"password": "changed"})


def _refuse_last_admin(conn, row, role: str, disabled: bool) -> None:
    """Nobody could sign in to the admin page again: the hall would need the shell to recover."""
    if row["role"] == "admin" and not row["disabled"] and (role != "admin" or disabled) \
            and repo.active_admins(conn, row["hall_id"]) == [row["username"]]:
        raise AccountError("last_admin", f"{row['username']} 是唯一可用的管理员，不能停用或降级 / "
                           f"{row['username']} is the only active admin: add another admin first")


def set_disabled(database: db.Database, username: str, disabled: bool = True, *,
                 actor: str | None = None) -> None:
    conn = database.connection()
    with db.write(conn):
        row = _user(conn, username)
        _refuse_last_admin(conn, row, row["role"], disabled)
        repo.set_user_disabled(conn, row["id"], disabled)
        if disabled:   # enabling the account again must not bring its old sessions back
            repo.revoke_user_sessions(conn, row["id"], _now())
        _audit(conn, row["hall_id"], actor, "staff.disable" if disabled else "staff.enable",
               f"user {username}", {"disabled": bool(row["disabled"])}, {"disabled": disabled})


def update_user(database: db.Database, username: str, role: str, display_name: str,
                staff_no: str | None, *, actor: str | None = None) -> dict:
    """Change a staff member's role, shown name or 工号; returns the account as it is now."""
    if role not in ROLES:
        raise AccountError("bad_role", f"role must be one of {', '.join(ROLES)}")
    if not display_name.strip():
        raise AccountError("bad_display_name", "显示姓名不能为空 / the display name must not be empty")
    conn = database.connection()
    with db.write(conn):
        row = _user(conn, username)
        _refuse_last_admin(conn, row, role, bool(row["disabled"]))
        repo.set_user_profile(conn, row["id"], role, display_name.strip(), staff_no or None)
        now = user_view(repo.get_user(conn, row["id"]))
        _audit(conn, row["hall_id"], actor, "staff.update", f"user {username}", user_view(row), now)
        return now


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def check_login(database: db.Database, username: str, password: str):
    """The user's row if the password is right and the account enabled, else None."""
    row = repo.find_user(database.connection(), username)
    if row is None:
        check_password(password, _unknown_user_hash())   # one scrypt either way: names stay secret
        return None
    if not check_password(password, row["password_hash"]) or row["disabled"]:
        return None
    return row


def add_device(database: db.Database, hall_id: int, name: str, kind: str,
               window: int | None = None, *, actor: str | None = None) -> NewDevice:
    if not DEVICE_NAME_RE.match(name):
        raise AccountError("bad_device_name", "a device name is 1-48 letters, digits, '.', '_' or '-'")
    if kind not in DEVICE_KINDS:
        raise AccountError("bad_kind", f"kind must be one of {', '.join(DEVICE_KINDS)}")
    if (kind == "window") != (window is not None):
        raise AccountError("bad_window", "a window screen needs --window N (and only a window screen)")
    token = new_token()
    conn = database.connection()
    with db.write(conn):
        if repo.live_device_named(conn, hall_id, name):
            raise AccountError("device_exists", f"a device named {name!r} exists: revoke it first")
        if window is not None and not repo.window_exists(conn, hall_id, window):
            raise AccountError("bad_window", f"there is no window {window}")
        device_id = repo.insert_device(conn, hall_id, name, kind, hash_token(token), _now(), window)
        _audit(conn, hall_id, actor, "device.add", f"device {name}",
               after={"name": name, "kind": kind, "window": window, "token": "issued"})
    return NewDevice(device_id, name, kind, token)


def revoke_device(database: db.Database, hall_id: int, name: str, *, actor: str | None = None) -> None:
    conn = database.connection()
    with db.write(conn):
        row = repo.live_device_named(conn, hall_id, name)
        if row is None:
            raise AccountError("device_not_found", f"no active device named {name!r}")
        repo.revoke_device(conn, row["id"], _now())
        _audit(conn, hall_id, actor, "device.revoke", f"device {name}",
               {"name": name, "kind": row["kind"], "token": "valid"}, {"token": "revoked"})


SESSION_HOURS = 14   # one working day, with overtime; a clerk signs in again next morning


def start_session(database: db.Database, user_id: int) -> str:
    from datetime import timedelta
    token = new_token()
    now = _now()
    conn = database.connection()
    with db.write(conn):
        repo.insert_session(conn, user_id, hash_token(token), now, now + timedelta(hours=SESSION_HOURS))
    return token


def end_session(database: db.Database, session_id: int) -> None:
    conn = database.connection()
    with db.write(conn):
        repo.revoke_session(conn, session_id, _now())


def user_for_token(database: db.Database, token: str):
    return repo.session_user(database.connection(), hash_token(token), _now())


def device_for_token(database: db.Database, token: str):
    """The device's row if the token is live, else None."""
    row = repo.device_by_token_hash(database.connection(), hash_token(token))
    if row is None or row["revoked_at"] is not None:
        return None
    return row
