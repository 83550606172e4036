"""ID card readers speaking the public SAM frame protocol (GA 467) over serial or USB-serial.

A frame is the preamble `AA AA AA 96 69`, a two-byte big-endian length of what follows it, and
then, to the reader, a command and parameter (`20 01` find card, `20 02` select card, `30 01`
read text and photo), from the reader three status bytes SW1 SW2 SW3 and the data; the last
byte is the XOR of every byte from the length on. SW3 `90` is success (`9F` for a card found);
`80`/`81` mean no card to find or select; `41` means the card left mid-read.

The read's data is the text length, the photo length (two bytes each), then the 256-byte text
block in UCS-2 little-endian: name 15 characters, sex 1, nation 2, birth date 8, address 35,
ID number 18, issuer 15, valid from 8, valid to 8, reserved 18. The photo is not kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from hall.identity import parse_id_number
from hall.tickets import QueueError

from . import (BAD_CARD, BAD_FRAME, CARD_PULLED, READER_GONE, CardRead, IdentityError, IdentitySource,
               identity_error)

log = logging.getLogger(__name__)

PREAMBLE = bytes.fromhex("AAAAAA9669")
FIND_CARD, SELECT_CARD, READ_CARD = b"\x20\x01", b"\x20\x02", b"\x30\x01"
OK, CARD_FOUND = 0x90, 0x9F
NOT_FOUND, NOT_SELECTED = 0x80, 0x81
CARD_LEFT = 0x41             # operation on the card failed: it left the field mid-read
TEXT_BYTES = 256
#: (field, characters) in the order of the text block
TEXT_FIELDS = (("name", 15), ("sex", 1), ("nation", 2), ("birth", 8), ("address", 35), ("number", 18),
               ("issuer", 15), ("valid_from", 8), ("valid_to", 8), ("reserved", 18))
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
#: GB 3304: the 56 nationalities, and the two codes for others
NATIONS = dict(enumerate((
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
    "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
    "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"),
    start=1)) | {97: "其他", 98: "外国血统中国籍人士"}


def checksum(body: bytes) -> int:
    result = 0
    for byte in body:
        result ^= byte
    return result


def command_frame(command: bytes) -> bytes:
    """A command to the reader: `AA AA AA 96 69 00 03 20 01 22` finds a card."""
    body = (len(command) + 1).to_bytes(2, "big") + command
    return PREAMBLE + body + bytes([checksum(body)])


def reply_frame(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader's reply (what a reader sends; the fake reader in the tests replays these)."""
    body = (len(data) + 4).to_bytes(2, "big") + bytes([sw1, sw2, sw3]) + data
    return PREAMBLE + body + bytes([checksum(body)])


@dataclass(frozen=True)
class Reply:
    status: int      # SW3
    data: bytes


def parse_reply(frame: bytes) -> Reply:
    """One whole reply frame checked: preamble, length, checksum."""
    if not frame.startswith(PREAMBLE) or len(frame) < len(PREAMBLE) + 6:
        raise identity_error(BAD_FRAME)
    body = frame[len(PREAMBLE):-1]
    if int.from_bytes(body[:2], "big") != len(body) - 1 or checksum(body) != frame[-1]:
        raise identity_error(BAD_FRAME)
    return Reply(status=body[4], data=body[5:])


def text_fields(block: bytes) -> dict[str, str]:
    """The 256-byte text block as its fields, padding spaces dropped."""
    if len(block) != TEXT_BYTES:
        raise identity_error(BAD_CARD)
    try:
        text = block.decode("utf-16-le")
    except UnicodeDecodeError:
        raise identity_error(BAD_CARD) from None
    fields, at = {}, 0
    for name, width in TEXT_FIELDS:
        fields[name] = text[at:at + width].strip().strip("\x00")
        at += width
    return fields


