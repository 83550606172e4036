"""Many server processes on one PostgreSQL and one Redis: every process's clients hear every
change, whichever process committed it. Real `jiaohao server` processes with
`--message-queue redis://…` on free ports, the throwaway PostgreSQL and Redis of
tests/conftest.py, real websocket clients (client.hall_client, as the devices use)."""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bench.redis_server import ThrowawayRedis
from bench.server_bench import DEMO_PASSWORD, clerk_session, double_calls, item_for_window, kiosk_session, open_items
from client.hall_client import HallClient, wait_until
from common.launcher import hall_server
from display.presenter import Presenter
from server import db, repository as repo
from server.datadir import SECRET_FILENAME, open_data_dir
from server.services import HallService
from tests.conftest import REPO
from tests.server.test_postgres_city import City as PostgresCity, kiosk_until_stopped
from tests.server.test_many_halls import PASSWORD, login, run_ok, second_hall_config, token_line

pytestmark = [pytest.mark.slow, pytest.mark.postgresql_only]

CONFIG = REPO / "config.toml"   # the shipped hall: 30 windows


class City(PostgresCity):
    """Two server processes of one hall over one PostgreSQL database and one Redis."""

    def hall_seq(self, n: int = 0) -> int:
        reply = requests.get(f"{self.url(n)}/api/v1/hall", timeout=30,
                             headers={"Authorization": f"Bearer {self.board}"})
        reply.raise_for_status()
        return reply.json()["seq"]


class Board:
    """A hall board as the device runs it: the live client with its gap detection and
    resync, feeding the board's presenter, which decides what is announced."""

    def __init__(self, url: str, token: str, other_servers: tuple[str, ...] = ()):
        self.messages: list[tuple[str, dict]] = []
        self.announced: list[tuple[int, int]] = []   # (ticket id, seq) of every call said aloud
        self.presenter = Presenter()
        self.lock = threading.Lock()
        self.client = HallClient(url, token, on_message=self.heard, other_servers=other_servers)
        self.client.start()

    def heard(self, name: str, payload: dict) -> None:
        with self.lock:
            self.messages.append((name, payload))
            said = self.presenter.message(name, payload, time.monotonic())
            self.announced += [(a.ticket_id, a.seq) for a in said]

    def of(self, name: str, replayed: bool | None = None) -> list[dict]:
        with self.lock:
            return [p for n, p in self.messages if n == name
                    and (replayed is None or bool(p.get("replayed")) == replayed)]

    def heard_ids(self, name: str) -> set[int]:
        return {p["ticket"]["id"] for p in self.of(name)}

    def synced_to(self, seq: int) -> bool:
        return self.client.connected and (self.client.last_seq or 0) >= seq

    def stop(self) -> None:
        self.client.stop()


@pytest.fixture
def city(tmp_path, backend, postgres_url, redis_server):
    started = City(tmp_path, redis_server.url()).start()
    yield started
    started.stop()


def issue(url: str, token: str, item: str) -> dict:
    with kiosk_session(token) as session:
        reply = session.post(f"{url}/api/v1/tickets", json={"service": item}, timeout=30)
    reply.raise_for_status()
    return reply.json()


def call_next(session: requests.Session, url: str, window: int) -> dict | None:
    reply = session.post(f"{url}/api/v1/windows/{window}/call-next", json={}, timeout=30)
    reply.raise_for_status()
    return reply.json()["ticket"]


def connected_devices(url: str) -> set[str]:
    """The devices the supervisor's dashboard of the process at `url` shows as connected."""
    with requests.Session() as session:
        reply = session.post(f"{url}/api/v1/auth/login", timeout=30,
                             json={"username": "supervisor", "password": DEMO_PASSWORD})
        reply.raise_for_status()
        session.headers["Authorization"] = f"Bearer {reply.json()['token']}"
        dashboard = session.get(f"{url}/api/v1/supervision", timeout=30)
        dashboard.raise_for_status()
    return {device["name"] for device in dashboard.json()["devices"] if device["connected"]}


def health(url: str) -> tuple[int, dict]:
    reply = requests.get(f"{url}/api/v1/health", timeout=30)
    return reply.status_code, reply.json()


