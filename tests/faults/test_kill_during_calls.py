"""kill -9 of a real server while kiosks issue and clerks call, serve and finish, with a live board
connected: after the restart every acknowledged ticket and call is there, no number is reused,
and the board reconnects and catches up on what it missed, old calls marked as replayed."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from client.hall_client import HallClient, wait_until
from tests.server.test_live import clerk_session, issue, live_hall  # noqa: F401  (live_hall is a fixture)

WINDOWS = (1, 2, 3)
#: the burst lasts until this much has been acknowledged (or the time limit)
ISSUES, CALLS = 40, 10


class Recorder:
    """What a board heard, in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def __call__(self, name: str, payload: dict) -> None:
        with self.lock:
            self.messages.append((name, payload))

    def of(self, name: str) -> list[dict]:
        with self.lock:
            return [p for n, p in self.messages if n == name]


def issuer(server, stop: threading.Event, acknowledged: list) -> None:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {server.tokens['kiosk']}"
        while not stop.is_set():
            try:
                reply = session.post(f"{server.url}/api/v1/tickets", json={"service": "C01"}, timeout=5)
            except requests.RequestException:
                return   # the server is gone
            if reply.status_code == 201:
                acknowledged.append((reply.json()["id"], reply.json()["number"]))


def caller(server, session: requests.Session, window: int, stop: threading.Event, calls: list) -> None:
    """Call, start and finish in a loop; remember each acknowledged call and how far it got."""
    base = f"{server.url}/api/v1"
    while not stop.is_set():
        try:
            reply = session.post(f"{base}/windows/{window}/call-next", timeout=5)
            ticket = reply.json().get("ticket") if reply.status_code == 200 else None
            if ticket is None:
                time.sleep(0.02)
                continue
            calls.append((ticket["id"], window))
            for step in ("start", "finish"):
                session.post(f"{base}/tickets/{ticket['id']}/{step}", timeout=5)
        except requests.RequestException:
            return


@pytest.mark.slow
def test_kill_9_during_issues_and_calls_then_the_board_resyncs(live_hall) -> None:  # noqa: F811
    burst_kill_and_check(live_hall)


def burst_kill_and_check(live_hall) -> None:  # noqa: F811
    heard = Recorder()
    board = HallClient(live_hall.url, live_hall.tokens["board"], on_message=heard)
    board.start()
    clerks: dict[int, requests.Session] = {}
    try:
        assert wait_until(lambda: heard.of("hall_snapshot"), timeout=10)
        clerks.update({n: clerk_session(live_hall, n) for n in WINDOWS})
        issued, calls, stop = [], [], threading.Event()
        threads = [threading.Thread(target=issuer, args=(live_hall, stop, issued)) for _ in range(2)]
        threads += [threading.Thread(target=caller, args=(live_hall, clerks[n], n, stop, calls))
                    for n in WINDOWS]
        for t in threads:
            t.start()
        assert wait_until(lambda: len(issued) >= ISSUES and len(calls) >= CALLS, timeout=30)
        live_hall.kill()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        live_hall.start()
        check_nothing_acknowledged_was_lost(live_hall, clerks[1], issued, calls)
        check_the_board_caught_up(live_hall, board, heard, issued, calls)
    finally:
        board.stop()
        for session in clerks.values():   # sockets left to the garbage collector warn later
            session.close()


def check_nothing_acknowledged_was_lost(server, session, issued: list, calls: list) -> None:
    for ticket_id, number in issued:
        reply = session.get(f"{server.url}/api/v1/tickets/{ticket_id}", timeout=10)
        assert reply.status_code == 200 and reply.json()["number"] == number
    for ticket_id, window in calls:
        ticket = session.get(f"{server.url}/api/v1/tickets/{ticket_id}", timeout=10).json()
        assert ticket["state"] in ("called", "serving", "done") and ticket["window"] == window
    numbers = [number for _, number in issued]
    assert len(set(numbers)) == len(numbers), "no number handed out twice"
    after = [issue(server, "C01")["number"] for _ in range(5)]
    assert not set(after) & set(numbers), "no number reused after the restart"


def check_the_board_caught_up(server, board, heard: Recorder, issued: list, calls: list) -> None:
    last = requests.get(f"{server.url}/api/v1/hall", timeout=10,
                        headers={"Authorization": f"Bearer {server.tokens['board']}"}).json()["seq"]
    # the board reconnects by itself (backing off while the server was down), then resyncs
    assert wait_until(lambda: board.connected and (board.last_seq or 0) >= last, timeout=30)
    issued_heard = {p["ticket"]["id"] for p in heard.of("ticket_issued")}
    called_heard = {p["ticket"]["id"] for p in heard.of("ticket_called")}
    wanted = {i for i, _ in issued}
    assert wait_until(lambda: wanted <= {p["ticket"]["id"] for p in heard.of("ticket_issued")},
                      timeout=10), sorted(wanted - issued_heard)[:10]
    # the last seq is counted when a message comes in, just before it is handed over: wait for the hand-over
    assert wait_until(lambda: {i for i, _ in calls} <= {p["ticket"]["id"] for p in heard.of("ticket_called")},
                      timeout=10), sorted({i for i, _ in calls} - called_heard)[:10]
    # a call is announced live once; anything heard again came back marked as replayed
    live_calls = [p["seq"] for p in heard.of("ticket_called") if not p.get("replayed")]
    assert len(live_calls) == len(set(live_calls))
    assert len(heard.of("hall_snapshot")) >= 2, "a fresh snapshot after the reconnect"
