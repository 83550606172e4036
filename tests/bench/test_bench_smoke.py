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


def _called(seq: int, ticket: int, window: int, from_state: str = "waiting") -> dict:
    return {"seq": seq, "kind": "ticket_called", "ticket_id": ticket, "window": window,
            "from_state": from_state, "to_state": "called"}


def _moved(seq: int, kind: str, ticket: int, to_state: str) -> dict:
    return {"seq": seq, "kind": kind, "ticket_id": ticket, "window": 1, "from_state": None,
            "to_state": to_state}


def test_double_calls_are_calls_of_a_ticket_not_in_a_queue() -> None:
    issued = [_moved(1, "ticket_issued", 7, "waiting"), _moved(2, "ticket_issued", 8, "waiting")]
    fine = issued + [_called(3, 7, 1), _moved(4, "ticket_recalled", 7, "called"),
                     _moved(5, "ticket_held", 7, "held"), _moved(6, "ticket_resumed", 7, "waiting"),
                     _called(7, 7, 2), _called(8, 8, 3)]
    assert sb.double_calls(fine) == []
    two_windows = issued + [_called(3, 7, 1), _called(4, 7, 2)]
    assert [r["seq"] for r in sb.double_calls(two_windows)] == [4]
    called_again = issued + [_called(3, 7, 1), _moved(4, "service_started", 7, "serving"),
                             _moved(5, "service_finished", 7, "done"), _called(6, 7, 1)]
    assert [r["seq"] for r in sb.double_calls(called_again)] == [6]
    assert [r["seq"] for r in sb.double_calls(list(reversed(two_windows)))] == [4]   # log order, not list order


@pytest.mark.slow
def test_a_tiny_run_writes_every_figure(tmp_path) -> None:
    # the small test hall: the shipped one has 32 accounts to hash before the server starts
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "server.json"
    opts = sb.Options(clients=2, clerks=3, tickets=20, calls=6, websocket_clients=5, websocket_calls=3,
                      repeats=1, config=config, out=out)
    sb.run(opts)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results) == {"machine", "settings", "median", "fqm", "ratio_to_fqm", "runs"}
    assert {"cpu_count", "python", "date", "commit"} <= set(results["machine"])
    median = results["median"]
    assert {"tickets_per_s", "p50_ms", "p99_ms"} <= set(median["issue"])
    assert {"calls_per_s", "cycles_per_s", "p50_ms", "p99_ms", "double_calls"} <= set(median["call_next"])
    assert {"p50_ms", "p99_ms", "slowest_client_p50_ms"} <= set(median["live"])
    assert median["issue"]["tickets"] == 20 and median["call_next"]["calls"] == 6
    assert median["call_next"]["clerks"] == 3
    assert median["call_next"]["double_calls"] == 0 and median["call_next"]["tickets_answered_twice"] == 0
    assert median["live"]["calls"] == 3 and median["live"]["missed"] == 0
    assert set(results["ratio_to_fqm"]) == {"issue_rate", "issue_p50", "call_rate", "call_p50"}
