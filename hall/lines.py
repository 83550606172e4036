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
from typing import Any, Iterable, Iterator

#: pairs per chunk: small enough to copy on a change, large enough to keep the table short
CHUNK = 64

Pair = tuple[tuple, Any]


class SortedLine:
    """(key, ticket) pairs in key order; keys are unique (they end with the ticket's id)."""

    __slots__ = ("_chunks", "_lasts", "_starts", "_len")

    def __init__(self, chunks: tuple[tuple[Pair, ...], ...] = ()):
        self._chunks = chunks
        self._lasts = tuple(chunk[-1][0] for chunk in chunks)
        starts, total = [], 0
        for chunk in chunks:
            starts.append(total)
            total += len(chunk)
        self._starts = tuple(starts)
        self._len = total

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> "SortedLine":
        ranked = sorted(pairs, key=_key)
        return cls(tuple(tuple(ranked[i:i + CHUNK]) for i in range(0, len(ranked), CHUNK)))

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._chunks:
            for _, ticket in chunk:
                yield ticket

    def keys(self) -> Iterator[tuple]:
        for chunk in self._chunks:
            for key, _ in chunk:
                yield key

    def before(self, key: tuple) -> int:
        """How many pairs have a key below `key`."""
        i = bisect_left(self._lasts, key)
        if i == len(self._chunks):
            return self._len
        return self._starts[i] + bisect_left(self._chunks[i], key, key=_key)

    def first(self) -> Pair | None:
        return self._chunks[0][0] if self._chunks else None

    def pairs_from(self, start: int) -> Iterator[Pair]:
        """The pairs from place `start` on, in order."""
        if start >= self._len:
            return iter(())
        i = bisect_left(self._starts, start + 1) - 1
        head = self._chunks[i][start - self._starts[i]:]
        rest = (pair for chunk in self._chunks[i + 1:] for pair in chunk)
        return _chain(head, rest)

    def slice(self, start: int, count: int) -> list[Any]:
        return [ticket for _, ticket in islice(self.pairs_from(start), count)]

    def added(self, key: tuple, ticket: Any) -> "SortedLine":
        chunks = list(self._chunks)
        if not chunks:
            return SortedLine((((key, ticket),),))
        i = min(bisect_left(self._lasts, key), len(chunks) - 1)
        chunk = list(chunks[i])
        chunk.insert(bisect_left(chunk, key, key=_key), (key, ticket))
        chunks[i:i + 1] = [tuple(chunk)] if len(chunk) <= CHUNK else [
            tuple(chunk[:len(chunk) // 2]), tuple(chunk[len(chunk) // 2:])]
        return SortedLine(tuple(chunks))

    def removed(self, key: tuple) -> "SortedLine":
        """The line without the pair of this key (the same line if there is none)."""
        i = bisect_left(self._lasts, key)
        if i == len(self._chunks):
            return self
        chunk = list(self._chunks[i])
        j = bisect_left(chunk, key, key=_key)
        if j == len(chunk) or chunk[j][0] != key:
            return self
        del chunk[j]
        chunks = list(self._chunks)
        if i + 1 < len(chunks) and len(chunk) + len(chunks[i + 1]) <= CHUNK // 2:
            # a chunk worn thin by removals joins its neighbour, so the table stays short
            chunks[i:i + 2] = [tuple(chunk) + chunks[i + 1]]
        else:
            chunks[i:i + 1] = [tuple(chunk)] if chunk else []
        return SortedLine(tuple(chunks))


def _key(pair: Pair) -> tuple:
    return pair[0]


def _chain(head: Iterable[Pair], rest: Iterable[Pair]) -> Iterator[Pair]:
    yield from head
    yield from rest
