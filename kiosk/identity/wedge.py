"""ID card readers that type like a keyboard (HID "keyboard wedge"): they send the 18-character
number and Enter, a few milliseconds a key. Keys that come that fast and end in Enter are a
card; the same keys at a person's pace are someone typing, and are left to the typed entry."""

from __future__ import annotations

from hall.identity import parse_id_number
from hall.tickets import QueueError

from . import BAD_NUMBER, CardRead, IdentitySource, identity_error

#: a reader types a key every few milliseconds; a person hardly ever under 50
MAX_GAP_SECONDS = 0.05


class KeyboardWedge(IdentitySource):
    """Fed the kiosk's key presses (the widget's event filter); `read` hands over the last card."""

    kind = "wedge"

    def __init__(self, max_gap: float = MAX_GAP_SECONDS):
        self.max_gap = max_gap
        self._keys = ""
        self._last_at: float | None = None
        self._card: CardRead | None = None

    def feed(self, text: str, at: float) -> bool:
        """One key press at monotonic time `at`; True when it finished a card read."""
        if self._last_at is not None and at - self._last_at > self.max_gap:
            self._keys = ""   # a pause: what came before was a person, not the reader
        self._last_at = at
        if text in ("\r", "\n"):
            burst, self._keys = self._keys, ""
            return self._finish(burst)
        self._keys += text
        return False

    def _finish(self, burst: str) -> bool:
        if len(burst) < 15:
            return False   # Enter after a few keys: someone using the keyboard
        try:
            self._card = CardRead(number=parse_id_number(burst[-18:]), source="wedge")
        except QueueError:
            self._card = None
            raise identity_error(BAD_NUMBER) from None
        return True

    def read(self) -> CardRead | None:
        card, self._card = self._card, None
        return card
