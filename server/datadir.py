"""A hall's data directory and database: created, migrated and seeded from config.toml on first use.

The data directory always holds the server's secret and its generated files; the database is
the SQLite file in it unless a URL names another (`--database`, or $JIAOHAO_DATABASE):
`sqlite:///PATH` or `postgresql://user@host:port/db`, which the city's halls share.
"""

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
from .notify.settings import NotifySettings
from .personal import Vault

SECRET_FILENAME = "secret.key"
DATABASE_VARIABLE = "JIAOHAO_DATABASE"


def database_url(explicit: str | None = None) -> str | None:
    """The database to use: the one given, else $JIAOHAO_DATABASE, else None (the data directory's file)."""
    return explicit or os.environ.get(DATABASE_VARIABLE) or None


@dataclass
class DataDir:
    path: Path
    database: db.Database
    hall_id: int
    secret_key: str
    vault: Vault      # seals personal data with the key kept beside secret.key

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
    NotifySettings.from_config(load_config(config_path).extra)  # raises ConfigError naming the key
    with open(config_path, "rb") as handle:
        return json.loads(json.dumps(tomllib.load(handle), default=str))


def seed_hall(conn, document: dict, actor: str, now: datetime) -> int:
    """Create a hall from a validated setup document (inside the caller's transaction)."""
    setup: HallConfig = parse_config(document)
    hall_id = repo.insert_hall(conn, setup.hall, now)
    repo.insert_setup(conn, hall_id, document, actor, now)
    repo.project_setup(conn, hall_id, setup)
    return hall_id


class HallNotFound(LookupError):
    """--hall names no hall of the deployment, or a deployment of several halls was not told which."""


def open_data_dir(path: str | Path, config_path: str | Path,
                  adapt: "Callable[[dict], dict] | None" = None, database: str | None = None,
                  hall: str | None = None, home_of_several: bool = False) -> DataDir:
    """Open (creating, migrating and seeding when new) a data directory and its database
    (`database_url`). `adapt` may change the setup document before a new hall is seeded from it.
    `hall`: the code of the deployment's hall to work on (`--hall`); needed only when it has
    several, unless `home_of_several` (a server of every hall): then the config's hall, or the
    first one when the config names none of them."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    opened = db.open_database(database_url(database), path)
    vault = Vault.in_data_dir(path)
    try:
        with opened.checked_out() as conn:
            hall_id = _migrated_and_seeded(conn, Path(config_path), adapt, vault)
            # a shared database without --hall serves the config's hall; a SQLite file of
            # several halls (admin hall add) must be told which
            several = conn.dialect is db.SQLITE and len(repo.list_halls(conn)) > 1
            if hall is None and several and home_of_several:
                home = repo.find_hall(conn, load_config(Path(config_path)).hall.code)
                hall_id = int(home["id"]) if home is not None else hall_id
            elif hall is not None or several:
                hall_id = _chosen_hall(conn, hall)
    except BaseException:
        opened.close()
        raise
    return DataDir(path=path, database=opened, hall_id=hall_id, secret_key=_secret(path), vault=vault)


def _chosen_hall(conn, code: str | None) -> int:
    codes = [row["code"] for row in repo.list_halls(conn)]
    if code is None:
        raise HallNotFound(f"本部署有 {len(codes)} 个大厅，请用 --hall 指定 / this deployment has "
                           f"{len(codes)} halls ({', '.join(codes)}): name one with --hall CODE")
    row = repo.find_hall(conn, code)
    if row is None:
        raise HallNotFound(f"没有代码为 {code} 的大厅 / no hall has the code {code!r} "
                           f"(halls: {', '.join(codes)})")
    return int(row["id"])


def open_deployment(path: str | Path, database: str | None = None) -> db.Database:
    """The deployment's database, migrated, for work on all its halls at once (none is seeded)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    opened = db.open_database(database_url(database), path)
    try:
        with opened.checked_out() as conn:
            if db.migrate(conn, migration_steps(Vault.in_data_dir(path))):
                db.truncate_log(conn)
    except BaseException:
        opened.close()
        raise
    return opened


def add_hall(path: str | Path, config_file: str | Path, database: str | None = None) -> tuple[int, str]:
    """Add the hall a config.toml describes (its `[hall] code` names it) to the deployment's
    database; returns its id and code. A code already present is refused."""
    document = config_document(Path(config_file))
    code = parse_config(document).hall.code
    opened = open_deployment(path, database)
    try:
        with opened.checked_out() as conn:
            try:
                with db.write(conn):
                    if repo.find_hall(conn, code) is not None:
                        raise HallExists(code)
                    return seed_hall(conn, document, "admin-cli", datetime.now(timezone.utc)), code
            except db.IntegrityError:   # another process added it between our look and our insert
                raise HallExists(code) from None
    finally:
        opened.close()