def test_a_board_on_one_process_hears_the_calls_made_on_the_other_in_seq_order(city) -> None:
    board = Board(city.url(1), city.board)
    try:
        assert wait_until(lambda: board.of("hall_snapshot"), timeout=30)
        windows = [w.number for w in city.setup.windows][:5]
        for window in windows:
            issue(city.url(0), city.kiosk, item_for_window(city.setup, window))
        called = []
        for window in windows:
            called.append(call_next(clerk_session(city.url(0), window), city.url(0), window)["id"])
        assert wait_until(lambda: set(called) <= board.heard_ids("ticket_called"), timeout=30), \
            "the board on process B heard every call made on process A"
        live = [p["seq"] for name, p in board.messages if name != "hall_snapshot" and not p.get("replayed")]
        assert live == sorted(live), "in the order of the hall's log"
        calls = board.of("ticket_called")
        assert [c["ticket"]["id"] for c in calls] == called and not any(c.get("replayed") for c in calls)
        assert sorted(board.announced) == sorted((c["ticket"]["id"], c["seq"]) for c in calls)
        for n in (0, 1):   # both processes report the database, the queue and their clockwork well
            status, report = health(city.url(n))
            assert status == 200 and report["ok"], report
            assert report["message_queue"] == report["message_queue"] | {"ok": True, "configured": True}
            assert report["database"]["backend"] == "postgresql"
        assert wait_until(lambda: health(city.url(0))[1]["database"]["live_processes"] == 2, timeout=30)
        assert "board-1" in connected_devices(city.url(0)), "process A's supervisor sees the board on B"
        board.stop()
        assert wait_until(lambda: "board-1" not in connected_devices(city.url(0)), timeout=30), \
            "and sees it gone once B's next beat says so"
    finally:
        board.stop()


def test_clerks_split_over_both_processes_never_call_a_ticket_twice_and_both_boards_hear_every_call(
        city, postgres_url) -> None:
    windows = [w.number for w in city.setup.windows][:12]
    rounds = 3
    for n, window in enumerate(windows * rounds):
        issue(city.url(n), city.kiosk, item_for_window(city.setup, window))
    boards = [Board(city.url(n), city.board) for n in (0, 1)]
    sessions = {w: clerk_session(city.url(w), w) for w in windows}
    meet = threading.Barrier(len(windows), timeout=120)
    called: list[int] = []

    def clerk(window: int) -> None:
        for _ in range(rounds):
            meet.wait()
            ticket = call_next(sessions[window], city.url(window), window)
            if ticket is not None:
                called.append(ticket["id"])
                for step in ("start", "finish"):
                    sessions[window].post(f"{city.url(window)}/api/v1/tickets/{ticket['id']}/{step}",
                                          json={}, timeout=60).raise_for_status()
    try:
        assert all(wait_until(lambda b=b: b.of("hall_snapshot"), timeout=30) for b in boards)
        with ThreadPoolExecutor(len(windows)) as pool:
            for done in [pool.submit(clerk, w) for w in windows]:
                done.result()
        assert len(called) >= len(windows) * (rounds - 1), "the clerks found people to call"
        assert len(set(called)) == len(called), "no ticket given to two clerks"
        database = db.PostgresDatabase(postgres_url)
        try:
            with database.checked_out() as conn:
                log = repo.event_records(conn, repo.find_hall(conn, city.setup.hall.code)["id"])
        finally:
            database.close()
        assert double_calls(log) == [], "the log shows no ticket called twice"
        last = city.hall_seq()
        for board in boards:
            assert wait_until(lambda: board.synced_to(last), timeout=30)
            assert wait_until(lambda: set(called) <= board.heard_ids("ticket_called"), timeout=30)
            live = [(p["ticket"]["id"], p["seq"]) for p in board.of("ticket_called", replayed=False)]
            assert len(live) == len(set(live)), "each call heard live once, whichever process made it"
            assert len(board.announced) == len(set(board.announced)), "and said aloud at most once"
    finally:
        for board in boards:
            board.stop()


