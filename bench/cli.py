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
DEFAULT_LIVE_OUT = REPO / "bench" / "results" / "live.json"
LIVE_DEFAULTS = {"sizes": [100, 500, 1000], "calls": 30, "starts": 5, "cycle": 0.6, "mixed": 5000,
                 "mixed_seconds": 20.0, "storm": 1000}
PEAK_DEFAULTS = {"waiting": [0, 3000, 5000], "peak_waiting": 1000, "peak_seconds": 30.0, "repeats": 3}
DEFAULT_PEAK_OUT = REPO / "bench" / "results" / "peak.json"


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="measure a fresh demo server: issuing, call-next, live delay")
    add_options(bench)
    bench.set_defaults(func=run_bench)
    register_measures(bench)


def register_measures(bench: argparse.ArgumentParser) -> None:
    """`jiaohao bench kiosk` and `jiaohao bench live`: measures of their own; plain
    `jiaohao bench` stays the server's."""
    from bench import kiosk_latency   # argparse and the standard library only at import time

    measures = bench.add_subparsers(dest="measure", metavar="MEASURE", title="other measures")
    kiosk = measures.add_parser("kiosk", help="touch on the kiosk → the server's reply → the slip at the printer")
    kiosk_latency.add_options(kiosk)
    kiosk.set_defaults(func=run_kiosk)
    live = measures.add_parser("live", help="a call reaching 100, 500, 1,000 boards; 5,000 mixed connections; "
                                            "a reconnect storm; memory; start time")
    live.add_argument("--repeats", type=int, default=DEFAULTS["repeats"],
                      help=f"runs per size, each on a fresh server; medians are reported (default {DEFAULTS['repeats']})")
    live.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                      help="hall configuration of the demo hall (default: the shipped config.toml)")
    live.add_argument("--out", type=Path, default=None, help="JSON results file (default bench/results/live.json)")
    add_live_options(live)
    live.set_defaults(func=run_live)
    databases = measures.add_parser("databases", help="issue and call-next rates on SQLite and on "
                                                      "PostgreSQL, side by side in one run")
    add_database_options(databases)
    databases.set_defaults(func=run_databases)
    city = measures.add_parser("city", help="1 vs 2 vs 4 server processes on PostgreSQL and Redis, side by "
                                            "side in one run: issue and call-next rates, call → board p99 "
                                            "across processes, connections held")
    add_city_options(city)
    city.set_defaults(func=run_city)
    peak = measures.add_parser("peak", help="the morning peak: issuing beside the stack's floor, views and "
                                            "call-next at 0, 3,000 and 5,000 waiting (wrk and the own client)")
    add_peak_options(peak)
    peak.set_defaults(func=run_peak)


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
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON results file (default bench/results/server.json)")


def add_live_options(parser: argparse.ArgumentParser) -> None:
    """Options of `jiaohao bench live` only (its --repeats and --config are the shared ones)."""
    parser.add_argument("--sizes", default=",".join(map(str, LIVE_DEFAULTS["sizes"])),
                        help="connected boards per measurement, comma-separated (default 100,500,1000)")
    parser.add_argument("--live-calls", type=int, default=LIVE_DEFAULTS["calls"],
                        help=f"calls timed per size (default {LIVE_DEFAULTS['calls']})")
    parser.add_argument("--starts", type=int, default=LIVE_DEFAULTS["starts"],
                        help=f"server starts timed (default {LIVE_DEFAULTS['starts']})")
    parser.add_argument("--cycle", type=float, default=LIVE_DEFAULTS["cycle"],
                        help=f"seconds from one call → start → finish cycle to the next (default {LIVE_DEFAULTS['cycle']})")
    parser.add_argument("--mixed", type=int, default=LIVE_DEFAULTS["mixed"],
                        help=f"boards, window screens, clerk terminals and phones connected at once while "
                             f"kiosks issue and clerks call; 0 skips it (default {LIVE_DEFAULTS['mixed']})")
    parser.add_argument("--mixes", default="hall,heavy", metavar="MIXES",
                        help="the kinds of connection among the mixed ones, comma-separated, measured in turn: "
                             "hall (one hall's: a board per 3 windows, a screen and a clerk terminal per "
                             "window, phones the rest; the figure of record) and heavy (100 boards, 100 "
                             "screens, 100 clerk terminals per 5,000); default hall,heavy")
    parser.add_argument("--mixed-seconds", type=float, default=LIVE_DEFAULTS["mixed_seconds"],
                        help=f"how long the kiosks and clerks work meanwhile (default {LIVE_DEFAULTS['mixed_seconds']})")
    parser.add_argument("--async-mode", default="gevent,threading", metavar="MODELS",
                        help="the server models measured side by side, comma-separated (jiaohao server "
                             "--async-mode; default gevent,threading)")
    parser.add_argument("--storm", type=int, default=LIVE_DEFAULTS["storm"],
                        help=f"boards reconnecting at once after a server restart; 0 skips it "
                             f"(default {LIVE_DEFAULTS['storm']})")