class HallExists(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"大厅 {code} 已存在 / the deployment already has a hall with the code {code!r}")


def migration_steps(vault: Vault) -> dict[int, db.Step]:
    """The Python steps of the migrations that have one."""
    def seal_clear_mobiles(conn) -> None:
        for row in repo.clear_mobiles(conn):
            repo.seal_clear_mobile(conn, row["id"], vault.seal(row["mobile"]), vault.index(row["mobile"]))
    return {8: seal_clear_mobiles}


def _migrated_and_seeded(conn, config_path: Path, adapt: "Callable[[dict], dict] | None",
                         vault: Vault) -> int:
    if db.migrate(conn, migration_steps(vault)):
        db.truncate_log(conn)   # no page image of a rewritten table stays behind in the log
    # a SQLite file holds one hall; a shared database holds the city's, found by the config's code
    code = None if conn.dialect is db.SQLITE else load_config(config_path).hall.code
    hall = repo.find_hall(conn, code)
    if hall is not None:
        return hall["id"]
    document = config_document(config_path)
    if adapt is not None:
        document = adapt(document)
    try:
        with db.write(conn):
            hall = repo.find_hall(conn, code)  # another process may have seeded it meanwhile
            return hall["id"] if hall else seed_hall(conn, document, "config.toml", datetime.now(timezone.utc))
    except db.IntegrityError:   # ... and committed between that look and our insert
        hall = repo.find_hall(conn, code)
        if hall is None:
            raise
        return hall["id"]


class SetupRefused(ValueError):
    """A valid setup the hall cannot take now: it would strand waiting tickets or rename the hall."""


def import_setup(data: DataDir, config_path: str | Path, actor: str) -> int:
    """Make a new config.toml the setup in force; returns the new setup version."""
    return import_document(data, config_document(Path(config_path)), actor)


def import_document(data: DataDir, document: dict, actor: str) -> int:
    """Make a setup document the setup in force, audited as an import; returns the new version."""
    from . import audit
    conn = data.database.connection()
    with db.write(conn, halls=(data.hall_id,)):
        _, old = repo.current_setup(conn, data.hall_id)
        version, _ = apply_setup(conn, data.hall_id, document, actor, datetime.now(timezone.utc))
        before, after = audit.setup_diff(old, document)
        audit.record(conn, data.hall_id, actor, "setup.import", f"setup version {version}", before, after)
    return version


def apply_setup(conn, hall_id: int, document: dict, actor: str, now: datetime) -> tuple[int, HallConfig]:
    """Inside the caller's write transaction: refuse stranding, validate the whole document,
    store it as a new version and project it. Stranding is checked first, so a removed last
    window of an item people wait for is refused for that reason, not as a mere mistake."""
    _refuse_stranding(conn, hall_id, document)
    setup = parse_config(document)
    NotifySettings.from_config(setup.extra)   # the [notify] table is checked with the rest
    hall = repo.hall_by_id(conn, hall_id)
    if hall["code"] != setup.hall.code:
        raise SetupRefused(f"hall.code is {setup.hall.code!r} but this data directory holds "
                           f"hall {hall['code']!r}; a hall's code never changes")
    version = repo.insert_setup(conn, hall_id, document, actor, now)
    repo.update_hall(conn, hall_id, setup.hall)
    repo.project_setup(conn, hall_id, setup)
    return version, setup


def _served(document: dict) -> tuple[set[str], set[int]]:
    """The item codes some window serves and the window numbers, read leniently from a document
    that has not been validated yet (validation reports its mistakes afterwards)."""
    items = [s for s in document.get("services") or [] if isinstance(s, dict)]
    windows = [w for w in document.get("windows") or [] if isinstance(w, dict)]
    served: set[str] = set()
    for window in windows:
        departments = window.get("departments") if isinstance(window.get("departments"), list) else []
        served |= {s.get("code") for s in items if s.get("department") in departments}
        if isinstance(window.get("services"), list):
            served |= {code for code in window["services"] if isinstance(code, str)}
    return served, {w.get("number") for w in windows}


def _refuse_stranding(conn, hall_id: int, document: dict) -> None:
    served, numbers = _served(document)
    for ticket in repo.open_tickets(conn, hall_id).values():
        if ticket.service not in served:
            raise SetupRefused(
                f"{ticket.number} 号正在等候该事项，新设置使其无窗口办理，请先办结或转移 / "
                f"{ticket.number} is waiting for {ticket.service}, which the new setup "
                "removes or leaves without a window; serve or transfer it first")
        if ticket.target_window and ticket.target_window not in numbers:
            raise SetupRefused(
                f"{ticket.number} 号在等候 {ticket.target_window} 号窗口，新设置删除了该窗口 / "
                f"{ticket.number} waits for window {ticket.target_window}, which the new setup removes")
