"""Transports: printer URLs, a loopback 9100 printer, refusing and stalling printers,
the real-time status round trip, files, serial lines and USB without a device."""

from __future__ import annotations

import socket
import time

import pytest

from printer import transport as transport_module
from printer.errors import PrinterError
from printer.transport import (
    DLE_EOT_PAPER, DLE_EOT_PRINTER, DummyTransport, FileTransport, NetworkTransport,
    PrinterAddress, PrinterStatus, SerialTransport, decode_status, open_transport,
    parse_printer_url,
)

JOB = b"\x1b@" + "社保".encode("gb18030") + bytes(range(256)) * 40 + b"\x1dV\x01"


# --- printer URLs --------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("network://192.168.1.50", dict(kind="network", host="192.168.1.50", port=9100)),
    ("network://printer-3.hall.local:9101/", dict(kind="network", host="printer-3.hall.local", port=9101)),
    ("network://[fe80::1]:9100", dict(kind="network", host="fe80::1", port=9100)),
    ("usb://0416:5011", dict(kind="usb", vendor=0x0416, product=0x5011)),
    ("usb://04B8:0E15", dict(kind="usb", vendor=0x04B8, product=0x0E15)),
    ("serial:///dev/ttyS0?baudrate=9600", dict(kind="serial", path="/dev/ttyS0", baudrate=9600)),
    ("serial:///dev/ttyUSB0?baudrate=115200&flow=rtscts",
     dict(kind="serial", path="/dev/ttyUSB0", baudrate=115200, flow="rtscts")),
    ("serial:///dev/ttyS1", dict(kind="serial", baudrate=9600, flow="none")),
    ("file:///dev/usb/lp0", dict(kind="file", path="/dev/usb/lp0")),
    ("  dummy ", dict(kind="dummy")),
])
def test_printer_urls(url, expected):
    address = parse_printer_url(url)
    for key, value in expected.items():
        assert getattr(address, key) == value


@pytest.mark.parametrize("url, hint", [
    ("192.168.1.50:9100", "unknown kind of printer"),
    ("tcp://192.168.1.50", "unknown kind of printer"),
    ("network://", "network://HOST"),
    ("network://10.0.0.9:99999", "port must be a number"),
    ("network://10.0.0.9:abc", "port must be a number"),
    ("network://10.0.0.9/queue", "network://HOST"),
    ("usb://416:5011", "4-digit hex"),
    ("usb://0416-5011", "4-digit hex"),
    ("usb://zzzz:5011", "4-digit hex"),
    ("serial://dev/ttyS0", "three slashes"),
    ("serial:///dev/ttyS0?baudrate=9601", "baudrate must be one of"),
    ("serial:///dev/ttyS0?speed=9600", "unknown serial option 'speed'"),
    ("serial:///dev/ttyS0?flow=hardware", "flow must be one of"),
    ("file://relative/path", "three slashes"),
])
def test_bad_printer_urls_say_what_is_expected(url, hint):
    with pytest.raises(PrinterError) as caught:
        parse_printer_url(url)
    assert caught.value.kind == "url"
    message = str(caught.value)
    assert message.startswith("打印机地址无效 / invalid printer URL") and hint in message
    assert "network://HOST[:9100]" in message


# --- the loopback network printer -------------------------------------------------------

def test_loopback_printer_receives_exactly_the_job(loopback):
    printer = loopback()
    open_transport(printer.url, timeout=2).send(JOB)
    assert printer.done.wait(5)
    assert printer.jobs == [JOB]


def test_refused_connection_is_a_clear_error_at_once():
    with socket.socket() as closed:           # bound, never listening: the port refuses
        closed.bind(("127.0.0.1", 0))
        url = f"network://127.0.0.1:{closed.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            open_transport(url, timeout=2).send(JOB)
    assert time.monotonic() - started < 2
    assert caught.value.kind == "unreachable"
    assert str(caught.value).startswith(f"打印机未连接 / printer not reachable at {url}")
    assert "connection refused" in str(caught.value)


def test_printer_that_accepts_then_stalls_times_out(loopback):
    printer = loopback(stall=True)
    timeout = 1.0
    job = JOB * 1000   # ~10 MB: more than every socket buffer between kiosk and printer
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        open_transport(printer.url, timeout=timeout).send(job)
    assert time.monotonic() - started < timeout + 1
    assert caught.value.kind == "timeout"
    assert str(caught.value).startswith("打印机无响应 / printer stopped accepting data at")


def test_printer_that_jams_mid_slip_times_out_though_the_slip_fits_our_send_buffer(loopback):
    # JOB * 3 is ~30 KB, the size of a slip with raster Chinese: sendall alone returns at once
    printer = loopback(stall_after=2000)
    timeout = 1.0
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        open_transport(printer.url, timeout=timeout).send(JOB * 3)
    assert timeout <= time.monotonic() - started < timeout + 1
    assert caught.value.kind == "timeout"
    assert [len(job) for job in printer.jobs] == [2000]


def test_a_printer_that_takes_the_whole_job_is_not_kept_waiting(loopback):
    printer = loopback()
    started = time.monotonic()
    open_transport(printer.url, timeout=2).send(JOB * 3)
    assert time.monotonic() - started < 0.5
    assert printer.done.wait(5) and printer.jobs == [JOB * 3]


def test_unknown_host_is_unreachable():
    with pytest.raises(PrinterError, match="host name 'no-such-printer.invalid' not found"):
        open_transport("network://no-such-printer.invalid", timeout=1).send(JOB)


# --- status ------------------------------------------------------------------------------

