"""A sorted line of tickets that is never changed in place.

The hall's state is a value: every event makes a new state and the old one stays true (a
reader may still hold it, and a refused command must leave it as it was). So a queue ordered
as it is called cannot be one list sorted again per command, nor one list changed in place.
`SortedLine` keeps its (key, ticket) pairs in chunks of at most `CHUNK`: adding or removing a
ticket makes a new line that shares every chunk but one with the old. A change costs one
chunk and the chunk table (not the whole line); finding how many come before a key is two
binary searches.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

#: pairs per chunk: small enough to copy on a change, large enough to keep the table short
CHUNK = 64

Pair = tuple[tuple, Any]


class SortedLine:
    """(key, value) pairs in key order; keys are unique (they end with the ticket's id).

    With `since` (a value's time, such as a ticket's issue time) the line also keeps each
    chunk's earliest value, so `earliest()` never walks the line.
    """

    __slots__ = ("_chunks", "_keys", "_lasts", "_starts", "_len", "_since", "_earliest", "_first_come")

    def __init__(self, chunks: tuple[tuple[Pair, ...], ...] = (),
                 since: Callable[[Any], Any] | None = None, earliest: tuple | None = None,
                 keys: tuple[tuple[tuple, ...], ...] | None = None):
        self._chunks = chunks
        # each chunk's keys on their own: a binary search then compares tuples in C, with no
        # key function called per step
        self._keys = tuple(tuple(key for key, _ in chunk) for chunk in chunks) if keys is None else keys
        self._since = since
        self._first_come: Any = _UNKNOWN   # earliest(), worked out once per line
        self._lasts = tuple(chunk[-1][0] for chunk in chunks)
        starts, total = [], 0
        for chunk in chunks:
            starts.append(total)
            total += len(chunk)
        self._starts = tuple(starts)
        self._len = total
        if since is not None and earliest is None:
            earliest = tuple(self._earliest_of(chunk) for chunk in chunks)
        self._earliest = earliest

    @classmethod
    def of(cls, pairs: Iterable[Pair], since: Callable[[Any], Any] | None = None) -> "SortedLine":
        ranked = sorted(pairs, key=_key)
        return cls(tuple(tuple(ranked[i:i + CHUNK]) for i in range(0, len(ranked), CHUNK)), since)

    def _earliest_of(self, chunk: tuple[Pair, ...]) -> Any:
        return min((value for _, value in chunk), key=self._since)

    def _replaced(self, i: int, new: list[tuple[Pair, ...]], through: int | None = None) -> "SortedLine":
        """This line with chunks i..through (i alone by default) replaced by `new`."""
        end = i + 1 if through is None else through + 1
        chunks = self._chunks[:i] + tuple(new) + self._chunks[end:]
        keys = self._keys[:i] + tuple(tuple(key for key, _ in c) for c in new) + self._keys[end:]
        earliest = None
        if self._since is not None:
            earliest = self._earliest[:i] + tuple(self._earliest_of(c) for c in new) + self._earliest[end:]
        return SortedLine(chunks, self._since, earliest, keys)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._chunks:
            for _, value in chunk:
                yield value

    def keys(self) -> Iterator[tuple]:
        for chunk in self._chunks:
            for key, _ in chunk:
                yield key

    def before(self, key: tuple) -> int:
        """How many pairs have a key below `key`."""
        i = bisect_left(self._lasts, key)
        if i == len(self._chunks):
            return self._len
        return self._starts[i] + bisect_left(self._keys[i], key)

    def first(self) -> Pair | None:
        return self._chunks[0][0] if self._chunks else None

    def earliest(self) -> Any:
        """The value of the earliest `since`, first in line among equals (None if empty)."""
        if self._first_come is _UNKNOWN:
            # a line changes by making a new one, so this line's answer never goes stale
            self._first_come = min(self._earliest, key=self._since) if self._earliest else None
        return self._first_come

    def pairs_from(self, start: int) -> Iterator[Pair]:
        """The pairs from place `start` on, in order."""
        if start >= self._len:
            return iter(())
        i = bisect_left(self._starts, start + 1) - 1
        head = self._chunks[i][start - self._starts[i]:]
        rest = (pair for chunk in self._chunks[i + 1:] for pair in chunk)
        return _chain(head, rest)

    def slice(self, start: int, count: int) -> list[Any]:
        return [value for _, value in islice(self.pairs_from(start), count)]

    def added(self, key: tuple, value: Any) -> "SortedLine":
        if not self._chunks:
            return SortedLine((((key, value),),), self._since)
        i = min(bisect_left(self._lasts, key), len(self._chunks) - 1)
        chunk = list(self._chunks[i])
        chunk.insert(bisect_left(self._keys[i], key), (key, value))
        half = len(chunk) // 2
        return self._replaced(i, [tuple(chunk)] if len(chunk) <= CHUNK else [tuple(chunk[:half]), tuple(chunk[half:])])

    def removed(self, key: tuple) -> "SortedLine":
        """The line without the pair of this key (the same line if there is none)."""
        i = bisect_left(self._lasts, key)
        if i == len(self._chunks):
            return self
        chunk = list(self._chunks[i])
        j = bisect_left(self._keys[i], key)
        if j == len(chunk) or chunk[j][0] != key:
            return self
        del chunk[j]
        if i + 1 < len(self._chunks) and len(chunk) + len(self._chunks[i + 1]) <= CHUNK // 2:
            # a chunk worn thin by removals joins its neighbour, so the table stays short
            return self._replaced(i, [tuple(chunk) + self._chunks[i + 1]], through=i + 1)
        return self._replaced(i, [tuple(chunk)] if chunk else [])


#: earliest() not worked out yet (None is an answer: nobody in line)
_UNKNOWN = object()


def _key(pair: Pair) -> tuple:
    return pair[0]


def _chain(head: Iterable[Pair], rest: Iterable[Pair]) -> Iterator[Pair]:
    yield from head
    yield from rest
