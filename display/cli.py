"""`jiaohao display`: the hall board (综合屏). Only argparse is imported here; Qt on use."""

from __future__ import annotations

import argparse

from common.paths import config_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "display", help="run the hall board (综合屏) with spoken calls",
        description="Show the hall board: the newest call, recent calls, every window's state, "
                    "waiting counts and the notice line, and say each call aloud. Options "
                    "override the [display] table of config.toml.")
    parser.add_argument("--config", metavar="FILE",
                        help="hall configuration; default $JIAOHAO_CONFIG or ./config.toml")
    parser.add_argument("--server", metavar="URL", help="hall server, e.g. http://10.0.0.5:8080")
    parser.add_argument("--token", metavar="TOKEN", help="the board's device token")
    parser.add_argument("--zone", metavar="NAME", help="only windows of this zone, e.g. 1F")
    parser.add_argument("--portrait", action="store_const", const="portrait", dest="orientation",
                        help="a portrait (1080×1920) screen")
    parser.add_argument("--landscape", action="store_const", const="landscape", dest="orientation",
                        help="a landscape (1920×1080) screen")
    parser.add_argument("--fullscreen", action="store_const", const=True, help="fill the whole screen")
    parser.add_argument("--screen", type=int, metavar="N", help="which monitor, 0 = the first")
    parser.add_argument("--mute", action="store_const", const=True, help="show calls without speech")
    parser.add_argument("--speech", choices=("espeak", "qt", "clips"), help="speech engine")
    parser.add_argument("--clips-dir", metavar="DIR", help="folder of recorded clips (--speech clips)")
    parser.add_argument("--screenshot", metavar="FILE.png",
                        help="connect, draw the board once, save it as a PNG and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hall.config import load_config
    from common.errors import CommandError

    from .announcer import VoiceSettings
    from .settings import parse_display_table

    config = load_config(config_path(args))
    settings = parse_display_table(config.extra.get("display", {})).with_overrides(
        server=args.server, token=args.token, zone=args.zone, orientation=args.orientation,
        fullscreen=args.fullscreen, screen=args.screen, mute=args.mute, speech=args.speech,
        clips_dir=args.clips_dir)
    if not settings.token:
        raise CommandError("no token: give --token or display.token (the board's device token, "
                           "from `jiaohao admin` or the demo's demo-credentials.txt)")
    words = config.announcement
    voice = VoiceSettings(repeat=words.repeat, quiet_hours=words.quiet_hours,
                          timezone=config.hall.timezone, mute=settings.mute)
    from .app import BoardError, run_board
    try:
        return run_board(settings, voice, words.volume, Path(args.screenshot) if args.screenshot else None)
    except BoardError as exc:
        raise CommandError(str(exc)) from None
