"""Staff accounts and device tokens: the write side, each change one transaction."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from hall.config import ConfigError, parse_config
from hall.setup import Security

from . import audit, db, repository as repo
from .security import check_password, hash_password, hash_token, new_token, password_problem

#: the roles of a hall's own staff; an auditor reads audit and reports only
HALL_ROLES = ("clerk", "supervisor", "admin", "auditor")
#: a city account reads every hall of the deployment (the city dashboard and reports) and
#: changes none; it is added from the shell only, never by a hall's admin
CITY = "city"
ROLES = (*HALL_ROLES, CITY)
DEVICE_KINDS = ("kiosk", "display", "window", "bridge")
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


def _user(conn, username: str, hall_id: int | None = None):
    """The account of that name in `hall_id` (user names are unique per hall); without a hall,
    the deployment's only account of that name."""
    found = repo.users_named(conn, username, hall_id)
    if not found:
        raise AccountError("user_not_found", f"no user named {username!r}")
    if len(found) > 1:
        raise AccountError("user_in_several_halls", f"几个大厅都有用户 {username}，请指定大厅 / several halls "
                           f"have a user named {username!r}: name the hall")
    return found[0]


def _hall_user(conn, hall_id: int, username: str):
    """The account of that name in this hall: another hall's staff sign in at their own hall
    only; a city account, which belongs to the deployment, signs in at any."""
    return repo.find_user(conn, username, hall_id) or repo.city_user_named(conn, username)


def security_policy(conn, hall_id: int) -> Security:
    """The hall's 等保 settings as its setup in force says; the defaults for a setup not yet valid."""
    try:
        return parse_config(repo.current_setup(conn, hall_id)[1]).security
    except (LookupError, ConfigError):
        return Security()


def _refuse_weak(conn, hall_id: int, username: str, password: str) -> None:
    problem = password_problem(password, username, security_policy(conn, hall_id))
    if problem:
        raise AccountError("weak_password", problem)


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
             actor: str | None = None, password_hash: str | None = None,
             now: datetime | None = None, city: bool = False) -> int:
    """`password_hash`: the password's hash when the caller made it already (the demo hall's
    accounts share one published password, and one scrypt run serves them all). `city`: the
    shell may add a city account (recorded in `hall_id`'s trail, reading every hall); a hall's
    admin page may not."""
    if not USERNAME_RE.match(username):
        raise AccountError("bad_username", "a user name is 2-32 letters, digits, '.', '_' or '-'")
    if role not in (ROLES if city else HALL_ROLES):
        raise AccountError("bad_role", f"role must be one of {', '.join(HALL_ROLES)}" + (
            "; 市级账号只能在命令行添加 / a city account is added from the shell only" if role == CITY else ""))
    conn = database.connection()
    _refuse_weak(conn, hall_id, username, password)
    # hashed before the write transaction: scrypt takes tens of milliseconds, and the hall's
    # writers would queue behind it
    stored = password_hash if password_hash is not None else hash_password(password)
    with db.write(conn):
        if repo.find_user(conn, username, hall_id) or _name_taken_for(conn, username, role):
            raise AccountError("user_exists", f"user {username!r} already exists")
        user_id = repo.insert_user(conn, hall_id, username, (display_name or username).strip(),
                                   staff_no, role, stored, now or _now())
        _audit(conn, hall_id, actor, "staff.add", f"user {username}",
               after=user_view(repo.get_user(conn, user_id)) | {"password": "set"})
        return user_id


def _name_taken_for(conn, username: str, role: str) -> bool:
    """A city account signs in at every hall by its name: no hall's account may share it."""
    if role == CITY:
        return repo.name_taken_anywhere(conn, username)
    return repo.city_user_named(conn, username) is not None


def set_password(database: db.Database, username: str, password: str, *, actor: str | None = None,
                 now: datetime | None = None, hall_id: int | None = None) -> None:
    conn = database.connection()
    was = _user(conn, username, hall_id)
    _refuse_weak(conn, was["hall_id"], username, password)
    if check_password(password, was["password_hash"]):
        raise AccountError("weak_password", "新密码不能与原密码相同 / the new password must differ from the old one")
    stored = hash_password(password)   # before the write lock, as in add_user
    now = now or _now()
    with db.write(conn):
        row = _user(conn, username, hall_id)
        repo.set_password_hash(conn, row["id"], stored, now)
        # whoever knew the old password may be signed in with it: those sessions end now
        repo.revoke_user_sessions(conn, row["id"], now)
        _audit(conn, row["hall_id"], actor, "staff.password", f"user {username}",
               None, {"password": "changed"})


