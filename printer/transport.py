"""Getting a print job to the printer, and its status back, from one printer URL.

    network://HOST[:PORT]             raw TCP, port 9100 unless given
    usb://VENDOR:PRODUCT              USB IDs in hex, as `lsusb` shows them (0416:5011)
    serial:///dev/ttyS0?baudrate=9600 serial line; optional flow=rtscts|xonxoff
    file:///PATH                      a device node (/dev/usb/lp0) or a plain file
    dummy                             prints nowhere (development, tests)

Every operation is bounded by the printer's timeout, and every failure is a
`PrinterError` naming the URL. Connections are opened per job and closed after:
many network printers serve one client at a time, and a kiosk prints seldom.
"""

from __future__ import annotations

import os
import select
import socket
import stat
import struct
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from printer.errors import PrinterError

DEFAULT_PORT = 9100
DEFAULT_BAUDRATE = 9600
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
SERIAL_FLOW = ("none", "rtscts", "xonxoff")
CHUNK = 4096
URL_FORMS = ("network://HOST[:9100], usb://VENDOR:PRODUCT, serial:///dev/ttyS0?baudrate=9600, "
             "file:///dev/usb/lp0, dummy")

#: Real-time status requests (DLE EOT n): printer status, roll paper sensor status.
DLE_EOT_PRINTER = b"\x10\x04\x01"
DLE_EOT_PAPER = b"\x10\x04\x04"
PAPER_STATES = ("ok", "near_end", "out", "unknown")


# --- status --------------------------------------------------------------------------

@dataclass(frozen=True)
class PrinterStatus:
    """What the kiosk reports to the supervisor's dashboard about its printer."""

    online: bool | None      # None: reachable, but it does not answer status requests
    paper: str = "unknown"   # one of PAPER_STATES
    detail: str = ""

    @property
    def ready(self) -> bool:
        """Worth sending a ticket to: not known to be offline or out of paper."""
        return self.online is not False and self.paper != "out"

    def as_dict(self) -> dict[str, object]:
        return {"online": self.online, "paper": self.paper, "detail": self.detail,
                "ready": self.ready}


def _status_byte(reply: bytes) -> int | None:
    """The first byte of a DLE EOT reply, if it has the fixed bits every reply carries
    (bit 1 and bit 4 set, bits 0 and 7 clear); anything else is not a status reply."""
    if not reply or reply[0] & 0x93 != 0x12:
        return None
    return reply[0]


def decode_status(printer_reply: bytes, paper_reply: bytes) -> PrinterStatus:
    """Decode the replies to DLE EOT 1 (bit 3: offline) and DLE EOT 4 (bits 2-3: paper
    near its end, bits 5-6: paper out)."""
    printer_byte = _status_byte(printer_reply)
    paper_byte = _status_byte(paper_reply)
    if printer_byte is None:
        return PrinterStatus(None, "unknown", "the printer does not answer status requests")
    online = not printer_byte & 0x08
    if paper_byte is None:
        paper = "unknown"
    elif paper_byte & 0x60:
        paper = "out"
    elif paper_byte & 0x0C:
        paper = "near_end"
    else:
        paper = "ok"
    return PrinterStatus(online, paper, _status_detail(online, paper))


def query_status(ask) -> PrinterStatus:
    """Ask DLE EOT 1, then DLE EOT 4; a printer silent on the first is not asked again,
    so a status check costs at most one timeout."""
    printer_reply = ask(DLE_EOT_PRINTER)
    if _status_byte(printer_reply) is None:
        return decode_status(printer_reply, b"")
    return decode_status(printer_reply, ask(DLE_EOT_PAPER))


def _status_detail(online: bool, paper: str) -> str:
    if paper == "out":
        return "缺纸 / out of paper"
    if not online:
        return "打印机离线（盖子打开或故障）/ printer offline (cover open or error)"
    if paper == "near_end":
        return "纸将用完 / paper roll nearly used up"
    return "正常 / ready"


# --- addresses -----------------------------------------------------------------------

@dataclass(frozen=True)
class PrinterAddress:
    kind: str                   # network | usb | serial | file | dummy
    url: str
    host: str = ""
    port: int = DEFAULT_PORT
    vendor: int = 0
    product: int = 0
    path: str = ""
    baudrate: int = DEFAULT_BAUDRATE
    flow: str = "none"


def _bad_url(url: str, why: str) -> PrinterError:
    return PrinterError("打印机地址无效", "invalid printer URL", where=repr(url),
                        detail=f"{why}; expected one of {URL_FORMS}", kind="url")