def card_from_text(block: bytes) -> CardRead:
    """The text block as a `CardRead`; a block whose number fails GB 11643 is a bad card."""
    f = text_fields(block)
    try:
        number = parse_id_number(f["number"])
        born = date(int(f["birth"][:4]), int(f["birth"][4:6]), int(f["birth"][6:8]))
    except (QueueError, ValueError):
        raise identity_error(BAD_CARD) from None
    nation = NATIONS.get(int(f["nation"]), "") if f["nation"].isdigit() else f["nation"]
    return CardRead(number=number, name=f["name"], sex=SEXES.get(f["sex"], f["sex"]), nation=nation,
                    birth_date=born, address=f["address"], issuer=f["issuer"], valid_from=f["valid_from"],
                    valid_to=f["valid_to"], source="sam")


def text_block(**values: str) -> bytes:
    """A text block from field values: how a card lays them out (the tests' fake cards)."""
    text = "".join(values.get(name, "").ljust(width)[:width] for name, width in TEXT_FIELDS)
    return text.encode("utf-16-le")


class SamReader(IdentitySource):
    """A SAM reader on a serial port (`/dev/ttyUSB0`, `COM3`; 115200 baud is the usual speed)."""

    kind = "sam"

    def __init__(self, port: str, baudrate: int = 115200, timeout: float = 1.0,
                 open_port: Callable[..., Any] | None = None):
        self.port_name, self.baudrate, self.timeout = port, baudrate, timeout
        self._open_port = open_port or _serial_port
        self._port: Any = None

    def read(self) -> CardRead | None:
        try:
            if self._ask(FIND_CARD).status not in (CARD_FOUND, OK):
                return None
            if self._ask(SELECT_CARD).status != OK:
                return None   # found and gone again before it could be selected: as if none
            reply = self._ask(READ_CARD)
        except IdentityError as failed:
            if failed.code == READER_GONE:
                self.close()   # the next read opens the port again: a replugged reader comes back
            raise
        if reply.status in (NOT_FOUND, NOT_SELECTED, CARD_LEFT):
            raise identity_error(CARD_PULLED)
        if reply.status != OK:
            raise identity_error(BAD_CARD)
        return card_from_text(_text_of(reply.data))

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except OSError:
                pass   # already gone with the device

    def _ask(self, command: bytes) -> Reply:
        port = self._opened()
        try:
            port.reset_input_buffer()   # a late answer to an earlier command must not be taken for this one
            port.write(command_frame(command))
            return parse_reply(self._frame(port))
        except (OSError, _serial_error()) as lost:
            log.warning("ID card reader on %s: %s", self.port_name, type(lost).__name__)
            raise identity_error(READER_GONE) from None

    def _opened(self) -> Any:
        if self._port is None:
            try:
                self._port = self._open_port(self.port_name, self.baudrate, self.timeout)
            except (OSError, _serial_error()):
                raise identity_error(READER_GONE) from None
        return self._port

    def _frame(self, port: Any) -> bytes:
        """One reply: resynchronised on the preamble, then exactly as long as it says."""
        seen = b""
        while not seen.endswith(PREAMBLE):
            byte = port.read(1)
            if not byte:
                raise identity_error(READER_GONE if not seen else CARD_PULLED)
            seen = (seen + byte)[-len(PREAMBLE):]
        head = _exactly(port, 2)
        rest = _exactly(port, int.from_bytes(head, "big"))
        return PREAMBLE + head + rest


def _exactly(port: Any, count: int) -> bytes:
    data = port.read(count)
    if len(data) != count:
        raise identity_error(CARD_PULLED)   # the reply stopped short: the card left mid-read
    return data


def _text_of(data: bytes) -> bytes:
    if len(data) < 4:
        raise identity_error(BAD_CARD)
    text_length = int.from_bytes(data[:2], "big")
    block = data[4:4 + text_length]
    if text_length != TEXT_BYTES or len(block) != TEXT_BYTES:
        raise identity_error(BAD_CARD)
    return block


def _serial_port(name: str, baudrate: int, timeout: float) -> Any:
    import serial   # pyserial: only a kiosk with a reader needs it
    return serial.Serial(name, baudrate=baudrate, timeout=timeout)


def _serial_error() -> type[Exception]:
    try:
        import serial
    except ImportError:
        return OSError
    return serial.SerialException
