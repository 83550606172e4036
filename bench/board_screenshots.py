"""Screenshots of the hall board for docs/images, through the real `jiaohao display --screenshot`
against a real demo server with a realistic morning: windows open, calls, a paused window.

    python -m bench.board_screenshots [--out docs/images]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.demo_hall import DemoHall
from common.launcher import ROOT as REPO

#: (service, how many tickets) — queues of different lengths across both floors
TICKETS = [("A01", 9), ("A02", 4), ("B01", 7), ("C01", 5), ("D01", 6), ("E01", 3), ("F01", 2),
           ("G01", 6), ("H01", 4), ("J01", 2), ("K01", 3), ("L01", 2)]
OPEN_WINDOWS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 21, 22, 23, 25, 26, 28]
SERVING = [2, 3, 5, 7, 10, 12, 21, 22, 25]   # called, then started at the desk


def morning(hall: DemoHall) -> None:
    for service, count in TICKETS:
        for _ in range(count):
            hall.issue(service)
    for number in OPEN_WINDOWS:
        hall.open_window(number)
    for number in SERVING:
        ticket = hall.call_next(number)
        if ticket:
            hall.start_service(number, ticket["id"])
    hall.pause(8, "临时外出，请到 7 号窗口")
    for number in (4, 6, 11, 23, 26, 13, 1):   # the latest calls, still waiting for the citizen
        hall.call_next(number)


def screenshot(hall: DemoHall, path: Path, *extra: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "-m", "jiaohao", "display", "--server", hall.url, "--token",
                    hall.board_token, "--config", str(REPO / "config.toml"), "--screenshot", str(path),
                    *extra], check=True, env=env, cwd=REPO, timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(REPO / "docs" / "images"))
    args = parser.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        hall = DemoHall(Path(tmp) / "data").start()
        try:
            morning(hall)
            screenshot(hall, out / "board-landscape.png")
            screenshot(hall, out / "board-portrait.png", "--portrait")
            screenshot(hall, out / "board-zone-2F.png", "--zone", "2F")
        finally:
            hall.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
