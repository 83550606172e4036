"""The Qt board keeps the web board's blink rule (WCAG 2.2.2), from the same constant: the newest
call blinks for at most BLINK_LONGEST_SECONDS and not at all where reduced motion was asked for.
Drawn offscreen through the board the settings build, as `jiaohao display` builds it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from display.announcer import VoiceSettings
from display.app import build_board
from display.settings import DisplaySettings, parse_display_table
from hall.config import ConfigError
from protocol import javascript
from protocol.live import BLINK_LONGEST_SECONDS

from . import messages as m

WALL = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
CALLED_AT = 100.0


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_web_board_reads_the_same_constant():
    assert javascript.definitions()["blink_longest_seconds"] == BLINK_LONGEST_SECONDS == 5


def test_the_default_blink_is_the_longest_allowed():
    assert DisplaySettings().blink == BLINK_LONGEST_SECONDS
    assert parse_display_table({"blink_seconds": 5}).blink == 5


@pytest.mark.parametrize("seconds", [5.5, 8, 120])
def test_a_longer_blink_is_refused_naming_the_key(seconds):
    with pytest.raises(ConfigError, match=r"display\.blink_seconds .*from 0 to 5"):
        parse_display_table({"blink_seconds": seconds})


def test_reduced_motion_means_no_blink_and_must_be_true_or_false():
    assert parse_display_table({"reduced_motion": True, "blink_seconds": 3}).blink == 0
    with pytest.raises(ConfigError, match=r"display\.reduced_motion"):
        parse_display_table({"reduced_motion": "yes"})


@pytest.fixture
def make_board(qtbot):
    built = []

    def make(**table):
        board = build_board(parse_display_table(table), VoiceSettings(), 0, speak=False)
        qtbot.addWidget(board.widget)
        board.widget.resize(1280, 720)
        board.timer.stop()   # the test's clock decides the blink phase, not the wall clock
        board.clock, board.wall = Clock(CALLED_AT), lambda: WALL
        board.on_message("hall_snapshot", m.snapshot(10, [m.window(1), m.window(2)],
                                                     services=[m.service("A01", 3, [1, 2])]))
        board.on_message("ticket_called", m.called(11, 5, "A005", 2))
        built.append(board)
        return board

    yield make
    for board in built:
        board.stop()


def frame(board, now: float):
    """The board as drawn at `now` (a blink phase is 0.5 s: .0 bright, .5 dark)."""
    board.clock.now = now
    board.refresh()
    return board.widget.grab().toImage()


def test_the_newest_call_blinks_then_stops_by_itself_within_five_seconds(make_board, tmp_path):
    board = make_board()
    assert frame(board, CALLED_AT) != frame(board, CALLED_AT + 0.5)
    assert frame(board, CALLED_AT + 4.0) != frame(board, CALLED_AT + 4.5)
    still = frame(board, CALLED_AT + BLINK_LONGEST_SECONDS)
    assert still == frame(board, CALLED_AT + BLINK_LONGEST_SECONDS + 0.5)
    assert frame(board, CALLED_AT) != still   # the bright phase is the blink, not the resting look
    assert frame(board, CALLED_AT + 0.5).save(str(tmp_path / "board-still.png"))


def test_a_board_for_reduced_motion_never_blinks(make_board, tmp_path):
    board = make_board(reduced_motion=True)
    first = frame(board, CALLED_AT)
    assert first == frame(board, CALLED_AT + 0.5) == frame(board, CALLED_AT + 1.0)
    assert "A005" in board.widget.texts()
    assert first.save(str(tmp_path / "board-reduced-motion.png"))
