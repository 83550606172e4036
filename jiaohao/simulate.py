"""`jiaohao simulate`: a whole working day driven through the public API and live clients.

The server runs on the real clock, so the simulator keeps its own clock in minutes after
opening. `--speed 60` sleeps so that a simulated minute takes a real second; `--speed max`
runs the day's actions in order as fast as the server answers. Either way every action is a
real HTTP request, and the checks at the end (jiaohao/sim_checks.py) judge the server's
record against the simulator's own. See docs/simulator.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

#: two digits of each simulated citizen's mobile number name the hall (jiaohao/sim_city.py)
MAX_HALLS = 99


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="drive a simulated working day and check every invariant")
    p.add_argument("--config", metavar="FILE",
                   help="simulation settings (TOML: tickets, windows, seed, rates)")
    p.add_argument("--hall-config", metavar="FILE", help="hall configuration for the demo hall "
                   "(default ./config.toml)")
    p.add_argument("--tickets", type=int, help="tickets in the day (default 150)")
    p.add_argument("--windows", type=int, help="windows staffed (default 8)")
    p.add_argument("--seed", type=int, help="random seed (default 1)")
    p.add_argument("--speed", default="max", help="60 (a simulated minute per real second) or max")
    p.add_argument("--json", metavar="FILE", help="write the full result as JSON")
    p.add_argument("--server", metavar="URL", help="attach to a running demo server instead of starting one; "
                   "with --halls, the deployment's processes: URL,URL,…")
    p.add_argument("--data", metavar="DIR", help="its data directory (with demo-credentials.txt)")
    p.add_argument("--timeout", type=float, default=900, help="give up after this many real seconds")
    city = p.add_argument_group("a city (docs/simulator.md)")
    city.add_argument("--halls", type=int, help="add this many halls to a deployment of several server "
                      "processes and run every hall's day at once (1–%d)" % MAX_HALLS)
    city.add_argument("--processes", type=int, default=2, help="server processes to start (default 2)")
    city.add_argument("--database", metavar="URL", help="the deployment's postgresql:// database (needed with "
                      "--server; without it a throwaway PostgreSQL is started)")
    city.add_argument("--message-queue", metavar="URL", help="the redis:// message queue for the processes "
                      "started (default: a throwaway Redis)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    speed = _speed(args.speed)
    if args.halls is not None or args.database or args.message_queue:
        return _run_city(args, settings, speed)
    from .sim_driver import simulate
    result = simulate(settings, speed, args.server, Path(args.data) if args.data else None,
                      Path(args.hall_config) if args.hall_config else None, args.timeout)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for name, check in result["invariants"].items():
        if not check["ok"]:
            print(f"VIOLATION {name}: {check['detail']}", file=sys.stderr)
    print(result["summary"])
    return 0 if all(c["ok"] for c in result["invariants"].values()) else 1


def _run_city(args: argparse.Namespace, settings, speed: float | None) -> int:
    from common.paths import config_path
    from .sim_city import simulate_city, table
    servers = _city_options(args)
    config = config_path(argparse.Namespace(config=args.hall_config)).resolve()
    result = simulate_city(settings, speed, args.halls, args.processes, servers, args.database,
                           args.message_queue, config, args.timeout)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for code, hall in result["halls"].items():
        for name, check in hall["invariants"].items():
            if not check["ok"]:
                print(f"VIOLATION {code} {name}: {check['detail']}", file=sys.stderr)
    print(table(result))
    print(result["summary"])
    return 0 if result["verdict"] == "PASS" else 1


def _city_options(args: argparse.Namespace) -> list[str] | None:
    """The processes to attach to (None: start them); CommandError for options that do not fit."""
    from common.errors import CommandError
    if args.halls is None:
        raise CommandError("--database and --message-queue go with --halls (a city's day)")
    if not 1 <= args.halls <= MAX_HALLS:
        raise CommandError(f"--halls must be between 1 and {MAX_HALLS}")
    if args.processes < 1:
        raise CommandError("--processes must be at least 1")
    if args.data:
        raise CommandError("--data is for one demo hall; a city's simulator reaches its halls through --database")
    if args.database and not args.database.startswith(("postgresql://", "postgres://")):
        raise CommandError("--database must be the city's postgresql:// URL")
    if not args.server:
        return None
    if not args.database:
        raise CommandError("--server with --halls needs --database, the deployment's postgresql:// URL: "
                           "the simulator adds its halls, accounts and devices there and reads their record")
    return [url.strip().rstrip("/") for url in args.server.split(",") if url.strip()]


def _speed(text: str) -> float | None:
    """None for max (no waiting), else how many simulated minutes pass per real minute."""
    from common.errors import CommandError
    if text == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not speed > 0 or speed == float("inf"):
        raise CommandError("--speed must be a positive number (60: a simulated minute per second) or max")
    return speed


def _settings(args: argparse.Namespace):
    import tomllib

    from common.errors import CommandError
    from .simulation import Settings
    values: dict = {}
    if args.config:
        with open(args.config, "rb") as f:
            values = tomllib.load(f)
    for name in ("tickets", "windows", "seed"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    try:
        settings = Settings.from_mapping(values)
    except (TypeError, ValueError) as exc:
        raise CommandError(f"bad simulation settings: {exc}") from None
    if settings.tickets < 1 or settings.windows < 1:
        raise CommandError("--tickets and --windows must be at least 1")
    return settings
