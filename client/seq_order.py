"""A hall's live messages put back in `seq` order before a client sees them.

The socket.io client hands every incoming message to a thread of its own, so two messages
sent one after the other can reach the client's handler swapped. Taken at face value, a
swap looks like a gap: the client would open a second connection to catch up on a message
that is already on its way, then hear it twice. So messages are held here for a moment:
one that follows what was delivered goes out at once (with any held ones it unblocks); one
further ahead waits, and only a gap still open after `grace` seconds is a real loss, for
the client to catch up on (`overdue`, then `caught_up`).

Several messages follow one event and share its `seq` (a call is heard as the call, the
window's change and the queue's change); a message older than what was delivered is handed on marked `replayed`,
as caught-up ones are: the client's state is already newer. Plain Python, no clock or
threads of its own: the caller passes the time and serialises the calls.
"""

from __future__ import annotations

from typing import Any

Message = tuple[str, dict[str, Any]]


class SeqOrder:
    def __init__(self, grace: float = 0.25):
        self.grace = grace
        self.last: int | None = None            # the seq of the last message handed on
        self._held: dict[int, list[Message]] = {}
        self._held_since: float | None = None

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def message(self, name: str, payload: dict[str, Any], now: float) -> list[Message]:
        """What to hand on now that this message came in, in order."""
        seq = payload.get("seq") if isinstance(payload, dict) else None
        if not isinstance(seq, int):
            return [(name, payload)]
        if self.last is None or seq == self.last + 1:
            self.last = seq
            return [(name, payload)] + self._release(now)
        if seq <= self.last:
            return [(name, payload if seq == self.last else payload | {"replayed": True})]
        self._held.setdefault(seq, []).append((name, payload))
        if self._held_since is None:
            self._held_since = now
        return []

    def snapshot(self, seq: int | None, now: float) -> tuple[int | None, list[Message]]:
        """A snapshot is the hall as of `seq`: held messages up to it are in it. Returns the seq
        delivered before (from where a client catches up on calls it missed) and the held
        messages the snapshot unblocks."""
        before = self.last
        if isinstance(seq, int):
            self.last = seq
            for old in [s for s in self._held if s <= seq]:
                del self._held[old]
        return before, self._release(now)

    def overdue(self, now: float) -> tuple[int, int] | None:
        """The gap (since, upto) to catch up on, once the first held message has waited
        `grace` seconds for the ones before it."""
        if not self._held or self.last is None or now - self._held_since < self.grace:
            return None
        return self.last, min(self._held) - 1

    def caught_up(self, upto: int, now: float) -> list[Message]:
        """The client caught up (or gave up) on everything to `upto`: what was held after it goes."""
        self.last = max(self.last or upto, upto)
        return self._release(now)

    def _release(self, now: float) -> list[Message]:
        out: list[Message] = []
        while self.last is not None and self.last + 1 in self._held:
            self.last += 1
            out.extend(self._held.pop(self.last))
        self._held_since = now if self._held else None
        return out
