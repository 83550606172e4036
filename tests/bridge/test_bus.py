"""A port of the bus through a pyserial socket:// URL: opened when its serial server appears,
reopened when it goes away, with one log line per outage; nothing written while it is closed
is kept for later."""

from __future__ import annotations

import logging
import threading

from bridge.bus import Bus
from bridge.config import Port
from bridge.emulate import KeypadBus
from bridge.frames import Ff68Frame
from client.hall_client import wait_until
from common.launcher import free_port
from tests.bridge.worked import frame


class Recorder:
    def __init__(self) -> None:
        self.frames: list = []
        self.opened = threading.Event()

    def frame(self, bus: Bus, item, arrived: float) -> None:
        self.frames.append(item)

    def open(self, bus: Bus) -> None:
        self.opened.set()


def test_a_port_that_is_not_there_yet_is_opened_when_it_appears(caplog) -> None:
    port = free_port()
    recorder = Recorder()
    bus = Bus(Port("desks", f"socket://127.0.0.1:{port}"), recorder.frame, recorder.open)
    caplog.set_level(logging.WARNING, logger="bridge.bus")
    bus.start()
    try:
        assert wait_until(lambda: len(caplog.records) >= 1, 5)
        assert not bus.write(frame("beep")), "nothing is sent, nor kept, while the port is closed"
        threading.Event().wait(1.0)   # several retries, growing apart
        outage = [r.getMessage() for r in caplog.records if "cannot be opened" in r.getMessage()]
        assert len(outage) == 1, outage
        with KeypadBus(port=port) as device:
            assert recorder.opened.wait(10) and device.wait_for(lambda: device.connected, 5)
            device.send(frame("key-call"))
            assert wait_until(lambda: recorder.frames == [Ff68Frame(1, 0x05, b"\x0c")], 5)
            assert bus.write(frame("display-012"))
            assert device.wait_for(lambda: bytes(device.raw) == frame("display-012"), 5), \
                "the beep written while closed never arrives"
    finally:
        bus.stop()


def test_a_port_that_goes_away_is_reopened(caplog) -> None:
    recorder = Recorder()
    with KeypadBus() as device:
        bus = Bus(Port("desks", device.url), recorder.frame, recorder.open)
        bus.start()
        try:
            assert device.wait_for(lambda: device.connected, 10)
            caplog.set_level(logging.WARNING, logger="bridge.bus")
            device.drop()
            assert device.wait_for(lambda: device.connections == 2, 10)
            assert wait_until(lambda: bus.opened == 2, 5)
            assert any("lost" in r.getMessage() for r in caplog.records)
            device.send(frame("key-recall"))
            assert wait_until(lambda: recorder.frames == [Ff68Frame(1, 0x05, b"\x0d")], 5)
        finally:
            bus.stop()
