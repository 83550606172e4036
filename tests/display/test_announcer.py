"""The announcer: a chime then the sentence twice, strictly FIFO, never overlapping, never dropping."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from display.announcer import Announcer, VoiceSettings
from display.presenter import Announcement
from display.speech import RecordingSpeaker
from hall.config import _time_ranges

NOON = datetime(2026, 11, 26, 4, 30, tzinfo=timezone.utc)      # 12:30 in the hall
MORNING = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)    # 10:00 in the hall


def item(n: int, recall: bool = False) -> Announcement:
    number = f"A{n:03d}"
    return Announcement(n, 100 + n, number, 3, f"请 {number} 号 到 3 号窗口 办理", "", recall)


def run(items: list[Announcement], speaker: RecordingSpeaker, settings: VoiceSettings = VoiceSettings(),
        wall=lambda: MORNING) -> Announcer:
    announcer = Announcer(speaker, settings, wall=wall).start()
    try:
        for one in items:
            announcer.enqueue(one)
        assert announcer.wait_idle(timeout=20)
    finally:
        announcer.stop()
    return announcer


def test_a_call_is_a_chime_then_the_sentence_twice():
    speaker = RecordingSpeaker()
    run([item(1)], speaker)
    assert [(s.kind, s.text) for s in speaker.said] == [
        ("chime", ""), ("say", "请 A001 号 到 3 号窗口 办理"), ("say", "请 A001 号 到 3 号窗口 办理")]


def test_a_burst_of_calls_is_said_in_order_without_overlap_or_loss():
    speaker = RecordingSpeaker(seconds=0.01)
    burst = [item(n) for n in range(1, 16)]
    announcer = Announcer(speaker, VoiceSettings(), wall=lambda: MORNING).start()
    # the burst arrives from several threads at once, as messages and timers would
    feeder = threading.Thread(target=lambda: [announcer.enqueue(one) for one in burst])
    feeder.start()
    feeder.join(timeout=5)
    assert announcer.wait_idle(timeout=20)
    announcer.stop()
    assert [a.number for a in announcer.spoken] == [a.number for a in burst]
    assert len(speaker.sentences()) == 2 * len(burst)
    sounds = speaker.said
    assert all(later.start >= earlier.end for earlier, later in zip(sounds, sounds[1:]))


def test_repeat_comes_from_the_hall_config():
    speaker = RecordingSpeaker()
    run([item(1)], speaker, VoiceSettings(repeat=3))
    assert len(speaker.sentences()) == 3


def test_quiet_hours_skip_speech_in_the_hall_time_zone():
    quiet = VoiceSettings(quiet_hours=_time_ranges("12:00-13:00", "q"), timezone="Asia/Shanghai")
    speaker = RecordingSpeaker()
    announcer = run([item(1)], speaker, quiet, wall=lambda: NOON)
    assert speaker.said == [] and [a.number for a in announcer.skipped] == ["A001"]
    speaker = RecordingSpeaker()
    run([item(2)], speaker, quiet, wall=lambda: MORNING)
    assert len(speaker.sentences()) == 2


def test_a_failing_speaker_does_not_stop_the_queue():
    class Flaky(RecordingSpeaker):
        def say(self, text: str) -> None:
            if "A001" in text:
                raise OSError("no sound device")
            super().say(text)

    speaker = Flaky()
    announcer = run([item(1), item(2)], speaker)
    assert [a.number for a in announcer.spoken] == ["A002"]
    assert speaker.sentences() == [item(2).spoken] * 2


def test_mute_says_nothing():
    speaker = RecordingSpeaker()
    run([item(1)], speaker, VoiceSettings(mute=True))
    assert speaker.said == []


def test_a_call_overtaken_before_its_turn_is_not_said():
    """Calls queue behind each other (a chime and two sentences each); one whose window moved
    on meanwhile — the citizen is already there — is dropped, the others are said in order."""
    speaker = RecordingSpeaker()
    moved_on = {2}      # ticket ids
    announcer = Announcer(speaker, wall=lambda: MORNING,
                          still_due=lambda a: a.ticket_id not in moved_on).start()
    try:
        for n in (1, 2, 3):
            announcer.enqueue(item(n))
        assert announcer.wait_idle(timeout=20)
    finally:
        announcer.stop()
    assert [a.number for a in announcer.spoken] == ["A001", "A003"]
    assert [a.number for a in announcer.overtaken] == ["A002"]
    assert all("A002" not in s.text for s in speaker.said)
