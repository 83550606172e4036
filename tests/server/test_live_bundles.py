"""A connection that asks for it (`auth.bundle`, as the project's pages and clients do) hears
the messages of one commit as one `bundle` frame, the same messages in the same order as a
connection that hears them one by one; and a lone process tells a room the steps that are not
its as one run of skips, in front of its next message."""

from __future__ import annotations

import threading
import time

import pytest

from client.hall_client import HallClient, wait_until
from protocol import live as wire
from server import protocol
from server.app import socketio
from tests.protocol.shapes import problems
from tests.server.test_live import Board, clerk_session, issue, live_hall  # noqa: F401 (live_hall is a fixture)
from tests.server.test_live_rooms import hall, heard, log_at, serve_one, signed_in, told_everything  # noqa: F401


def frames(client) -> list[tuple[str, dict]]:
    return heard(client)


def opened(frames_heard: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The messages of the frames, a bundle's taken apart in order, as a page does."""
    out = []
    for name, payload in frames_heard:
        if name == wire.BUNDLE:
            assert problems(payload, wire.Bundle) == []
            assert len(payload["messages"]) >= 2, "a lone message goes as itself"
            assert all(inner not in (wire.BUNDLE, wire.HALL_SNAPSHOT) for inner, _ in payload["messages"])
            out += [(inner, message) for inner, message in payload["messages"]]
        else:
            out.append((name, payload))
    return out


def a_busy_morning(app) -> dict:
    one, three = signed_in(app, 1), signed_in(app, 3)
    serve_one(app, one, 1, "A01")
    return serve_one(app, three, 3, "A01")


@pytest.mark.parametrize("auth", [{}, {"zone": wire.EVERY_ZONE}, {"zone": "2F"}, {"window": 3}])
def test_a_bundled_listener_hears_what_a_plain_one_hears_in_fewer_frames(hall, auth) -> None:
    token = hall.screen if "window" in auth else hall.board
    plain = socketio.test_client(hall, auth={"token": token} | auth)
    bundled = socketio.test_client(hall, auth={"token": token, wire.BUNDLE: True} | auth)
    a_busy_morning(hall)
    told_everything(hall)
    one_by_one, together = frames(plain), frames(bundled)
    assert together[0][0] == wire.HALL_SNAPSHOT and together[0][1]["seq"] == one_by_one[0][1]["seq"]
    assert opened(together) == one_by_one, "the same messages, in the same order"
    assert any(name == wire.BUNDLE for name, _ in together)
    assert len(together) < len(one_by_one)


def test_a_call_reaches_a_bundled_board_as_one_frame_with_its_window_and_figures(hall) -> None:
    board = socketio.test_client(hall, auth={"token": hall.board, "zone": wire.EVERY_ZONE, wire.BUNDLE: True})
    clerk = signed_in(hall, 3)
    assert hall.kiosk.post("/tickets", {"service": "A01"})[0] == 201
    heard(board)
    status, reply = clerk.post("/windows/3/call-next")
    assert status == 200
    (name, payload), = frames(board)
    assert name == wire.BUNDLE
    names = [inner for inner, _ in payload["messages"]]
    assert names[0] == wire.TICKET_CALLED and set(names) == {wire.TICKET_CALLED, wire.WINDOW_CHANGED, wire.QUEUE_CHANGED}
    assert payload["messages"][0][1]["ticket"]["id"] == reply["ticket"]["id"]


def test_a_window_screen_hears_the_other_windows_steps_as_one_run_before_its_own(hall) -> None:
    one, three = signed_in(hall, 1), signed_in(hall, 3)
    screen = socketio.test_client(hall, auth={"token": hall.screen, "window": 3, wire.BUNDLE: True})
    since = heard(screen)[0][1]["seq"]
    serve_one(hall, one, 1, "C01")          # taxation at window 1: none of it window 3's
    skipped_to = log_at(hall)
    assert heard(screen) == [], "a run is kept for the room's next message"
    assert hall.kiosk.post("/tickets", {"service": "A01"})[0] == 201
    status, reply = three.post("/windows/3/call-next")
    assert status == 200
    messages = opened(frames(screen))
    first_of_mine = next(i for i, (name, _) in enumerate(messages) if name != wire.SEQ_SKIPPED)
    runs = [m for name, m in messages[:first_of_mine] if name == wire.SEQ_SKIPPED]
    assert runs and runs[0]["from"] == since + 1 and runs[-1]["seq"] >= skipped_to
    assert [m["ticket"]["id"] for name, m in messages if name == wire.TICKET_CALLED] == [reply["ticket"]["id"]]
    assert len(frames(screen)) == 0


def test_a_run_a_second_old_goes_out_on_its_own(hall, monkeypatch) -> None:
    one = signed_in(hall, 1)
    screen = socketio.test_client(hall, auth={"token": hall.screen, "window": 3})
    since = heard(screen)[0][1]["seq"]
    serve_one(hall, one, 1, "C01")   # none of it window 3's
    hall.core.live.tell_old_skips()
    assert heard(screen) == [], "not yet a second old"
    later = time.monotonic() + protocol.SkipRuns.OLDEST
    monkeypatch.setattr(hall.core.live, "monotonic", lambda: later)
    hall.core.live.tell_old_skips()
    assert heard(screen) == [(wire.SEQ_SKIPPED, {"from": since + 1, "seq": log_at(hall)})]


def test_with_a_message_queue_every_step_is_told_as_it_comes(hall) -> None:
    """Another process may send a room's next step: a run kept here would come after it."""
    hall.core.live.shared = True
    one = signed_in(hall, 1)
    screen = socketio.test_client(hall, auth={"token": hall.screen, "window": 3, wire.BUNDLE: True})
    since = heard(screen)[0][1]["seq"]
    serve_one(hall, one, 1, "C01")   # none of it window 3's
    told = opened(frames(screen))
    assert told and all(name == wire.SEQ_SKIPPED and "from" not in m for name, m in told)
    assert [m["seq"] for _, m in told] == list(range(since + 1, log_at(hall) + 1))


def test_a_phone_is_never_bundled(hall) -> None:
    status, ticket = hall.kiosk.post("/tickets", {"service": "A01"})
    assert status == 201
    phone = socketio.test_client(hall, auth={"token": ticket["track_url"].rsplit("/", 1)[1], wire.BUNDLE: True})
    assert phone.is_connected()
    clerk = signed_in(hall, 1)
    assert clerk.post("/windows/1/call-next")[0] == 200
    names = [name for name, _ in frames(phone)]
    assert wire.TICKET_CALLED in names and wire.BUNDLE not in names


@pytest.mark.parametrize("bundle", ["yes", 1, None, [True]])
def test_a_bundle_option_that_is_not_true_or_false_is_refused(hall, bundle) -> None:
    client = socketio.test_client(hall, auth={"token": hall.board, wire.BUNDLE: bundle})
    assert not client.is_connected()


# --- the runs, as plain data -----------------------------------------------------------------------

SCREEN = (wire.WINDOW, 3)


def skip(seq: int) -> protocol.Message:
    return protocol.seq_skipped(seq)


def test_runs_of_skips_fold_into_one_in_front_of_the_rooms_next_message() -> None:
    runs = protocol.SkipRuns()
    assert runs.fold(SCREEN, [skip(5), skip(6)], now=0.0) == [], "kept for the next batch"
    call = (wire.TICKET_CALLED, {"seq": 8})
    assert runs.fold(SCREEN, [skip(7), call, skip(9)], now=0.2) == [
        (wire.SEQ_SKIPPED, {"from": 5, "seq": 7}), call]
    assert runs.due(now=0.5) == {}, "9 is not a second old"
    assert runs.due(now=1.3) == {(9, 9): [SCREEN]}
    assert runs.due(now=9.0) == {}


def test_a_run_a_second_old_is_told_with_the_next_batch() -> None:
    runs = protocol.SkipRuns()
    runs.fold(SCREEN, [skip(5)], now=0.0)
    assert runs.fold(SCREEN, [skip(6)], now=1.5) == [(wire.SEQ_SKIPPED, {"from": 5, "seq": 6})]


def test_rooms_with_the_same_run_are_told_in_one_send_and_forgotten_rooms_not_at_all() -> None:
    runs, zone, other = protocol.SkipRuns(), (wire.ZONE, "1F"), (wire.WINDOW, 4)
    for audience in (SCREEN, zone, other):
        runs.fold(audience, [skip(3), skip(4)], now=0.0)
    runs.keep_only([SCREEN, zone])
    assert runs.due(now=protocol.SkipRuns.OLDEST) == {(3, 4): [SCREEN, zone]}


def test_a_resync_replays_a_run_of_skips_as_one() -> None:
    runs = protocol.SkipRuns()
    assert runs.fold(SCREEN, [skip(1), skip(2), skip(3)], now=0.0, keep=False) == [
        (wire.SEQ_SKIPPED, {"from": 1, "seq": 3})]


# --- a real server process, the Qt board's client and an ordinary Socket.IO client -----------------

def test_the_boards_client_hears_in_bundles_what_an_ordinary_client_hears_one_by_one(live_hall) -> None:
    """client/hall_client.py (the Qt board's) asks for bundles and hands their messages on one
    by one: the same messages, in the same order, as an ordinary client that does not ask."""
    heard_by_client: list[tuple[str, dict]] = []
    lock = threading.Lock()

    def hand_on(name: str, payload: dict) -> None:
        with lock:
            heard_by_client.append((name, payload))

    board = HallClient(live_hall.url, live_hall.tokens["board"], on_message=hand_on)
    assert board.auth.get(wire.BUNDLE) is True
    ordinary = Board(live_hall.url, live_hall.tokens["board"])
    board.start()
    try:
        assert wait_until(lambda: ordinary.of(wire.HALL_SNAPSHOT) and any(n == wire.HALL_SNAPSHOT for n, _ in heard_by_client))
        for window in (7, 8, 9):
            issue(live_hall)
            called = clerk_session(live_hall, window).post(f"{live_hall.url}/api/v1/windows/{window}/call-next",
                                                           timeout=10)
            assert called.status_code == 200
        sequenced = lambda messages: [(n, p["seq"]) for n, p in messages if n in wire.SEQUENCED]   # noqa: E731

        def both_heard_everything() -> bool:
            # the ordinary client's messages of one step come one by one: the last seq alone
            # may match while its step's later messages are still on their way
            with lock:
                return len(ordinary.of(wire.TICKET_CALLED)) == 3 and \
                    sequenced(heard_by_client) == sequenced(ordinary.messages)
        wait_until(both_heard_everything, timeout=15)
        with lock:
            assert len(ordinary.of(wire.TICKET_CALLED)) == 3
            assert sequenced(heard_by_client) == sequenced(ordinary.messages)
            assert not any(n == wire.BUNDLE for n, _ in heard_by_client), "a bundle is taken apart"
    finally:
        board.stop()
        ordinary.client.disconnect()