@pytest.mark.parametrize("victim", [0, 1])
def test_kill_9_of_a_process_its_board_moves_to_the_other_and_misses_nothing(city, postgres_url, victim) -> None:
    survivor = 1 - victim
    board = Board(city.url(victim), city.board, other_servers=(city.url(survivor),))
    items = open_items(city.setup)
    acknowledged: list[int] = []
    stop = threading.Event()

    def kiosk(k: int) -> None:
        kiosk_until_stopped(city, k, items, stop, acknowledged)
    try:
        assert wait_until(lambda: board.of("hall_snapshot"), timeout=30)
        with ThreadPoolExecutor(4) as pool:
            burst = [pool.submit(kiosk, k) for k in range(4)]
            deadline = time.monotonic() + 90
            while len(acknowledged) < 30 and time.monotonic() < deadline:
                time.sleep(0.05)
            city.servers[victim].kill()
            before_kill = len(acknowledged)
            while len(acknowledged) < before_kill + 30 and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()
            for done in burst:
                done.result()
        assert before_kill >= 30 and len(acknowledged) >= before_kill + 30, "the burst went on after the kill"
        assert wait_until(lambda: board.client.server_url == city.url(survivor) and board.client.connected,
                          timeout=30), "the board moved to the process still running"
        last = city.hall_seq(survivor)
        assert wait_until(lambda: board.synced_to(last), timeout=30)
        assert wait_until(lambda: set(acknowledged) <= board.heard_ids("ticket_issued"), timeout=30), \
            sorted(set(acknowledged) - board.heard_ids("ticket_issued"))[:10]
        assert len(board.of("hall_snapshot")) >= 2, "a fresh snapshot from the other process"
        database = db.PostgresDatabase(postgres_url)
        try:
            with database.checked_out() as conn:
                hall_id = repo.find_hall(conn, city.setup.hall.code)["id"]
                kept = {t.id for t in repo.all_tickets(conn, hall_id)}
        finally:
            database.close()
        assert set(acknowledged) <= kept, "every ticket a kiosk was given is in the database"
        status, report = health(city.url(survivor))
        assert status == 200, report
        assert wait_until(lambda: health(city.url(survivor))[1]["clockwork"]["leading"], timeout=30), \
            "the process still running does the hall's timed work"
    finally:
        board.stop()


def test_redis_restarted_mid_day_boards_resync_and_no_call_is_said_twice(tmp_path, backend, postgres_url) -> None:
    redis = ThrowawayRedis().start()
    city = City(tmp_path, redis.url())
    board = None
    try:
        city.start()
        board = Board(city.url(1), city.board)
        assert wait_until(lambda: board.of("hall_snapshot"), timeout=30)
        windows = [w.number for w in city.setup.windows][:4]
        for window in windows * 3:
            issue(city.url(0), city.kiosk, item_for_window(city.setup, window))
        clerks = {w: clerk_session(city.url(0), w) for w in windows}
        current: dict[int, int] = {}

        def serve_then_call(window: int) -> int:
            """The window's citizen served, then the next called (all on process A)."""
            url, session = city.url(0), clerks[window]
            if window in current:
                for step in ("start", "finish"):
                    session.post(f"{url}/api/v1/tickets/{current[window]}/{step}", json={},
                                 timeout=30).raise_for_status()
            current[window] = call_next(session, url, window)["id"]
            return current[window]

        def call_round() -> list[int]:
            return [serve_then_call(w) for w in windows]

        before = call_round()
        assert wait_until(lambda: set(before) <= board.heard_ids("ticket_called"), timeout=30)

        redis.kill()
        status, report = health(city.url(0))
        assert status == 503 and report["failed"] == ["message_queue"], report
        assert "127.0.0.1" not in str(report["message_queue"]), "no address of the queue is shown"
        during = call_round()   # committed and acknowledged; process B's board cannot hear them now
        redis.launch()

        # once the listeners are back, the next call shows B's board a gap, and it resyncs
        after: list[int] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (after and set(after) <= board.heard_ids("ticket_called")):
            window = windows[len(after) % len(windows)]
            issue(city.url(0), city.kiosk, item_for_window(city.setup, window))
            after.append(serve_then_call(window))
            time.sleep(1)
        assert set(after) <= board.heard_ids("ticket_called"), "the board hears the hall again"
        last = city.hall_seq()
        assert wait_until(lambda: board.synced_to(last), timeout=30)
        assert set(during) <= board.heard_ids("ticket_called"), "what it missed came back in the resync"
        assert any(p.get("replayed") for p in board.of("ticket_called")), "caught up, marked as replayed"
        assert len(board.announced) == len(set(board.announced)), "no call said twice"
        said = {ticket for ticket, _ in board.announced}
        assert set(before) <= said, "heard live before Redis went"
        assert set(current.values()) <= said, "every call still standing was said, live or caught up"
        hall = requests.get(f"{city.url(0)}/api/v1/hall", timeout=30,
                            headers={"Authorization": f"Bearer {city.board}"}).json()
        for window in hall["windows"]:   # the board shows what the hall shows
            shown = board.presenter.windows[window["number"]].view
            assert (shown.get("current") or {}).get("id") == (window.get("current") or {}).get("id")
        assert health(city.url(1))[0] == 200
    finally:
        if board is not None:
            board.stop()
        city.stop()
        redis.stop()


