"""`jiaohao admin --database postgresql://…`: the shell's commands on the city's database,
including a backup with pg_dump."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.postgresql_only


def admin(*args: str, data, config, url: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "JIAOHAO_DATABASE"}   # --database alone
    return subprocess.run([sys.executable, "-m", "jiaohao", "admin", "--data", str(data), "--config", str(config),
                           "--database", url, *args], capture_output=True, text=True, env=environment,
                          cwd=REPO, timeout=120)


def test_accounts_and_a_pg_dump_backup_through_the_database_option(tmp_path, small_config_file, backend,
                                                                     postgres_url) -> None:
    data = tmp_path / "var"
    added = admin("user", "add", "wang", "--role", "clerk", "--password", "s3cret-pass-2026",
                  data=data, config=small_config_file, url=postgres_url)
    assert added.returncode == 0, added.stderr
    listed = admin("user", "list", data=data, config=small_config_file, url=postgres_url)
    assert "wang" in listed.stdout
    assert not (data / "jiaohao.sqlite3").exists(), "nothing went to a SQLite file"
    backup = tmp_path / "city.dump"
    done = admin("backup", str(backup), data=data, config=small_config_file, url=postgres_url)
    assert done.returncode == 0, done.stderr
    assert "pg_dump" in done.stdout and backup.read_bytes()[:5] == b"PGDMP"   # pg_restore's format
