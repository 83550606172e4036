"""A board of one zone and a window's screen connected to one server process hear every step
of the hall committed on another, through the message queue: their room's part of it, or one
`seq_skipped`, in the hall's `seq` order, so they see no false gap and catch up exactly once
on a real one. Real `jiaohao server` processes on the throwaway PostgreSQL and Redis of
tests/conftest.py, real websocket clients (client.hall_client, as the devices use)."""

from __future__ import annotations

import threading

import pytest
import requests

from bench.server_bench import clerk_session, item_for_window
from client.hall_client import HallClient, wait_until
from protocol import live as wire
from tests.server.test_city_processes import City, call_next, city, issue  # noqa: F401 (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.postgresql_only]

UPSTAIRS, DOWNSTAIRS = "2F", "1F"


class RoomListener(HallClient):
    """A zone's board or a window's screen as the device runs it: the live client with its
    ordering, gap detection and catch-up. It can be made to lose every message of one step of
    the log (`lost_seq`), as a connection that missed it would, and it keeps its catch-ups."""

    def __init__(self, url: str, token: str, **room):
        self.messages: list[tuple[str, dict]] = []
        self.catch_ups: list[tuple[int, int]] = []
        self.lost_seq: int | None = None
        self.lock = threading.Lock()
        super().__init__(url, token, on_message=self.heard, **room)
        self.start()

    def heard(self, name: str, payload: dict) -> None:
        with self.lock:
            self.messages.append((name, payload))

    def _receive(self, name: str, payload: dict) -> None:
        if name != wire.HALL_SNAPSHOT and isinstance(payload, dict) and payload.get("seq") == self.lost_seq:
            return   # lost on the way
        super()._receive(name, payload)

    def _catch_up(self, since: int, upto: int) -> None:
        with self.lock:
            self.catch_ups.append((since, upto))
        super()._catch_up(since, upto)

    def calls(self, replayed: bool | None = None) -> list[int]:
        with self.lock:
            return [p["ticket"]["id"] for n, p in self.messages if n == wire.TICKET_CALLED
                    and (replayed is None or bool(p.get("replayed")) == replayed)]

    def snapshots(self) -> int:
        with self.lock:
            return sum(1 for n, _ in self.messages if n == wire.HALL_SNAPSHOT)

    def synced_to(self, seq: int) -> bool:
        return self.connected and (self.last_seq or 0) >= seq


def windows_of(city: City, zone: str) -> list[int]:
    return [w.number for w in city.setup.windows if w.zone == zone]


def listeners_on_b(city: City, screen_window: int) -> tuple[RoomListener, RoomListener]:
    board = RoomListener(city.url(1), city.board, zone=UPSTAIRS)
    screen = RoomListener(city.url(1), city.screens[screen_window], window=screen_window)
    assert wait_until(lambda: board.snapshots() and screen.snapshots(), timeout=30)
    return board, screen


def call_on_a(city: City, clerk: requests.Session, window: int) -> tuple[int, int]:
    """A ticket for `window` issued and called on process A: (its id, the call's seq)."""
    issue(city.url(0), city.kiosk, item_for_window(city.setup, window))
    reply = clerk.post(f"{city.url(0)}/api/v1/windows/{window}/call-next", json={}, timeout=30)
    reply.raise_for_status()
    return reply.json()["ticket"]["id"], int(reply.headers[wire.SEQ_HEADER])


def test_a_zone_board_and_a_window_screen_on_b_hear_every_call_made_on_a_in_order(city) -> None:
    upstairs, downstairs = windows_of(city, UPSTAIRS)[:3], windows_of(city, DOWNSTAIRS)[:2]
    board, screen = listeners_on_b(city, upstairs[0])
    try:
        clerks = {w: clerk_session(city.url(0), w) for w in upstairs + downstairs}
        called = {}
        for window in (upstairs[0], downstairs[0], upstairs[1], downstairs[1], upstairs[2]):
            called[window] = call_on_a(city, clerks[window], window)[0]
        last = city.hall_seq()
        for listener in (board, screen):
            assert wait_until(lambda listener=listener: listener.synced_to(last), timeout=30)
        assert board.calls() == [called[w] for w in upstairs], "the zone's calls, in order, none of 1F"
        assert screen.calls() == [called[upstairs[0]]], "its own window's call"
        for listener in (board, screen):
            with listener.lock:
                seqs = [p["seq"] for n, p in listener.messages if n != wire.HALL_SNAPSHOT]
                assert seqs == sorted(seqs), "in the hall's seq order"
                assert not any(p.get("replayed") for _, p in listener.messages)
            assert listener.catch_ups == [], "no false gap, whichever process sent the step"
            assert listener.snapshots() == 1
    finally:
        board.stop()
        screen.stop()


def test_a_room_client_on_b_that_loses_a_step_catches_up_exactly_once(city) -> None:
    upstairs = windows_of(city, UPSTAIRS)[:3]
    board, screen = listeners_on_b(city, upstairs[0])
    try:
        clerks = {w: clerk_session(city.url(0), w) for w in upstairs}
        issue(city.url(0), city.kiosk, item_for_window(city.setup, upstairs[0]))
        lost = city.hall_seq() + 1   # the next step: the call at the screen's window
        board.lost_seq = screen.lost_seq = lost
        reply = clerks[upstairs[0]].post(f"{city.url(0)}/api/v1/windows/{upstairs[0]}/call-next", json={},
                                         timeout=30)
        reply.raise_for_status()
        missed = reply.json()["ticket"]["id"]
        assert int(reply.headers[wire.SEQ_HEADER]) == lost
        after = [call_on_a(city, clerks[w], w)[0] for w in upstairs[1:]]
        last = city.hall_seq()
        for listener in (board, screen):
            assert wait_until(lambda listener=listener: listener.synced_to(last), timeout=30)
            assert listener.catch_ups == [(lost - 1, lost)], "one catch-up, of the lost step"
        assert board.calls(replayed=True) == [missed] and board.calls(replayed=False) == after
        assert screen.calls(replayed=True) == [missed] and screen.calls(replayed=False) == []
    finally:
        board.stop()
        screen.stop()
