"""Who is taking the ticket: the `IdentitySource` the kiosk asks for a 身份证 number.

Three kinds of source, one interface: a reader speaking the SAM frame protocol over serial or
USB-serial (`sam.SamReader`), a reader that types like a keyboard (`wedge.KeyboardWedge`),
and the citizen typing the number (`typed.TypedEntry`). Each hands back a `CardRead` whose
number already passed the GB 11643 check (hall/identity.py), or raises `IdentityError` with
a bilingual message for the screen. Nothing here logs a number: `CardRead`'s repr is masked.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date

from hall.identity import IdNumber


class IdentityError(Exception):
    """The card or the number could not be read. `code` for the presenter, `message` for the citizen."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


NO_CARD = "no_card"               # nothing on the reader (yet): not an error to show
BAD_CARD = "bad_card"             # the card answered, but not with a readable 身份证
CARD_PULLED = "card_pulled"       # the card left the reader mid-read
READER_GONE = "reader_gone"       # the reader does not answer or was unplugged
BAD_FRAME = "bad_frame"           # a frame with a wrong checksum or length
BAD_NUMBER = "bad_id_number"      # a number typed or scanned that fails GB 11643

MESSAGES = {
    BAD_CARD: "无法读取此证件，请换一张身份证或手动输入 / this card cannot be read: try another ID card or type the number",
    CARD_PULLED: "读卡未完成，请将身份证放稳后重试 / the card was moved during reading: hold it still and try again",
    READER_GONE: "读卡器未连接，请手动输入身份证号或联系工作人员 / the card reader is not connected: type the number "
                 "or ask the staff",
    BAD_FRAME: "读卡出错，请重新放置身份证 / reading failed: place the card again",
    BAD_NUMBER: "身份证号码有误，请核对 / the ID card number is not valid",
}


def identity_error(code: str) -> IdentityError:
    return IdentityError(code, MESSAGES[code])


@dataclass(frozen=True)
class CardRead:
    """What a source read. Only `number` goes to the server (and `name` where an item keeps it);
    the rest is for the screen while the citizen stands at the kiosk."""

    number: IdNumber
    name: str = field(default="", repr=False)
    sex: str = field(default="", repr=False)
    nation: str = field(default="", repr=False)
    birth_date: date | None = field(default=None, repr=False)
    address: str = field(default="", repr=False)
    issuer: str = field(default="", repr=False)
    valid_from: str = field(default="", repr=False)
    valid_to: str = field(default="", repr=False)   # "YYYYMMDD" or "长期"
    source: str = "typed"                           # "sam", "wedge" or "typed"


class IdentitySource(ABC):
    """Asked by the kiosk for the card on it now."""

    kind: str = ""

    @abstractmethod
    def read(self) -> CardRead | None:
        """The card on the reader now, None when there is none; IdentityError when reading fails."""

    def close(self) -> None:
        """Give the device back (a serial port); sources without a device have nothing to close."""
