"""The two framed protocols of the hall's RS-485 bus, encoded and decoded without I/O.

ff68 (caller keypads and raters): ``FF 68 L L 68 ADDR FUNC DATA… CS 16``. L counts the bytes of
ADDR, FUNC and DATA; CS is their sum mod 256.

a090 (LED strips): ``A0 90 ADDR A5 LEN_H LEN_L {char, colour}… XOR``. Each character is sent as
GBK (one byte for ASCII, two for Chinese) followed by one colour byte; LEN counts those bytes;
XOR is the exclusive-or of every byte from ADDR to the last colour byte.

The stream readers take bytes as they come off the wire and give back whole frames and, for
every bad run of bytes, one `Skipped` with the reason — never an exception: a noisy bus must
not stop the bridge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Iterator, Union

# --- ff68 ----------------------------------------------------------------------------------------

FF68_START = b"\xff\x68"
FF68_END = 0x16
#: the longest frame a keypad or rater sends: ADDR FUNC and a few data bytes
FF68_MAX_L = 64

FUNC_RATER_START = 0x01   # bridge → rater: ask for a rating (data 0B); rater ← ack of a key (data VALUE)
FUNC_DISPLAY = 0x02       # bridge → keypad: the digits to show
FUNC_BEEP = 0x03          # bridge → keypad: beep once
FUNC_RATER_KEY = 0x11     # rater → bridge: the citizen pressed VALUE
RATER_START_DATA = b"\x0b"
BLANK_DIGIT = 0x0A        # a keypad digit position left dark


@dataclass(frozen=True)
class Ff68Frame:
    address: int
    func: int
    data: bytes = b""

    def encode(self) -> bytes:
        body = bytes((self.address, self.func)) + self.data
        length = len(body)
        return bytes((0xFF, 0x68, length, length, 0x68)) + body + bytes((sum(body) & 0xFF, FF68_END))

    @property
    def key(self) -> int | None:
        """A keypad's key: the last data byte of any frame but a rater's."""
        return self.data[-1] if self.data else None


def display_frame(address: int, number: str | None) -> Ff68Frame:
    """What a keypad shows of the window's current number: its last three digits, the first
    three positions dark; all dark when the window has no current number."""
    digits = [int(c) for c in (number or "") if c.isdigit()][-3:]
    shown = [BLANK_DIGIT] * (6 - len(digits)) + digits
    return Ff68Frame(address, FUNC_DISPLAY, bytes(shown))


def refused_frames(address: int) -> list[Ff68Frame]:
    """A refused action or an unreachable server: the display shows 0, and the keypad beeps."""
    return [Ff68Frame(address, FUNC_DISPLAY, b"\x00"), Ff68Frame(address, FUNC_BEEP)]


def rater_start(address: int) -> Ff68Frame:
    return Ff68Frame(address, FUNC_RATER_START, RATER_START_DATA)


def rater_ack(address: int, value: int) -> Ff68Frame:
    """The answer to a rater's key: FUNC 01 with the same value (so its checksum is CS − 0x10)."""
    return Ff68Frame(address, FUNC_RATER_START, bytes((value,)))


# --- a090 ----------------------------------------------------------------------------------------

A090_START = b"\xa0\x90"
A090_MARK = 0xA5
#: colour bytes of a strip's characters
RED, GREEN, YELLOW = 0x01, 0x02, 0x03
COLOURS = {"red": RED, "green": GREEN, "yellow": YELLOW}


@dataclass(frozen=True)
class Cell:
    char: str
    colour: int = GREEN


@dataclass(frozen=True)
class A090Frame:
    address: int
    cells: tuple[Cell, ...]

    @property
    def text(self) -> str:
        return "".join(cell.char for cell in self.cells)

    def encode(self) -> bytes:
        payload = b"".join(cell.char.encode("gbk") + bytes((cell.colour,)) for cell in self.cells)
        if len(payload) > 0xFFFF:
            raise ValueError("strip text too long for one frame")
        head = bytes((self.address, A090_MARK, len(payload) >> 8, len(payload) & 0xFF))
        return A090_START + head + payload + bytes((_xor(head + payload),))


def strip_frame(address: int, text: str, colour: int = GREEN) -> A090Frame:
    """One colour for the whole text; characters GBK cannot write are shown as '?'."""
    return A090Frame(address, tuple(Cell(_gbk_char(c), colour) for c in text))


