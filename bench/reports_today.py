"""The report of the day so far as the day fills: kept added up (server/reports.py's DaySoFar)
against replaying the day's log (hall/kpi.py's `measure`, what every report did before).

    python -m bench.reports_today [--waiting 10,1000,3000,5000] [--out bench/results/reports-today.json]

The shipped hall in this process (Flask's test client, SQLite), tickets issued and left
waiting, the clock standing still so the day's hours stay the same; at each number waiting
the report (`by=window`, what /reports/daily shows) is asked ten times each way. CPU time of
this process, not wall time: on a machine shared with other jobs, wall time measures them.
Both ways must give the same report, or the run stops.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.server_bench import git_commit, machine, open_items
from hall import kpi
from hall.config import load_config
from server import accounts, db, reports
from server import repository as repo
from server.app import create_app
from server.datadir import open_data_dir

REPO = Path(__file__).resolve().parent.parent
MORNING = datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)   # 09:00 in Asia/Shanghai
ASKED = 10


def replayed(hall, day, now) -> dict:
    """The report as it was made before: the day's whole log replayed."""
    setup = hall.service.setup()
    start, end = kpi.day_bounds(day, day, setup.hall.tz)
    conn = hall.database.connection()
    with db.read(conn):
        records = repo.event_records_between(conn, hall.service.hall_id, start.astimezone(timezone.utc),
                                             end.astimezone(timezone.utc))
        alerts = [dict(row) for row in repo.alerts_between(conn, hall.service.hall_id, day, day)]
        clerks = repo.clerk_names(conn, hall.service.hall_id)
    facts = kpi.measure(records, setup, start, end, now, alerts)
    return reports.shaped(hall, setup, clerks, [], kpi.Tallies.of(facts), [], day, day, "window")


def cpu_ms(work, times: int = ASKED) -> float:
    began = time.process_time()
    for _ in range(times):
        work()
    return round((time.process_time() - began) / times * 1000, 2)


def run(waiting: list[int], config: Path) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="jiaohao-reports-"))
    open_data_dir(root / "var", config).close()
    app = create_app(root / "var", config, clock=lambda: MORNING, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    kiosk = accounts.add_device(hall.database, hall.service.hall_id, "kiosk-bench", "kiosk").token
    items, client = open_items(load_config(config)), app.test_client()
    day, issued, out = hall.service.today(), 0, []
    try:
        for level in waiting:
            while issued < level:
                client.post("/api/v1/tickets", json={"service": items[issued % len(items)]},
                            headers={"Authorization": f"Bearer {kiosk}"})
                issued += 1
            first = cpu_ms(lambda: reports.report(hall, day, day, "window"), 1)   # catches up the new records
            kept = cpu_ms(lambda: reports.report(hall, day, day, "window"))
            replay = cpu_ms(lambda: replayed(hall, day, MORNING), 3)
            if reports.report(hall, day, day, "window") != replayed(hall, day, MORNING):
                raise SystemExit("the kept report differs from the replayed one")
            out.append({"waiting": level, "kept_cpu_ms": kept, "first_after_fill_cpu_ms": first,
                        "replayed_cpu_ms": replay})
            print(f"{level:>5} waiting: kept {kept} ms CPU (first after the fill {first}), "
                  f"replayed {replay} ms CPU", flush=True)
    finally:
        hall.data.close()
        shutil.rmtree(root, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", default="10,1000,3000,5000")
    parser.add_argument("--config", type=Path, default=REPO / "config.toml")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "reports-today.json")
    args = parser.parse_args(argv)
    levels = run([int(w) for w in args.waiting.split(",")], args.config)
    args.out.write_text(json.dumps({"measure": "report of the day so far, kept vs replayed",
                                    "machine": machine(), **git_commit(), "levels": levels},
                                   ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
