"""The databases benchmark: both backends measured in one run, figures side by side."""

from __future__ import annotations

import json

import pytest

from bench import database_bench as dbb
from tests.conftest import small_hall_document, to_toml


@pytest.mark.slow
def test_a_tiny_run_measures_both_databases_side_by_side(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "databases.json"
    dbb.run(dbb.Options(clients=2, clerks=3, tickets=12, calls=6, repeats=1, config=config, out=out))
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results["median"]) == {"sqlite", "postgresql"}
    for backend in ("sqlite", "postgresql"):
        issue, call = results["median"][backend]["issue"], results["median"][backend]["call_next"]
        assert issue["tickets"] == 12 and issue["tickets_per_s"] > 0
        assert call["calls"] == 6 and call["calls_per_s"] > 0
        assert call["double_calls"] == 0 and call["tickets_answered_twice"] == 0
    assert results["machine"]["postgresql"].startswith(("1", "2"))
