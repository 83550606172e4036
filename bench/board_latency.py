"""Time from a clerk's call to the hall board: the screen updated, the announcement started.

A real demo server, a real board (offscreen) with the real espeak-ng speaker; the audio player
only notes when it was asked to play (no sound card needed). Calls are made one at a time
through the REST API, each after the previous announcement finished, so the figures are the
latency of one call and not time spent queued behind earlier ones.

    python -m bench.board_latency [--calls 20]   → bench/results/board_latency.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtCore import QEventLoop, QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from display.announcer import VoiceSettings  # noqa: E402
from display.app import build_board, wait_until_synced  # noqa: E402
from display.settings import DisplaySettings  # noqa: E402
from protocol.live import TICKET_CALLED  # noqa: E402
from display.speech import EspeakSpeaker, Player  # noqa: E402
from bench.demo_hall import DemoHall  # noqa: E402
from common.launcher import ROOT as REPO  # noqa: E402

WINDOWS = (2, 3, 4)   # windows serving A01 in the demo hall


class TimingPlayer(Player):
    """Notes when each sound would start playing."""

    def __init__(self):
        super().__init__(command=())
        self.started: list[tuple[str, float]] = []

    def play(self, path: Path) -> None:
        self.started.append((path.name, time.perf_counter()))


def spin_until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and not predicate():
        loop = QEventLoop()
        QTimer.singleShot(2, loop.quit)
        loop.exec()
    return predicate()


def measure(hall: DemoHall, calls: int) -> list[dict]:
    player = TimingPlayer()
    speaker = EspeakSpeaker(player=player)
    settings = DisplaySettings(server=hall.url, token=hall.board_token)
    board = build_board(settings, VoiceSettings(repeat=2), 80, speaker=speaker)
    board.connection.start()
    if not wait_until_synced(board, 15):
        raise SystemExit("the board did not get the hall snapshot")
    current: dict = {}

    def on_updated(name: str, payload: dict) -> None:
        if name == TICKET_CALLED and "board" not in current:
            board.widget.now_calling.repaint()   # the number is drawn, not only scheduled
            current["board"] = time.perf_counter()

    board.updated.connect(on_updated)
    board.announcer.on_start = lambda item: current.setdefault("speech", time.perf_counter())
    results = []
    at_window: dict[int, int] = {}
    try:
        for i in range(calls):
            window = WINDOWS[i % len(WINDOWS)]
            if window in at_window:
                hall.finish(window, at_window.pop(window))
                spin_until(lambda: False, 0.2)   # let the board take those messages first
            current.clear()
            player.started.clear()

            def call(window: int = window) -> None:
                at_window[window] = hall.call_next(window)["id"]

            current["t0"] = time.perf_counter()
            threading.Thread(target=call).start()
            if not spin_until(lambda: "board" in current and "speech" in current
                              and any(n == "sentence.wav" for n, _ in player.started), 15):
                raise SystemExit(f"call {i + 1} did not reach the board and the speaker")
            board.announcer.wait_idle(10)
            sentence = next(t for n, t in player.started if n == "sentence.wav")
            results.append({"board_ms": (current["board"] - current["t0"]) * 1000,
                            "speech_start_ms": (current["speech"] - current["t0"]) * 1000,
                            "sentence_audio_ready_ms": (sentence - current["t0"]) * 1000})
    finally:
        board.stop()
    return results


def summary(results: list[dict]) -> dict:
    out = {}
    for key in results[0]:
        values = sorted(r[key] for r in results)
        out[key] = {"median": round(statistics.median(values), 1), "max": round(values[-1], 1),
                    "min": round(values[0], 1)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "board_latency.json"))
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        hall = DemoHall(Path(tmp) / "data").start()
        try:
            for window in WINDOWS:
                hall.open_window(window)
            for _ in range(args.calls):
                hall.issue("A01")
            results = measure(hall, args.calls)
        finally:
            hall.stop()
    report = {"calls": len(results), "what": {
        "board_ms": "call-next request sent → the board has drawn the new number",
        "speech_start_ms": "call-next request sent → the announcement starts (the chime)",
        "sentence_audio_ready_ms": "call-next request sent → espeak-ng's sentence is ready to play "
                                   "(with a sound card it plays after the 1.15 s chime)"},
        "summary": summary(results), "calls_ms": results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report["summary"], indent=2))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
