"""A hall's data directory: created, migrated and seeded from config.toml on first use."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from hall.config import HallConfig, load_config, parse_config

from . import db, repository as repo

SECRET_FILENAME = "secret.key"


@dataclass
class DataDir:
    path: Path
    database: db.Database
    hall_id: int
    secret_key: str

    def close(self) -> None:
        self.database.close()


def _secret(path: Path) -> str:
    """The server's signing secret, generated once and readable only by its owner."""
    file = path / SECRET_FILENAME
    if not file.exists():
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return file.read_text().strip()


def config_document(config_path: Path) -> dict:
    """The raw content of a config.toml, validated; stored as the hall's setup."""
    import tomllib
    load_config(config_path)  # raises ConfigError naming the key
    with open(config_path, "rb") as handle:
        return json.loads(json.dumps(tomllib.load(handle), default=str))


def seed_hall(conn, document: dict, actor: str, now: datetime) -> int:
    """Create a hall from a validated setup document (inside the caller's transaction)."""
    setup: HallConfig = parse_config(document)
    hall_id = repo.insert_hall(conn, setup.hall, now)
    repo.insert_setup(conn, hall_id, document, actor, now)
    repo.project_setup(conn, hall_id, setup)
    return hall_id


def open_data_dir(path: str | Path, config_path: str | Path,
                  adapt: "Callable[[dict], dict] | None" = None) -> DataDir:
    """Open (creating, migrating and seeding when new) a data directory. `adapt` may change
    the setup document before a new hall is seeded from it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    database = db.Database(path / db.DB_FILENAME)
    conn = database.connection()
    db.migrate(conn)
    hall = repo.find_hall(conn)
    if hall is None:
        document = config_document(Path(config_path))
        if adapt is not None:
            document = adapt(document)
        with db.write(conn):
            hall = repo.find_hall(conn)  # another process may have seeded it meanwhile
            hall_id = hall["id"] if hall else seed_hall(conn, document, "config.toml",
                                                        datetime.now(timezone.utc))
    else:
        hall_id = hall["id"]
    return DataDir(path=path, database=database, hall_id=hall_id, secret_key=_secret(path))


def import_setup(data: DataDir, config_path: str | Path, actor: str) -> int:
    """Make a new config.toml the setup in force; returns the new setup version."""
    document = config_document(Path(config_path))
    setup = parse_config(document)
    conn = data.database.connection()
    with db.write(conn):
        hall = conn.execute("SELECT code FROM halls WHERE id = ?", (data.hall_id,)).fetchone()
        if hall["code"] != setup.hall.code:
            raise ValueError(f"hall.code is {setup.hall.code!r} but this data directory holds "
                             f"hall {hall['code']!r}; a hall's code never changes")
        _refuse_stranding(conn, data.hall_id, setup)
        version = repo.insert_setup(conn, data.hall_id, document, actor, datetime.now(timezone.utc))
        repo.update_hall(conn, data.hall_id, setup.hall)
        repo.project_setup(conn, data.hall_id, setup)
    return version


def _refuse_stranding(conn, hall_id: int, setup: HallConfig) -> None:
    served = {code for w in setup.windows for code in w.services}
    for ticket in repo.open_tickets(conn, hall_id).values():
        if ticket.service not in served:
            raise ValueError(f"{ticket.number} is waiting for {ticket.service}, which the new setup "
                             "removes or leaves without a window; serve or transfer it first")
        if ticket.target_window and ticket.target_window not in {w.number for w in setup.windows}:
            raise ValueError(f"{ticket.number} waits for window {ticket.target_window}, which the "
                             "new setup removes")
