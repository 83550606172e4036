"""The board's default way to sound: Qt Multimedia, from the announcer's thread, one sound
after the other at the sound's own pace (here into Qt's null output: CI has no sound card)."""

from __future__ import annotations

import time

from common.sound import wav_seconds
from display.announcer import Announcer, VoiceSettings
from display.app import make_player
from display.presenter import Announcement
from display.qt_player import QtPlayer
from display.speech import EspeakSpeaker


class TimedPlayer:
    """The real Qt player, with when each sound started and ended."""

    def __init__(self, player: QtPlayer):
        self.player, self.sounds = player, []

    def play(self, path) -> None:
        start = time.monotonic()
        self.player.play(path)
        self.sounds.append((path.name, wav_seconds(path), start, time.monotonic()))


def test_the_board_speaks_through_qt_multimedia_out_of_the_box(qtbot, tmp_path):
    player = make_player()
    assert isinstance(player, QtPlayer)   # nothing to install: PyQt6 brings it
    timed = TimedPlayer(player)
    speaker = EspeakSpeaker(workdir=tmp_path, player=timed)
    announcer = Announcer(speaker, VoiceSettings(repeat=2)).start()
    try:
        announcer.enqueue(Announcement(1, 11, "A001", 3, "请 A 零 零 一 号 到 3 号窗口 办理",
                                       "请 A001 号 到 3 号窗口 办理", False))
        qtbot.waitUntil(lambda: len(announcer.spoken) == 1, timeout=60_000)
    finally:
        announcer.stop()
    assert [name for name, *_ in timed.sounds] == ["chime.wav", "sentence.wav", "sentence.wav"]
    for (_, seconds, start, end), (_, _, next_start, _) in zip(timed.sounds, timed.sounds[1:] + [(0, 0, 1e12, 0)]):
        assert end - start >= seconds * 0.8   # played at its own pace, not skipped
        assert end <= next_start              # never two sounds at once
