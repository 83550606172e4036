"""Online backups: SQLite's backup API, or pg_dump for PostgreSQL; either way a consistent copy
while the hall keeps issuing."""

from __future__ import annotations

import glob
import shutil
import sqlite3
import subprocess
from pathlib import Path

from . import db

PG_DUMP_HINT = ("PostgreSQL 数据库请用 pg_dump 备份 / a PostgreSQL database is backed up with pg_dump: "
                "jiaohao admin --database URL backup FILE runs it (see docs/deployment.md)")


#: a hall's admin downloads their hall's database; a file that also holds other halls is not theirs
SHARED_FILE_HINT = ("此数据库还存有其他大厅的数据，请在服务器上备份 / this database file holds other halls too: "
                    "back it up on the server with jiaohao admin backup FILE")


class BackupElsewhere(RuntimeError):
    """This database is not copied through the server: it has its own backup tool."""


def backup_to(database: db.Database, target: str | Path) -> int:
    """Copy the live SQLite database to `target`; returns the number of pages copied."""
    if database.dialect is not db.SQLITE:
        raise BackupElsewhere(PG_DUMP_HINT)
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


def pg_dump(database: db.Database, target: str | Path) -> int:
    """A PostgreSQL database copied with pg_dump's custom format (restore with pg_restore): one
    snapshot of the whole database, taken without stopping the city's servers. Returns its size."""
    program = shutil.which("pg_dump") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1:]), None)
    if program is None:
        raise BackupElsewhere("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    done = subprocess.run([program, "--format=custom", f"--file={partial}", f"--dbname={database.url}"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupElsewhere(f"pg_dump failed: {done.stderr.strip()}")
    partial.replace(target)
    return target.stat().st_size