def parse_printer_url(url: str) -> PrinterAddress:
    url = url.strip()
    if url == "dummy":
        return PrinterAddress("dummy", url)
    scheme, sep, _ = url.partition("://")
    parsers = {"network": _network, "usb": _usb, "serial": _serial, "file": _file}
    if not sep or scheme not in parsers:
        raise _bad_url(url, "unknown kind of printer")
    return parsers[scheme](url)


def _network(url: str) -> PrinterAddress:
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or not parts.hostname:
        raise _bad_url(url, "a network printer is network://HOST or network://HOST:PORT")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise _bad_url(url, "the port must be a number from 1 to 65535") from None
    return PrinterAddress("network", url, host=parts.hostname, port=port)


def _usb(url: str) -> PrinterAddress:
    ids = url[len("usb://"):].strip("/")
    vendor, sep, product = ids.partition(":")
    try:
        if not sep or len(vendor) != 4 or len(product) != 4:
            raise ValueError
        return PrinterAddress("usb", url, vendor=int(vendor, 16), product=int(product, 16))
    except ValueError:
        raise _bad_url(url, "USB IDs are two 4-digit hex numbers, as lsusb shows: "
                            "usb://0416:5011") from None


def _serial(url: str) -> PrinterAddress:
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/dev/"):
        raise _bad_url(url, "a serial printer is serial:///dev/ttyS0 (three slashes)")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - {"baudrate", "flow"}
    if unknown:
        raise _bad_url(url, f"unknown serial option {sorted(unknown)[0]!r} "
                            "(baudrate and flow are understood)")
    baud = options.get("baudrate", str(DEFAULT_BAUDRATE))
    if not baud.isdigit() or int(baud) not in BAUDRATES:
        raise _bad_url(url, f"baudrate must be one of {', '.join(map(str, BAUDRATES))}")
    flow = options.get("flow", "none")
    if flow not in SERIAL_FLOW:
        raise _bad_url(url, f"flow must be one of {', '.join(SERIAL_FLOW)}")
    return PrinterAddress("serial", url, path=parts.path, baudrate=int(baud), flow=flow)


def _file(url: str) -> PrinterAddress:
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/") or parts.query:
        raise _bad_url(url, "a file printer is file:///absolute/path (three slashes)")
    return PrinterAddress("file", url, path=parts.path)


# --- transports ----------------------------------------------------------------------

class Transport(Protocol):
    url: str

    def send(self, job: bytes) -> None: ...

    def status(self) -> PrinterStatus: ...


def open_transport(url: str | PrinterAddress, timeout: float) -> Transport:
    address = url if isinstance(url, PrinterAddress) else parse_printer_url(url)
    if address.kind == "network":
        return NetworkTransport(address, timeout)
    if address.kind == "usb":
        return UsbTransport(address, timeout)
    if address.kind == "serial":
        return SerialTransport(address, timeout)
    if address.kind == "file":
        return FileTransport(address, timeout)
    return DummyTransport()


def _unreachable(url: str, detail: str) -> PrinterError:
    return PrinterError("打印机未连接", "printer not reachable", where=url, detail=detail,
                        kind="unreachable")


def _stalled(url: str, timeout: float) -> PrinterError:
    return PrinterError("打印机无响应", "printer stopped accepting data", where=url,
                        detail=f"nothing accepted for {timeout:g} s: out of paper, cover open, "
                               "or busy with another job?", kind="timeout")


def _unacknowledged(sock: socket.socket) -> int | None:
    """Bytes sent but not yet acknowledged by the other end (Linux SIOCOUTQ); None where
    the system cannot tell."""
    try:
        import fcntl
        import termios
        reply = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
    except (ImportError, AttributeError, OSError):
        return None
    return struct.unpack("i", reply)[0]


