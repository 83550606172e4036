"""Token buckets: each key may burst up to `capacity` requests and then gets `rate` more per
second. `spend` is the rule; where the buckets are kept depends on how many processes serve
the hall. One process (SQLite) keeps them in memory: a restart forgives everyone, which is
harmless for a limit measured in seconds. The processes of a city (PostgreSQL) keep them in
the database they share (`SharedTokenBuckets`), so an address gets its allowance once, not once
per process. `buckets_for` picks."""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable

from . import db, repository as repo


@dataclass(frozen=True)
class Limit:
    capacity: float   # requests allowed at once
    rate: float       # requests regained per second


def spend(tokens: float, seen: float, now: float, limit: Limit) -> tuple[float, int]:
    """(tokens left, wait): the bucket refilled since `seen`, then one request taken from it
    if it holds one (wait 0), else nothing taken and the whole seconds until it would."""
    tokens = min(limit.capacity, tokens + (now - seen) * limit.rate)
    if tokens < 1:
        return tokens, max(1, math.ceil((1 - tokens) / limit.rate))
    return tokens - 1, 0


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
            left, wait = spend(tokens, seen, now, limit)
            self.buckets[key] = (left, now)
            return wait

    def _sweep(self, now: float) -> None:
        self.calls += 1
        if self.calls % self.SWEEP_EVERY:
            return
        self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < self.FORGET_AFTER}


def keyed_name(secret: str, scope: object, key: Hashable) -> str:
    """What a shared row is called: a keyed hash of the hall and the key, so no address,
    mobile number or token is written down."""
    return hmac.new(secret.encode(), f"{scope}|{key!r}".encode(), hashlib.sha256).hexdigest()


class SharedTokenBuckets:
    """The same buckets in the database every process of the deployment uses: each take is a
    short write transaction that locks its bucket's row. Times are the wall clock (the
    processes may run on several machines)."""

    FORGET_AFTER = TokenBuckets.FORGET_AFTER
    SWEEP_EVERY = 1_000

    def __init__(self, database, secret: str, scope: object, clock: Callable[[], float] = time.time):
        self.database, self.secret, self.scope, self.clock = database, secret, scope, clock
        self.calls = 0

    def take(self, key: Hashable, limit: Limit) -> int:
        now, name = self.clock(), keyed_name(self.secret, self.scope, key)
        self.calls += 1
        conn = self.database.connection()
        with db.write(conn):
            left, wait = spend(*repo.bucket(conn, name, limit.capacity, now), now, limit)
            repo.set_bucket(conn, name, left, now)
            if self.calls % self.SWEEP_EVERY == 0:
                repo.forget_buckets(conn, now - self.FORGET_AFTER)
        return wait


def buckets_for(hall) -> "TokenBuckets | SharedTokenBuckets":
    """In memory for a hall served by one process; in the database its processes share."""
    if hall.database.shared:
        return SharedTokenBuckets(hall.database, hall.data.secret_key, hall.service.hall_id)
    return TokenBuckets()


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
