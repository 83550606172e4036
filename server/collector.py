"""The cyclic garbage collector in a server process that holds thousands of live connections.

Each live connection is a few hundred objects that live as long as it does (its greenlet, its
socket, Engine.IO's and the websocket's state). Python's full collection walks every one of
them: with 5,000 connections a full collection took 250–450 ms, during which the process
served nothing, and one came every 20 s or so of a busy hall (every issue and call of those
moments waited for it; it was the whole tail of their reply times).

So what survives a full collection is frozen (`gc.freeze`, a documented API): the next full
collection walks only what came after it. Frozen objects that later become cyclic garbage (a
connection that ended) wait for the thaw: every THAW_SECONDS everything is unfrozen and
collected once (one such pause every few hours), then frozen again. Objects freed by their
reference counts, nearly all of them, are freed at once either way.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

#: how often everything frozen is looked at again
THAW_SECONDS = 6 * 3600.0


class LongLived:
    """Freezes what each full collection leaves (installed once per server process) and thaws
    it every `thaw_seconds` (`run`, on a thread of its own)."""

    def __init__(self, thaw_seconds: float = THAW_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.thaw_seconds = thaw_seconds
        self.clock = clock
        self.thawed_at = clock()
        self.frozen_runs = 0   # full collections whose survivors were frozen

    def install(self) -> None:
        if self._after_collection not in gc.callbacks:
            gc.callbacks.append(self._after_collection)

    def uninstall(self) -> None:
        if self._after_collection in gc.callbacks:
            gc.callbacks.remove(self._after_collection)

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        # at "stop" the collection is over and its garbage gone: what is left is alive
        if phase == "stop" and info.get("generation") == 2:
            gc.freeze()
            self.frozen_runs += 1

    def thaw_due(self) -> bool:
        return self.clock() - self.thawed_at >= self.thaw_seconds

    def thaw(self) -> float:
        """Everything frozen is collected once (then frozen again by the callback); the
        seconds it took."""
        began = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        self.thawed_at = self.clock()
        took = time.perf_counter() - began
        log.info("frozen objects collected once more in %.0f ms; %d kept", took * 1000, gc.get_freeze_count())
        return took

    def run(self, stopped: threading.Event, look_every: float = 60.0) -> None:
        while not stopped.wait(look_every):
            if self.thaw_due():
                self.thaw()


def keep_long_lived(thaw_seconds: float = THAW_SECONDS) -> LongLived:
    """For a server process: install the freezing, start the thawing, freeze what the start
    built (the application, its modules and configuration live as long as the process)."""
    keeper = LongLived(thaw_seconds)
    gc.collect()
    gc.freeze()
    keeper.install()
    threading.Thread(target=keeper.run, args=(threading.Event(),), name="jiaohao-gc-thaw", daemon=True).start()
    return keeper
