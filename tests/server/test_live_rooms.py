"""A board of one zone hears that zone's part of the hall, a window's screen its window's part,
and `seq_skipped` for every step of the log that is not its, so that it follows the hall's
`seq` and a missed message still shows as a gap; and a snapshot goes to every connecting board
encoded once."""

from __future__ import annotations

import base64
import copy
import json
import os
import socket

import pytest

from protocol import live as wire
from server import accounts
from server.app import create_app, socketio
from server import protocol, repository as repo
from server.protocol import Encoded, SocketJSON
from tests.conftest import FakeClock, small_hall_document, to_toml
from tests.protocol.shapes import problems
from tests.server.test_api import PASSWORD, Api, login
from tests.server.test_live import live_hall  # noqa: F401 (fixture)

ZONES = {1: "1F", 2: "1F", 3: "2F", 4: "2F"}


@pytest.fixture
def hall(tmp_path):
    document = small_hall_document()
    windows = copy.deepcopy(document["windows"])
    for window in windows:
        window["zone"] = ZONES[window["number"]]
    document["windows"] = windows
    config = tmp_path / "config.toml"
    config.write_text(to_toml(document), encoding="utf-8")
    app = create_app(tmp_path / "var", config, clock=FakeClock(), start_clockwork=False)
    core = app.extensions["jiaohao"]
    for n in (1, 3):
        accounts.add_user(core.database, core.service.hall_id, f"clerk{n}", "clerk", PASSWORD, f"clerk{n}", None)
    app.board = accounts.add_device(core.database, core.service.hall_id, "board", "display").token
    app.screen = accounts.add_device(core.database, core.service.hall_id, "screen-3", "window", 3).token
    app.kiosk = Api(app, accounts.add_device(core.database, core.service.hall_id, "kiosk", "kiosk").token)
    app.core = core
    yield app
    core.data.close()


def signed_in(app, number: int) -> Api:
    clerk = login(app, f"clerk{number}")
    assert clerk.post(f"/windows/{number}/sign-in")[0] == 200
    return clerk


def serve_one(app, clerk: Api, window: int, service: str) -> dict:
    """Issue a ticket, call it at `window`, start and finish it."""
    assert app.kiosk.post("/tickets", {"service": service})[0] == 201
    called = clerk.post(f"/windows/{window}/call-next")[1]["ticket"]
    clerk.post(f"/tickets/{called['id']}/start")
    clerk.post(f"/tickets/{called['id']}/finish")
    return called


def heard(client) -> list[tuple[str, dict]]:
    return [(m["name"], m["args"][0]) for m in client.get_received()]


def told_everything(app) -> None:
    """The runs of skipped steps a lone process keeps for a room's next message go out, as the
    clockwork's tick sends them once a second old (the runs' clock moved on by that)."""
    live = app.core.live
    later = live.monotonic() + protocol.SkipRuns.OLDEST
    clock, live.monotonic = live.monotonic, lambda: later
    try:
        live.tell_old_skips()
    finally:
        live.monotonic = clock


def skipped_steps(messages: list[tuple[str, dict]]) -> list[int]:
    """Every step a room's skips cover: one `seq_skipped {seq}` a step, `{from, seq}` a run."""
    return [seq for name, m in messages if name == wire.SEQ_SKIPPED for seq in range(m.get("from", m["seq"]), m["seq"] + 1)]


def log_at(app) -> int:
    """The seq the hall's log has reached."""
    with app.core.database.checked_out() as conn:
        return repo.last_seq(conn, app.core.service.hall_id)


def every_step_once(messages: list[tuple[str, dict]], since: int, upto: int) -> None:
    """Every seq after `since` up to `upto` reached the room, in order: its part of the step,
    or one `seq_skipped` when none of it concerns the room, never both."""
    seqs = [seq for name, m in messages
            for seq in (range(m.get("from", m["seq"]), m["seq"] + 1) if name == wire.SEQ_SKIPPED else [m["seq"]])]
    assert seqs == sorted(seqs) and sorted(set(seqs)) == list(range(since + 1, upto + 1)), seqs
    skipped = skipped_steps(messages)
    assert len(skipped) == len(set(skipped)), "one skip per step"
    assert not set(skipped) & {m["seq"] for name, m in messages if name != wire.SEQ_SKIPPED}


