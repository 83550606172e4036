"""The number typed on the kiosk's keypad, for citizens whose card the reader cannot read."""

from __future__ import annotations

from hall.identity import parse_id_number
from hall.tickets import QueueError

from . import BAD_NUMBER, CardRead, IdentitySource, identity_error

ID_LENGTH = 18


class TypedEntry(IdentitySource):
    """What the keypad shows: digits, and X only as the last of 18; checked on `read`."""

    kind = "typed"

    def __init__(self) -> None:
        self.text = ""

    def press(self, key: str) -> str:
        """A keypad key: a digit, "X", "⌫" (back) or "清除" (clear); returns the text now shown."""
        if key == "⌫":
            self.text = self.text[:-1]
        elif key == "清除":
            self.text = ""
        elif len(self.text) < ID_LENGTH and (key.isdigit() or (key.upper() == "X" and len(self.text) == ID_LENGTH - 1)):
            self.text += key.upper()
        return self.text

    @property
    def complete(self) -> bool:
        return len(self.text) == ID_LENGTH

    def read(self) -> CardRead | None:
        if not self.text:
            return None
        try:
            return CardRead(number=parse_id_number(self.text), source="typed")
        except QueueError:
            raise identity_error(BAD_NUMBER) from None
