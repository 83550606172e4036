"""`jiaohao admin` changes are audited as admin-cli; `hall export` writes what `hall import` reads."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from contextlib import closing
from pathlib import Path

from tests.cli.test_admin import jiaohao


def audit_rows(data: Path) -> list[tuple]:
    with closing(sqlite3.connect(data / "jiaohao.sqlite3")) as conn:
        return conn.execute("SELECT actor, action, subject, before, after FROM audit_log ORDER BY id").fetchall()


def test_cli_changes_are_audited_and_export_round_trips(tmp_path: Path, small_config_file: Path) -> None:
    data = tmp_path / "var"
    assert jiaohao("admin", "user", "add", "wang", "--role", "clerk", "--password", "s3cret-pass",
                   data=data, config=small_config_file).returncode == 0
    added = jiaohao("admin", "device", "add", "kiosk-9", "--kind", "kiosk", data=data)
    token = added.stdout.split("token: ")[1].strip()
    exported = tmp_path / "exported.toml"
    assert jiaohao("admin", "hall", "export", str(exported), data=data).returncode == 0
    document = tomllib.loads(exported.read_text("utf-8"))
    document_text = exported.read_text("utf-8").replace('name = "测试大厅"', 'name = "测试大厅（新）"')
    exported.write_text(document_text, encoding="utf-8")
    imported = jiaohao("admin", "hall", "import", str(exported), data=data)
    assert imported.returncode == 0, imported.stderr
    rows = audit_rows(data)
    assert [(r[0], r[1]) for r in rows] == [("admin-cli", "staff.add"), ("admin-cli", "device.add"),
                                            ("admin-cli", "setup.import")]
    assert json.loads(rows[2][4]) == {"hall": {"name": "测试大厅（新）"}}
    assert "s3cret-pass" not in str(rows) and token not in str(rows)
    assert document["hall"]["code"] == "test-hall"