def test_a_zone_board_hears_its_zone_and_every_step_of_the_log(hall) -> None:
    upstairs = socketio.test_client(hall, auth={"token": hall.board, "zone": "2F"})
    downstairs = socketio.test_client(hall, auth={"token": hall.board, "zone": "1F"})
    whole = socketio.test_client(hall, auth={"token": hall.board})
    one, three = signed_in(hall, 1), signed_in(hall, 3)
    at_three = serve_one(hall, three, 3, "A01")
    at_one = serve_one(hall, one, 1, "A01")
    told_everything(hall)

    messages = heard(upstairs)
    snapshot = messages[0][1]
    assert messages[0][0] == wire.HALL_SNAPSHOT and snapshot["room"] == "hall:1:zone:2F"
    everything = heard(whole)
    every_step_once(messages[1:], snapshot["seq"], everything[-1][1]["seq"])
    names = {name for name, _ in messages[1:]}
    assert wire.TICKET_ISSUED not in names and names <= {*wire.ROOM_MESSAGES, wire.SEQ_SKIPPED}
    assert wire.SEQ_SKIPPED in names, "the 1F steps reach upstairs as skips"
    calls = [m["ticket"]["id"] for name, m in messages if name == wire.TICKET_CALLED]
    assert calls == [at_three["id"]], "the 1F call is not heard upstairs"
    assert {m["window"]["number"] for name, m in messages if name == wire.WINDOW_CHANGED} == {3}
    for name, payload in messages[1:]:
        if name == wire.QUEUE_CHANGED:
            assert {w["number"] for w in payload["windows"]} <= {3, 4}
        assert problems(payload, wire.PAYLOADS[name]) == [], name

    assert [m["ticket"]["id"] for name, m in heard(downstairs) if name == wire.TICKET_CALLED] == [at_one["id"]]
    assert all(name != wire.SEQ_SKIPPED for name, _ in everything), "the whole hall's board hears every step"
    assert [m["ticket"]["id"] for name, m in everything if name == wire.TICKET_CALLED] == [at_three["id"], at_one["id"]]


def test_a_board_of_every_zone_hears_every_call_and_no_ticket_chatter(hall) -> None:
    board = socketio.test_client(hall, auth={"token": hall.board, "zone": wire.EVERY_ZONE})
    one, three = signed_in(hall, 1), signed_in(hall, 3)
    at_three = serve_one(hall, three, 3, "A01")
    at_one = serve_one(hall, one, 1, "A01")
    messages = heard(board)
    snapshot = messages[0][1]
    assert snapshot["room"] == "hall:1:zone:*" and "room_seq" not in snapshot
    every_step_once(messages[1:], snapshot["seq"], log_at(hall))
    assert {name for name, _ in messages[1:]} == {wire.TICKET_CALLED, wire.WINDOW_CHANGED, wire.QUEUE_CHANGED}
    assert [m["ticket"]["id"] for name, m in messages if name == wire.TICKET_CALLED] == [at_three["id"], at_one["id"]]
    assert {m["window"]["number"] for name, m in messages if name == wire.WINDOW_CHANGED} == {1, 3}


def test_a_window_screen_hears_its_window_and_its_tickets_finishing(hall) -> None:
    screen = socketio.test_client(hall, auth={"token": hall.screen, "window": 3})
    one, three = signed_in(hall, 1), signed_in(hall, 3)
    serve_one(hall, one, 1, "A01")
    mine = serve_one(hall, three, 3, "A01")
    told_everything(hall)
    messages = heard(screen)
    assert messages[0][1]["room"] == "hall:1:window:3"
    every_step_once(messages[1:], messages[0][1]["seq"], log_at(hall))
    changes = [(m["ticket"]["id"], m["change"]) for name, m in messages if name == wire.TICKET_CHANGED]
    assert changes == [(mine["id"], "service_started"), (mine["id"], "service_finished")]
    assert {m["window"]["number"] for name, m in messages if name == wire.WINDOW_CHANGED} == {3}
    assert [m["ticket"]["id"] for name, m in messages if name == wire.TICKET_CALLED] == [mine["id"]]


def test_a_zone_board_that_missed_messages_gets_its_zone_part_again(hall) -> None:
    upstairs = socketio.test_client(hall, auth={"token": hall.board, "zone": "2F"})
    since = heard(upstairs)[0][1]["seq"]
    one, three = signed_in(hall, 1), signed_in(hall, 3)
    serve_one(hall, one, 1, "A01")
    at_three = serve_one(hall, three, 3, "A01")
    told_everything(hall)
    live = heard(upstairs)
    ack = upstairs.emit(wire.RESYNC, {"since": since}, callback=True)
    replayed = heard(upstairs)
    assert ack == {"ok": True, "snapshot": False, "count": len(replayed)}
    # the replay is rebuilt from the log as it stands now, in one batch: the events' own
    # messages come again in order (their tickets as they are now), the waiting figures once
    assert steps(live) == steps(replayed)
    assert [m["ticket"]["id"] for n, m in replayed if n == wire.TICKET_CALLED] == [at_three["id"]]
    every_step_once(replayed, since, live[-1][1]["seq"])
    for name, payload in replayed:
        assert name in (*wire.ROOM_MESSAGES, wire.SEQ_SKIPPED)
        if name == wire.QUEUE_CHANGED:
            assert {w["number"] for w in payload["windows"]} <= {3, 4}


def steps(messages: list[tuple[str, dict]]) -> list[tuple[str, int, int]]:
    """(name, seq, the ticket or window it is about) of the events' own messages."""
    return [(name, m["seq"], m["ticket"]["id"] if "ticket" in m else m["window"]["number"])
            for name, m in messages if name in (wire.TICKET_CALLED, wire.TICKET_CHANGED, wire.WINDOW_CHANGED)]


