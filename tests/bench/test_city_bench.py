"""The city benchmark: one, then two server processes on PostgreSQL and Redis, in one run,
figures side by side."""

from __future__ import annotations

import json

import pytest

from bench import city_bench as cb
from tests.conftest import small_hall_document, to_toml


@pytest.mark.slow
def test_a_tiny_run_measures_one_and_two_processes_side_by_side(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "city.json"
    cb.run(cb.Options(processes=[1, 2], clients=2, clerks=3, tickets=12, calls=6, boards=4, board_calls=3,
                      repeats=1, config=config, out=out))
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results["median"]) == {"1", "2"}
    for n in ("1", "2"):
        issue, call, live = (results["median"][n][part] for part in ("issue", "call_next", "live"))
        assert issue["tickets"] == 12 and issue["tickets_per_s"] > 0
        assert call["calls"] == 6 and call["double_calls"] == 0 and call["tickets_answered_twice"] == 0
        assert live["calls"] == 3 and live["missed"] == 0 and live["connections_held"] == 4
    two = results["median"]["2"]["live"]
    assert two["connections_per_process"] == [2, 2] and two["other_processes_p99_ms"] > 0, \
        "boards on the other process heard the calls through Redis"
    assert results["median"]["1"]["live"]["other_processes_p99_ms"] is None
