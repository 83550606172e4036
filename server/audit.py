"""The administration audit trail: one row per change, with the changed part before and after.

A setup change is recorded as a diff of the setup documents, so a reader sees what moved
(one item's hours, one window's items) instead of two copies of the whole hall. Secrets
never reach the trail: staff and device entries say that a password or token changed.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any

from . import db, repository as repo
from .reports import inert

#: how the entries of each list section of the setup are told apart
LIST_KEYS = {"departments": "code", "services": "code", "windows": "number"}


def record(conn: sqlite3.Connection, hall_id: int, actor: str, action: str, subject: str,
           before: Any = None, after: Any = None, now: datetime | None = None) -> int:
    """Append one entry inside the caller's transaction, so it commits with the change."""
    return repo.insert_audit(conn, hall_id, now or datetime.now(timezone.utc), actor, action, subject,
                             before, after)


def record_sign_in(conn: sqlite3.Connection, hall_id: int, actor: str, action: str, subject: str,
                   after: dict[str, Any], now: datetime) -> int:
    """One entry of the sign-in trail (a sign-in, failure, lockout, unlock or sign-out)."""
    return repo.insert_audit(conn, hall_id, now, actor, action, subject, None, after, trail="sign_in")


def _keyed(entries: Any, key: str) -> dict[Any, Any]:
    if not isinstance(entries, list):
        return {}
    return {entry.get(key, i) if isinstance(entry, dict) else i: entry for i, entry in enumerate(entries)}


def _changed_keys(was: Any, now: Any, key: str) -> tuple[Any, Any]:
    """An entry in both versions shrinks to its code (or number) and the keys that changed,
    so the reader sees "hours: 08:30-16:30 → 09:00-11:00" rather than two whole items."""
    if not isinstance(was, dict) or not isinstance(now, dict):
        return was, now
    keys = [k for k in list(was) + [k for k in now if k not in was] if was.get(k) != now.get(k)]
    head = {key: now.get(key, was.get(key))}
    return head | {k: was[k] for k in keys if k in was}, head | {k: now[k] for k in keys if k in now}


def setup_diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) holding only what differs: changed keys of tables, changed list entries."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for section in sorted(set(old) | set(new), key=str):
        was, now = old.get(section), new.get(section)
        if was == now:
            continue
        if section in LIST_KEYS:
            was_k, now_k = _keyed(was, LIST_KEYS[section]), _keyed(now, LIST_KEYS[section])
            changed = [k for k in list(was_k) + [k for k in now_k if k not in was_k]
                       if was_k.get(k) != now_k.get(k)]
            pairs = [_changed_keys(was_k.get(k), now_k.get(k), LIST_KEYS[section]) for k in changed]
            before[section] = [old_part for old_part, _ in pairs if old_part is not None]
            after[section] = [new_part for _, new_part in pairs if new_part is not None]
        elif isinstance(was, dict) and isinstance(now, dict):
            keys = [k for k in list(was) + [k for k in now if k not in was] if was.get(k) != now.get(k)]
            before[section] = {k: was[k] for k in keys if k in was}
            after[section] = {k: now[k] for k in keys if k in now}
        else:
            if was is not None:
                before[section] = was
            if now is not None:
                after[section] = now
    return before, after


class RetentionRefused(ValueError):
    """A purge that would cut the trail shorter than the hall keeps it (never under 180 days)."""


def purge(database, hall_id: int, older_than_days: int, keep_days: int, actor: str,
          now: datetime | None = None) -> int:
    """Remove entries older than `older_than_days`; the purge itself is the next entry."""
    if older_than_days < keep_days:
        raise RetentionRefused(f"审计记录至少保留 {keep_days} 天 / the audit trail is kept at least "
                               f"{keep_days} days: purge only entries older than that")
    now = now or datetime.now(timezone.utc)
    conn = database.connection()
    with db.write(conn):
        removed = repo.purge_audit_before(conn, hall_id, now - timedelta(days=older_than_days))
        record(conn, hall_id, actor, "audit.purge", "audit trail", None,
               {"older_than_days": older_than_days, "removed": removed}, now)
    return removed


#: the export's columns, in order
EXPORT_FIELDS = ("trail", "id", "at", "actor", "action", "subject", "before", "after")


def to_csv(rows: list[sqlite3.Row]) -> bytes:
    """The trail as CSV (UTF-8 with BOM for Excel); text that would start a formula stays text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for row in rows:
        writer.writerow([inert(row[name]) for name in EXPORT_FIELDS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
