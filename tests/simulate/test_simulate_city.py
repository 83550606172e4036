"""`jiaohao simulate --halls N`: a city's day on several server processes sharing the test
process's PostgreSQL and Redis (tests/conftest.py), every hall's invariants checked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, chosen_backends

HALL_CHECKS = {"every_ticket_final", "states_match_simulation", "nothing_called_twice", "numbers_unique",
               "log_replays", "kpis_match_reports", "board_heard_every_call", "phone_pages_follow",
               "notices_once_in_order", "boards_heard_only_their_hall", "other_halls_tickets_404"}


def pytest_generate_tests(metafunc) -> None:
    """Only on PostgreSQL: `pytest --backends sqlite` leaves this test out."""
    if "backend" in metafunc.fixturenames:
        markers = {m.name for m in metafunc.definition.iter_markers()}
        metafunc.parametrize("backend", chosen_backends(metafunc.config, markers), indirect=True)


def simulate(*options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jiaohao", "simulate", *options], check=False, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.postgresql_only
def test_three_halls_on_two_processes_keep_every_invariant(tmp_path, backend, postgres_url, redis_server) -> None:
    out = tmp_path / "city.json"
    done = simulate("--halls", "3", "--processes", "2", "--tickets", "10", "--windows", "3", "--seed", "1",
                    "--database", postgres_url, "--message-queue", redis_server.url(), "--json", str(out),
                    "--timeout", "240")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["verdict"] == "PASS" and len(result["processes"]) == 2
    halls = result["halls"]
    assert sorted(halls) == ["sim-01", "sim-02", "sim-03"]
    assert result["checks"] == {"passed": 3 * len(HALL_CHECKS), "total": 3 * len(HALL_CHECKS)}
    for code, hall in halls.items():
        invariants, counts, processes = hall["invariants"], hall["counts"], hall["processes"]
        assert set(invariants) == HALL_CHECKS and all(c["ok"] for c in invariants.values()), (code, invariants)
        assert counts["issued"] == 10 == len(hall["tickets"]) and counts["calls"] >= counts["issued"]
        assert counts["done"] + counts["no_show"] + counts["cancelled"] == counts["issued"]
        assert processes["clerks"] == [1, 2] and processes["boards"] == [1, 2], \
            "the hall's clerks and boards were on both processes"
        heard = invariants["board_heard_every_call"]["detail"]
        assert len(heard) == 2 and all(b["calls_heard"] == b["calls_logged"] > 0 for b in heard.values())
        alone = invariants["boards_heard_only_their_hall"]["detail"]
        assert alone["foreign_tickets_heard"] == [] and alone["calls_in_other_halls"] > 0
        assert invariants["other_halls_tickets_404"]["detail"].endswith("all 404")
        assert invariants["log_replays"]["detail"]["events"] > counts["issued"]
        assert invariants["kpis_match_reports"]["detail"]["recounted"]["issued"] == 10
    assert len({h["processes"]["kiosk"] for h in halls.values()}) == 2, "kiosks on both processes"
    assert len({tuple(t["number"] for t in h["tickets"]) for h in halls.values()}) == 3, \
        "each hall has a day of its own"
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == result["summary"] and result["summary"].endswith("verdict PASS")
    assert [line.split()[0] for line in lines[1:4]] == ["sim-01", "sim-02", "sim-03"]


def test_bad_city_options_are_refused_in_one_line(capsys) -> None:
    from jiaohao.cli import main
    for options in (["--halls", "0"], ["--halls", "100"], ["--halls", "2", "--processes", "0"],
                    ["--halls", "2", "--server", "http://127.0.0.1:9"],
                    ["--halls", "2", "--database", "sqlite:///city.sqlite3"],
                    ["--halls", "2", "--data", "var"], ["--database", "postgresql://127.0.0.1:9/x"]):
        assert main(["simulate", *options]) == 2, options
        said = capsys.readouterr().err
        assert said.startswith("jiaohao simulate: ") and len(said.strip().splitlines()) == 1, (options, said)