def _taken_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Wait until the printer acknowledged every byte (and our end of the job), at most
    `timeout`. A printer that jams mid-slip stops taking data once its own buffer is full,
    so this catches a jam in any job larger than that buffer."""
    end = time.monotonic() + timeout
    while _unacknowledged(sock):
        if time.monotonic() >= end:
            return False
        time.sleep(0.002)
    return True


def _chunks(job: bytes, size: int = CHUNK):
    view = memoryview(job)
    for start in range(0, len(view), size):
        yield view[start:start + size]


class DummyTransport:
    """Keeps the jobs in memory: the default printer of a development kiosk."""

    url = "dummy"

    def __init__(self, status: PrinterStatus | None = None):
        self.jobs: list[bytes] = []
        self._status = status or PrinterStatus(True, "ok", "dummy printer: nothing is printed")

    def send(self, job: bytes) -> None:
        self.jobs.append(bytes(job))

    def status(self) -> PrinterStatus:
        return self._status


class NetworkTransport:
    """Raw TCP to the printer's port 9100 (JetDirect / "RAW" printing)."""

    def __init__(self, address: PrinterAddress, timeout: float):
        self.url = address.url
        self.host, self.port, self.timeout = address.host, address.port, timeout

    def _connect(self) -> socket.socket:
        try:
            return socket.create_connection((self.host, self.port), timeout=self.timeout)
        except socket.gaierror:
            raise _unreachable(self.url, f"host name {self.host!r} not found") from None
        except TimeoutError:
            raise _unreachable(self.url, f"no answer within {self.timeout:g} s: "
                                         "check the cable, the printer's IP address and power") from None
        except ConnectionRefusedError:
            raise _unreachable(self.url, f"connection refused on port {self.port}: "
                                         "is that the printer's raw printing port?") from None
        except OSError as exc:
            raise _unreachable(self.url, exc.strerror or str(exc)) from None

    def send(self, job: bytes) -> None:
        with self._connect() as sock:
            try:
                # the timeout bounds each chunk: a long raster job may take a while to
                # print, but a printer that accepts nothing for `timeout` has stalled
                for chunk in _chunks(job):
                    sock.sendall(chunk)
                sock.shutdown(socket.SHUT_WR)
                # sendall returns once the bytes are in our own send buffer, which holds a whole
                # slip: only the printer's acknowledgement says it took them
                if not _taken_by_peer(sock, self.timeout):
                    raise TimeoutError
            except TimeoutError:
                raise _stalled(self.url, self.timeout) from None
            except OSError as exc:
                raise PrinterError("打印中断", "connection lost while printing", where=self.url,
                                   detail=exc.strerror or str(exc)) from None

    def status(self) -> PrinterStatus:
        try:
            with self._connect() as sock:
                return query_status(lambda request: self._ask(sock, request))
        except PrinterError as exc:
            return PrinterStatus(False, "unknown", str(exc))

    def _ask(self, sock: socket.socket, request: bytes) -> bytes:
        try:
            sock.sendall(request)
            return sock.recv(1)
        except OSError:   # includes the timeout of a printer that never answers
            return b""


class SerialTransport:
    def __init__(self, address: PrinterAddress, timeout: float):
        self.url = address.url
        self.port, self.baudrate, self.flow = address.path, address.baudrate, address.flow
        self.timeout = timeout

    def _open(self):
        import serial  # pyserial, installed with the printer extra

        try:
            return serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=self.timeout,
                write_timeout=self.timeout, rtscts=self.flow == "rtscts",
                xonxoff=self.flow == "xonxoff")
        except (serial.SerialException, OSError, ValueError) as exc:
            raise _unreachable(self.url, f"cannot open {self.port}: {exc}") from None

    def send(self, job: bytes) -> None:
        import serial

        line = self._open()
        # a chunk takes at most half the timeout at line speed (10 bits a byte), so only
        # a printer holding the line back (flow control) can run out the write timeout
        chunk_size = max(16, int(self.baudrate / 10 * self.timeout / 2))
        try:
            for chunk in _chunks(job, chunk_size):
                line.write(chunk)
        except serial.SerialTimeoutException:
            line.reset_output_buffer()   # else closing the port waits for the stalled bytes
            raise _stalled(self.url, self.timeout) from None
        except (serial.SerialException, OSError) as exc:
            raise PrinterError("打印中断", "serial line failed while printing", where=self.url,
                               detail=str(exc)) from None
        finally:
            line.close()

    def status(self) -> PrinterStatus:
        try:
            line = self._open()
        except PrinterError as exc:
            return PrinterStatus(False, "unknown", str(exc))
        try:
            return query_status(lambda request: self._ask(line, request))
        finally:
            line.close()

    @staticmethod
    def _ask(line, request: bytes) -> bytes:
        try:
            line.reset_input_buffer()
            line.write(request)
            return line.read(1)
        except Exception:   # pyserial raises several unrelated types; status is best effort
            return b""


