"""Live fan-out benchmark: how long a call takes to reach every board in the hall, what a
thousand connected boards cost the server in memory, and how soon a restarted server answers.

For each size (connected boards), on a fresh `jiaohao demo` server:
* every board connects with the board token (in batches) and gets its snapshot;
* the server's resident memory is read from /proc while they are all connected;
* a clerk makes `calls` calls one after another; each is timed from just before the HTTP
  call-next to each board's receipt of its `ticket_called`. Before each call the previous
  start/finish broadcasts must have reached everyone, so one call is timed at a time.
Start time: `jiaohao server` on an existing hall's data directory, process start → first
successful HTTP answer, several starts. Figures are medians over `repeats` runs.

Run with `jiaohao bench live` or `python -m bench.live_bench`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.cli import DEFAULT_CONFIG, DEFAULT_LIVE_OUT, LIVE_DEFAULTS, add_live_options, add_options, run_as_script
from bench.hall_listeners import HallListeners
from bench.server_bench import (DemoServer, PHASE_SECONDS, clerk_session, issue_tickets,
                                item_for_window, latency_ms, machine, percentile, serve_ticket,
                                stop_on_sigterm)
from common.launcher import hall_server
from hall.config import HallConfig, load_config

TARGETS = {"p99_ms_at_500": 100.0, "rss_mb_at_1000": 300.0}
CALL_TIMEOUT = 10.0


@dataclass
class LiveOptions:
    sizes: list[int] = field(default_factory=lambda: list(LIVE_DEFAULTS["sizes"]))
    calls: int = LIVE_DEFAULTS["calls"]
    repeats: int = 3
    starts: int = LIVE_DEFAULTS["starts"]
    config: Path = DEFAULT_CONFIG
    out: Path = DEFAULT_LIVE_OUT


# --- the server's own figures ------------------------------------------------------------------

def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc's children lists."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass   # the thread ended while we looked
    return found


def status_field(pid: int, name: str) -> int:
    """A /proc/<pid>/status figure in kB; 0 for a process that has exited (a zombie holds none)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def server_memory(pid: int) -> dict[str, float]:
    """Resident memory (MB) and threads of the server and any child processes."""
    tree = process_tree(pid)
    return {"rss_mb": round(sum(status_field(p, "VmRSS") for p in tree) / 1024, 1),
            "threads": sum(status_field(p, "Threads") for p in tree), "processes": len(tree)}


# --- one size --------------------------------------------------------------------------------------

def measure_size(server: DemoServer, setup: HallConfig, size: int, calls: int) -> dict:
    window = setup.windows[-1].number
    issue_tickets(server.url, server.tokens["kiosk"], [item_for_window(setup, window)] * calls)
    idle = server_memory(server.process.pid)
    began = time.perf_counter()
    with HallListeners(server.url, server.tokens["board"], size) as boards:
        connect_s = time.perf_counter() - began
        if boards.connected() != size:
            raise RuntimeError(f"only {boards.connected()} of {size} boards connected")
        connected = server_memory(server.process.pid)
        session = clerk_session(server.url, window)
        try:
            timed = run_calls(server.url, session, window, boards, calls)
        finally:
            session.close()
        figures = call_figures(timed, boards)
    return {"clients": size, **figures, "connect_s": round(connect_s, 2),
            "rss_idle_mb": idle["rss_mb"], "rss_mb": connected["rss_mb"],
            "threads": connected["threads"], "processes": connected["processes"]}


def run_calls(url: str, session: requests.Session, window: int, boards: HallListeners,
              count: int) -> list[tuple[int, float, float]]:
    """(ticket id, time just before the call-next, seconds until its HTTP reply) per call."""
    timed, deadline = [], time.monotonic() + PHASE_SECONDS
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        boards.tally.wait_until_quiet()
        t0 = time.perf_counter()
        reply = session.post(f"{url}/api/v1/windows/{window}/call-next", json={}, timeout=30)
        replied = time.perf_counter() - t0
        reply.raise_for_status()
        ticket_id = reply.json()["ticket"]["id"]
        timed.append((ticket_id, t0, replied))
        boards.tally.wait_for_call(ticket_id, CALL_TIMEOUT)
        serve_ticket(session, url, ticket_id)
    return timed


