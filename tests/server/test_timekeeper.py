"""A process's timed work on two loops whatever the number of halls (server/clockwork.py
Timekeeper): every hall's clockwork ticks in turn on one, every hall's courier passes on the
other. Twenty halls on PostgreSQL tick and are healthy while timed work keeps to a couple of
pooled connections, so a board of the last hall connects at once; one bad hall's turn never
stops the others', and stopping a hall waits for its turn under way."""

from __future__ import annotations

import threading
import time

import pytest

from server import accounts
from server.app import create_app, served_halls, socketio as server_socketio
from server.clockwork import Timekeeper
from server.datadir import add_hall
from tests.conftest import FakeClock, small_hall_document, to_toml

HALLS = 20


def street_config(tmp_path, n: int) -> str:
    document = small_hall_document()
    document["hall"] = {**document["hall"], "code": f"street-{n:02d}", "name": f"第{n}便民服务中心",
                        "name_en": f"Street centre {n}"}
    path = tmp_path / f"street-{n:02d}.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    return str(path)


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def writers() -> int:
    """How many halls' group-commit writers are running (db.GroupCommit)."""
    return sum(1 for thread in threading.enumerate() if thread.name == "jiaohao-writer")


@pytest.mark.postgresql_only
def test_twenty_halls_tick_on_a_couple_of_pooled_connections(tmp_path, small_config_file, seeded,
                                                             backend) -> None:
    data = seeded(tmp_path / "var", small_config_file)
    open_ids = [add_hall(data, street_config(tmp_path, n))[0] for n in range(2, HALLS + 1)]
    app = create_app(data, small_config_file, clock=FakeClock(), tick_seconds=0.2)
    halls = served_halls(app)
    database = app.extensions["jiaohao"].database
    try:
        assert len(halls.served()) == HALLS
        assert wait_for(lambda: all(h.clockwork.last_tick_at for h in halls.served()), 60), \
            "every hall's clockwork ticked"
        database.release()   # the set-up above ran on this thread
        # the first ticks rolled each hall's day over through its writer, which holds a pooled
        # connection until it has been idle a while; the ticks after write on their own
        assert wait_for(lambda: not writers(), 30), "every hall's writer went idle"
        # several rounds of every hall's ticks and passes: in use at once, at most a tick's, a
        # courier's pass and the watcher looking for new halls; no hall's writer woken by them
        in_use, woken, until = [], 0, time.monotonic() + 2.0
        while time.monotonic() < until:
            stats = database.pool.get_stats()
            in_use.append(stats["pool_size"] - stats["pool_available"])
            woken = max(woken, writers())
            time.sleep(0.002)
        assert woken == 0
        assert max(in_use) <= 3, max(in_use)

        last = open_ids[-1]
        client = app.test_client()
        report = client.get(f"/api/v1/health?hall=street-{HALLS:02d}").get_json()
        assert report["ok"] and report["clockwork"]["running"] and report["clockwork"]["leading"]
        token = accounts.add_device(database, last, "display-1", "display").token
        started = time.monotonic()
        board = server_socketio.test_client(app, auth={"token": token})
        took = time.monotonic() - started
        assert board.is_connected() and [m["name"] for m in board.get_received()] == ["hall_snapshot"]
        assert took < 0.5, took
        board.disconnect()
    finally:
        halls.stop()
        app.extensions["jiaohao"].data.close()


class Database:
    closed = False


class Service:
    database = Database()


class Hall:
    """What a keeper turns: a hall's turn counted, failing or slow when told."""

    service = Service()

    def __init__(self, fails: bool = False, takes: float = 0.0):
        self.fails, self.takes = fails, takes
        self.turns = 0
        self.turn_started, self.turn_ended = threading.Event(), threading.Event()

    def take_turn(self) -> bool:
        self.turn_started.set()
        time.sleep(self.takes)
        self.turns += 1
        self.turn_ended.set()
        if self.fails:
            raise RuntimeError("a bad hall")
        return False


def test_one_bad_hall_never_stops_the_others_turns(backend) -> None:
    keeper = Timekeeper("test-keeper", 0.01)
    bad, good = Hall(fails=True), Hall()
    keeper.add(bad)
    keeper.add(good)
    keeper.start()
    try:
        assert wait_for(lambda: good.turns >= 3, 10) and bad.turns >= 2
    finally:
        keeper.stop()


def test_a_hall_taken_off_the_keeper_waits_for_its_turn_under_way(backend) -> None:
    keeper = Timekeeper("test-keeper", 0.01)
    slow = Hall(takes=0.3)
    keeper.add(slow)
    keeper.start()
    try:
        assert slow.turn_started.wait(10)
        keeper.remove(slow)
        assert slow.turn_ended.is_set(), "the turn under way ended before remove returned"
        turns = slow.turns
        time.sleep(0.1)
        assert slow.turns == turns, "no turn after"
    finally:
        keeper.stop()
