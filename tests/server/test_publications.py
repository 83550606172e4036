"""Committed batches published off the request thread: in the order they were handed in,
by one worker at a time, and none lost when a publish fails."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from server.services import HallService, Publications


def test_batches_are_published_in_the_order_they_were_handed_in() -> None:
    published, running, overlaps = [], [], []

    def publish(batch, state) -> None:
        if running:
            overlaps.append(batch)
        running.append(batch)
        time.sleep(0.0005)   # long enough for the next batches to queue up behind this one
        published.append(batch)
        running.pop()

    publications = Publications(publish)
    handed_in, order = [], threading.Lock()   # the service hands in under its commit-order lock

    def commit(n: int) -> None:
        with order:
            handed_in.append(n)
            publications.put(n, None)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(commit, range(400)))
    assert publications.wait()
    assert published == handed_in and len(published) == 400
    assert overlaps == []


def test_a_failed_background_broadcast_neither_undoes_nor_stops_the_next(data_dir, clock) -> None:
    published = []

    def flaky(hall_id, batch) -> None:
        if len(published) == 1 and not getattr(flaky, "failed", False):
            flaky.failed = True
            raise ConnectionError("the hall board's network is down")
        published.append([event.kind() for _, event in batch])

    service = HallService(data_dir.database, data_dir.hall_id, publish=flaky, clock=clock,
                          publish_in_background=True)
    tickets = [service.issue("A01").ticket for _ in range(3)]
    assert service.publications.wait()
    assert [service.ticket(t.id).number for t in tickets] == ["A001", "A002", "A003"]
    assert published == [["ticket_issued"], ["ticket_issued"]]   # the second broadcast failed


def test_the_publisher_sees_the_hall_as_its_batch_left_it(data_dir, clock) -> None:
    """Messages describe their own moment, even when later commands already committed."""
    seen = []
    service = None

    def publish(hall_id, batch) -> None:
        seen.append((batch[-1][0], sum(t.state.value == "waiting" for t in service.snapshot().tickets.values())))

    service = HallService(data_dir.database, data_dir.hall_id, publish=publish, clock=clock,
                          publish_in_background=True)
    for _ in range(5):
        service.issue("A01")
    assert service.publications.wait()
    assert seen == [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]


def test_an_idle_hall_keeps_no_publishing_thread() -> None:
    publications = Publications(lambda batch, state: None)
    publications.put(1, None)
    assert publications.wait()
    deadline = time.monotonic() + 5
    while any(t.name == "jiaohao-publish" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.name == "jiaohao-publish" for t in threading.enumerate())
