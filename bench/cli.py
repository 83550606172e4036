"""`jiaohao bench`: the server benchmark from the command line.

Only argparse and pathlib at import time, so `jiaohao --help` stays quick; the benchmark
itself (requests, Socket.IO client) is imported when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Sizes of one run; every run starts on a fresh server and data directory.
DEFAULTS = {"clients": 8, "clerks": 30, "tickets": 300, "calls": 300, "websocket_clients": 100,
            "websocket_calls": 50, "repeats": 3, "server": "demo"}
DEFAULT_CONFIG = REPO / "config.toml"
DEFAULT_OUT = REPO / "bench" / "results" / "server.json"


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="measure a fresh demo server: issuing, call-next, live delay")
    add_options(bench)
    bench.set_defaults(func=run_bench)


def add_options(parser: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    parser.add_argument("--clients", type=int, default=d["clients"],
                        help=f"concurrent kiosks issuing tickets (default {d['clients']})")
    parser.add_argument("--clerks", type=int, default=d["clerks"],
                        help=f"clerks calling at once, each at their own window (default {d['clerks']})")
    parser.add_argument("--tickets", type=int, default=d["tickets"],
                        help=f"tickets issued per run (default {d['tickets']})")
    parser.add_argument("--calls", type=int, default=d["calls"],
                        help=f"call-next cycles per run, over all clerks (default {d['calls']})")
    parser.add_argument("--websocket-clients", type=int, default=d["websocket_clients"],
                        help=f"connected Socket.IO clients (default {d['websocket_clients']})")
    parser.add_argument("--websocket-calls", type=int, default=d["websocket_calls"],
                        help=f"calls timed to the websocket clients (default {d['websocket_calls']})")
    parser.add_argument("--repeats", type=int, default=d["repeats"],
                        help=f"runs, each on a fresh server; medians are reported (default {d['repeats']})")
    parser.add_argument("--server", choices=("demo", "gunicorn"), default=d["server"],
                        help="`jiaohao demo` (threaded development server) or gunicorn as in "
                             "docs/deployment.md (needs gunicorn installed); default demo")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="hall configuration of the demo hall (default: the shipped config.toml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="JSON results file (default bench/results/server.json)")


def run_bench(args: argparse.Namespace) -> int:
    from jiaohao.cli import CommandError

    from bench import server_bench
    try:
        opts = server_bench.options_from(args)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    server_bench.stop_on_sigterm()
    server_bench.run(opts)
    return 0
