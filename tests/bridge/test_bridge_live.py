"""The bridge between a real hall server and emulated RS-485 devices on socket:// ports, byte for
byte against the worked frames of docs/hardware.md: each key, retransmissions, the keypad's
display and beep, a rating end to end, strips on call and recall, bad frames, a port dropped
and reopened, the server restarted, and a window the bridge's token was not given."""

from __future__ import annotations

import logging
import time

import pytest

from bridge.app import Acknowledgement, Bridge
from bridge.emulate import KeypadBus, StripBus
from bridge.frames import Ff68Frame, display_frame, refused_frames
from client.hall_client import wait_until
from tests.bridge.hall import KEYPAD, OTHER_KEYPAD, RATER, STRIP, Listener, start_bridge, start_hall
from tests.bridge.worked import frame

pytestmark = pytest.mark.slow

#: identical frames closer than this are one press repeated (the bridge's 500 ms)
APART = 0.55


@pytest.fixture
def hall(tmp_path):
    hall = start_hall(tmp_path)
    yield hall
    hall.http.close()
    hall.server.stop()


@pytest.fixture
def devices():
    with KeypadBus() as keypads, StripBus() as strips:
        yield keypads, strips


@pytest.fixture
def bridge(hall, devices):
    bridge = start_bridge(hall, *devices)
    yield bridge
    bridge.stop()


def press(bridge: Bridge, keypads: KeypadBus, name: str, answers: int, address: int = KEYPAD) -> list[bytes]:
    """Send a worked key frame; wait for the echo and `answers` more frames; all of them, raw.
    The bridge echoes within 100 ms of reading the frame off its port, by its own clock: the
    emulated keypad's threads and this one's share a loaded machine, the bridge answers only for
    what it does with the frame once it has it."""
    before = len(keypads.frames_to(address))
    data = frame(name)
    if address != KEYPAD:   # the same key from another keypad
        data = Ff68Frame(address, data[6], data[7:-2]).encode()
    sent = bridge.clock()
    keypads.send(data)
    assert keypads.wait_for(lambda: len(keypads.frames_to(address)) >= before + 1 + answers, 10), \
        [f.encode().hex(" ") for f in keypads.frames_to(address)[before:]]
    assert wait_until(lambda: echo_of(bridge, address, sent) is not None, 5)
    echo = echo_of(bridge, address, sent)
    assert echo.answer == data and echo.seconds < 0.1, f"echo after {echo.seconds:.3f} s"
    return [f.encode() for f in keypads.frames_to(address)[before:]]


def echo_of(bridge: Bridge, address: int, sent: float) -> Acknowledgement | None:
    """The bridge's acknowledgement of the first frame from `address` that came in after `sent`."""
    return next((a for a in list(bridge.acknowledgements) if a.address == address and a.arrived >= sent), None)


def strip_draws(strips: StripBus) -> int:
    return len(strips.drawn(STRIP))


