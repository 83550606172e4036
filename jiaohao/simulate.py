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
    p.add_argument("--server", metavar="URL", help="attach to a running demo server instead of starting one")
    p.add_argument("--data", metavar="DIR", help="its data directory (with demo-credentials.txt)")
    p.add_argument("--timeout", type=float, default=900, help="give up after this many real seconds")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .sim_driver import simulate
    settings = _settings(args)
    speed = _speed(args.speed)
    result = simulate(settings, speed, args.server, Path(args.data) if args.data else None,
                      Path(args.hall_config) if args.hall_config else None, args.timeout)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    for name, check in result["invariants"].items():
        if not check["ok"]:
            print(f"VIOLATION {name}: {check['detail']}", file=sys.stderr)
    print(result["summary"])
    return 0 if all(c["ok"] for c in result["invariants"].values()) else 1


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