@pytest.mark.parametrize("printer_byte, paper_byte, online, paper", [
    (0x12, 0x12, True, "ok"),
    (0x12, 0x1E, True, "near_end"),      # bits 2-3: near-end sensor
    (0x1A, 0x72, False, "out"),          # bit 3 offline; bits 5-6: paper end
    (0x1A, 0x7E, False, "out"),
    (0x1A, 0x12, False, "ok"),           # offline with paper: cover open
])
def test_status_round_trip_with_a_loopback_printer(loopback, printer_byte, paper_byte, online, paper):
    printer = loopback(answers={1: printer_byte, 4: paper_byte})
    status = open_transport(printer.url, timeout=2).status()
    assert (status.online, status.paper) == (online, paper)
    assert status.ready == (online and paper != "out")
    assert printer.done.wait(5)
    assert printer.jobs == [DLE_EOT_PRINTER + DLE_EOT_PAPER]


def test_status_of_a_printer_that_never_answers_is_unknown_within_the_timeout(loopback):
    printer = loopback(answers={})
    started = time.monotonic()
    status = open_transport(printer.url, timeout=1).status()
    assert time.monotonic() - started < 2
    assert status == PrinterStatus(None, "unknown", "the printer does not answer status requests")
    assert status.ready    # it may still print: worth trying


def test_status_of_a_refusing_printer_is_offline_not_an_exception():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        status = open_transport(f"network://127.0.0.1:{closed.getsockname()[1]}", 1).status()
    assert status.online is False and not status.ready
    assert "printer not reachable" in status.detail


def test_garbage_is_not_taken_for_a_status():
    assert decode_status(b"\x00", b"\x12").online is None
    assert decode_status(b"\x12", b"\xff").paper == "unknown"
    assert decode_status(b"", b"").as_dict() == {
        "online": None, "paper": "unknown", "ready": True,
        "detail": "the printer does not answer status requests"}


# --- files, device nodes, serial, USB, dummy ---------------------------------------------

def test_plain_file_holds_the_last_job(tmp_path):
    target = tmp_path / "job.bin"
    transport = open_transport(f"file://{target}", timeout=1)
    transport.send(b"first job")
    transport.send(JOB)
    assert target.read_bytes() == JOB
    assert transport.status().online is True


def test_device_node_write_is_bounded():
    transport = FileTransport(PrinterAddress("file", "file:///dev/null", path="/dev/null"), 1)
    transport.send(JOB)
    assert transport.status() == PrinterStatus(
        None, "unknown", "device node present; a file:// printer does not report paper")


def test_missing_device_node_says_to_check_the_printer(tmp_path):
    with pytest.raises(PrinterError) as caught:
        open_transport("file:///dev/usb/lp9", timeout=1).send(JOB)
    assert caught.value.kind == "unreachable"
    assert "switched on and plugged in" in str(caught.value)
    assert open_transport("file:///dev/usb/lp9", timeout=1).status().online is False


def test_unwritable_file_names_the_permission(monkeypatch, tmp_path):
    # the tests may run as root, who may write anywhere: the refusal is the OS's answer
    def refuse(path, mode):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(transport_module, "open", refuse, raising=False)
    with pytest.raises(PrinterError, match="no permission to write to the printer.*group"):
        open_transport(f"file://{tmp_path}/job.bin", timeout=1).send(JOB)


def test_a_directory_is_no_printer(tmp_path):
    with pytest.raises(PrinterError, match="printing failed"):
        open_transport(f"file://{tmp_path}", timeout=1).send(JOB)


def test_serial_job_is_paced_to_the_line_speed():
    """pyserial's loop:// device runs out its write timeout like a real line when one
    write takes longer than the timeout at the baud rate: 3 KB at 9600 baud is ~3 s.
    Sent in paced chunks, the same job goes through with a 1 s timeout."""
    job = JOB[:3000]
    address = PrinterAddress("serial", "serial://loop", path="loop://", baudrate=9600)
    transport = SerialTransport(address, timeout=1)
    transport.send(job)
    line = transport._open()
    with pytest.raises(Exception, match="Write timeout"):
        line.write(job)   # what an unpaced write of the whole job would do
    line.close()


def test_serial_status_reads_the_reply():
    # loop:// echoes the request: DLE (0x10) is not a valid status byte, so unknown
    address = PrinterAddress("serial", "serial://loop", path="loop://", baudrate=115200)
    assert SerialTransport(address, timeout=1).status().online is None


def test_missing_serial_port_is_unreachable():
    transport = open_transport("serial:///dev/ttyNOSUCH0?baudrate=19200", timeout=1)
    with pytest.raises(PrinterError) as caught:
        transport.send(JOB)
    assert caught.value.kind == "unreachable"
    assert "cannot open /dev/ttyNOSUCH0" in str(caught.value)
    assert transport.status().online is False


def test_usb_printer_missing_is_a_clear_error():
    transport = open_transport("usb://0416:5011", timeout=1)
    with pytest.raises(PrinterError) as caught:
        transport.send(JOB)
    # no libusb here, or no such device on this machine's bus: either way, one error
    assert caught.value.kind == "unreachable"
    assert str(caught.value).startswith("打印机未连接 / printer not reachable at usb://0416:5011")
    assert transport.status().online is False


def test_dummy_keeps_jobs():
    transport = open_transport("dummy", timeout=1)
    assert isinstance(transport, DummyTransport)
    transport.send(JOB)
    assert transport.jobs == [JOB] and transport.status().ready


def test_network_transport_reports_its_url():
    transport = open_transport("network://127.0.0.1:9100", timeout=1)
    assert isinstance(transport, NetworkTransport) and transport.url == "network://127.0.0.1:9100"