def test_each_key_at_its_window(hall, devices, bridge) -> None:
    keypads, strips = devices
    hall.sign_in(3)
    first, second = hall.issue(), hall.issue()
    draws = strip_draws(strips)

    assert press(bridge, keypads, "key-call", 1) == [frame("key-call"), display_frame(KEYPAD, "A001").encode()]
    assert hall.ticket(first["id"])["state"] == "called"
    assert strips.wait_for(lambda: strips.shown(STRIP) == "请A001号到3号窗口", 1.0)
    assert strips.drawn(STRIP)[-1].encode() == frame("strip-call")

    draws = strip_draws(strips)
    assert press(bridge, keypads, "key-recall", 1)[1] == display_frame(KEYPAD, "A001").encode()
    assert hall.ticket(first["id"])["recalls"] == 1
    assert strips.wait_for(lambda: strip_draws(strips) > draws, 1.0), "a recall redraws the strip"
    assert strips.shown(STRIP) == "请A001号到3号窗口"

    assert press(bridge, keypads, "key-start", 1)[1] == display_frame(KEYPAD, "A001").encode()
    assert hall.ticket(first["id"])["state"] == "serving"
    press(bridge, keypads, "key-2", 0)
    assert press(bridge, keypads, "key-function", 1)[1] == frame("display-dark")
    assert hall.ticket(first["id"])["state"] == "done"
    assert strips.wait_for(lambda: strips.shown(STRIP) == "空闲 请留意叫号", 1.0)

    # digits then 0C: the typed number among the window's items (A002)
    time.sleep(APART)
    press(bridge, keypads, "key-2", 0)
    assert press(bridge, keypads, "key-call", 1)[1] == display_frame(KEYPAD, "A002").encode()
    assert hall.ticket(second["id"])["state"] == "called"
    for _ in range(2):   # the hall marks a no-show after two recalls
        time.sleep(APART)
        press(bridge, keypads, "key-recall", 1)
    press(bridge, keypads, "key-5", 0)
    time.sleep(APART)
    assert press(bridge, keypads, "key-function", 1)[1] == frame("display-dark")
    assert hall.ticket(second["id"])["state"] == "no_show"

    press(bridge, keypads, "key-0", 0)
    time.sleep(APART)
    press(bridge, keypads, "key-function", 1)
    assert strips.wait_for(lambda: (strips.shown(STRIP) or "").startswith("暂停服务 暂离"), 1.0)
    time.sleep(APART)
    press(bridge, keypads, "key-0", 0)
    time.sleep(APART)
    press(bridge, keypads, "key-function", 1)
    assert strips.wait_for(lambda: strips.shown(STRIP) == "空闲 请留意叫号", 1.0)


def test_a_repeated_frame_is_acknowledged_and_acted_on_once(hall, devices, bridge) -> None:
    keypads, _ = devices
    hall.sign_in(3)
    first, second = hall.issue(), hall.issue()
    before = len(keypads.frames_to(KEYPAD))
    keypads.send(frame("key-call"))
    keypads.send(frame("key-call"))   # the keypad did not hear the echo and sent it again
    assert keypads.wait_for(lambda: len(keypads.frames_to(KEYPAD)) >= before + 3, 5)
    time.sleep(0.3)   # anything a second call would send has come by now
    got = [f.encode() for f in keypads.frames_to(KEYPAD)[before:]]
    assert sorted(got) == sorted([frame("key-call"), frame("key-call"), display_frame(KEYPAD, "A001").encode()])
    assert hall.ticket(first["id"])["state"] == "called" and hall.ticket(second["id"])["state"] == "waiting"


def test_refusals_show_zero_and_beep(hall, devices, bridge) -> None:
    keypads, _ = devices
    ticket = hall.issue()
    # no clerk signed in at window 3
    assert press(bridge, keypads, "key-call", 2) == [frame("key-call"), frame("refused"), frame("beep")]
    assert hall.ticket(ticket["id"])["state"] == "waiting"
    hall.sign_in(3)
    time.sleep(APART)
    press(bridge, keypads, "key-call", 1)
    time.sleep(APART)
    # nobody waiting any more
    assert press(bridge, keypads, "key-call", 2)[1:] == [frame("refused"), frame("beep")]
    # no ticket at the window to start is never even asked for … and a typed number nobody has
    press(bridge, keypads, "key-5", 0)
    assert press(bridge, keypads, "key-call", 2)[1:] == [frame("refused"), frame("beep")]


def test_a_keypad_at_a_window_the_token_was_not_given_is_refused(hall, devices, bridge) -> None:
    keypads, _ = devices
    hall.sign_in(1)
    ticket = hall.issue()
    got = press(bridge, keypads, "key-call", 2, address=OTHER_KEYPAD)
    assert got[1:] == [f.encode() for f in refused_frames(OTHER_KEYPAD)]
    assert hall.ticket(ticket["id"])["state"] == "waiting"