DATABASE_DEFAULTS = {"clients": 8, "clerks": 30, "tickets": 300, "calls": 300, "repeats": 3}
DEFAULT_DATABASES_OUT = REPO / "bench" / "results" / "databases.json"


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """Options of `jiaohao bench databases`."""
    d = DATABASE_DEFAULTS
    parser.add_argument("--clients", type=int, default=d["clients"],
                        help=f"concurrent kiosks (default {d['clients']})")
    parser.add_argument("--clerks", type=int, default=d["clerks"],
                        help=f"clerks calling at once (default {d['clerks']})")
    parser.add_argument("--tickets", type=int, default=d["tickets"],
                        help=f"tickets issued per run (default {d['tickets']})")
    parser.add_argument("--calls", type=int, default=d["calls"],
                        help=f"call-next cycles per run (default {d['calls']})")
    parser.add_argument("--repeats", type=int, default=d["repeats"],
                        help=f"runs per database; medians are reported (default {d['repeats']})")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="hall configuration of the demo hall (default: the shipped config.toml)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON results file (default bench/results/databases.json)")


CITY_DEFAULTS = {"processes": [1, 2, 4], "clients": 8, "clerks": 30, "tickets": 300, "calls": 300,
                 "boards": 40, "board_calls": 20, "repeats": 3}
DEFAULT_CITY_OUT = REPO / "bench" / "results" / "city.json"


def add_city_options(parser: argparse.ArgumentParser) -> None:
    """Options of `jiaohao bench city`."""
    d = CITY_DEFAULTS
    parser.add_argument("--processes", default=",".join(map(str, d["processes"])),
                        help="numbers of server processes to compare, comma-separated (default 1,2,4)")
    parser.add_argument("--clients", type=int, default=d["clients"], help=f"concurrent kiosks (default {d['clients']})")
    parser.add_argument("--clerks", type=int, default=d["clerks"], help=f"clerks calling at once (default {d['clerks']})")
    parser.add_argument("--tickets", type=int, default=d["tickets"], help=f"tickets issued per run (default {d['tickets']})")
    parser.add_argument("--calls", type=int, default=d["calls"], help=f"call-next cycles per run (default {d['calls']})")
    parser.add_argument("--boards", type=int, default=d["boards"],
                        help=f"boards connected round-robin over the processes (default {d['boards']})")
    parser.add_argument("--board-calls", type=int, default=d["board_calls"],
                        help=f"calls timed to the boards (default {d['board_calls']})")
    parser.add_argument("--repeats", type=int, default=d["repeats"],
                        help=f"runs per number of processes; medians are reported (default {d['repeats']})")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="hall configuration of the demo hall (default: the shipped config.toml)")
    parser.add_argument("--out", type=Path, default=None, help="JSON results file (default bench/results/city.json)")


def add_peak_options(parser: argparse.ArgumentParser) -> None:
    d = PEAK_DEFAULTS
    parser.add_argument("--waiting", default=",".join(map(str, d["waiting"])),
                        help="numbers waiting to measure at, comma-separated, the first the empty hall "
                             "(default 0,3000,5000)")
    parser.add_argument("--peak-waiting", type=int, default=d["peak_waiting"],
                        help=f"citizens waiting when the morning peak starts (default {d['peak_waiting']})")
    parser.add_argument("--peak-seconds", type=float, default=d["peak_seconds"],
                        help=f"length of the morning peak (default {d['peak_seconds']:g} s)")
    parser.add_argument("--repeats", type=int, default=d["repeats"],
                        help=f"runs, each on fresh servers; medians are reported (default {d['repeats']})")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="hall configuration of the demo hall (default: the shipped config.toml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_PEAK_OUT,
                        help="JSON results file (default bench/results/peak.json)")


def run_peak(args: argparse.Namespace) -> int:
    from bench import peak
    return _run(peak, args)


def run_databases(args: argparse.Namespace) -> int:
    from bench import database_bench
    return _run(database_bench, args)


def run_city(args: argparse.Namespace) -> int:
    from bench import city_bench
    return _run(city_bench, args)


def run_bench(args: argparse.Namespace) -> int:
    from bench import server_bench
    return _run(server_bench, args)


def run_live(args: argparse.Namespace) -> int:
    from bench import live_bench
    return _run(live_bench, args)


def run_kiosk(args: argparse.Namespace) -> int:
    from bench import kiosk_latency
    return _run(kiosk_latency, args)


def _run(measure, args: argparse.Namespace) -> int:
    from common.errors import CommandError

    from bench import server_bench
    try:
        opts = measure.options_from(args)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    server_bench.stop_on_sigterm()
    measure.run(opts)
    return 0


def run_as_script(module, argv: list[str] | None, *option_groups) -> int:
    """`python -m bench.<measure>`: the same options and checks as its `jiaohao bench` form."""
    name = module.__spec__.name if module.__spec__ else module.__name__   # not "__main__" under -m
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=module.__doc__.split("\n")[0])
    for add_options_to in option_groups:
        add_options_to(parser)
    args = parser.parse_args(argv)
    try:
        opts = module.options_from(args)
    except ValueError as exc:
        parser.error(str(exc))
    from bench.server_bench import stop_on_sigterm
    stop_on_sigterm()
    try:
        module.run(opts)
    except KeyboardInterrupt:
        return 130
    return 0