def _gbk_char(char: str) -> str:
    try:
        char.encode("gbk")
        return char
    except UnicodeEncodeError:
        return "?"


def _xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def decode_cells(payload: bytes) -> tuple[Cell, ...] | None:
    """A strip frame's payload as characters and colours; None if it does not split cleanly."""
    cells, i = [], 0
    while i < len(payload):
        width = 2 if payload[i] >= 0x81 else 1
        if i + width >= len(payload):
            return None
        try:
            char = payload[i:i + width].decode("gbk")
        except UnicodeDecodeError:
            return None
        cells.append(Cell(char, payload[i + width]))
        i += width + 1
    return tuple(cells)


# --- reading a stream ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Skipped:
    """Bytes dropped from the stream, and why (one log line)."""
    reason: str
    data: bytes


Item = Union[Ff68Frame, A090Frame, Skipped]


class _StreamReader:
    """Bytes in, frames and skipped runs out. A frame cut short is kept until `expire` says the
    bus went quiet; noise before a start is one skipped run, however long."""

    START = b""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._after_bad_frame = False   # the noise that follows is that frame's rest: no new line

    def feed(self, data: bytes) -> list[Item]:
        self.buffer += data
        return list(self._drain())

    def expire(self) -> list[Item]:
        """The bus went quiet: whatever is left can no longer become a frame."""
        if not self.buffer:
            return []
        dropped, self.buffer = bytes(self.buffer), bytearray()
        if self._after_bad_frame:
            self._after_bad_frame = False
            return []
        return [Skipped("partial frame (bus went quiet)", dropped)]

    def _drain(self) -> Iterator[Item]:
        while self.buffer:
            start = self.buffer.find(self.START)
            if start != 0:
                cut = len(self.buffer) - (len(self.START) - 1) if start < 0 else start
                if start < 0 and not self._may_start(self.buffer[cut:]):
                    cut = len(self.buffer)
                if cut == 0:
                    return   # only the first byte of a start so far
                noise = self._take(cut)
                if not self._after_bad_frame:
                    yield Skipped("noise", noise)
                continue
            self._after_bad_frame = False
            outcome = self._frame()
            if outcome is None:
                return   # wait for more bytes
            if isinstance(outcome, Skipped):
                self._after_bad_frame = True
            yield outcome

    def _may_start(self, tail: bytes) -> bool:
        return bool(tail) and self.START.startswith(bytes(tail))

    def _take(self, count: int) -> bytes:
        taken = bytes(self.buffer[:count])
        del self.buffer[:count]
        return taken

    def _frame(self) -> Item | None:
        raise NotImplementedError


class Ff68Reader(_StreamReader):
    START = FF68_START

    def _frame(self) -> Item | None:
        buf = self.buffer
        if len(buf) < 5:
            return None
        length = buf[2]
        if buf[3] != length or buf[4] != 0x68 or not 2 <= length <= FF68_MAX_L:
            return Skipped(f"wrong length or header (L {buf[2]:#04x}/{buf[3]:#04x})", self._take(2))
        total = 5 + length + 2
        if len(buf) < total:
            return None
        body, checksum, end = bytes(buf[5:5 + length]), buf[5 + length], buf[6 + length]
        if end != FF68_END:
            return Skipped(f"no end byte 16 where L puts it (found {end:#04x})", self._take(2))
        if sum(body) & 0xFF != checksum:
            return Skipped(f"bad checksum {checksum:#04x}, expected {sum(body) & 0xFF:#04x}", self._take(total))
        self._take(total)
        return Ff68Frame(body[0], body[1], body[2:])


class A090Reader(_StreamReader):
    """For the strip emulator and the tests: reads back what the bridge sent a strip."""
    START = A090_START

    def _frame(self) -> Item | None:
        buf = self.buffer
        if len(buf) < 6:
            return None
        if buf[3] != A090_MARK:
            return Skipped(f"no A5 after the address (found {buf[3]:#04x})", self._take(2))
        length = (buf[4] << 8) | buf[5]
        total = 6 + length + 1
        if len(buf) < total:
            return None
        head_and_payload = bytes(buf[2:6 + length])
        if _xor(head_and_payload) != buf[6 + length]:
            return Skipped("bad XOR", self._take(total))
        cells = decode_cells(head_and_payload[4:])
        if cells is None:
            return Skipped("characters and colours do not pair up", self._take(total))
        self._take(total)
        return A090Frame(head_and_payload[0], cells)