def test_a_rating_end_to_end_and_no_key_is_not_rated(hall, devices, bridge) -> None:
    keypads, _ = devices
    listener = Listener(hall)
    try:
        hall.sign_in(3)
        first, second = hall.issue(), hall.issue()
        for name in ("key-call", "key-start", "key-2", "key-function"):
            press(bridge, keypads, name, 0 if name == "key-2" else 1)
        assert keypads.wait_for(lambda: [f.encode() for f in keypads.frames_to(RATER)] == [frame("rater-start")], 2)
        before = len(keypads.frames_to(RATER))
        keypads.send(frame("rater-key-3"))
        assert keypads.wait_for(lambda: len(keypads.frames_to(RATER)) > before, 2)
        assert keypads.frames_to(RATER)[before].encode() == frame("rater-ack-3")
        assert wait_until(lambda: hall.ticket(first["id"])["rating"] == 5, 5), "levels: 3 → 5 非常满意"

        time.sleep(APART)
        for name in ("key-call", "key-start", "key-2", "key-function"):
            press(bridge, keypads, name, 0 if name == "key-2" else 1)
        assert keypads.wait_for(lambda: len(keypads.frames_to(RATER)) == 3, 2)
        # the hall's rating timeout is 5 s: no key by then is "not rated", never satisfied
        assert wait_until(lambda: "rating_skipped" in listener.changes(second["id"]), 10)
        assert hall.ticket(second["id"])["rating"] is None
    finally:
        listener.stop()


BAD_FRAMES = {
    "noise": bytes.fromhex("00 13 37 42"),
    "wrong L": bytes.fromhex("FF 68 03 04 68 01 05 0C 12 16"),
    "bad checksum": bytes.fromhex("FF 68 03 03 68 01 05 0C 99 16"),
    "unknown address": bytes.fromhex("FF 68 03 03 68 09 05 0C 1A 16"),
}


def test_bad_bytes_are_skipped_with_one_line_each(hall, devices, bridge, caplog) -> None:
    keypads, _ = devices
    hall.sign_in(3)
    ticket = hall.issue()
    caplog.set_level(logging.WARNING, logger="bridge")
    for name, data in BAD_FRAMES.items():
        keypads.send(data)
        time.sleep(0.05)
    keypads.send(frame("key-call")[:6])   # cut short: the bus goes quiet
    time.sleep(0.5)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bridge")]
    assert len(lines) == len(BAD_FRAMES) + 1, lines
    assert [f.encode() for f in keypads.frames_to(KEYPAD)] == [], "nothing bad was acknowledged"
    assert hall.ticket(ticket["id"])["state"] == "waiting"
    assert press(bridge, keypads, "key-call", 1)[1] == display_frame(KEYPAD, "A001").encode(), "the bridge goes on"


def test_ports_dropped_are_reopened_and_strips_redrawn(hall, devices, bridge) -> None:
    keypads, strips = devices
    hall.sign_in(3)
    hall.issue()
    press(bridge, keypads, "key-call", 1)
    assert strips.wait_for(lambda: strips.shown(STRIP) == "请A001号到3号窗口", 1.0)
    draws = strip_draws(strips)
    strips.drop()
    keypads.drop()
    assert strips.wait_for(lambda: strips.connections == 2 and strip_draws(strips) > draws, 10)
    assert strips.shown(STRIP) == "请A001号到3号窗口", "redrawn as the hall is now"
    assert keypads.wait_for(lambda: keypads.connections == 2, 10)
    time.sleep(APART)
    assert press(bridge, keypads, "key-recall", 1)[1] == display_frame(KEYPAD, "A001").encode()


def test_a_server_restart_redraws_strips_and_replays_nothing(hall, devices, bridge) -> None:
    keypads, strips = devices
    hall.sign_in(3)
    first = hall.issue()
    hall.server.stop()
    # pressed while the server is away: refused now, never carried out later
    assert press(bridge, keypads, "key-call", 2)[1:] == [frame("refused"), frame("beep")]
    draws = strip_draws(strips)
    hall.server.start()
    assert strips.wait_for(lambda: strip_draws(strips) > draws, 20), "redrawn on reconnect"
    assert strips.shown(STRIP) == "空闲 请留意叫号"
    time.sleep(1.0)
    assert hall.ticket(first["id"])["state"] == "waiting", "the key pressed during the outage was not replayed"
    assert [f.encode() for f in keypads.frames_to(KEYPAD)][-2:] == [frame("refused"), frame("beep")]
