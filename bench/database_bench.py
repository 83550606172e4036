"""Issue and call-next rates on SQLite and on PostgreSQL, side by side in one run.

The same `jiaohao demo` server process and the same clients as the server benchmark
(bench/server_bench.py: concurrent kiosks issuing, clerks calling at once in rounds), once on
the data directory's SQLite file and once on a throwaway PostgreSQL cluster started for the run
(bench/postgres_cluster.py, fsync on, as a city's database would run). The backends take turns
within each repeat, so machine load falls on both alike; medians of the repeats are reported.

Run with `python -m bench.database_bench` or `jiaohao bench databases`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import server_bench as sb
from bench.cli import (DATABASE_DEFAULTS, DEFAULT_CONFIG, DEFAULT_DATABASES_OUT, add_database_options,
                       run_as_script)
from bench.postgres_cluster import ThrowawayPostgres
from hall.config import HallConfig, load_config

BACKENDS = ("sqlite", "postgresql")


@dataclass
class Options:
    clients: int = DATABASE_DEFAULTS["clients"]
    clerks: int = DATABASE_DEFAULTS["clerks"]
    tickets: int = DATABASE_DEFAULTS["tickets"]
    calls: int = DATABASE_DEFAULTS["calls"]
    repeats: int = DATABASE_DEFAULTS["repeats"]
    config: Path = DEFAULT_CONFIG
    out: Path = DEFAULT_DATABASES_OUT


def options_from(args: argparse.Namespace) -> Options:
    opts = Options(clients=args.clients, clerks=args.clerks, tickets=args.tickets, calls=args.calls,
                   repeats=args.repeats, config=args.config.resolve(),
                   out=(args.out or DEFAULT_DATABASES_OUT).resolve())
    for name in ("clients", "clerks", "tickets", "calls", "repeats"):
        if getattr(opts, name) < 1:
            raise ValueError(f"--{name} must be at least 1")
    return opts


def one_run(opts: Options, setup: HallConfig, database: str | None) -> dict:
    measuring = sb.Options(clients=opts.clients, clerks=opts.clerks, tickets=opts.tickets, calls=opts.calls)
    with tempfile.TemporaryDirectory(prefix="jiaohao-bench-") as root, \
            sb.DemoServer(Path(root), opts.config, database=database) as server:
        issue = sb.measure_issue(server, measuring, sb.open_items(setup))
        call = sb.measure_call_next(server, measuring, setup)
    return {"issue": issue, "call_next": call}


def run(opts: Options) -> dict:
    setup = load_config(opts.config)
    if opts.clerks > len(setup.windows):
        raise ValueError(f"--clerks must be at most the hall's {len(setup.windows)} windows")
    measured = sb.machine() | {"load_before": os.getloadavg()}
    runs: dict[str, list[dict]] = {backend: [] for backend in BACKENDS}
    with ThrowawayPostgres(durable=True) as cluster:
        measured["postgresql"] = cluster.server_version()
        for n in range(opts.repeats):
            for backend in BACKENDS:
                database = cluster.create_database(f"bench_{n}") if backend == "postgresql" else None
                run = one_run(opts, setup, database)
                runs[backend].append(run)
                print(f"run {n + 1} {backend:<10}: issue {run['issue']['tickets_per_s']} tickets/s, "
                      f"call-next {run['call_next']['calls_per_s']} calls/s, "
                      f"double calls {run['call_next']['double_calls']}", flush=True)
    measured["load_after"] = os.getloadavg()
    results = {"machine": measured,
               "settings": {"clients": opts.clients, "clerks": opts.clerks, "tickets": opts.tickets,
                            "calls": opts.calls, "repeats": opts.repeats},
               "median": {backend: {part: sb.median_of_runs([r[part] for r in found]) for part in found[0]}
                          for backend, found in runs.items()},
               "runs": runs}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary(results))
    print(f"results written to {opts.out}")
    return results


def summary(results: dict) -> str:
    m, s, machine = results["median"], results["settings"], results["machine"]
    rows = [f"Databases side by side — median of {s['repeats']} runs each, {machine['cpu_count']} CPUs, "
            f"load {machine['load_before'][0]:.1f} before / {machine['load_after'][0]:.1f} after",
            f"  {'':<11}{'issue/s':>9}{'p50 ms':>9}{'p99 ms':>9}   {'call-next/s':>11}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'cycles/s':>10}{'double':>8}"]
    for backend in BACKENDS:
        issue, call = m[backend]["issue"], m[backend]["call_next"]
        rows.append(f"  {backend:<11}{issue['tickets_per_s']:>9}{issue['p50_ms']:>9}{issue['p99_ms']:>9}   "
                    f"{call['calls_per_s']:>11}{call['p50_ms']:>9}{call['p99_ms']:>9}{call['cycles_per_s']:>10}"
                    f"{call['double_calls']:>8}")
    rows.append(f"  ({s['clients']} kiosks issuing {s['tickets']} tickets; {s['clerks']} clerks calling at once, "
                f"{s['calls']} calls; one server process)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    return run_as_script(sys.modules[__name__], argv, add_database_options)


if __name__ == "__main__":
    sys.exit(main())
