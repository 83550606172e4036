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

A zone's board or a window's screen (`room`) hears only its room's part of the hall, so its
`seq` jumps by design: its messages are put in order by their `room_seq` instead, the room's
own count, one more per message. The gap to catch up on is still given in `seq`, which is
what a catch-up asks by.
"""

from __future__ import annotations

from typing import Any

Message = tuple[str, dict[str, Any]]


class SeqOrder:
    def __init__(self, grace: float = 0.25, room: bool = False):
        self.grace = grace
        self.key = "room_seq" if room else "seq"   # what messages are put in order by
        self.last: int | None = None       # the key of the last message handed on
        self.last_seq: int | None = None   # the seq of the last message handed on
        self._held: dict[int, list[Message]] = {}
        self._held_since: float | None = None

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def message(self, name: str, payload: dict[str, Any], now: float) -> list[Message]:
        """What to hand on now that this message came in, in order."""
        key = payload.get(self.key) if isinstance(payload, dict) else None
        if not isinstance(key, int):
            return [(name, payload)]
        if self.last is None or key == self.last + 1:
            self.last = key
            return self._handed([(name, payload)]) + self._release(now)
        if key <= self.last:
            return self._handed([(name, payload if key == self.last else payload | {"replayed": True})])
        self._held.setdefault(key, []).append((name, payload))
        if self._held_since is None:
            self._held_since = now
        return []

    def new_connection(self) -> None:
        """A room counts afresh on every connection (a restarted server starts at 0); the
        hall's `seq` does not."""
        if self.key != "seq":
            self.last = None
            self._held.clear()
            self._held_since = None

    def snapshot(self, seq: int | None, now: float, room_seq: int | None = None) -> tuple[int | None, list[Message]]:
        """A snapshot is the hall as of `seq`: held messages up to it are in it. Returns the seq
        delivered before (from where a client catches up on calls it missed) and the held
        messages the snapshot unblocks. A room's snapshot also says the room's count so far."""
        before = self.last_seq
        if isinstance(seq, int):
            self.last_seq = seq
        upto = seq if self.key == "seq" else room_seq
        if isinstance(upto, int):
            # a room's message may have come in on this connection just before its snapshot
            self.last = upto if self.key == "seq" else max(self.last or upto, upto)
            for old in [s for s in self._held if s <= upto]:
                del self._held[old]
        return before, self._release(now)

    def overdue(self, now: float) -> tuple[int, int] | None:
        """The gap (since, upto), in `seq`, to catch up on, once the first held message has
        waited `grace` seconds for the ones before it."""
        if not self._held or self.last is None or self.last_seq is None or now - self._held_since < self.grace:
            return None
        first = min(self._held)
        seqs = [p["seq"] for _, p in self._held[first] if isinstance(p.get("seq"), int)]
        return self.last_seq, (min(seqs) if seqs else self.last_seq + 1) - 1

    def caught_up(self, upto: int, now: float) -> list[Message]:
        """The client caught up (or gave up) on everything to `upto`: what was held after it goes."""
        self.last_seq = max(self.last_seq or upto, upto)
        if self.key == "seq":
            self.last = max(self.last or upto, upto)
        elif self._held:
            self.last = min(self._held) - 1   # the room's missing messages were among the caught-up
        return self._release(now)

    def _handed(self, messages: list[Message]) -> list[Message]:
        for _, payload in messages:
            seq = payload.get("seq")
            if isinstance(seq, int):
                self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)
        return messages

    def _release(self, now: float) -> list[Message]:
        out: list[Message] = []
        while self.last is not None and self.last + 1 in self._held:
            self.last += 1
            out.extend(self._held.pop(self.last))
        self._held_since = now if self._held else None
        return self._handed(out)
