"""Changing the hall's setup from the admin page: one write path for every form.

Each change edits a copy of the setup document (the same shape as config.toml), and then,
in one transaction: the whole new document is validated by `parse_config`, a change that
would strand waiting tickets is refused, the document is stored as a new setup version and
projected, and an audit row records the changed part before and after. Only after the
commit does every connected board, kiosk and terminal get a fresh hall snapshot.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from hall.config import ConfigError

from . import audit, datadir, db
from . import repository as repo

if TYPE_CHECKING:
    from .app import Hall

log = logging.getLogger(__name__)

TABLE_SECTIONS = ("hall", "numbering", "policy", "announcement", "slip", "supervision", "appointments",
                  "security", "identity", "remote")
ENTRY_KEYS = {"departments": "code", "services": "code", "windows": "number"}
ENTRY_NAMES = {"departments": ("部门", "department"), "services": ("事项", "item"),
               "windows": ("窗口", "window"), "slots": ("事项的预约设置", "own appointment slots for item"),
               "remote_places": ("事项的远程取号设置", "own remote ticket places for item")}
#: the sections whose [<section>.items.<code>] tables give one item its own values
ITEM_TABLES = {"appointments": "slots", "remote": "remote_places"}

Edit = Callable[[dict[str, Any]], dict[str, Any]]


class EntryNotFound(LookupError):
    """The department, item or window named in the address is not in the setup."""

    def __init__(self, kind: str, key: Any):
        zh, en = ENTRY_NAMES[kind]
        super().__init__(f"没有{zh} {key} / no {en} {key}")


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """JSON-shaped, as hall_setups stores it: TOML dates become text, tuples lists."""
    return json.loads(json.dumps(document, ensure_ascii=False, default=str))


class SetupChanged(Exception):
    """The admin edited an older version of the setup than the one in force: someone else
    saved in between. Applying the edit would silently undo or mix with their change."""

    def __init__(self, edited: int, current: int):
        super().__init__(f"设置已被他人修改（您编辑的是版本 {edited}，现在是版本 {current}），请刷新后再改 / "
                         f"someone else changed the setup (you edited version {edited}, it is now "
                         f"version {current}): reload and make your change again")
        self.edited, self.current = edited, current


def change_setup(hall: "Hall", actor: str, action: str, subject: str, edit: Edit,
                 edited_version: int | None = None) -> tuple[int, dict]:
    """Apply `edit` to the setup in force; returns (version, document) as they are now.
    With `edited_version` (the version the admin's page showed) a change made meanwhile by
    someone else is refused rather than overwritten."""
    conn = hall.database.connection()
    hall_id = hall.service.hall_id
    with db.write(conn, halls=(hall_id,)):
        version, old = repo.current_setup(conn, hall_id)
        if edited_version is not None and edited_version != version:
            raise SetupChanged(edited_version, version)
        new = normalised(edit(copy.deepcopy(old)))
        if new == old:
            return version, old      # nothing to store, audit or announce
        version, _ = datadir.apply_setup(conn, hall_id, new, actor, datetime.now(timezone.utc))
        before, after = audit.setup_diff(old, new)
        audit.record(conn, hall_id, actor, action, subject, before, after)
    announce(hall)
    return version, new


def announce(hall: "Hall") -> None:
    """Boards, kiosks and terminals redraw from a fresh snapshot; a failed broadcast is logged,
    it never undoes the committed change (clients also get a snapshot when they reconnect)."""
    try:
        hall.live.broadcast_snapshot()
    except Exception:
        log.exception("broadcasting the new setup failed")


# --- edits: pure functions of the document ----------------------------------------------------

def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """A form's values: an empty optional field (null) means "not set", so the key goes."""
    return {k: v for k, v in values.items() if v is not None}


def set_section(section: str, values: dict[str, Any]) -> Edit:
    """Merge the given keys into one table section; a key given as null is removed."""
    if section not in TABLE_SECTIONS:
        raise ConfigError(f"[{section}]: not a section the admin page edits "
                          f"(one of {', '.join(TABLE_SECTIONS)})")

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        table = dict(document.get(section) or {})
        table.update(values)
        document[section] = _clean(table)
        return document
    return edit


def _index(document: dict[str, Any], kind: str, key: Any) -> int:
    field = ENTRY_KEYS[kind]
    for i, entry in enumerate(document.get(kind) or []):
        if isinstance(entry, dict) and entry.get(field) == key:
            return i
    raise EntryNotFound(kind, key)


def add_entry(kind: str, values: dict[str, Any]) -> Edit:
    field = ENTRY_KEYS[kind]

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        key = values.get(field)
        entries = document.setdefault(kind, [])
        if any(isinstance(e, dict) and e.get(field) == key for e in entries):
            zh, en = ENTRY_NAMES[kind]
            raise ConfigError(f"{kind}[{len(entries)}].{field} = {key!r} is used twice: "
                              f"{zh} {key} 已存在 / {en} {key} exists already")
        entries.append(_clean(values))
        return document
    return edit


def replace_entry(kind: str, key: Any, values: dict[str, Any]) -> Edit:
    """The entry's whole new content; its code or number stays the one in the address."""
    field = ENTRY_KEYS[kind]

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        i = _index(document, kind, key)
        document[kind][i] = _clean(values | {field: key})
        return document
    return edit


def remove_entry(kind: str, key: Any) -> Edit:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        del document[kind][_index(document, kind, key)]
        if kind == "departments":
            _forget_department(document, key)
        elif kind == "services":
            _forget_service(document, key)
        return document
    return edit


def _forget_department(document: dict[str, Any], code: str) -> None:
    items = [s.get("code") for s in document.get("services") or [] if s.get("department") == code]
    if items:
        raise ConfigError(f"departments: {code} still has items {', '.join(map(str, items))}; "
                          "move them to another department or remove them first")
    for window in document.get("windows") or []:
        if code in (window.get("departments") or []):
            window["departments"] = [d for d in window["departments"] if d != code]


def _forget_service(document: dict[str, Any], code: str) -> None:
    """Windows that listed the item by code stop listing it (with its priority there), and
    the appointment rules forget it (its own slots, its place in the bookable list)."""
    _forget_bookable(document.get("appointments"), code)
    for window in document.get("windows") or []:
        if code in (window.get("services") or []):
            window["services"] = [s for s in window["services"] if s != code]
        if isinstance(window.get("priority"), dict):
            window["priority"].pop(code, None)
            if not window["priority"]:
                del window["priority"]
        for key in ("services", "departments"):
            if key in window and not window[key]:
                del window[key]


def _forget_bookable(booking: Any, code: str) -> None:
    if not isinstance(booking, dict):
        return
    if isinstance(booking.get("items"), dict):
        booking["items"].pop(code, None)
        if not booking["items"]:
            del booking["items"]
    if isinstance(booking.get("services"), list) and code in booking["services"]:
        booking["services"] = [s for s in booking["services"] if s != code]
        if not booking["services"]:
            # an empty list would mean "every item": the item's removal must not open them all
            raise ConfigError(f"appointments.services: {code} is the only bookable item; "
                              "choose other bookable items first")


def set_item_table(section: str, code: str, values: dict[str, Any]) -> Edit:
    """[<section>.items.<code>]: the item's own values ([appointments] slot length, places,
    hours or horizon; [remote] share or places); a key left out (or null) follows the
    hall-wide value of the section. parse_config checks them as it checks config.toml."""
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        if not any(s.get("code") == code for s in document.get("services") or [] if isinstance(s, dict)):
            raise EntryNotFound("services", code)
        table = document.setdefault(section, {})
        items = dict(table.get("items") or {})
        items[code] = _clean(values)
        if not items[code]:
            del items[code]      # nothing of its own: the item follows the hall-wide rules
        table["items"] = items
        if not items:
            del table["items"]
        return document
    return edit


def remove_item_table(section: str, code: str) -> Edit:
    """The item goes back to the section's hall-wide rules."""
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        items = dict((document.get(section) or {}).get("items") or {})
        if code not in items:
            raise EntryNotFound(ITEM_TABLES[section], code)
        del items[code]
        document[section]["items"] = items
        if not items:
            del document[section]["items"]
        return document
    return edit


def replace_document(document: dict[str, Any]) -> Edit:
    return lambda _old: document
