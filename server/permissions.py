"""Who may do what: one table of rules, declared on each route with `@permit(RULE)`.

A principal is what a token proves: a staff member by role (admin, supervisor, clerk; the
auditor; a city account, which reads every hall and changes none), a
device by kind (kiosk, display — the hall board —, window, a window screen, and bridge, the
process that drives a hall's RS-485 keypads, strips and raters at its windows), a ticket's
own tracking token (the citizen's phone), or nobody ("anonymous"). A rule admits some kinds;
the decorator refuses the rest before the view runs — no token or an unknown one 401, a
kind the rule does not admit 403 — and leaves who asked in `g.who`.

Some rules have a scope that depends on the hall's state: "the clerk signed in at this
window", "the window screen of the ticket's window". Those are not checked on a snapshot
here: the view puts the acting window into the command (`acting_clerk`, `acting_screen`)
and the queue core checks it inside the transaction that carries the command out
(hall/acting.py). The OpenAPI document reads the same rules (server/openapi.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from flask import Blueprint, Flask, g

from hall.commands import ActingWindow, actor_via
from hall.tickets import WindowStatus

from .accounts import CITY, DEVICE_KINDS, ROLES
from .auth import AUDIT_READERS, REPORT_READERS, SUPERVISING, Identity, bearer_token, identify
from .errors import ApiError

#: Every kind of principal, as `principal_kind` names them: staff by role, devices by kind.
ANONYMOUS = "anonymous"
TICKET = "ticket"
PRINCIPALS = (ANONYMOUS, *ROLES, *DEVICE_KINDS, TICKET)
#: the staff who work the hall; the auditor (等保) only reads audit and reports, so a rule
#: names the auditor where it means them, never by "staff"
STAFF_KINDS = ("clerk", "supervisor", "admin")

# scopes: a further condition on an admitted principal
OWN_TICKET = "own_ticket"                 # a tracking token acts only on its own ticket
AT_THIS_WINDOW = "at_this_window"         # a clerk signed in at the route's window (or a supervisor)
AT_TICKETS_WINDOW = "at_tickets_window"   # a clerk at a window that may act on the ticket (or a supervisor)
SCREEN_OF_TICKETS_WINDOW = "screen_of_tickets_window"   # the window screen of the ticket's window
THIS_WINDOWS_SCREEN = "this_windows_screen"   # a window screen only of the route's own window
BRIDGE_WINDOWS = "bridge_windows"         # a bridge only at the windows it was given, for their clerk

BRIDGE = "bridge"


@dataclass(frozen=True)
class Rule:
    name: str
    admits: frozenset[str]
    says: str                         # who may, in words, for the OpenAPI document
    credential: str = "bearer"        # "bearer" header, "path" (a token in the URL), "socket"
                                      # (Socket.IO's auth), or "none"
    scopes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        unknown = self.admits - set(PRINCIPALS)
        if unknown:
            raise ValueError(f"rule {self.name}: unknown principals {sorted(unknown)}")

    def admits_kind(self, kind: str) -> bool:
        return kind in self.admits


def _rule(name: str, admits, says: str, **more) -> Rule:
    return Rule(name, frozenset(admits), says, **more)


ALL = PRINCIPALS

# --- the table ---------------------------------------------------------------------------------

PUBLIC = _rule("public", ALL, "anyone", credential="none")
PUBLIC_RATE_LIMITED = _rule("public_rate_limited", ALL, "anyone (rate-limited)", credential="none")
LINK_HOLDER = _rule("link_holder", ALL, "the link's holder (the token in the path)", credential="path")
TRACK_HOLDER = _rule("track_holder", ALL, "anyone holding the ticket's track token (no header)",
                     credential="path")
ANY_TOKEN = _rule("any_token", (*ROLES, *DEVICE_KINDS), "any staff or device token")
SIGNED_IN = _rule("signed_in", ROLES, "any staff account, the auditor's too")
STAFF = _rule("staff", STAFF_KINDS, "staff (clerk, supervisor, admin)")
SUPERVISORS = _rule("supervisors", SUPERVISING, "supervisor, admin")
REPORT_READERS_RULE = _rule("report_readers", REPORT_READERS, "supervisor, admin, auditor")
AUDIT_READERS_RULE = _rule("audit_readers", AUDIT_READERS, "admin, auditor")
ADMINS = _rule("admins", ("admin",), "admin")
#: the city's dashboard and reports: every hall read, none changed; no hall's own staff
CITY_READERS = _rule("city_readers", (CITY,), "a city account (reads every hall of the deployment)")
DEVICES = _rule("devices", DEVICE_KINDS, "devices (kiosk, board, window screen)")
BOARDS = _rule("boards", ("display",), "a hall board (display device)")
ISSUERS = _rule("issuers", ("kiosk", *STAFF_KINDS), "kiosk device or staff")
BOOKERS = _rule("bookers", (ANONYMOUS, *STAFF_KINDS), "anyone (rate-limited) or staff")
WINDOW_READERS = _rule("window_readers", (*STAFF_KINDS, "window"), "staff, or this window's screen",
                       scopes=(THIS_WINDOWS_SCREEN,))
TICKET_READERS = _rule("ticket_readers", (*STAFF_KINDS, *DEVICE_KINDS, TICKET),
                       "staff, device, or the ticket's own track token", scopes=(OWN_TICKET,))
WINDOW_CLERK = _rule("window_clerk", STAFF_KINDS,
                     "the clerk signed in at this window; supervisors and admins at any window",
                     scopes=(AT_THIS_WINDOW,))
TICKET_CLERK = _rule("ticket_clerk", STAFF_KINDS,
                     "the clerk of a window that may act on the ticket; supervisors and admins on any",
                     scopes=(AT_TICKETS_WINDOW,))
#: what a caller keypad does, through a bridge, for the clerk signed in at the keypad's window
KEYPAD_WINDOW = _rule("keypad_window", (*STAFF_KINDS, BRIDGE),
                      "the clerk signed in at this window, or a bridge given this window (for that clerk); "
                      "supervisors and admins at any window", scopes=(AT_THIS_WINDOW, BRIDGE_WINDOWS))
KEYPAD_TICKET = _rule("keypad_ticket", (*STAFF_KINDS, BRIDGE),
                      "the clerk of a window that may act on the ticket, or a bridge given that window "
                      "(for its clerk); supervisors and admins on any", scopes=(AT_TICKETS_WINDOW, BRIDGE_WINDOWS))
RATERS = _rule("raters", ("window", BRIDGE, TICKET),
               "the window screen or the bridge (its rater) of the ticket's window, or the ticket's own "
               "track token", scopes=(SCREEN_OF_TICKETS_WINDOW, BRIDGE_WINDOWS, OWN_TICKET))
SERVING_SCREEN = _rule("serving_screen", ("window", BRIDGE),
                       "the window screen or the bridge (its rater) of the ticket's window",
                       scopes=(SCREEN_OF_TICKETS_WINDOW, BRIDGE_WINDOWS))

# the live channel: who may connect, and who also hears the supervisors' messages (alerts)
LISTENERS = _rule("listeners", (*STAFF_KINDS, *DEVICE_KINDS, TICKET),
                  "any staff or device token; a ticket's own track token hears only its ticket",
                  credential="socket", scopes=(OWN_TICKET,))
ALERT_LISTENERS = SUPERVISORS

RULES = (PUBLIC, PUBLIC_RATE_LIMITED, LINK_HOLDER, TRACK_HOLDER, ANY_TOKEN, SIGNED_IN, STAFF, SUPERVISORS,
         REPORT_READERS_RULE, AUDIT_READERS_RULE, ADMINS, CITY_READERS,
         DEVICES, BOARDS, ISSUERS, BOOKERS, WINDOW_READERS, TICKET_READERS, WINDOW_CLERK, TICKET_CLERK,
         KEYPAD_WINDOW, KEYPAD_TICKET, RATERS, SERVING_SCREEN, LISTENERS)


# --- admitting --------------------------------------------------------------------------------

def principal_kind(who: Identity | None) -> str:
    if who is None:
        return ANONYMOUS
    return TICKET if who.kind == "ticket" else who.role


def identify_in_hall(service, token: str | None, allow_ticket: bool = False,
                     session_clock=None) -> Identity | None:
    """Who a token proves, if it is a token of this hall (`service`'s). Every staff session,
    device token and ticket's tracking token belongs to one hall: elsewhere it is as unknown as
    a made-up one, so another hall's tickets, windows and pages are neither seen nor changed,
    and nothing says that they exist."""
    who = identify(service.database, token, allow_ticket=allow_ticket, service=service,
                   session_clock=session_clock)
    if who is None:
        return None
    # a city account belongs to the deployment: known in every hall (a process pinned to
    # another hall too), admitted only where a rule names it (its own routes, who it is)
    return who if who.hall_id == service.hall_id or (who.kind == "user" and who.role == CITY) else None


def admit(rule: Rule, hall, ticket_id: int | None = None, window: int | None = None) -> Identity | None:
    """Who is asking, if `rule` admits them; otherwise the 401 or 403 refusal. A device that
    asks is seen ("最近在线" on the supervisor's and admin's pages)."""
    if rule.credential != "bearer":
        return None   # the token, if any, is in the path and the view checks it
    token = bearer_token()
    if token is None:
        if rule.admits_kind(ANONYMOUS):
            return None
        raise ApiError(401, "unauthorized", "请先登录 / sign in or give a device token "
                       "(Authorization: Bearer …)")
    who = identify_in_hall(hall.service, token, allow_ticket=rule.admits_kind(TICKET),
                           session_clock=hall.session_clock)
    if who is None:
        raise ApiError(401, "unauthorized", "凭证无效或已被撤销 / the token is invalid, expired or revoked")
    if who.kind == "device":
        hall.live.saw_device(who.id)
    kind = principal_kind(who)
    if not rule.admits_kind(kind):
        raise ApiError(403, "forbidden", f"无权操作 / a {kind} may not do this ({rule.says} may)")
    if kind == TICKET and OWN_TICKET in rule.scopes and who.id != ticket_id:
        raise ApiError(403, "forbidden", "此凭证只能用于它自己的号 / this token acts only on its own ticket")
    if kind == TICKET and not _still_tracked(hall, who.id):
        raise ApiError(410, "expired", "这张票已过期（仅当天有效）/ this ticket has expired "
                       "(tickets are valid on the day they are issued)")
    if kind == "window" and THIS_WINDOWS_SCREEN in rule.scopes and who.window != window:
        raise ApiError(403, "forbidden", f"此窗口屏不属于 {window} 号窗口 / this screen is not window {window}'s")
    if kind == BRIDGE and window is not None and window not in who.windows:
        raise _not_bridge_window(window)
    return who


def _not_bridge_window(window: int) -> ApiError:
    return ApiError(403, "forbidden", f"此桥接器未获准操作 {window} 号窗口 / this bridge was not given "
                    f"window {window}")


def _still_tracked(hall, ticket_id: int) -> bool:
    ticket = hall.service.ticket(ticket_id)
    return ticket is not None and hall.service.still_tracked(ticket)


V = TypeVar("V", bound=Callable)


def permit(rule: Rule) -> Callable[[V], V]:
    """Declare who may call a view; refused callers never reach it. `g.who` is the caller."""
    def declare(view: V) -> V:
        @functools.wraps(view)
        def admitted(*args, **kwargs):
            from .app import current_hall
            g.who = admit(rule, current_hall(), kwargs.get("ticket_id"), kwargs.get("number"))
            return view(*args, **kwargs)
        admitted.permission = rule   # type: ignore[attr-defined]
        return admitted   # type: ignore[return-value]
    return declare


_BLUEPRINT_RULES: dict[str, Rule] = {}


def permit_blueprint(blueprint: Blueprint, rule: Rule) -> None:
    """One rule for every route of a blueprint, present and future (the admin API)."""
    _BLUEPRINT_RULES[blueprint.name] = rule

    @blueprint.before_request
    def admitted() -> None:
        from .app import current_hall
        g.who = admit(rule, current_hall())


def permission_of(app: Flask, endpoint: str) -> Rule | None:
    """The rule a route declared, or None if it declared none."""
    view = app.view_functions.get(endpoint)
    declared = getattr(view, "permission", None)
    if declared is not None:
        return declared
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    return _BLUEPRINT_RULES.get(blueprint) if blueprint else None


def caller() -> Identity:
    """Who called this route, as its rule admitted them (None where the rule admits anonymous
    callers and none gave a token)."""
    return g.who


# --- the acting window a command carries: the core checks it inside the transaction ---------------

def signed_in_window(state, who: Identity) -> int | None:
    """The window where this clerk is signed in, in `state`."""
    for number, window in state.windows.items():
        if window.clerk == who.id and window.status is not WindowStatus.CLOSED:
            return number
    return None


def acting_clerk(state, who: Identity, window: int | None = None) -> ActingWindow | None:
    """What a staff member's command carries: supervisors and admins act anywhere (None); a
    clerk acts at `window`, or at the window where `state` has them signed in. The core
    refuses the command if that is no longer true when it runs."""
    if who.supervises:
        return None
    if window is None:
        window = signed_in_window(state, who)
        if window is None:
            raise ApiError(403, "not_signed_in", "请先在窗口签到 / sign in at a window first")
    return ActingWindow(window=window, clerk=who.id)


def acting_for(state, who: Identity, window: int | None = None, ticket=None) -> ActingWindow | None:
    """What a clerk's command carries (`acting_clerk`), or a bridge's: a keypad acts for the
    clerk signed in at its window, at `window` or at the ticket's window."""
    if who.role != BRIDGE:
        return acting_clerk(state, who, window)
    number = window if window is not None else bridge_window(who, ticket)
    if number not in who.windows:
        raise _not_bridge_window(number)
    at = state.windows.get(number)
    if at is None or at.clerk is None or at.status is WindowStatus.CLOSED:
        raise ApiError(403, "not_signed_in", f"{number} 号窗口无人签到，请先签到 / no clerk is signed in "
                       f"at window {number}: sign in first")
    return ActingWindow(window=number, clerk=at.clerk)


def bridge_window(who: Identity, ticket) -> int:
    """Which of a bridge's windows acts on `ticket`: the ticket's own, or the bridge's only one."""
    if ticket is not None and ticket.window in who.windows:
        return ticket.window
    if len(who.windows) == 1:
        return who.windows[0]
    raise ApiError(403, "not_your_ticket", "这张票不在此桥接器的窗口 / this ticket is not at a window "
                   "of this bridge")


def actor_for(who: Identity, acting: ActingWindow | None) -> str:
    """Who the log says acted: the caller, or for a bridge the clerk it acted for, through it."""
    if who.role == BRIDGE and acting is not None and acting.clerk is not None:
        return actor_via(acting.clerk, who.actor)
    return who.actor


def acting_screen(who: Identity, ticket=None) -> ActingWindow | None:
    """A window screen acts at its own window, a bridge's rater at the ticket's window; a
    ticket's own token (the decorator checked it is this ticket's) carries none."""
    if who.kind != "device":
        return None
    if who.role == BRIDGE:
        return ActingWindow(window=bridge_window(who, ticket), clerk=None)
    if who.window is None:
        raise ApiError(403, "forbidden", "此窗口屏未绑定窗口 / this window screen has no window")
    return ActingWindow(window=who.window, clerk=None)