def _refuse_last_admin(conn, row, role: str, disabled: bool) -> None:
    """Nobody could sign in to the admin page again: the hall would need the shell to recover."""
    if row["role"] == "admin" and not row["disabled"] and (role != "admin" or disabled) \
            and repo.active_admins(conn, row["hall_id"]) == [row["username"]]:
        raise AccountError("last_admin", f"{row['username']} 是唯一可用的管理员，不能停用或降级 / "
                           f"{row['username']} is the only active admin: add another admin first")


def set_disabled(database: db.Database, username: str, disabled: bool = True, *,
                 actor: str | None = None, hall_id: int | None = None) -> None:
    conn = database.connection()
    with db.write(conn):
        row = _user(conn, username, hall_id)
        _refuse_last_admin(conn, row, row["role"], disabled)
        repo.set_user_disabled(conn, row["id"], disabled)
        if disabled:   # enabling the account again must not bring its old sessions back
            repo.revoke_user_sessions(conn, row["id"], _now())
        _audit(conn, row["hall_id"], actor, "staff.disable" if disabled else "staff.enable",
               f"user {username}", {"disabled": bool(row["disabled"])}, {"disabled": disabled})


def update_user(database: db.Database, username: str, role: str, display_name: str,
                staff_no: str | None, *, actor: str | None = None, hall_id: int | None = None) -> dict:
    """Change a staff member's role, shown name or 工号; returns the account as it is now."""
    if role not in HALL_ROLES:
        raise AccountError("bad_role", f"role must be one of {', '.join(HALL_ROLES)}")
    if not display_name.strip():
        raise AccountError("bad_display_name", "显示姓名不能为空 / the display name must not be empty")
    conn = database.connection()
    with db.write(conn):
        row = _user(conn, username, hall_id)
        _refuse_last_admin(conn, row, role, bool(row["disabled"]))
        repo.set_user_profile(conn, row["id"], role, display_name.strip(), staff_no or None)
        now = user_view(repo.get_user(conn, row["id"]))
        _audit(conn, row["hall_id"], actor, "staff.update", f"user {username}", user_view(row), now)
        return now


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def check_login(database: db.Database, username: str, password: str, hall_id: int | None = None):
    """The user's row if the password is right and the account enabled, else None: the check
    alone, without counting a failure (sign_in is the sign-in itself)."""
    row = repo.find_user(database.connection(), username, hall_id)
    if row is None:
        check_password(password, _unknown_user_hash())   # one scrypt either way: names stay secret
        return None
    if not check_password(password, row["password_hash"]) or row["disabled"]:
        return None
    return row


class SignInRefused(AccountError):
    """A sign-in that did not succeed; `retry_after` is set while the account is locked."""

    def __init__(self, code: str, message: str, retry_after: int | None = None):
        super().__init__(code, message)
        self.retry_after = retry_after


BAD_CREDENTIALS = "用户名或密码错误 / wrong user name or password"


def _sign_in_entry(conn, hall_id: int, row, username: str, action: str, address: str,
                   result: str, now: datetime, **more) -> None:
    """Who tried, from which address, when, and how it ended: every sign-in is in the trail."""
    actor = f"user:{row['id']}" if row is not None else "anonymous"
    audit.record_sign_in(conn, hall_id if row is None else row["hall_id"], actor, action, f"user {username}",
                         {"result": result, "address": address} | more, now)


def _locked_for(row, now: datetime) -> int:
    """Whole seconds the account stays locked (0 = not locked)."""
    if row is None or row["locked_until"] is None:
        return 0
    left = (datetime.fromisoformat(row["locked_until"]) - now).total_seconds()
    return max(0, int(left) + (left % 1 > 0))


