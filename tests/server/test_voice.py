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


# --- over HTTP: GET /api/v1/calls/<seq>/announcement -------------------------------------------

@pytest.fixture
def quiet_hall(tmp_path):
    """The small hall with quiet hours 10:00-10:30, its clock at 10:00 in Shanghai."""
    from server import accounts
    from server.app import create_app
    from tests.conftest import FakeClock, small_hall_document, to_toml
    from tests.server.test_api import PASSWORD, Api, login
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(announcement={"quiet_hours": "10:00-10:30"})),
                      encoding="utf-8")
    clock = FakeClock()   # 10:00 in the hall
    app = create_app(tmp_path / "var", config, clock=clock, start_clockwork=False)
    core = app.extensions["jiaohao"]
    accounts.add_user(core.database, core.service.hall_id, "clerk3", "clerk", PASSWORD, "王芳", "G3")
    board = Api(app, accounts.add_device(core.database, core.service.hall_id, "board-1", "display").token)
    kiosk = Api(app, accounts.add_device(core.database, core.service.hall_id, "kiosk-1", "kiosk").token)
    clerk = login(app, "clerk3")
    assert clerk.post("/windows/3/sign-in")[0] == 200
    yield app, clock, board, kiosk, clerk
    core.data.close()


def ask(board, seq: int):
    """The board's request for a call's sentence; the file's answer closed once read."""
    response = board.client.get(f"/api/v1/calls/{seq}/announcement",
                                headers={"Authorization": f"Bearer {board.token}"})
    response.get_data()
    response.close()
    return response


def newest_call_seq(board) -> int:
    status, hall = board.get("/hall")
    assert status == 200
    return hall["recent_calls"][0]["seq"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_quiet_hours_over_http_silence_the_call_and_then_it_is_said(quiet_hall) -> None:
    app, clock, board, kiosk, clerk = quiet_hall
    kiosk.post("/tickets", {"service": "A01"})
    ticket = clerk.post("/windows/3/call-next")[1]["ticket"]
    seq = newest_call_seq(board)
    quiet = ask(board, seq)
    assert quiet.status_code == 204 and quiet.headers["X-Jiaohao-Silence"] == "quiet_hours"
    assert quiet.data == b""
    assert not (app.extensions["jiaohao"].data.path / "announcements").exists(), "nothing rendered"

    clock.advance(minutes=30)   # 10:30: quiet hours are over, and the window still calls the ticket
    said = ask(board, seq)
    assert said.status_code == 200 and said.mimetype == "audio/wav" and said.data[:4] == b"RIFF"

    clerk.post(f"/tickets/{ticket['id']}/recall")
    recall = newest_call_seq(board)
    over = ask(board, seq)
    assert over.status_code == 204 and over.headers["X-Jiaohao-Silence"] == "overtaken"
    assert recall > seq and ask(board, recall).status_code == 200, "the recall is said instead"


def test_the_announcement_is_for_boards_only(quiet_hall) -> None:
    app, clock, board, kiosk, clerk = quiet_hall
    kiosk.post("/tickets", {"service": "A01"})
    clerk.post("/windows/3/call-next")
    seq = newest_call_seq(board)
    for who in (kiosk, clerk):
        status, reply = who.get(f"/calls/{seq}/announcement")
        assert status == 403 and reply["error"] == "forbidden"
    status, reply = board.get(f"/calls/{seq + 1000}/announcement")
    assert status == 404 and reply["error"] == "call_not_found" and "没有" in reply["message"]
