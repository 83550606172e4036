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

A zone's board or a window's screen hears only its room's part of the hall, and a
skip (SEQ_SKIPPED) for each step of the log that is not its, or for a run of them (`from` to
`seq`): it sees every `seq` too, and is put in order by the same rule, whichever server process
sent what.
"""

from __future__ import annotations

from typing import Any

from protocol.live import SEQ_SKIPPED

Message = tuple[str, dict[str, Any]]


class SeqOrder:
    def __init__(self, grace: float = 0.25):
        self.grace = grace
        self.last: int | None = None       # the seq up to which everything was handed on
        self.last_seq: int | None = None   # the seq of the last message handed on
        self._held: dict[int, list[Message]] = {}
        self._held_since: float | None = None
        #: a catch-up that failed (its server died meanwhile) from after this seq: the next
        #: snapshot, from whichever server answers, catches up from here instead
        self._unheard_after: int | None = None

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def message(self, name: str, payload: dict[str, Any], now: float) -> list[Message]:
        """What to hand on now that this message came in, in order."""
        key = payload.get("seq") if isinstance(payload, dict) else None
        if not isinstance(key, int):
            return [(name, payload)]
        first = first_step(name, payload)
        if self.last is None or first <= self.last + 1 < key + 1:
            self.last = key
            return self._handed([(name, payload)]) + self._release(now)
        if key <= self.last:
            return self._handed([(name, payload if key == self.last else payload | {"replayed": True})])
        self._held.setdefault(first, []).append((name, payload))
        if self._held_since is None:
            self._held_since = now
        return []

    def snapshot(self, seq: int | None, now: float) -> tuple[int | None, list[Message]]:
        """A snapshot is the hall as of `seq`: held messages up to it are in it. Returns the seq
        delivered before (from where a client catches up on calls it missed) and the held
        messages the snapshot unblocks."""
        before = self.last_seq
        if self._unheard_after is not None and before is not None:
            before = min(before, self._unheard_after)
        self._unheard_after = None
        if isinstance(seq, int):
            self.last_seq = self.last = seq
            for first in [s for s in self._held if s <= seq]:
                # what the snapshot holds goes; a run of skips reaching past it still counts
                rest = [(n, p) for n, p in self._held.pop(first) if p["seq"] > seq]
                if rest:
                    self._held.setdefault(seq + 1, []).extend(rest)
        return before, self._release(now)

    def overdue(self, now: float) -> tuple[int, int] | None:
        """The gap (since, upto), in `seq`, to catch up on, once the first held message has
        waited `grace` seconds for the ones before it."""
        if not self._held or self.last is None or self.last_seq is None or now - self._held_since < self.grace:
            return None
        return self.last_seq, min(self._held) - 1

    def not_caught_up(self, since: int) -> None:
        """A catch-up from after `since` could not be made: remember it for the next snapshot."""
        self._unheard_after = since if self._unheard_after is None else min(self._unheard_after, since)

    def caught_up(self, upto: int, now: float) -> list[Message]:
        """The client caught up (or gave up) on everything to `upto`: what was held after it goes."""
        self.last_seq = max(self.last_seq or upto, upto)
        self.last = max(self.last or upto, upto)
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
            released = self._held.pop(self.last + 1)
            self.last = max(payload["seq"] for _, payload in released)
            out.extend(released)
        self._held_since = now if self._held else None
        return self._handed(out)


def first_step(name: str, payload: dict[str, Any]) -> int:
    """The first step of the log a message stands for: a run of skips' `from`, else its `seq`."""
    first = payload.get("from") if name == SEQ_SKIPPED else None
    return first if isinstance(first, int) and first <= payload["seq"] else payload["seq"]
