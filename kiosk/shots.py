"""The documentation's screenshots, taken from the real kiosk, offscreen, against a running server.

    python -m kiosk.shots --server http://127.0.0.1:8080 --token KIOSK_TOKEN --out docs/images

It touches its way through the screens like a citizen (so it issues one real ticket per
language on that server: use a demo hall), and points a second kiosk at a port where
nothing listens for the offline screen. The printer is the in-memory dummy.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from .settings import KioskSettings

WAIT_SECONDS = 15
DEPARTMENT = "RSJ"   # 人社: the department with the most kinds of item in the demo hall


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def take(server: str, token: str, out: Path, size: tuple[int, int]) -> list[Path]:
    from PyQt6.QtWidgets import QApplication

    from hall.config import load_config
    from common.paths import config_path
    from printer.config import PrinterSettings
    from printer.slip import slip_hall_from_config

    from .app import build_kiosk, save_screenshot
    from .qtwait import wait_for
    from .widgets import TouchButton

    qt = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 -- must outlive the windows
    hall = slip_hall_from_config(load_config(config_path(argparse.Namespace())))
    saved = []
    for language in ("zh", "en"):
        kiosk = build_kiosk(KioskSettings(server=server, token=token, language=language),
                            PrinterSettings(), hall)
        kiosk.window.resize(*size)
        kiosk.app.start()
        try:
            if not wait_for(lambda: kiosk.presenter.online, WAIT_SECONDS):
                raise SystemExit(f"no answer from {server}")

            def shot(name: str) -> None:
                wait_for(lambda: False, 0.3)   # let layouts settle
                saved.append(save_screenshot(kiosk.window, out / f"kiosk-{name}-{language}.png"))
            shot("home")
            kiosk.window.home.department_chosen.emit(DEPARTMENT)
            shot("items")
            item = next(b for b in kiosk.window.items.findChildren(TouchButton) if b.isEnabled())
            item.click()
            wait_for(lambda: kiosk.presenter.ticket is not None and kiosk.presenter.ticket.printed, WAIT_SECONDS)
            shot("ticket")
        finally:
            kiosk.app.stop()
        offline = build_kiosk(KioskSettings(server=f"http://127.0.0.1:{_closed_port()}", token=token,
                                            language=language), PrinterSettings(), hall)
        offline.window.resize(*size)
        offline.app.start()
        try:
            wait_for(lambda: False, 2)
            offline.window.render()
            wait_for(lambda: False, 0.3)
            saved.append(save_screenshot(offline.window, out / f"kiosk-offline-{language}.png"))
        finally:
            offline.app.stop()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.shots", description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--size", default="1080x1920")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    width, height = (int(x) for x in args.size.split("x"))
    for path in take(args.server, args.token, Path(args.out), (width, height)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
