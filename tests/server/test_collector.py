"""A server process freezes what survives each full collection, so the next one walks only
the newer objects, and thaws it all now and then so that cyclic garbage among the frozen
(a connection that ended) is still collected."""

from __future__ import annotations

import gc
import weakref

import pytest

from server.collector import LongLived


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def keeper():
    keeper = LongLived(thaw_seconds=3600.0, clock=lambda: keeper_clock[0])
    keeper_clock[0] = 0.0
    keeper.thawed_at = 0.0
    keeper.install()
    try:
        yield keeper
    finally:
        keeper.uninstall()
        gc.unfreeze()
        gc.collect()


keeper_clock = [0.0]


def test_a_full_collection_freezes_what_it_left_and_nothing_else(keeper) -> None:
    survivor = Node()
    gc.collect()
    assert keeper.frozen_runs == 1 and gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    gc.collect(0)   # a young collection freezes nothing (frozen objects freed meanwhile leave it)
    assert gc.get_freeze_count() <= frozen and keeper.frozen_runs == 1
    assert survivor.me is survivor


def test_frozen_cyclic_garbage_waits_for_the_thaw_and_is_collected_then(keeper) -> None:
    node = Node()
    gone = weakref.ref(node)
    gc.collect()              # alive: frozen with the rest
    del node                  # now cyclic garbage, but frozen
    gc.collect()
    assert gone() is not None, "a frozen cycle is not looked at by a full collection"
    assert not keeper.thaw_due()
    keeper_clock[0] = 3600.0
    assert keeper.thaw_due()
    keeper.thaw()
    assert gone() is None, "the thaw collects it"
    assert keeper.thawed_at == 3600.0 and not keeper.thaw_due()
    assert gc.get_freeze_count() > 0, "and what is alive is frozen again"


def test_garbage_made_after_a_full_collection_is_collected_by_the_next(keeper) -> None:
    gc.collect()
    node = Node()
    gone = weakref.ref(node)
    del node
    gc.collect()
    assert gone() is None
