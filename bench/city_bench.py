"""A city's server processes side by side in one run: 1, 2 and 4 `jiaohao server` processes of
one hall on one PostgreSQL (fsync on) and one Redis, both started for the run
(bench/postgres_cluster.py, bench/redis_server.py).

For each number of processes, on a fresh database:

* issue     — concurrent kiosks, each request to the next process in turn: tickets/s, p50/p99;
* call-next — clerks at their own windows, each window's clerk on one process (window mod N), all
              calling at once in rounds (as bench/server_bench.py): calls/s, double calls;
* live      — boards connected round-robin over the processes; calls made on the first process;
              call → ticket_called p50/p99 at the boards on that process and at those on the
              others (through Redis), and the boards each process held.

The process counts take turns within each repeat, so machine load falls on each alike; medians
of the repeats are reported. Run with `python -m bench.city_bench` or `jiaohao bench city`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench import server_bench as sb
from bench.city_deployment import City
from bench.cli import CITY_DEFAULTS, DEFAULT_CITY_OUT, DEFAULT_CONFIG, add_city_options, run_as_script
from bench.postgres_cluster import ThrowawayPostgres
from bench.redis_server import ThrowawayRedis
from hall.config import HallConfig, load_config


@dataclass
class Options:
    processes: list[int] = field(default_factory=lambda: list(CITY_DEFAULTS["processes"]))
    clients: int = CITY_DEFAULTS["clients"]
    clerks: int = CITY_DEFAULTS["clerks"]
    tickets: int = CITY_DEFAULTS["tickets"]
    calls: int = CITY_DEFAULTS["calls"]
    boards: int = CITY_DEFAULTS["boards"]
    board_calls: int = CITY_DEFAULTS["board_calls"]
    repeats: int = CITY_DEFAULTS["repeats"]
    config: Path = DEFAULT_CONFIG
    out: Path = DEFAULT_CITY_OUT


def options_from(args: argparse.Namespace) -> Options:
    processes = [int(n) for n in str(args.processes).split(",") if n.strip()]
    opts = Options(processes=processes, clients=args.clients, clerks=args.clerks, tickets=args.tickets,
                   calls=args.calls, boards=args.boards, board_calls=args.board_calls, repeats=args.repeats,
                   config=args.config.resolve(), out=(args.out or DEFAULT_CITY_OUT).resolve())
    if not processes or min(processes) < 1:
        raise ValueError("--processes takes whole numbers ≥ 1, comma-separated")
    for name in ("clients", "clerks", "tickets", "calls", "boards", "board_calls", "repeats"):
        if getattr(opts, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1")
    return opts


def measure_call_next(city: City, opts: Options, setup: HallConfig) -> dict:
    windows = [spec.number for spec in setup.windows][:opts.clerks]
    rounds = max(1, opts.calls // len(windows))
    sb.issue_tickets(city.urls[0], city.tokens["kiosk"],
                     [sb.item_for_window(setup, n) for n in windows for _ in range(rounds)])
    first_seq = sb.last_event_seq(city)
    sessions = {n: sb.clerk_session(city.url_of_window(n), n) for n in windows}
    try:
        began = time.perf_counter()
        timed, answered = sb.call_rounds(city.url_of_window, sessions, rounds)
        wall = time.perf_counter() - began
    finally:
        for window, session in sessions.items():
            sb.sign_out(session, city.url_of_window(window), window)
    calls = sum(len(r.latencies) for r in timed)
    calling = sum(r.ended - r.began for r in timed)
    return {"clerks": len(windows), "calls": calls, "calls_per_s": round(calls / calling, 1),
            "cycles_per_s": round(calls / wall, 1), "double_calls": len(sb.double_calls(sb.call_log(city, first_seq))),
            "tickets_answered_twice": calls - len(set(answered))} \
        | sb.latency_ms([s for r in timed for s in r.latencies])


def measure_live(city: City, opts: Options, setup: HallConfig) -> dict:
    """Boards round-robin over the processes; each call made on the first process."""
    window = setup.windows[-1].number
    caller = city.urls[0]
    sb.issue_tickets(caller, city.tokens["kiosk"], [sb.item_for_window(setup, window)] * opts.board_calls)
    per_process = [opts.boards // len(city.servers) + (1 if n < opts.boards % len(city.servers) else 0)
                   for n in range(len(city.servers))]
    groups = [sb.connect_listeners(url, city.tokens["board"], count) if count else []
              for url, count in zip(city.urls, per_process)]
    listeners = [listener for group in groups for listener in group]
    session = sb.clerk_session(caller, window)
    try:
        calls = sb.run_calls(caller, session, window, listeners, opts.board_calls)
        held = [sum(1 for listener in group if listener.client.connected) for group in groups]
    finally:
        session.close()
        sb.close_listeners(listeners)
    figures = sb.live_figures(calls, listeners)
    same = sb.live_figures(calls, groups[0])
    others = sb.live_figures(calls, [l for group in groups[1:] for l in group]) if len(groups) > 1 else None
    return {"boards": len(listeners), "calls": figures["calls"], "missed": figures["missed"],
            "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
            "same_process_p50_ms": same["p50_ms"], "same_process_p99_ms": same["p99_ms"],
            "other_processes_p50_ms": others["p50_ms"] if others else None,
            "other_processes_p99_ms": others["p99_ms"] if others else None,
            "connections_held": sum(held), "connections_per_process": held,
            "live_processes": _live_processes(caller)}


def _live_processes(url: str) -> int | None:
    """How many processes the deployment counts alive (GET /api/v1/health)."""
    try:
        return requests.get(f"{url}/api/v1/health", timeout=sb.HTTP_TIMEOUT).json()["database"].get("live_processes")
    except (requests.RequestException, ValueError, KeyError):
        return None


def one_run(opts: Options, setup: HallConfig, processes: int, database: str, queue: str) -> dict:
    measuring = sb.Options(clients=opts.clients, clerks=opts.clerks, tickets=opts.tickets, calls=opts.calls)
    with tempfile.TemporaryDirectory(prefix="jiaohao-city-") as root, \
            City(Path(root), opts.config, processes, database, queue) as city:
        issue = sb.measure_issue(city, measuring, sb.open_items(setup))
        call = measure_call_next(city, opts, setup)
        live = measure_live(city, opts, setup)
    return {"issue": issue, "call_next": call, "live": live}


def run(opts: Options) -> dict:
    setup = load_config(opts.config)
    if opts.clerks > len(setup.windows):
        raise ValueError(f"--clerks must be at most the hall's {len(setup.windows)} windows")
    measured = sb.machine() | {"load_before": os.getloadavg()}
    runs: dict[int, list[dict]] = {n: [] for n in opts.processes}
    with ThrowawayPostgres(durable=True) as cluster, ThrowawayRedis() as redis:
        measured["postgresql"] = cluster.server_version()
        for repeat in range(opts.repeats):
            for processes in opts.processes:
                database = cluster.create_database(f"city_{repeat}_{processes}")
                found = one_run(opts, setup, processes, database, redis.url())
                runs[processes].append(found)
                print(f"run {repeat + 1}, {processes} process(es): issue {found['issue']['tickets_per_s']}/s, "
                      f"call-next {found['call_next']['calls_per_s']}/s, call → board p99 "
                      f"{found['live']['p99_ms']} ms, double calls {found['call_next']['double_calls']}", flush=True)
    measured["load_after"] = os.getloadavg()
    results = {"machine": measured,
               "settings": {k: getattr(opts, k) for k in ("processes", "clients", "clerks", "tickets", "calls",
                                                          "boards", "board_calls", "repeats")},
               "median": {str(n): {part: _median(part, [r[part] for r in found]) for part in found[0]}
                          for n, found in runs.items()},
               "runs": {str(n): found for n, found in runs.items()}}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary(results))
    print(f"results written to {opts.out}")
    return results


def _median(part: str, found: list[dict]) -> dict:
    """Medians of the numeric figures; lists and missing figures from the first run."""
    numeric = [{k: v for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
               for r in found]
    return found[0] | sb.median_of_runs(numeric)


def summary(results: dict) -> str:
    s, machine = results["settings"], results["machine"]
    rows = [f"A city's processes side by side — median of {s['repeats']} runs each, {machine['cpu_count']} CPUs, "
            f"load {machine['load_before'][0]:.1f} before / {machine['load_after'][0]:.1f} after",
            f"  {'processes':<10}{'issue/s':>9}{'p99 ms':>9}   {'call-next/s':>11}{'p99 ms':>9}{'double':>8}   "
            f"{'board p99 ms':>12}{'same':>8}{'other':>8}{'held':>6}"]
    for n, m in results["median"].items():
        issue, call, live = m["issue"], m["call_next"], m["live"]
        other = live["other_processes_p99_ms"]
        rows.append(f"  {n:<10}{issue['tickets_per_s']:>9}{issue['p99_ms']:>9}   {call['calls_per_s']:>11}"
                    f"{call['p99_ms']:>9}{call['double_calls']:>8}   {live['p99_ms']:>12}"
                    f"{live['same_process_p99_ms']:>8}{'-' if other is None else other:>8}"
                    f"{live['connections_held']:>6}")
    rows.append(f"  ({s['clients']} kiosks, {s['tickets']} tickets; {s['clerks']} clerks, {s['calls']} calls; "
                f"{s['boards']} boards, {s['board_calls']} timed calls; same/other: boards on the calling "
                "process / on the others, through Redis)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    return run_as_script(sys.modules[__name__], argv, add_city_options)


if __name__ == "__main__":
    sys.exit(main())
