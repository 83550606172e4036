"""`jiaohao admin` run as a real process, the way an operator uses it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def jiaohao(*args: str, data: Path, config: Path | None = None, stdin: str | None = None,
            env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "JIAOHAO_DATA": str(data), **(env or {})}
    if config:
        environment["JIAOHAO_CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-m", "jiaohao", *args], capture_output=True, text=True,
                          input=stdin, env=environment, cwd=REPO, timeout=60)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "var"


def test_help_lists_every_subcommand_with_one_line() -> None:
    result = subprocess.run([sys.executable, "-m", "jiaohao", "--help"], capture_output=True,
                            text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0
    assert "admin" in result.stdout and "manage staff" in result.stdout


def test_user_lifecycle(data: Path, small_config_file: Path) -> None:
    added = jiaohao("admin", "user", "add", "wang", "--role", "clerk", "--password", "s3cret-pass",
                    "--staff-no", "A1001", "--display-name", "王芳", data=data, config=small_config_file)
    assert added.returncode == 0, added.stderr
    listed = jiaohao("admin", "user", "list", data=data)
    assert "wang" in listed.stdout and "A1001" in listed.stdout and "active" in listed.stdout
    assert jiaohao("admin", "user", "passwd", "wang", stdin="another-pass-1\n", data=data).returncode == 0
    assert jiaohao("admin", "user", "disable", "wang", data=data).returncode == 0
    assert "disabled" in jiaohao("admin", "user", "list", data=data).stdout
    with sqlite3.connect(data / "jiaohao.sqlite3") as conn:
        stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("scrypt$") and "another-pass" not in stored


def test_password_from_stdin_when_not_given(data: Path, small_config_file: Path) -> None:
    result = jiaohao("admin", "user", "add", "li", "--role", "supervisor", stdin="piped-pass-1\n",
                     data=data, config=small_config_file)
    assert result.returncode == 0, result.stderr
    from server.accounts import check_login
    from server.datadir import open_data_dir
    opened = open_data_dir(data, small_config_file)
    assert check_login(opened.database, "li", "piped-pass-1")["role"] == "supervisor"
    assert check_login(opened.database, "li", "wrong-pass") is None
    opened.close()


@pytest.mark.parametrize("args,words", [
    (("admin", "user", "add", "xu", "--role", "clerk", "--password", "short"), "at least 10"),
    (("admin", "user", "passwd", "nobody", "--password", "long-enough"), "no user named"),
    (("admin", "device", "revoke", "nothing"), "no active device"),
    (("admin", "user", "add", "bad name", "--role", "clerk", "--password", "long-enough"), "user name"),
])
def test_refusals_are_one_clear_line(data: Path, small_config_file: Path, args, words) -> None:
    result = jiaohao(*args, data=data, config=small_config_file)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr


def test_device_token_is_the_last_word_and_only_its_hash_is_kept(data: Path, small_config_file: Path) -> None:
    result = jiaohao("admin", "device", "add", "kiosk-1", "--kind", "kiosk", data=data,
                     config=small_config_file)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1].split()[-1]
    assert len(token) >= 40
    with sqlite3.connect(data / "jiaohao.sqlite3") as conn:
        stored = conn.execute("SELECT token_hash FROM devices").fetchone()[0]
    assert token not in stored and len(stored) == 64
    from server.accounts import device_for_token
    from server.datadir import open_data_dir
    opened = open_data_dir(data, small_config_file)
    assert device_for_token(opened.database, token)["name"] == "kiosk-1"
    assert jiaohao("admin", "device", "revoke", "kiosk-1", data=data).returncode == 0
    assert device_for_token(opened.database, token) is None, "revocation works at once"
    assert "revoked" in jiaohao("admin", "device", "list", data=data).stdout
    opened.close()


def test_data_option_beats_environment(tmp_path: Path, small_config_file: Path) -> None:
    chosen = tmp_path / "chosen"
    result = jiaohao("admin", "--data", str(chosen), "user", "list", data=tmp_path / "env",
                     config=small_config_file)
    assert result.returncode == 0, result.stderr
    assert (chosen / "jiaohao.sqlite3").exists() and not (tmp_path / "env").exists()


def test_a_broken_config_is_reported_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[hall]\ncode = "x"\nname = "n"\nname_en = "n"\ntimezone = "Mars/Base"\n')
    result = jiaohao("admin", "user", "list", data=tmp_path / "var", config=bad)
    assert result.returncode == 2
    assert "hall.timezone" in result.stderr and "Traceback" not in result.stderr


def test_shipped_config_seeds_the_default_data_dir(tmp_path: Path) -> None:
    result = jiaohao("admin", "hall", "show", data=tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert "30 windows" in result.stdout and "新抚区" in result.stdout


def test_backup_is_a_consistent_database(data: Path, small_config_file: Path, tmp_path: Path) -> None:
    jiaohao("admin", "user", "add", "zhao", "--role", "admin", "--password", "long-enough-1",
            data=data, config=small_config_file)
    target = tmp_path / "backup.sqlite3"
    result = jiaohao("admin", "backup", str(target), data=data)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT username FROM users").fetchone()[0] == "zhao"