def call_figures(timed: list[tuple[int, float, float]], boards: HallListeners) -> dict:
    delays, last, missed = [], [], 0
    with boards.tally.lock:
        received = {tid: list(times) for tid, times in boards.tally.received.items()}
    for ticket_id, t0, _ in timed:
        got = [at - t0 for at in received.get(ticket_id, [])]
        missed += boards.count - len(got)
        delays += got
        if got:
            last.append(max(got))
    every, slowest = latency_ms(delays), latency_ms(last)
    return {"calls": len(timed), "receipts": len(delays), "missed": missed,
            "p50_ms": every["p50_ms"], "p99_ms": every["p99_ms"],
            "last_client_p50_ms": slowest["p50_ms"], "last_client_p99_ms": slowest["p99_ms"],
            "call_reply_p50_ms": round(percentile([r for *_, r in timed], 50) * 1000, 2)}


# --- start time --------------------------------------------------------------------------------------

def measure_start(config: Path, starts: int) -> dict:
    """`jiaohao server` on a hall that already exists, as after a restart."""
    from server.cli import create_demo_hall
    with tempfile.TemporaryDirectory(prefix="jiaohao-start-") as root:
        data = Path(root) / "hall"
        create_demo_hall(data, config)
        seconds = [one_start(data, config, Path(root)) for _ in range(starts)]
    return {"starts": starts, "median_s": round(statistics.median(seconds), 3),
            "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3)}


def one_start(data: Path, config: Path, root: Path) -> float:
    """Seconds from launching `jiaohao server` on an existing hall until it answers HTTP."""
    server = hall_server(data, config, log_path=root / "start.log")
    began = time.perf_counter()
    try:
        server.start()
        return time.perf_counter() - began
    finally:
        server.stop()


# --- runs and results ----------------------------------------------------------------------------------

def one_run(opts: LiveOptions, setup: HallConfig, number: int) -> dict[str, dict]:
    run = {}
    for size in opts.sizes:
        with tempfile.TemporaryDirectory(prefix="jiaohao-live-") as root, \
                DemoServer(Path(root), opts.config) as server:
            run[str(size)] = figures = measure_size(server, setup, size, opts.calls)
        print(f"run {number}, {size} boards: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
              f"last board p99 {figures['last_client_p99_ms']} ms, missed {figures['missed']}, "
              f"RSS {figures['rss_mb']} MB, {figures['threads']} threads", flush=True)
    return run


def medians(runs: list[dict[str, dict]]) -> dict[str, dict]:
    return {size: {k: round(statistics.median(run[size][k] for run in runs), 2)
                   for k in runs[0][size]} for size in runs[0]}


def verdicts(median: dict[str, dict]) -> dict[str, dict]:
    out = {}
    if "500" in median:
        out["p99_500"] = {"target_ms": TARGETS["p99_ms_at_500"], "measured_ms": median["500"]["p99_ms"],
                          "last_client_p99_ms": median["500"]["last_client_p99_ms"],
                          "met": median["500"]["last_client_p99_ms"] <= TARGETS["p99_ms_at_500"]}
    if "1000" in median:
        out["rss_1000"] = {"target_mb": TARGETS["rss_mb_at_1000"], "measured_mb": median["1000"]["rss_mb"],
                           "met": median["1000"]["rss_mb"] <= TARGETS["rss_mb_at_1000"]}
    return out


def run(opts: LiveOptions) -> dict:
    setup = load_config(opts.config)
    measured = machine()
    runs = [one_run(opts, setup, n + 1) for n in range(opts.repeats)]
    start = measure_start(opts.config, opts.starts)
    print(f"start: median {start['median_s']} s over {start['starts']} starts", flush=True)
    median = medians(runs)
    results = {"machine": measured,
               "settings": {"sizes": opts.sizes, "calls": opts.calls, "repeats": opts.repeats,
                            "starts": opts.starts, "server": "demo (threading, simple-websocket)"},
               "median": median, "start": start, "targets": verdicts(median), "runs": runs}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {opts.out}")
    return results


# --- command line ---------------------------------------------------------------------------------------

def options_from(args: argparse.Namespace) -> LiveOptions:
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise ValueError("--sizes must be numbers separated by commas") from None
    opts = LiveOptions(sizes=sizes, calls=args.live_calls, repeats=args.repeats, starts=args.starts,
                       config=args.config.resolve(), out=(args.out or DEFAULT_LIVE_OUT).resolve())
    if not sizes or min(sizes) < 1 or min(opts.calls, opts.repeats, opts.starts) < 1:
        raise ValueError("--sizes, --live-calls, --repeats and --starts must be at least 1")
    return opts


def main(argv: list[str] | None = None) -> int:
    return run_as_script(sys.modules[__name__], argv, add_options, add_live_options)


if __name__ == "__main__":
    sys.exit(main())
