"""When a web board's call is said, and the sentence's file kept per text in the data directory."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime, time, timezone

import pytest

from hall.setup import TimeRange
from server.voice import AnnouncementCache, silence_for, spoken_sentence

NOON_SHANGHAI = datetime(2026, 3, 2, 4, 30, tzinfo=timezone.utc)   # 12:30 in Asia/Shanghai


def call_row(**changes) -> dict:
    row = {"seq": 7, "kind": "ticket_called", "window": 1, "ticket_id": 3, "number": "A012",
           "service": None, "state": "called", "ticket_window": 1, "latest_call": 7}
    return row | changes


def with_quiet_hours(setup, start: time, end: time):
    return replace(setup, announcement=replace(setup.announcement, quiet_hours=(TimeRange(start, end),)))


def test_a_call_still_made_is_said(setup) -> None:
    assert silence_for(call_row(), setup, NOON_SHANGHAI) is None


def test_quiet_hours_are_the_halls_local_time(setup) -> None:
    lunch = with_quiet_hours(setup, time(12, 0), time(13, 0))
    assert silence_for(call_row(), lunch, NOON_SHANGHAI).reason == "quiet_hours"
    morning = with_quiet_hours(setup, time(4, 0), time(5, 0))   # 04:30 UTC is not morning there
    assert silence_for(call_row(), morning, NOON_SHANGHAI) is None


@pytest.mark.parametrize("changes", [{"state": "serving"}, {"state": "no_show"}, {"ticket_window": 2},
                                     {"latest_call": 9}])
def test_a_window_that_moved_on_is_not_sent_people(setup, changes) -> None:
    assert silence_for(call_row(**changes), setup, NOON_SHANGHAI).reason == "overtaken"


def test_a_recall_is_said_as_a_recall(setup) -> None:
    service = setup.windows[0].services[0]
    first = spoken_sentence(call_row(service=service), setup)
    again = spoken_sentence(call_row(service=service, kind="ticket_recalled"), setup)
    assert again == f"{setup.announcement.recall_prefix} {first}"
    assert "A 零 一 二" in first or "零一二" in first.replace(" ", "")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_each_sentence_is_rendered_once_and_kept(setup, tmp_path) -> None:
    cache = AnnouncementCache(tmp_path / "announcements", keep=2)
    first = cache.audio(setup, "请 A 零 零 一 号 到 1 号窗口 办理")
    made = first.stat().st_mtime_ns
    assert cache.audio(setup, "请 A 零 零 一 号 到 1 号窗口 办理") == first
    assert first.read_bytes()[:4] == b"RIFF" and first.stat().st_mtime_ns >= made
    louder = cache.audio(replace(setup, announcement=replace(setup.announcement, volume=100)),
                         "请 A 零 零 一 号 到 1 号窗口 办理")
    assert louder != first   # the volume and the repeats are part of what a file sounds like
    cache.audio(setup, "请 A 零 零 二 号 到 1 号窗口 办理")
    assert len(list((tmp_path / "announcements").glob("*.wav"))) == 2   # the oldest went
    assert not list((tmp_path / "announcements").glob("*.part"))