@pytest.mark.parametrize("auth", [{"zone": ""}, {"zone": 3}, {"window": "3"}, {"window": 0},
                                  {"zone": "1F", "window": 1}, {"zone": "a:b"}])
def test_a_zone_or_window_that_cannot_be_one_is_refused(hall, auth) -> None:
    client = socketio.test_client(hall, auth={"token": hall.board} | auth)
    assert not client.is_connected()


def test_boards_connecting_at_one_seq_share_one_encoded_snapshot(hall) -> None:
    live = hall.core.live
    with hall.app_context():
        first, again = live.shared_snapshot.encoded(), live.shared_snapshot.encoded()
        payload = live.snapshot_payload()
    assert first is again, "one encoding for every board that connects at the same seq"
    assert json.loads(first.text) == payload
    boards = [socketio.test_client(hall, auth={"token": hall.board}) for _ in range(3)]
    snapshots = [heard(b)[0][1] for b in boards]
    assert snapshots[0] == snapshots[1] == snapshots[2] == payload


def test_an_encoded_payload_goes_into_a_packet_as_it_is() -> None:
    payload = {"seq": 3, "hall": {"name": "新抚区"}, "windows": [1, 2]}
    encoded = Encoded.of(payload)
    text = SocketJSON.dumps([wire.HALL_SNAPSHOT, encoded], separators=(",", ":"))
    assert text == json.dumps([wire.HALL_SNAPSHOT, payload], separators=(",", ":"))
    assert json.loads(encoded.with_fields(room="hall:1:zone:1F", sent=4).text) == \
        payload | {"room": "hall:1:zone:1F", "sent": 4}
    with pytest.raises(ValueError):
        SocketJSON.loads("[" + "9" * 200 + "]")


def test_a_live_connection_is_offered_no_compression(live_hall) -> None:
    """A browser offers permessage-deflate; accepted, every board would compress every message
    by itself (server.live.PlainFrames)."""
    with socket.create_connection(("127.0.0.1", live_hall.port), timeout=10) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            assert chunk, "the server closed the connection before answering"
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode().lower()
    assert head.startswith("http/1.1 101")
    assert "sec-websocket-extensions" not in head


def test_a_step_a_room_has_no_part_in_is_one_skip_sent_to_all_such_rooms_at_once(hall) -> None:
    with hall.app_context():
        setup = hall.core.service.setup()
    rooms = protocol.every_audience(setup)
    assert len(rooms) == len(set(rooms)) and set(rooms) == {
        (wire.ZONE, wire.EVERY_ZONE), (wire.ZONE, "1F"), (wire.ZONE, "2F"), *((wire.WINDOW, n) for n in (1, 2, 3, 4))}
    issued = (wire.TICKET_ISSUED, {"seq": 5})
    call = (wire.TICKET_CALLED, {"seq": 6, "window": 3})
    window = (wire.WINDOW_CHANGED, {"seq": 6, "window": {"number": 3}})
    sends = protocol.room_sends([issued, call, window], setup, rooms)
    assert sends[0] == [(wire.SEQ_SKIPPED, {"seq": 5}, rooms)], "one send, every room"
    upstairs = [(wire.ZONE, "2F"), (wire.ZONE, wire.EVERY_ZONE), (wire.WINDOW, 3)]
    assert sends[1] == [(wire.TICKET_CALLED, call[1], upstairs)], "one send of the call to its rooms"
    assert sends[2] == [(wire.WINDOW_CHANGED, window[1], upstairs),
                        (wire.SEQ_SKIPPED, {"seq": 6}, [room for room in rooms if room not in upstairs])]
    # a room not told (nobody here to hear it) is left out of both
    assert protocol.room_sends([issued, call], setup, [(wire.WINDOW, 1)]) == [
        [(wire.SEQ_SKIPPED, {"seq": 5}, [(wire.WINDOW, 1)])], [(wire.SEQ_SKIPPED, {"seq": 6}, [(wire.WINDOW, 1)])]]


def test_alone_a_process_tells_only_the_rooms_someone_is_in_here(hall) -> None:
    live = hall.core.live
    with hall.app_context():
        setup = hall.core.service.setup()
    assert not live.shared and live.audiences(setup) == []
    upstairs = socketio.test_client(hall, auth={"token": hall.board, "zone": "2F"})
    screen = socketio.test_client(hall, auth={"token": hall.screen, "window": 3})
    assert live.audiences(setup) == [(wire.ZONE, "2F"), (wire.WINDOW, 3)]
    assert hall.kiosk.post("/tickets", {"service": "A01"})[0] == 201
    assert {m["seq"] for _, m in heard(upstairs)[1:]} == {log_at(hall)}, "the step reached the room"
    screen.disconnect()
    assert live.audiences(setup) == [(wire.ZONE, "2F")]
    upstairs.disconnect()
    assert live.audiences(setup) == []
