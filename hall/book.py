"""The hall's tickets by id, a map that is never changed in place.

Every event makes a new hall state and the old one stays true (a reader may hold it, a refused
command must leave it as it was), so the tickets cannot be one dict changed in place; copying
the dict per event costs as much as the number waiting. `TicketBook` is a trie on the ticket's
id, 32 ways at each level: setting or dropping a ticket copies the few nodes on its path (one
per five bits of the id) and shares the rest with the book it came from. It reads as a
read-only mapping, in id order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, Iterator

BITS = 5
WIDTH = 1 << BITS
MASK = WIDTH - 1
#: an empty slot: a ticket may be None nowhere, but the marker keeps that question out
_NONE = object()
_EMPTY_NODE: tuple = (_NONE,) * WIDTH


class TicketBook(Mapping):
    """An immutable map of non-negative ints (ticket ids) to values, with `set`, `set_all`
    and `dropped` making new books that share all but one path with this one."""

    __slots__ = ("_root", "_shift", "_len")

    def __init__(self, root: tuple = _EMPTY_NODE, shift: int = 0, length: int = 0):
        # a node at shift s > 0 holds child nodes; at shift 0 it holds the values
        self._root, self._shift, self._len = root, shift, length

    @classmethod
    def of(cls, items: Mapping[int, Any] | Iterable[tuple[int, Any]]) -> "TicketBook":
        if isinstance(items, TicketBook):
            return items
        return cls().set_all(items)

    # --- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._len

    def _find(self, key: Any) -> Any:
        if not isinstance(key, int) or key < 0 or key >> (self._shift + BITS):
            return _NONE
        node, shift = self._root, self._shift
        while shift:
            node = node[(key >> shift) & MASK]
            if node is _NONE:
                return _NONE
            shift -= BITS
        return node[key & MASK]

    def __getitem__(self, key: int) -> Any:
        found = self._find(key)
        if found is _NONE:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not _NONE

    def get(self, key: int, default: Any = None) -> Any:
        found = self._find(key)
        return default if found is _NONE else found

    def __iter__(self) -> Iterator[int]:
        for key, _ in self._pairs(self._root, self._shift, 0):
            yield key

    def items(self):   # a generator of pairs in id order, not a view: the book never changes
        return self._pairs(self._root, self._shift, 0)

    def values(self):
        return (value for _, value in self._pairs(self._root, self._shift, 0))

    def _pairs(self, node: tuple, shift: int, base: int) -> Iterator[tuple[int, Any]]:
        for i, slot in enumerate(node):
            if slot is _NONE:
                continue
            key = base | (i << shift)
            if shift:
                yield from self._pairs(slot, shift - BITS, key)
            else:
                yield key, slot

    def __reduce__(self):   # rebuilt from its pairs: the empty-slot marker is this process's own
        return (TicketBook.of, (list(self.items()),))

    def __repr__(self) -> str:
        return f"TicketBook({dict(self.items())!r})"

    # --- new books -----------------------------------------------------------------------

    def set(self, key: int, value: Any) -> "TicketBook":
        """This book with `key` set to `value`."""
        if not isinstance(key, int) or key < 0:
            raise KeyError(f"a ticket id is a whole number from 0: {key!r}")
        root, shift = self._root, self._shift
        while key >> (shift + BITS):   # a longer id than any so far: one level more on top
            root = (root,) + (_NONE,) * MASK if self._len else _EMPTY_NODE
            shift += BITS
        root, added = _set(root, shift, key, value)
        return TicketBook(root, shift, self._len + added)

    def set_all(self, items: Mapping[int, Any] | Iterable[tuple[int, Any]]) -> "TicketBook":
        book = self
        for key, value in (items.items() if isinstance(items, Mapping) else items):
            book = book.set(key, value)
        return book

    def dropped(self, keys: Iterable[int]) -> "TicketBook":
        """This book without `keys` (those it does not hold are ignored)."""
        root, length = self._root, self._len
        for key in set(keys):
            if key in self:
                root = _drop(root, self._shift, key)
                length -= 1
        if root is _NONE:   # the last one dropped
            return TicketBook()
        return TicketBook(root, self._shift, length)


def _set(node: tuple, shift: int, key: int, value: Any) -> tuple[tuple, int]:
    """`node` with `key` set, and 1 if the key is new there."""
    i = (key >> shift) & MASK
    if shift:
        child = node[i]
        child, added = _set(_EMPTY_NODE if child is _NONE else child, shift - BITS, key, value)
    else:
        child, added = value, int(node[i] is _NONE)
    return node[:i] + (child,) + node[i + 1:], added


def _drop(node: tuple, shift: int, key: int) -> Any:
    """`node` without `key`, or _NONE once nothing is left in it."""
    i = (key >> shift) & MASK
    child = _drop(node[i], shift - BITS, key) if shift else _NONE
    out = node[:i] + (child,) + node[i + 1:]
    return _NONE if all(slot is _NONE for slot in out) else out
