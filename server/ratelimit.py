"""Token buckets in memory: each key may burst up to `capacity` requests and then gets
`rate` more per second. One server process serves one hall, so memory is enough; a
restart forgives everyone, which is harmless for a limit measured in seconds."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable


@dataclass(frozen=True)
class Limit:
    capacity: float   # requests allowed at once
    rate: float       # requests regained per second


class TokenBuckets:
    #: forget keys idle this long, so a stream of new addresses cannot grow memory for ever
    FORGET_AFTER = 15 * 60
    SWEEP_EVERY = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.buckets: dict[Hashable, tuple[float, float]] = {}   # key → (tokens, last seen)
        self.lock = threading.Lock()
        self.calls = 0

    def take(self, key: Hashable, limit: Limit) -> int:
        """Spend one request for `key`; 0 when allowed, else whole seconds until it would be."""
        now = self.clock()
        with self.lock:
            self._sweep(now)
            tokens, seen = self.buckets.get(key, (limit.capacity, now))
            tokens = min(limit.capacity, tokens + (now - seen) * limit.rate)
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                return max(1, math.ceil((1 - tokens) / limit.rate))
            self.buckets[key] = (tokens - 1, now)
            return 0

    def _sweep(self, now: float) -> None:
        self.calls += 1
        if self.calls % self.SWEEP_EVERY:
            return
        self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < self.FORGET_AFTER}


class SweepWatch:
    """Refused bookings per address, so supervisors see someone sweeping the slots (one address
    booking every place with invented mobile numbers) instead of finding the slots full."""

    KEEP = 50   # addresses remembered: the busiest, newest first

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_address: dict[str, dict] = {}

    def refused(self, address: str, slot: str, at: str) -> None:
        with self.lock:
            seen = self.by_address.pop(address, None) or {"address": address, "refused": 0,
                                                         "first_at": at, "slots": []}
            seen["refused"] += 1
            seen["last_at"] = at
            if slot not in seen["slots"]:
                seen["slots"] = (seen["slots"] + [slot])[-5:]
            self.by_address[address] = seen   # re-inserted: the dict keeps the newest last
            while len(self.by_address) > self.KEEP:
                self.by_address.pop(next(iter(self.by_address)))

    def recent(self) -> list[dict]:
        with self.lock:
            return [dict(v) for v in reversed(self.by_address.values())]