def _count_failure(conn, row, username: str, address: str, now: datetime, policy: Security) -> int:
    """Record a wrong password; the N-th within the window locks the account. Seconds locked, or 0."""
    repo.record_sign_in_failure(conn, row["id"], now, address)
    window = timedelta(minutes=policy.lockout_window_minutes)
    if repo.sign_in_failures_since(conn, row["id"], now - window) < policy.lockout_failures:
        return 0
    until = now + timedelta(minutes=policy.lockout_minutes)
    repo.set_locked_until(conn, row["id"], until)
    repo.forget_sign_in_failures(conn, row["id"])   # the count starts afresh once the lock ends
    _sign_in_entry(conn, row["hall_id"], row, username, "auth.lockout", address, "locked", now,
                   until=until.isoformat(), failures=policy.lockout_failures)
    return _locked_for({"locked_until": until.isoformat()}, now)


def _locked_refusal(seconds: int) -> SignInRefused:
    minutes = max(1, (seconds + 59) // 60)
    return SignInRefused("account_locked", f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员解锁 / "
                         f"too many wrong passwords: the account is locked for {minutes} min, or until an "
                         "admin unlocks it", seconds)


def sign_in(database: db.Database, hall_id: int, username: str, password: str, address: str,
            now: datetime | None = None, *, allow_expired: bool = False):
    """The user's row for a right password of an enabled, unlocked account; otherwise
    SignInRefused. Failures are counted per account in the database, so a lockout holds across
    restarts and for every server process; every attempt is an audit entry."""
    now = now or _now()
    conn = database.connection()
    row = _hall_user(conn, hall_id, username)
    right = check_password(password, row["password_hash"] if row is not None else _unknown_user_hash())
    with db.write(conn):
        row = _hall_user(conn, hall_id, username)   # read again inside the transaction
        policy = security_policy(conn, hall_id if row is None else row["hall_id"])
        locked = _locked_for(row, now)
        if locked:
            _sign_in_entry(conn, hall_id, row, username, "auth.sign_in_failed", address, "locked", now)
            refusal = _locked_refusal(locked)
        elif row is None or not right:
            _sign_in_entry(conn, hall_id, row, username, "auth.sign_in_failed", address,
                           "unknown_user" if row is None else "wrong_password", now)
            locked = _count_failure(conn, row, username, address, now, policy) if row is not None else 0
            # the attempt that locks is still a wrong password; the lock answers from the next one on
            refusal = SignInRefused("bad_credentials", BAD_CREDENTIALS + (
                f"; 账号已锁定 / the account is now locked for {policy.lockout_minutes:g} min" if locked else ""))
        elif row["disabled"]:
            _sign_in_entry(conn, hall_id, row, username, "auth.sign_in_failed", address, "disabled", now)
            refusal = SignInRefused("bad_credentials", BAD_CREDENTIALS)
        elif not allow_expired and _expired(row, policy, now):
            _sign_in_entry(conn, hall_id, row, username, "auth.sign_in_failed", address, "password_expired", now)
            refusal = SignInRefused("password_expired", "密码已过期，请先修改密码 / the password has expired: "
                                    "change it first (POST /api/v1/auth/password)")
        else:
            repo.forget_sign_in_failures(conn, row["id"])
            if row["locked_until"] is not None:
                repo.set_locked_until(conn, row["id"], None)
            _sign_in_entry(conn, hall_id, row, username, "auth.sign_in", address, "ok", now)
            return row
    raise refusal


def _expired(row, policy: Security, now: datetime) -> bool:
    """Whether the hall's expiry (if any) has passed since this account's password was set."""
    changed = datetime.fromisoformat(row["password_changed_at"] or row["created_at"])
    return bool(policy.password_expiry_days) and changed + timedelta(days=policy.password_expiry_days) <= now


def unlock(database: db.Database, username: str, *, actor: str, address: str = "",
           now: datetime | None = None, hall_id: int | None = None) -> None:
    """An admin lets a locked-out account try again at once (`now`: the sign-in trail's clock)."""
    now = now or _now()
    conn = database.connection()
    with db.write(conn):
        row = _user(conn, username, hall_id)
        repo.set_locked_until(conn, row["id"], None)
        repo.forget_sign_in_failures(conn, row["id"])
        audit.record_sign_in(conn, row["hall_id"], actor, "auth.unlock", f"user {username}",
                             {"was_locked_until": row["locked_until"], "result": "unlocked", "address": address},
                             now)


def add_device(database: db.Database, hall_id: int, name: str, kind: str,
               window: int | None = None, *, windows: tuple[int, ...] = (),
               actor: str | None = None) -> NewDevice:
    """A new device token. A window screen belongs to one `window`; a bridge (the hall's RS-485
    keypads, strips and raters) acts at its `windows`."""
    if not DEVICE_NAME_RE.match(name):
        raise AccountError("bad_device_name", "a device name is 1-48 letters, digits, '.', '_' or '-'")
    if kind not in DEVICE_KINDS:
        raise AccountError("bad_kind", f"kind must be one of {', '.join(DEVICE_KINDS)}")
    if (kind == "window") != (window is not None):
        raise AccountError("bad_window", "a window screen needs --window N (and only a window screen)")
    if (kind == "bridge") != bool(windows):
        raise AccountError("bad_window", "硬件桥接需要窗口号 --windows N,M（仅硬件桥接） / a bridge needs "
                           "--windows N,M (and only a bridge)")
    token = new_token()
    conn = database.connection()
    with db.write(conn):
        if repo.live_device_named(conn, hall_id, name):
            raise AccountError("device_exists", f"a device named {name!r} exists: revoke it first")
        for number in (window, *windows):
            if number is not None and not repo.window_exists(conn, hall_id, number):
                raise AccountError("bad_window", f"没有 {number} 号窗口 / there is no window {number}")
        device_id = repo.insert_device(conn, hall_id, name, kind, hash_token(token), _now(), window)
        repo.set_device_windows(conn, device_id, sorted(set(windows)))
        after = {"name": name, "kind": kind, "window": window, "token": "issued"}
        if windows:
            after["windows"] = sorted(set(windows))
        _audit(conn, hall_id, actor, "device.add", f"device {name}", after=after)
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


def start_session(database: db.Database, user_id: int, now: datetime | None = None) -> str:
    """A new sign-in session; it ends `session_hours` after sign-in whatever happens (the absolute
    limit of the hall's policy), or sooner when left idle."""
    token = new_token()
    now = now or _now()
    conn = database.connection()
    with db.write(conn):
        hours = security_policy(conn, repo.get_user(conn, user_id)["hall_id"]).session_hours
        repo.insert_session(conn, user_id, hash_token(token), now, now + timedelta(hours=hours))
    return token


def end_session(database: db.Database, session_id: int, now: datetime | None = None, *,
                user=None, address: str = "", reason: str = "signed_out") -> None:
    """Sign out (or time out): the session stops working and the trail says so."""
    now = now or _now()
    conn = database.connection()
    with db.write(conn):
        repo.revoke_session(conn, session_id, now)
        if user is not None:
            audit.record_sign_in(conn, user["hall_id"], f"user:{user['id']}", "auth.sign_out",
                                 f"user {user['username']}", {"result": reason, "address": address}, now)


#: a session's last use is written at most this often: a request a second must not mean a write each
TOUCH_EVERY = timedelta(seconds=60)


def user_for_token(database: db.Database, token: str, now: datetime | None = None,
                   idle: Callable[[object], timedelta | None] | None = None):
    """The signed-in user behind a live session token; a session unused for longer than
    `idle(the user's row)` ends here (signed out as idle, in the trail) and gives None."""
    now = now or _now()
    row = repo.session_user(database.connection(), hash_token(token), now)
    if row is None or idle is None:
        return row
    seen, limit = datetime.fromisoformat(row["last_seen_at"]), idle(row)
    if limit is None:
        return row
    if now - seen > limit:
        end_session(database, row["session_id"], now, user=row, reason="idle")
        return None
    if now - seen >= TOUCH_EVERY:
        conn = database.connection()
        with db.write(conn):
            repo.touch_session(conn, row["session_id"], now)
    return row


def device_for_token(database: db.Database, token: str):
    """The device's row if the token is live, else None."""
    row = repo.device_by_token_hash(database.connection(), hash_token(token))
    if row is None or row["revoked_at"] is not None:
        return None
    return row
