"""A real board connected to a real demo hall (bench/demo_hall.py), and how it says numbers."""

from __future__ import annotations

def started_board(qtbot, url: str, token: str, wait_ms: int):
    """A real board (connection, presenter, widget, announcer with a recording speaker)
    connected to `url` and synced; yields (board, speaker) and stops the board afterwards."""
    from display.announcer import VoiceSettings
    from display.app import build_board
    from display.settings import DisplaySettings
    from display.speech import RecordingSpeaker

    speaker = RecordingSpeaker()
    board = build_board(DisplaySettings(server=url, token=token), VoiceSettings(repeat=2), volume=80,
                        speaker=speaker)
    qtbot.addWidget(board.widget)
    board.connection.start()
    qtbot.waitUntil(lambda: board.presenter.synced, timeout=wait_ms)
    yield board, speaker
    board.stop()


def spoken_number(number: str) -> str:
    """A number as the announcement reads it: digit by digit (A001 → A 零 零 一)."""
    return " ".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in number)
