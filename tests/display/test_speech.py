"""Speech engines: espeak-ng really writes Mandarin audio; clips are found word by word."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from common.sound import join_wavs, wav_seconds, write_chime
from display.speech import ClipsSpeaker, EspeakSpeaker, Player, number_words


class RecordingPlayer(Player):
    def __init__(self):
        super().__init__(command=())
        self.played: list[tuple[Path, float]] = []

    def play(self, path: Path) -> None:
        self.played.append((path, wav_seconds(path)))


def test_espeak_writes_more_than_a_second_of_audio_for_a_chinese_call(tmp_path):
    speaker = EspeakSpeaker(volume=80, workdir=tmp_path, player=RecordingPlayer())
    path = speaker.synthesise("请 A 零 零 一 号 到 3 号窗口 办理")
    with wave.open(str(path)) as wav:
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds > 1.0
    assert max(abs(int.from_bytes(frames[i:i + 2], "little", signed=True))
               for i in range(0, len(frames), 2)) > 1000   # not silence


def test_espeak_plays_the_chime_then_the_sentence(tmp_path):
    player = RecordingPlayer()
    speaker = EspeakSpeaker(workdir=tmp_path, player=player)
    speaker.chime()
    speaker.say("请 A 零 零 一 号 到 3 号窗口 办理")
    speaker.say("请 A 零 零 一 号 到 3 号窗口 办理")
    assert player.played[0][0].name == "chime.wav" and 0.5 < player.played[0][1] < 2
    assert [p.name for p, _ in player.played[1:]] == ["sentence.wav", "sentence.wav"]


def test_no_audio_player_is_logged_once_and_does_not_block(tmp_path, caplog):
    player = Player(command=())
    chime = write_chime(tmp_path / "chime.wav")
    player.play(chime)
    player.play(chime)
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "no audio player" in caplog.records[0].message


@pytest.mark.parametrize("value, words", [(3, "三"), (10, "十"), (12, "十二"), (21, "二十一"), (30, "三十"),
                                          (100, "一百"), (105, "一百零五"), (112, "一百一十二")])
def test_window_numbers_are_said_as_numbers(value, words):
    assert "".join(number_words(value)) == words


def clips_folder(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in names:
        write_chime(folder / f"{name}.wav", volume=10)
    return folder


def test_clips_are_found_by_word_or_pinyin_alias_and_joined(tmp_path):
    names = ["qing", "A", "0", "1", "hao", "dao", "shi", "2", "号窗口", "banli", "zaicihujiao"]
    player = RecordingPlayer()
    speaker = ClipsSpeaker(clips_folder(tmp_path, names), player=player)
    clips = speaker.clips_for("再次呼叫 请 A 零 零 一 号 到 12 号窗口 办理")
    assert [c.stem for c in clips] == ["zaicihujiao", "qing", "A", "0", "0", "1", "hao", "dao", "shi", "2",
                                       "号窗口", "banli"]
    speaker.say("请 A 零 零 一 号")
    (joined, seconds), = player.played
    assert seconds == pytest.approx(6 * wav_seconds(clips[0]), rel=0.01)


def test_a_word_without_a_clip_is_logged_and_skipped(tmp_path, caplog):
    speaker = ClipsSpeaker(clips_folder(tmp_path, ["qing"]), player=RecordingPlayer())
    assert [c.stem for c in speaker.clips_for("请 X")] == ["qing"]
    assert "no clip for 'X'" in caplog.text


def test_clips_of_different_formats_are_refused(tmp_path):
    a = write_chime(tmp_path / "a.wav")
    b = tmp_path / "b.wav"
    with wave.open(str(b), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0" * 400)
    with pytest.raises(ValueError, match="b.wav"):
        join_wavs([a, b], tmp_path / "out.wav")


def test_qt_speech_is_refused_where_it_cannot_speak_mandarin(qapp):
    from display.qt_speech import QtSpeaker
    with pytest.raises(RuntimeError, match="Mandarin"):
        QtSpeaker(engine="mock")   # Qt's test engine: English and Nordic voices only


def test_qt_speech_never_picks_speechd_without_a_sound_device(qapp, monkeypatch):
    from display import qt_speech
    monkeypatch.setattr(qt_speech, "sound_device_present", lambda: False)
    with pytest.raises(RuntimeError, match="speechd"):
        qt_speech.QtSpeaker(engine="speechd")


def test_an_unusable_engine_leaves_the_board_silent_not_broken(qapp, caplog):
    from display.app import make_speaker
    from display.settings import DisplaySettings
    assert make_speaker(DisplaySettings(speech="clips", clips_dir="/nonexistent"), 80) is None
    assert "calls are shown but not said" in caplog.text
