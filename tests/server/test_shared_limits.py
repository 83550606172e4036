"""Rate limits and the sign-in throttle a city's processes share: kept in the database they
all use, so an address or a sprayer meets one count whichever process it reaches; one process
on SQLite keeps them in memory. Keys are keyed hashes: nothing personal is written down."""

from __future__ import annotations

from server.auth import LoginThrottle, SharedLoginThrottle, login_throttle
from server.ratelimit import Limit, SharedTokenBuckets, TokenBuckets, buckets_for, spend


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_rule_refills_by_the_rate_and_never_past_the_capacity() -> None:
    limit = Limit(capacity=2, rate=0.5)
    assert spend(2, 0, 0, limit) == (1, 0)
    assert spend(0.2, 0, 0, limit) == (0.2, 2), "0.8 of a request short: 2 s at 0.5/s"
    assert spend(0, 0, 100, limit) == (1, 0), "a long wait refills to the capacity, not past it"


def test_two_processes_share_one_bucket_per_key(data_dir) -> None:
    clock = Clock()
    one = SharedTokenBuckets(data_dir.database, data_dir.secret_key, data_dir.hall_id, clock=clock)
    other = SharedTokenBuckets(data_dir.database, data_dir.secret_key, data_dir.hall_id, clock=clock)
    limit = Limit(capacity=2, rate=0.1)
    assert one.take(("address", "203.0.113.9"), limit) == 0
    assert other.take(("address", "203.0.113.9"), limit) == 0
    assert one.take(("address", "203.0.113.9"), limit) == 10, "the second process spent the last one"
    assert other.take(("address", "198.51.100.1"), limit) == 0, "another address has its own"
    clock.now += 10
    assert other.take(("address", "203.0.113.9"), limit) == 0
    conn = data_dir.database.connection()
    names = [row[0] for row in conn.execute("SELECT key FROM rate_buckets")]
    assert len(names) == 2 and not any("203.0.113" in name for name in names), "only keyed hashes"
    data_dir.database.release()


def test_a_sprayer_meets_one_count_across_processes(data_dir) -> None:
    clock = Clock()
    one = SharedLoginThrottle(data_dir.database, data_dir.secret_key, clock=clock)
    other = SharedLoginThrottle(data_dir.database, data_dir.secret_key, clock=clock)
    for n in range(LoginThrottle.FREE_FAILURES - 1):
        (one if n % 2 else other).failed("wang", "203.0.113.9")
        assert one.retry_after("wang", "203.0.113.9") == 0
    other.failed("wang", "203.0.113.9")
    assert one.retry_after("Wang", "203.0.113.9") == 6, "the last free failure: 5 s, seen from either"
    assert other.retry_after("wang", "198.51.100.1") == 0, "another address is not held back"
    clock.now += 6
    assert other.retry_after("wang", "203.0.113.9") == 0
    one.failed("wang", "203.0.113.9")
    assert other.retry_after("wang", "203.0.113.9") == 11, "and each further failure doubles it"
    one.succeeded("wang", "203.0.113.9")
    assert other.retry_after("wang", "203.0.113.9") == 0, "a sign-in forgives the name everywhere"
    conn = data_dir.database.connection()
    assert not any("203.0.113" in row[0] or "wang" in row[0] for row in conn.execute("SELECT key FROM sign_in_attempts"))
    data_dir.database.release()


def test_the_same_rule_in_memory_and_in_the_database(data_dir) -> None:
    """The shared throttle answers as the one in memory does, failure by failure."""
    clock = Clock()
    memory = LoginThrottle(clock=clock)
    shared = SharedLoginThrottle(data_dir.database, data_dir.secret_key, clock=clock)
    for _ in range(LoginThrottle.FREE_ADDRESS_FAILURES + 2):
        for throttle in (memory, shared):
            throttle.failed(f"name{clock.now}", "192.0.2.7")
        clock.now += 1
        assert memory.retry_after("anyone", "192.0.2.7") == shared.retry_after("anyone", "192.0.2.7")
    assert memory.retry_after("anyone", "192.0.2.7") > 0


def test_one_process_keeps_them_in_memory_and_a_city_in_its_database(data_dir, backend) -> None:
    class Hall:
        database, data = data_dir.database, data_dir
        service = type("Service", (), {"hall_id": data_dir.hall_id})
    kinds = (type(buckets_for(Hall)), type(login_throttle(data_dir.database, data_dir.secret_key)))
    if backend == "postgresql":
        assert kinds == (SharedTokenBuckets, SharedLoginThrottle)
    else:
        assert kinds == (TokenBuckets, LoginThrottle)


def test_a_wait_that_is_over_asks_for_no_more_seconds() -> None:
    # the last free failure at 0 s costs 5 s: 1 s is still to wait at 4.7 s, nothing at 5.3 s
    assert LoginThrottle.locked_for(5, 0.0, 4.7, 5) == 1
    assert LoginThrottle.locked_for(5, 0.0, 5.3, 5) == 0
