"""The server benchmark's own correctness: its percentile helper, and one tiny end-to-end run
that writes the expected figures. Nothing here asserts on speed."""

from __future__ import annotations

import json

import pytest

from bench import server_bench as sb
from tests.conftest import small_hall_document, to_toml


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(100, 0, -1)]   # 1…100, unsorted on purpose
    assert sb.percentile(values, 50) == 50.0
    assert sb.percentile(values, 99) == 99.0
    assert sb.percentile(values, 100) == 100.0
    assert sb.percentile(values, 1) == 1.0
    assert sb.percentile([7.0], 50) == sb.percentile([7.0], 99) == 7.0
    assert sb.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0     # an observed value, not 2.5
    assert sb.percentile([1.0, 2.0, 3.0], 99) == 3.0


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        sb.percentile([], 50)
    with pytest.raises(ValueError):
        sb.percentile([1.0], 0)
    with pytest.raises(ValueError):
        sb.percentile([1.0], 101)


def test_median_of_runs_takes_each_figure_separately() -> None:
    runs = [{"rate": 10, "p50_ms": 3.0, "ok": True}, {"rate": 30, "p50_ms": 1.0, "ok": True},
            {"rate": 20, "p50_ms": 2.0, "ok": False}]
    assert sb.median_of_runs(runs) == {"rate": 20, "p50_ms": 2.0}


@pytest.mark.slow
def test_a_tiny_run_writes_every_figure(tmp_path) -> None:
    # the small test hall: the shipped one has 32 accounts to hash before the server starts
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "server.json"
    opts = sb.Options(clients=2, tickets=20, calls=4, websocket_clients=5, websocket_calls=3,
                      repeats=1, config=config, out=out)
    sb.run(opts)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results) == {"machine", "settings", "median", "fqm", "ratio_to_fqm", "runs"}
    assert {"cpu_count", "python", "date", "commit"} <= set(results["machine"])
    median = results["median"]
    assert {"tickets_per_s", "p50_ms", "p99_ms"} <= set(median["issue"])
    assert {"calls_per_s", "p50_ms", "p99_ms"} <= set(median["call_next"])
    assert {"p50_ms", "p99_ms", "slowest_client_p50_ms"} <= set(median["live"])
    assert median["issue"]["tickets"] == 20 and median["call_next"]["calls"] == 4
    assert median["live"]["calls"] == 3 and median["live"]["missed"] == 0
    assert set(results["ratio_to_fqm"]) == {"issue_rate", "issue_p50", "call_rate", "call_p50"}
