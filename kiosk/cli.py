"""`jiaohao kiosk`: the touchscreen ticket machine. Argparse only at import time: PyQt6 is
imported when the kiosk runs, so `jiaohao --help` works on a server without it."""

from __future__ import annotations

import argparse
import os
import sys

SCREENSHOT_WAIT_SECONDS = 10


def register(sub: argparse._SubParsersAction) -> None:
    kiosk = sub.add_parser("kiosk", help="run the touchscreen ticket kiosk (取号机)",
                           description="The ticket kiosk. Every option may also be set in the [kiosk] "
                                       "table of config.toml; the command line wins.")
    kiosk.add_argument("--server", metavar="URL", help="the hall server, e.g. http://192.168.1.10:8080")
    kiosk.add_argument("--token", help="this kiosk's device token (or $JIAOHAO_KIOSK_TOKEN)")
    kiosk.add_argument("--printer", metavar="URL",
                       help="ticket printer, e.g. network://192.168.1.50:9100 (default: [printer] url)")
    kiosk.add_argument("--config", metavar="FILE", help="config.toml (default $JIAOHAO_CONFIG or ./config.toml)")
    kiosk.add_argument("--fullscreen", action="store_true", default=None,
                       help="frameless full screen; leaving needs the exit gesture and kiosk.exit_pin")
    kiosk.add_argument("--language", choices=("zh", "en"), help="language a fresh screen starts in")
    kiosk.add_argument("--size", metavar="WxH", default="1080x1920",
                       help="window size when not full screen, and of screenshots (default 1080x1920)")
    kiosk.add_argument("--screenshot", metavar="FILE.png",
                       help="connect, render the home screen offscreen, save it to FILE.png and exit")
    kiosk.set_defaults(func=run_kiosk)


def parse_size(text: str) -> tuple[int, int]:
    from common.errors import CommandError
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise CommandError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 1080x1920") from None
    if not (320 <= width <= 7680 and 320 <= height <= 7680):
        raise CommandError(f"--size {text!r}: width and height must be 320 to 7680 pixels")
    return width, height


def load_settings(args: argparse.Namespace):
    """Kiosk settings, printer settings and the slip's hall part, from config.toml and the command line."""
    from hall.config import load_config
    from common.paths import config_path
    from printer.config import printer_settings
    from printer.slip import slip_hall_from_config

    from .settings import parse_kiosk_table

    config = load_config(config_path(args))
    kiosk = parse_kiosk_table(config.extra.get("kiosk", {})).with_overrides(
        server=args.server, token=args.token, fullscreen=args.fullscreen, language=args.language)
    printer = printer_settings(config).with_overrides(url=args.printer)
    return kiosk, printer, slip_hall_from_config(config)


def run_kiosk(args: argparse.Namespace) -> int:
    size = parse_size(args.size)
    kiosk_settings, printer, slip_hall = load_settings(args)
    if args.screenshot:
        kiosk_settings = kiosk_settings.with_overrides(fullscreen=False)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtWidgets import QApplication

    from .app import build_kiosk
    from .speech import make_speaker

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    kiosk = build_kiosk(kiosk_settings, printer, slip_hall, speaker=make_speaker(kiosk_settings.speak))
    kiosk.window.resize(*size)
    if args.screenshot:
        return take_screenshot(kiosk, args.screenshot)
    kiosk.app.start()
    kiosk.app.show()
    try:
        return qt.exec()
    finally:
        kiosk.app.stop()


def take_screenshot(kiosk, target: str) -> int:
    """Wait (bounded) for the hall's setup, then save the home screen; 1 if the server never answered."""
    from .app import save_screenshot
    from .qtwait import wait_for

    kiosk.app.start()
    try:
        online = wait_for(lambda: kiosk.presenter.online, SCREENSHOT_WAIT_SECONDS)
        kiosk.window.render()
        path = save_screenshot(kiosk.window, target)
    finally:
        kiosk.app.stop()
    print(f"{'home' if online else 'offline'} screen saved to {path}")
    return 0 if online else 1
