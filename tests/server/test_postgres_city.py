"""A city's PostgreSQL shared by two server processes: each hall's writers still go one at a
time, whichever process they reach. Real `jiaohao server` processes on free ports, real HTTP
clients, the throwaway cluster of tests/conftest.py."""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bench.server_bench import clerk_session, double_calls, item_for_window, kiosk_session, open_items
from common.launcher import hall_server
from hall.config import load_config
from server import db, repository as repo
from server.cli import create_demo_hall
from server.datadir import SECRET_FILENAME
from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.postgresql_only]

CONFIG = REPO / "config.toml"   # the shipped hall: 30 windows


class City:
    """Two server processes over one PostgreSQL database, sharing the hall's secret (and, given
    `queue`, one Socket.IO message queue)."""

    def __init__(self, root: Path, queue: str | None = None):
        self.root = root
        made = create_demo_hall(root / "a", CONFIG)   # seeds the hall in $JIAOHAO_DATABASE
        (root / "b").mkdir()
        shutil.copy(root / "a" / SECRET_FILENAME, root / "b" / SECRET_FILENAME)
        self.kiosk, self.board = made["devices"]["kiosk"], made["devices"]["display"]
        self.screens = made["windows"]   # window number → its window screen's token
        self.servers = [hall_server(root / name, CONFIG, message_queue=queue) for name in ("a", "b")]
        self.setup = load_config(CONFIG)

    def start(self) -> "City":
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(60), self.servers))
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def url(self, n: int) -> str:
        return self.servers[n % 2].url

    def log(self, url: str) -> list[dict]:
        database = db.PostgresDatabase(url)
        try:
            with database.checked_out() as conn:
                return repo.event_records(conn, repo.find_hall(conn, self.setup.hall.code)["id"])
        finally:
            database.close()


@pytest.fixture
def city(tmp_path, backend, postgres_url):
    started = City(tmp_path).start()
    yield started
    started.stop()


def issue(url: str, token: str, item: str, session: requests.Session | None = None) -> dict:
    own = session or kiosk_session(token)
    reply = own.post(f"{url}/api/v1/tickets", json={"service": item}, timeout=30)
    reply.raise_for_status()
    return reply.json()


def kiosk_until_stopped(city, k: int, items: list[str], stop: threading.Event, acknowledged: list[int]) -> None:
    """One kiosk issuing round the processes until `stop`; the ids the server acknowledged."""
    with kiosk_session(city.kiosk) as session:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                reply = session.post(f"{city.url(k + n)}/api/v1/tickets",
                                     json={"service": items[n % len(items)]}, timeout=10)
            except requests.RequestException:
                continue   # the killed process: no answer, so nothing was promised
            if reply.status_code in (200, 201):
                acknowledged.append(reply.json()["ticket"]["id"])


def test_thirty_clerks_at_once_on_two_processes_never_call_a_ticket_twice(city, postgres_url) -> None:
    windows = [w.number for w in city.setup.windows][:30]
    rounds = 3
    for n, window in enumerate(windows * rounds):
        issue(city.url(n), city.kiosk, item_for_window(city.setup, window))
    sessions = {w: clerk_session(city.url(w), w) for w in windows}
    meet = threading.Barrier(len(windows), timeout=120)
    called: list[int] = []

    def clerk(window: int) -> None:
        url, session = city.url(window), sessions[window]
        for _ in range(rounds):
            meet.wait()
            reply = session.post(f"{url}/api/v1/windows/{window}/call-next", json={}, timeout=60)
            reply.raise_for_status()
            ticket = reply.json()["ticket"]
            if ticket is not None:
                called.append(ticket["id"])
                for step in ("start", "finish"):
                    session.post(f"{url}/api/v1/tickets/{ticket['id']}/{step}", json={},
                                 timeout=60).raise_for_status()

    with ThreadPoolExecutor(len(windows)) as pool:
        for done in [pool.submit(clerk, w) for w in windows]:
            done.result()
    # a window whose items other windows serve too may find them all taken in the last round
    assert len(called) >= len(windows) * (rounds - 1), "the clerks found people to call"
    assert len(set(called)) == len(called), "no ticket given to two clerks"
    assert double_calls(city.log(postgres_url)) == [], "the log shows no ticket called twice"


def test_sixteen_kiosks_at_once_on_two_processes_never_print_a_number_twice(city, postgres_url) -> None:
    items = open_items(city.setup)
    start = threading.Barrier(16)

    def kiosk(k: int) -> list[tuple[str, str]]:
        with kiosk_session(city.kiosk) as session:
            start.wait()
            return [(t["ticket"]["business_date"], t["ticket"]["number"])
                    for t in (issue(city.url(k + n), city.kiosk, items[(k + n) % len(items)], session)
                              for n in range(15))]

    with ThreadPoolExecutor(16) as pool:
        numbers = [number for got in pool.map(kiosk, range(16)) for number in got]
    assert len(numbers) == 16 * 15
    assert len(set(numbers)) == len(numbers), "no number printed twice"
    seqs = [r["seq"] for r in city.log(postgres_url)]
    assert seqs == list(range(1, len(seqs) + 1)), "one gapless sequence across both processes"


@pytest.mark.parametrize("victim", [0, 1])
def test_kill_9_of_either_process_mid_burst_loses_no_acknowledged_ticket(city, postgres_url, victim) -> None:
    items = open_items(city.setup)
    acknowledged: list[int] = []
    stop = threading.Event()

    def kiosk(k: int) -> None:
        kiosk_until_stopped(city, k, items, stop, acknowledged)

    with ThreadPoolExecutor(8) as pool:
        burst = [pool.submit(kiosk, k) for k in range(8)]
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        city.servers[victim].kill()
        before_kill = len(acknowledged)
        while len(acknowledged) < before_kill + 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for done in burst:
            done.result()
    assert before_kill >= 40 and len(acknowledged) >= before_kill + 40, "the burst went on after the kill"
    database = db.PostgresDatabase(postgres_url)
    try:
        with database.checked_out() as conn:
            hall_id = repo.find_hall(conn, city.setup.hall.code)["id"]
            kept = {t.id for t in repo.all_tickets(conn, hall_id)}
    finally:
        database.close()
    assert set(acknowledged) <= kept, "every ticket a kiosk was given is in the database"
    assert len(set(acknowledged)) == len(acknowledged)
