"""`jiaohao simulate` end to end, and its plan on its own."""

from __future__ import annotations

import json
import subprocess
import sys

from jiaohao.simulation import (
    AFTERNOON,
    MORNING,
    EstimateInputs,
    Settings,
    compare,
    make_plan,
)
from tests.conftest import REPO

ITEMS = {"A01": 10.0, "B01": 20.0, "C01": 5.0}


def test_the_plan_is_seeded_and_keeps_to_issuing_hours() -> None:
    settings = Settings(tickets=300, seed=7)
    plan = make_plan(settings, ITEMS, {}, [2, 3, 4])
    assert plan == make_plan(settings, ITEMS, {}, [2, 3, 4])
    assert plan != make_plan(Settings(tickets=300, seed=8), ITEMS, {}, [2, 3, 4])
    minutes = [a.at for a in plan.arrivals]
    assert minutes == sorted(minutes) and len(minutes) == 300
    assert all(MORNING[0] <= m < MORNING[1] or AFTERNOON[0] <= m < AFTERNOON[1] for m in minutes)
    # two peaks: the busiest morning hour and afternoon hour each beat the quiet edges
    assert sum(40 <= m < 100 for m in minutes) > 2 * sum(0 <= m < 20 for m in minutes)
    assert sum(300 <= m < 360 for m in minutes) > 2 * sum(440 <= m < 480 for m in minutes)
    outcomes = {a.outcome for a in plan.arrivals}
    assert outcomes == {"serve", "no_show", "hold", "transfer"}
    assert all(a.handling >= 1 for a in plan.arrivals)
    assert {a.kind for absences in plan.absences.values() for a in absences} == {"pause", "sign_out"}


def test_the_estimates_are_judged_against_actual_waits() -> None:
    exact = EstimateInputs(ahead=3, configured=10.0, windows_open=1, windows_serving=1,
                           samples=(), capacities=())
    result = compare([(exact, 35.0), (exact, 200.0)])
    assert result["naive"]["count"] == 2
    # naive: (3 + 0.5) × 10 → 25–45, midpoint 35: one exact, one 165 minutes off
    assert result["naive"]["mean_abs_error"] == 82.5 and result["naive"]["inside"] == 0.5


def test_a_simulated_day_keeps_every_invariant(tmp_path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run([sys.executable, "-m", "jiaohao", "simulate", "--tickets", "60", "--speed", "max",
                           "--seed", "1", "--json", str(out), "--timeout", "50"],
                          check=False, cwd=REPO, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["invariants"] and all(check["ok"] for check in result["invariants"].values())
    c = result["counts"]
    assert c["issued"] == 60 == len(result["tickets"])
    assert c["done"] + c["no_show"] + c["cancelled"] == c["issued"]
    assert c["ratings"] <= c["done"] and c["calls"] >= c["issued"]
    assert result["estimate"]["naive"]["count"] == result["estimate"]["learned"]["count"] > 0
    # the estimate that counts other items' work at shared windows beats the naive one
    assert result["estimate"]["learned"]["mean_abs_error"] < result["estimate"]["naive"]["mean_abs_error"]
    assert done.stdout.strip().splitlines()[-1] == result["summary"]
    assert result["summary"].endswith("invariants all OK")


def test_bad_options_are_refused_in_one_line(tmp_path) -> None:
    settings = tmp_path / "sim.toml"
    settings.write_text("tickets = 5\nspeedy = 1\n", encoding="utf-8")
    for options in (["--speed", "fast"], ["--speed", "0"], ["--tickets", "0"], ["--config", str(settings)]):
        done = subprocess.run([sys.executable, "-m", "jiaohao", "simulate", *options], check=False, cwd=REPO,
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and done.stderr.startswith("jiaohao simulate: "), (options, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
