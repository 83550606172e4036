"""Online backups through SQLite's backup API: a consistent copy while the hall keeps issuing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import db


def backup_to(database: db.Database, target: str | Path) -> int:
    """Copy the live database to `target`; returns the number of pages copied."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = db.connect(database.path)
    copy = sqlite3.connect(partial)
    try:
        # small steps let the hall's writers in between; the API restarts a step on change
        source.backup(copy, pages=256)
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()
        source.close()
    partial.replace(target)  # a half-written file never carries the final name
    return int(pages)
