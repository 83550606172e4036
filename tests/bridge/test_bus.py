"""A port of the bus through a pyserial socket:// URL: opened when its serial server appears,
reopened when it goes away (its socket closed, even after a reset), with one log line per
outage; nothing written while it is closed is kept for later."""

from __future__ import annotations

import logging
import os
import socket
import struct
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


def socket_of(local: tuple[str, int]) -> str:
    """The kernel's name (as /proc/self/fd shows it) of the TCP socket bound to `local`."""
    wanted = f"0100007F:{local[1]:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1] == wanted:
                return f"socket:[{fields[9]}]"
    raise LookupError(local)


def open_sockets() -> set[str]:
    """This process's open sockets, as the kernel counts them (not the garbage collector)."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:   # the listing's own descriptor, closed by now
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset, as a serial server that restarts hard does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def test_a_port_the_serial_server_resets_is_closed_with_its_socket() -> None:
    """pyserial's own close() leaves the socket of a reset connection open (its shutdown fails
    and it skips the close): the bus closes it itself, once the port is lost."""
    recorder = Recorder()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)
        bus = Bus(Port("desks", f"socket://127.0.0.1:{server.getsockname()[1]}"), recorder.frame, recorder.open)
        bus.start()
        try:
            first, bus_end = server.accept()
            assert wait_until(lambda: bus.opened == 1, 5)
            lost = socket_of(bus_end)
            assert lost in open_sockets()
            reset(first)
            second, _ = server.accept()   # the reset port was let go of and opened again
            with second:
                assert wait_until(lambda: bus.opened == 2, 5)
                assert lost not in open_sockets(), "the reset port's socket is still open"
        finally:
            bus.stop()