class UsbTransport:
    """Direct USB (libusb via pyusb), finding the printer's bulk endpoints itself:
    they differ between printer makes (0x01/0x81, 0x02/0x82, …)."""

    def __init__(self, address: PrinterAddress, timeout: float):
        self.url = address.url
        self.vendor, self.product, self.timeout = address.vendor, address.product, timeout

    def _open(self):
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise _unreachable(self.url, "pyusb is not installed") from None
        try:
            device = usb.core.find(idVendor=self.vendor, idProduct=self.product)
        except usb.core.NoBackendError:
            raise _unreachable(self.url, "no USB library: install the package libusb-1.0-0") from None
        if device is None:
            raise _unreachable(self.url, "no such device on the USB bus: check the cable, "
                                         "the power and the IDs shown by lsusb")
        try:
            return device, self._endpoints(device)
        except usb.core.USBError as exc:
            usb.util.dispose_resources(device)
            raise _unreachable(self.url, f"cannot claim the printer ({exc}): another program "
                                         "or the usblp driver may hold it") from None

    @staticmethod
    def _endpoints(device):
        import usb.core
        import usb.util

        try:
            if device.is_kernel_driver_active(0):
                device.detach_kernel_driver(0)
        except (NotImplementedError, usb.core.USBError):
            pass   # not on this platform, or nothing to detach
        try:
            config = device.get_active_configuration()
        except usb.core.USBError:
            device.set_configuration()
            config = device.get_active_configuration()
        interface = config[(0, 0)]

        def endpoint(direction):
            return usb.util.find_descriptor(interface, custom_match=lambda e: (
                usb.util.endpoint_direction(e.bEndpointAddress) == direction
                and usb.util.endpoint_type(e.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK))

        out_ep, in_ep = endpoint(usb.util.ENDPOINT_OUT), endpoint(usb.util.ENDPOINT_IN)
        if out_ep is None:
            raise usb.core.USBError("the device has no bulk OUT endpoint: is it a printer?")
        return out_ep, in_ep

    def send(self, job: bytes) -> None:
        import usb.core
        import usb.util

        device, (out_ep, _) = self._open()
        try:
            for chunk in _chunks(job):
                out_ep.write(chunk, timeout=int(self.timeout * 1000))
        except usb.core.USBTimeoutError:
            raise _stalled(self.url, self.timeout) from None
        except usb.core.USBError as exc:
            raise PrinterError("打印中断", "USB transfer failed while printing", where=self.url,
                               detail=str(exc)) from None
        finally:
            usb.util.dispose_resources(device)

    def status(self) -> PrinterStatus:
        import usb.util

        try:
            device, (out_ep, in_ep) = self._open()
        except PrinterError as exc:
            return PrinterStatus(False, "unknown", str(exc))
        try:
            if in_ep is None:
                return PrinterStatus(True, "unknown", "USB printer without a status channel")
            return query_status(lambda request: self._ask(out_ep, in_ep, request))
        finally:
            usb.util.dispose_resources(device)

    def _ask(self, out_ep, in_ep, request: bytes) -> bytes:
        import usb.core

        try:
            out_ep.write(request, timeout=int(self.timeout * 1000))
            return bytes(in_ep.read(in_ep.wMaxPacketSize, timeout=int(self.timeout * 1000)))
        except usb.core.USBError:
            return b""


class FileTransport:
    """A device node such as /dev/usb/lp0 (the kernel's usblp driver), or a plain file,
    which then holds the last job: handy to see exactly what a kiosk sends."""

    def __init__(self, address: PrinterAddress, timeout: float):
        self.url = address.url
        self.path, self.timeout = address.path, timeout

    def _is_device(self) -> bool:
        try:
            return stat.S_ISCHR(os.stat(self.path).st_mode)
        except OSError:
            return self.path.startswith("/dev/")

    def send(self, job: bytes) -> None:
        try:
            if self._is_device():
                self._send_to_device(job)
            else:
                with open(self.path, "wb") as file:
                    file.write(job)
        except FileNotFoundError:
            raise _unreachable(self.url, f"{self.path} does not exist: is the printer switched on "
                                         "and plugged in?") from None
        except PermissionError:
            raise PrinterError("无权访问打印机", "no permission to write to the printer",
                               where=self.url, detail="add the kiosk's user to the group "
                               "that owns the device (usually lp)") from None
        except OSError as exc:
            raise PrinterError("打印失败", "printing failed", where=self.url,
                               detail=exc.strerror or str(exc)) from None

    def _send_to_device(self, job: bytes) -> None:
        # non-blocking with poll: a blocking write to a stalled printer never returns
        fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        try:
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            view = memoryview(job)
            while view:
                if not poller.poll(int(self.timeout * 1000)):
                    raise _stalled(self.url, self.timeout)
                try:
                    view = view[os.write(fd, view[:CHUNK]):]
                except BlockingIOError:
                    continue
        finally:
            os.close(fd)

    def status(self) -> PrinterStatus:
        if not os.path.exists(self.path):
            return PrinterStatus(False, "unknown", f"{self.path} does not exist")
        if self._is_device():
            return PrinterStatus(None, "unknown",
                                 "device node present; a file:// printer does not report paper")
        return PrinterStatus(True, "unknown", "plain file: nothing is printed")