def test_two_halls_on_two_processes_refuse_every_cross_hall_read_and_write(
        tmp_path, small_config_file, backend, postgres_url, redis_server) -> None:
    home_dir, east_dir, east = tmp_path / "a", tmp_path / "b", second_hall_config(tmp_path)
    home = open_data_dir(home_dir, small_config_file)   # seeds the first hall in $JIAOHAO_DATABASE
    home_code = HallService(home.database, home.hall_id).setup().hall.code
    home.close()
    run_ok("admin", "hall", "add", "--config", str(east), data=home_dir, config=small_config_file)
    east_dir.mkdir()
    shutil.copy(home_dir / SECRET_FILENAME, east_dir / SECRET_FILENAME)
    tokens: dict[str, dict[str, str]] = {}
    tickets = {}
    for code, data in ((home_code, home_dir), ("xc-east", east_dir)):
        run_ok("admin", "user", "add", f"{code}-sv", "--role", "supervisor", "--password", PASSWORD,
               "--hall", code, data=home_dir, config=small_config_file)
        tokens[code] = {kind: token_line(run_ok("admin", "device", "add", f"{code}-{kind}", "--kind", kind,
                                                "--hall", code, data=home_dir, config=small_config_file))
                        for kind in ("kiosk", "display")}
        opened = open_data_dir(data, small_config_file, hall=code)
        tickets[code] = HallService(opened.database, opened.hall_id).issue("A01")
        opened.close()
    servers = {home_code: hall_server(home_dir, small_config_file, hall=home_code, message_queue=redis_server.url()),
               "xc-east": hall_server(east_dir, small_config_file, hall="xc-east", message_queue=redis_server.url())}
    boards: dict[str, Board] = {}
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda server: server.start(60), servers.values()))
        for code, other in ((home_code, "xc-east"), ("xc-east", home_code)):
            refuse_the_other_hall(servers[code].url, code, other, tokens, tickets)
        boards = {code: Board(servers[code].url, tokens[code]["display"]) for code in servers}
        assert all(wait_until(lambda b=b: b.of("hall_snapshot"), timeout=30) for b in boards.values())
        made = {code: issue(servers[code].url, tokens[code]["kiosk"], "A01")["ticket"]["id"] for code in servers}
        for code, other in ((home_code, "xc-east"), ("xc-east", home_code)):
            assert wait_until(lambda: made[code] in boards[code].heard_ids("ticket_issued"), timeout=30)
            assert made[other] not in boards[code].heard_ids("ticket_issued"), "a hall hears only its own"
        refusals: list[str] = []
        stranger = HallClient(servers[home_code].url, tokens["xc-east"]["display"],
                              on_status=lambda status, reason: refusals.append(status))
        stranger.start()
        assert wait_until(lambda: "refused" in refusals, timeout=30), "another hall's board is refused live too"
        stranger.stop()
    finally:
        for board in boards.values():
            board.stop()
        for server in servers.values():
            server.stop()
    for code in servers:   # nothing of either hall was changed from the other
        opened = open_data_dir(home_dir, small_config_file, hall=code)
        kept = HallService(opened.database, opened.hall_id).ticket(tickets[code].ticket.id)
        opened.close()
        assert kept.state == tickets[code].ticket.state


def refuse_the_other_hall(url: str, code: str, other: str, tokens: dict, tickets: dict) -> None:
    """At the server of hall `code`: the other hall's staff, devices, phones and ticket ids are
    unknown, for reading and for changing."""
    assert login(url, f"{other}-sv").status_code == 401, "another hall's staff do not sign in here"
    mine = {"Authorization": f"Bearer {login(url, f'{code}-sv').json()['token']}"}
    theirs = tickets[other]
    for method, path in (("get", ""), ("post", "/recall"), ("post", "/cancel"), ("post", "/hold"),
                         ("post", "/transfer")):
        answer = requests.request(method, f"{url}/api/v1/tickets/{theirs.ticket.id}{path}", headers=mine,
                                  json={"service": "A02"}, timeout=30)
        assert answer.status_code == 404, (url, path, answer.status_code, answer.text)
    kiosk = requests.post(f"{url}/api/v1/tickets", json={"service": "A01"}, timeout=30,
                          headers={"Authorization": f"Bearer {tokens[other]['kiosk']}"})
    assert kiosk.status_code == 401, kiosk.text
    phone = requests.get(f"{url}/api/v1/tickets/{theirs.ticket.id}", timeout=30,
                         headers={"Authorization": f"Bearer {theirs.track_token}"})
    assert phone.status_code == 401, phone.text
    assert requests.get(f"{url}/t/{theirs.track_token}", timeout=30).status_code == 404
