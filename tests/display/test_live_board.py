"""The board against a real demo server: a call made through the API reaches the screen and the
speech queue; a dropped link shows the mark, reconnects by itself and announces only what a
citizen still waits for."""

from __future__ import annotations

import threading
import time

import pytest
import socketio

from bench.demo_hall import DemoHall
from tests.conftest import REPO

from .hall_server import spoken_number, started_board

pytestmark = pytest.mark.slow
WAIT_MS = 15000


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    server = DemoHall(tmp_path_factory.mktemp("hall") / "data").start()
    yield server
    server.stop()


@pytest.fixture
def live_board(qtbot, hall):
    yield from started_board(qtbot, hall.url, hall.board_token, WAIT_MS)


def shown(board) -> list[str]:
    board.widget.grab()
    return board.widget.texts()


def test_a_call_through_the_api_appears_on_the_board_and_is_said(qtbot, hall, live_board):
    board, speaker = live_board
    hall.open_window(3)
    issued = hall.issue("A01")
    ticket = hall.call_next(3)
    assert ticket["number"] == issued["number"]
    qtbot.waitUntil(lambda: bool(board.presenter.calls) and board.presenter.calls[0].number == ticket["number"],
                    timeout=WAIT_MS)
    texts = shown(board)
    assert ticket["number"] in texts and "请到 3 号窗口" in texts
    assert board.announcer.wait_idle(timeout=10)
    sentence = f"请 {spoken_number(ticket['number'])} 号 到 3 号窗口 办理"
    assert speaker.sentences() == [sentence, sentence]
    assert [s.kind for s in speaker.said] == ["chime", "say", "say"]


class Cable:
    """Unplugs the board: drops its live link and makes reconnecting fail until plugged back."""

    def __init__(self, client):
        self.client = client
        self.unplugged = threading.Event()
        real_connect = client.sio.connect

        def connect(*args, **kwargs):
            if self.unplugged.is_set():
                raise socketio.exceptions.ConnectionError("cable unplugged")
            return real_connect(*args, **kwargs)

        client.sio.connect = connect

    def unplug(self) -> None:
        self.unplugged.set()
        self.client.sio.disconnect()

    def plug(self) -> None:
        self.unplugged.clear()


def test_a_dropped_link_shows_the_mark_and_resyncs_without_repeating_old_calls(qtbot, hall, live_board):
    board, speaker = live_board
    for window in (1, 2, 4):
        hall.open_window(window)
    for _ in range(3):
        hall.issue("A01")
    before = hall.call_next(4)
    qtbot.waitUntil(lambda: len(board.announcer.spoken) == 1, timeout=WAIT_MS)

    cable = Cable(board.connection.client)
    cable.unplug()
    qtbot.waitUntil(lambda: "● 连接中断 Reconnecting" in shown(board), timeout=WAIT_MS)
    assert before["number"] in shown(board)   # the last state stays up while the link is down
    waiting = hall.call_next(2)               # called during the gap, citizen not there yet
    served = hall.call_next(1)                # called during the gap and already at the desk
    hall.start_service(1, served["id"])
    time.sleep(1.0)                           # a few failed reconnect attempts
    assert board.presenter.calls[0].number == before["number"]
    cable.plug()

    qtbot.waitUntil(lambda: board.presenter.connected and "● 连接中断 Reconnecting" not in shown(board),
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(board.announcer.spoken) >= 2, timeout=WAIT_MS)
    assert board.announcer.wait_idle(timeout=10)
    qtbot.wait(500)   # room for a wrong, late extra announcement to show up
    assert [a.number for a in board.announcer.spoken] == [before["number"], waiting["number"]]
    assert len(speaker.sentences()) == 4
    numbers = {c.number for c in board.presenter.calls}
    assert {before["number"], waiting["number"], served["number"]} <= numbers
    windows = {row.number: row for row in board.presenter.view(time.monotonic(), _now()).windows}
    assert windows[1].current == served["number"] and windows[1].label == "办理中"


def _now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


def run_cli(*args: str, timeout: float = 60):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "jiaohao", "display", "--config", str(REPO / "config.toml"),
                           *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout)


@pytest.mark.parametrize("extra, size", [((), (1920, 1080)), (("--portrait", "--zone", "2F"), (1080, 1920))])
def test_the_screenshot_option_connects_draws_saves_and_exits(hall, tmp_path, extra, size):
    from PyQt6.QtGui import QImage
    path = tmp_path / "board.png"
    done = run_cli("--server", hall.url, "--token", hall.board_token, "--screenshot", str(path), *extra)
    assert done.returncode == 0, done.stderr
    image = QImage(str(path))
    assert (image.width(), image.height()) == size


def test_a_bad_token_or_no_token_is_reported_in_one_line(hall, tmp_path):
    done = run_cli("--server", hall.url)
    assert done.returncode == 2 and "no token" in done.stderr
    done = run_cli("--server", hall.url, "--token", "wrong", "--screenshot", str(tmp_path / "x.png"))
    assert done.returncode == 2 and "refused the board's token" in done.stderr


def test_a_refused_token_fills_the_screen_with_not_authorised(qtbot, hall):
    from display.announcer import VoiceSettings
    from display.app import build_board
    from display.settings import DisplaySettings

    board = build_board(DisplaySettings(server=hall.url, token="revoked-or-from-another-hall"),
                        VoiceSettings(), volume=80, speak=False)
    qtbot.addWidget(board.widget)
    board.connection.start()
    try:
        qtbot.waitUntil(lambda: board.presenter.refused, timeout=WAIT_MS)
        board.refresh()
        assert shown(board)[0] == "未授权  Not authorised"
        assert not board.widget.refused.isHidden()
    finally:
        board.stop()
