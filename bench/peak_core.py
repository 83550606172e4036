"""The hall's own work per request as the queue grows, without HTTP, SQLite or the machine's load.

    python -m bench.peak_core [--waiting 10,1000,3000,5000] [--out bench/results/peak-core.json]

The shipped hall (config.toml) with every window open and N citizens waiting, spread over its
uncapped items. Each measured step starts from a new hall state (one more ticket issued), as
each request on a busy server does, so nothing found for an earlier state is reused. Times are
CPU time of this process (`time.process_time`), median of 5 rounds: on a machine shared with
other jobs, wall time measures the other jobs; CPU time measures the work.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from bench.server_bench import machine, open_items
from hall import alerts, order
from hall import commands as c
from hall.config import load_config
from hall.queue import HallState, handle
from hall.wait import page_waits, ticket_wait
from server import protocol

REPO = Path(__file__).resolve().parent.parent
MORNING = datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)   # 09:00 in Asia/Shanghai
ROUNDS, PER_ROUND = 5, 20
WINDOW = 1   # the demo's green-channel window: it calls every item


def hall_with(setup, items: list[str], waiting: int) -> HallState:
    state = HallState.fresh(setup)
    state.index   # built once, then carried from state to state, as the server's kept state
    for n, spec in enumerate(setup.windows):
        state, _ = handle(state, c.SignIn(window=spec.number, clerk=100 + n), MORNING)
    for n in range(waiting):
        state, _ = handle(state, c.IssueTicket(ticket_id=n + 1, service=items[n % len(items)]),
                          MORNING + timedelta(seconds=n))
    return state


def steps(now: datetime) -> dict[str, Callable[[HallState, list], object]]:
    """What a request does with the hall state, by the request."""
    def queue_page(state, _):
        day = state.today(now)
        page = order.window_queue(state, WINDOW, day).page(None, 50)
        waits = page_waits(state, WINDOW, day, page, None, now)
        return [protocol.ticket_view(t, state.setup, state, w) for (_, t), w in zip(page, waits)]

    def track(state, events):
        ticket = state.tickets[events[0].ticket_id]
        return order.place_of(state, ticket), ticket_wait(state, ticket, now)
    return {
        "issue (the core's decision)": lambda state, events: None,
        "issue's live messages": lambda state, events: protocol.messages_for([(1, events[0])], state, {}),
        "supervision rules": lambda state, events: alerts.conditions(alerts.Facts(state), now),
        "slip / phone track (place and estimate)": track,
        "window queue, default page": queue_page,
        "hall snapshot": lambda state, events: protocol.hall_snapshot(state, 1, now, {}, []),
    }


def measure(state: HallState, items: list[str], now: datetime) -> dict[str, float]:
    out: dict[str, list[float]] = {name: [] for name in steps(now)}
    next_id = max(state.tickets, default=0) + 1000
    for _ in range(ROUNDS):
        for name, step in steps(now).items():
            took = 0.0
            for k in range(PER_ROUND):
                next_id += 1
                t0 = time.process_time()
                after, events = handle(state, c.IssueTicket(ticket_id=next_id, service=items[k % len(items)]), now)
                step(after, events)
                took += time.process_time() - t0
            out[name].append(1000 * took / PER_ROUND)
    return {name: round(statistics.median(values), 3) for name, values in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--waiting", default="10,1000,3000,5000")
    parser.add_argument("--config", type=Path, default=REPO / "config.toml")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "peak-core.json")
    args = parser.parse_args(argv)
    setup = load_config(args.config)
    items = open_items(setup)
    levels = []
    for waiting in (int(w) for w in args.waiting.split(",")):
        state = hall_with(setup, items, waiting)
        now = MORNING + timedelta(seconds=waiting + 60)
        levels.append({"waiting": waiting, "cpu_ms": measure(state, items, now)})
        print(f"{waiting:>5} waiting: " + ", ".join(f"{k} {v} ms" for k, v in levels[-1]["cpu_ms"].items()))
    results = {"measure": "the hall's work per request (CPU ms, median of 5 rounds)", "machine": machine(),
               "windows_open": len(setup.windows), "items": len(items), "levels": levels}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
