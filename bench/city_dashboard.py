"""The city dashboard (GET /api/v1/city/dashboard, what /city shows) as the halls fill up:
three halls in one deployment, the same number of citizens left waiting in each.

    python -m bench.city_dashboard [--waiting 10,1000,5000] [--database sqlite|postgresql]
                                   [--label after] [--out bench/results/city-dashboard.json]

The shipped hall and two more like it, in this process (Flask's test client, a city account);
tickets issued through each hall's service and left waiting, the clock standing still. At each
number waiting the dashboard is read LOOKS times, each after one more ticket in every hall (a
live day: every look has something new to take in). Measured per look: CPU time of this process
(on a machine shared with other jobs, wall time measures them; it is given too) and, on SQLite,
the database's virtual-machine steps (the work done in the database, load or no load). A run
adds its figures under its --label to the --out file, so the same script run on an older
checkout gives the "before" beside the "after".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.server_bench import machine, open_items
from hall.config import load_config
from server import accounts
from server.app import create_app
from server.datadir import add_hall, open_data_dir
from server.security import hash_password

REPO = Path(__file__).resolve().parent.parent
MORNING = datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)   # 09:00 in Asia/Shanghai, a Friday
LOOKS = 15
HALL_CODES = ("xc-east", "xc-west")
PASSWORD = "City-bench-2026"


def other_hall(config: Path, root: Path, code: str) -> Path:
    """The shipped hall under another code and name."""
    text = config.read_text(encoding="utf-8")
    home = load_config(config).hall
    text = text.replace(f'code = "{home.code}"', f'code = "{code}"', 1)
    text = text.replace(f'name = "{home.name}"', f'name = "{home.name} {code}"', 1)
    path = root / f"{code}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def deployment(root: Path, config: Path, database: str | None):
    open_data_dir(root / "var", config, database=database).close()
    for code in HALL_CODES:
        add_hall(root / "var", other_hall(config, root, code), database=database)
    app = create_app(root / "var", config, clock=lambda: MORNING, start_clockwork=False, database=database)
    home = app.extensions["jiaohao"]
    accounts.add_user(home.database, home.service.hall_id, "metro", "city", PASSWORD, "市政务服务管理局",
                      password_hash=hash_password(PASSWORD), city=True)
    reply = app.test_client().post("/api/v1/auth/login", json={"username": "metro", "password": PASSWORD})
    token = reply.get_json()["token"]
    halls = [home] + [app.extensions["jiaohao.halls"].by_code(code) for code in HALL_CODES]
    return app, halls, {"Authorization": f"Bearer {token}"}


def look(app, headers: dict, database) -> dict:
    """One read of the dashboard: CPU and wall milliseconds, SQLite steps (None on PostgreSQL)."""
    conn = database.connection()   # this thread's: the request reads on it
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0
    counting = isinstance(conn, sqlite3.Connection)
    if counting:
        conn.set_progress_handler(count, 1)
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        reply = app.test_client().get("/api/v1/city/dashboard", headers=headers)
    finally:
        if counting:
            conn.set_progress_handler(None, 1)
    figures = {"cpu_ms": (time.process_time() - cpu) * 1000, "wall_ms": (time.perf_counter() - wall) * 1000,
               "steps": steps[0] if counting else None}
    if reply.status_code != 200:
        raise SystemExit(f"the dashboard answered {reply.status_code}: {reply.get_data(as_text=True)[:300]}")
    return figures | {"board": reply.get_json()}


def run(waiting: list[int], config: Path, database: str | None) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="jiaohao-city-dashboard-"))
    app, halls, headers = deployment(root, config, database)
    items = open_items(load_config(config))
    shared = halls[0].database
    in_line, out = 0, []
    try:
        for level in waiting:
            filled = time.monotonic()
            while in_line < level:
                for hall in halls:
                    hall.service.issue(items[in_line % len(items)])
                in_line += 1
            look(app, headers, shared)   # the first look after the fill takes in what was issued
            looks = []
            for _ in range(LOOKS):
                for hall in halls:
                    hall.service.issue(items[in_line % len(items)])
                in_line += 1
                looks.append(look(app, headers, shared))
            board = looks[-1]["board"]
            if [hall["waiting"] for hall in board["halls"]] != [in_line] * len(halls):
                raise SystemExit(f"the dashboard says {[h['waiting'] for h in board['halls']]} waiting, not {in_line}")
            row = {"waiting_per_hall": level, "waiting_at_last_look": in_line, "looks": LOOKS,
                   "cpu_ms_median": round(statistics.median(x["cpu_ms"] for x in looks), 2),
                   "wall_ms_median": round(statistics.median(x["wall_ms"] for x in looks), 2),
                   "sqlite_steps_median": (statistics.median(x["steps"] for x in looks)
                                           if looks[0]["steps"] is not None else None),
                   "fill_seconds": round(time.monotonic() - filled, 1), "load_average": os.getloadavg()}
            out.append(row)
            print(json.dumps(row), flush=True)
    finally:
        halls[0].data.close()
        shutil.rmtree(root, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", default="10,1000,5000")
    parser.add_argument("--config", type=Path, default=REPO / "config.toml")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--label", default="after")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "city-dashboard.json")
    args = parser.parse_args(argv)
    levels = [int(w) for w in args.waiting.split(",")]
    if args.database == "postgresql":
        from bench.postgres_cluster import ThrowawayPostgres
        with ThrowawayPostgres(durable=True) as cluster:
            measured = run(levels, args.config, cluster.create_database("city_dashboard"))
    else:
        measured = run(levels, args.config, None)
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {
        "measure": "GET /api/v1/city/dashboard, 3 halls, the same number waiting in each", "runs": {}}
    results["runs"][f"{args.label}/{args.database}"] = {"machine": machine(), "levels": measured}
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
