"""A hall board cut off from the server for 30 s while the clerks go on calling: when the
link is back it shows the hall as it is now, announces only the calls still waiting for
their citizen, and says nothing it had said before.

Everything is real: the server process, the board's connection, presenter and announcer (a
recording speaker in place of the loudspeaker), and a TCP link between them that is cut.

Why 30 s of wall time: the board decides what to say after a gap from the event-log
positions (seq) alone, with no clock, so no hall time can be skipped; what the length does
change is the reconnecting, whose pause doubles to its 10 s cap only after ~15 s of failed
attempts. The test therefore takes about 45 s.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from bench.demo_hall import DemoHall
from tests.display.hall_server import spoken_number, started_board

from .tcp_link import TcpLink

pytestmark = pytest.mark.slow
GAP_SECONDS = 30.0
WAIT_MS = 20_000
RECONNECT_CAP_MS = 12_000   # the client's longest pause between attempts, and some margin
WINDOWS = (1, 2, 3, 4)      # all serve 企业设立登记 (A01) in the demo hall


@pytest.fixture
def hall(tmp_path):
    server = DemoHall(tmp_path / "data").start()
    yield server
    server.stop()


@pytest.fixture
def link(hall):
    cable = TcpLink(hall.port).start()
    yield cable
    cable.stop()


@pytest.fixture
def board(qtbot, hall, link):
    yield from started_board(qtbot, link.url, hall.board_token, WAIT_MS)


def windows_now(board) -> dict:
    view = board.presenter.view(time.monotonic(), datetime.now(timezone.utc))
    return {row.number: row for row in view.windows}


def test_a_board_cut_off_for_30_s_catches_up_without_replaying_old_announcements(qtbot, hall, link, board):
    board, speaker = board
    for window in WINDOWS:
        hall.open_window(window)
    for _ in range(8):
        hall.issue("A01")
    before = {w: hall.call_next(w) for w in (3, 4)}
    qtbot.waitUntil(lambda: len(board.announcer.spoken) == 2, timeout=WAIT_MS)
    assert board.announcer.wait_idle(timeout=10)
    said_before = len(speaker.said)

    cut_at = time.monotonic()
    link.cut()
    qtbot.waitUntil(lambda: not board.presenter.connected, timeout=WAIT_MS)

    finished = hall.call_next(1)            # called, came, served and done within the gap
    hall.finish(1, finished["id"])
    waiting = hall.call_next(2)             # called within the gap, the citizen not there yet
    hall.recall(3, before[3]["id"])         # the earlier call at 3, called again
    hall.finish(4, before[4]["id"])         # the earlier call at 4 came and was served …
    after = hall.call_next(4)               # … and 4 called the next one
    hall.start_service(4, after["id"])      # who came at once: nothing left to announce for 4
    newest = hall.call_next(1)              # 1 called again after its finished ticket

    qtbot.wait(int(max(0.0, GAP_SECONDS - (time.monotonic() - cut_at)) * 1000))
    assert board.presenter.connected is False and link.refused >= 4   # it kept trying
    assert len(speaker.said) == said_before                           # and said nothing meanwhile
    link.mend()

    qtbot.waitUntil(lambda: board.presenter.connected, timeout=RECONNECT_CAP_MS)
    qtbot.waitUntil(lambda: len(board.announcer.spoken) >= 5, timeout=WAIT_MS)
    assert board.announcer.wait_idle(timeout=20)
    qtbot.wait(1000)   # room for a wrong, late extra announcement to show up

    caught_up = board.announcer.spoken[2:]
    assert sorted((a.number, a.window, a.recall) for a in caught_up) == sorted([
        (waiting["number"], 2, False), (before[3]["number"], 3, True), (newest["number"], 1, False)])
    assert len({(a.ticket_id, a.seq) for a in board.announcer.spoken}) == len(board.announcer.spoken)
    assert [a.seq for a in caught_up] == sorted(a.seq for a in caught_up)   # in the order they happened
    said = [s.text for s in speaker.said[said_before:] if s.kind == "say"]
    assert len(said) == 6                                                  # three calls, each said twice
    for number in (waiting["number"], before[3]["number"], newest["number"]):
        assert sum(f" {spoken_number(number)} 号" in s for s in said) == 2
    assert sum(s.startswith("再次呼叫") for s in said) == 2                   # the recall

    rows = windows_now(board)
    assert {w: rows[w].current for w in WINDOWS} == {
        1: newest["number"], 2: waiting["number"], 3: before[3]["number"], 4: after["number"]}
    listed = {call.number for call in board.presenter.calls}
    assert {waiting["number"], newest["number"], after["number"]} <= listed
