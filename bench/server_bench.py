"""Server benchmark: a real `jiaohao demo` server process on a free loopback port, measured
from outside over HTTP and real websockets.

Three measurements, each repeated on a fresh server and data directory (so every run starts
from the same empty day), reported as the median of the runs:

* issue   — concurrent kiosk clients POST /api/v1/tickets: tickets/s, p50/p99 latency;
* call    — concurrent clerks (30 by default), each signed in at their own window, in rounds:
            all call-next at once, then start and finish: call-next calls/s, cycles/s, p50/p99
            of call-next, and double calls found afterwards in the server's own event log;
* live    — Socket.IO clients connected with the board token; for each call, the delay from
            just before the HTTP call-next to each client's receipt of its `ticket_called`.

Run with `python -m bench.server_bench` or `jiaohao bench`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests
import socketio

from bench.cli import DEFAULT_CONFIG, DEFAULT_OUT, DEFAULTS, REPO, add_options, run_as_script
from common.launcher import ServerProcess, free_port, jiaohao, read_credentials
from hall import events as e
from hall.config import HallConfig, load_config
from protocol.live import TICKET_CALLED

DEMO_PASSWORD = "demo-only-2026"   # the demo hall's published password (server/cli.py)
PHASE_SECONDS = 180.0              # no phase may run longer than this, whatever the sizes
HTTP_TIMEOUT = 30.0

#: Figures of the nearest open-source peer (docs of this project: design/peers.md), measured
#: with one client on a 2-core machine over loopback.
FQM = {"issue_per_s": 93.0, "issue_p50_ms": 10.0, "call_per_s": 68.0, "call_p50_ms": 15.0}


@dataclass
class Options:
    clients: int = DEFAULTS["clients"]
    clerks: int = DEFAULTS["clerks"]
    tickets: int = DEFAULTS["tickets"]
    calls: int = DEFAULTS["calls"]
    websocket_clients: int = DEFAULTS["websocket_clients"]
    websocket_calls: int = DEFAULTS["websocket_calls"]
    repeats: int = DEFAULTS["repeats"]
    server: str = DEFAULTS["server"]
    config: Path = DEFAULT_CONFIG
    out: Path = DEFAULT_OUT


# --- statistics ---------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below it.

    Nearest-rank returns a value that was actually observed, so a p99 of 100 samples is the
    99th smallest, not an interpolation towards the maximum.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"q must be in (0, 100], not {q}")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def latency_ms(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(seconds, 50) * 1000, 2),
            "p99_ms": round(percentile(seconds, 99) * 1000, 2)}


def median_of_runs(runs: list[dict]) -> dict[str, float]:
    """Each numeric figure's median over the runs (figures taken independently)."""
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return {k: round(statistics.median(run[k] for run in runs), 2) for k in keys}


# --- the server under test ----------------------------------------------------------------------

class DemoServer:
    """`jiaohao demo --headless` in its own process, on a fresh data directory under `root`."""

    def __init__(self, root: Path, config: Path, database: str | None = None,
                 extra_args: tuple[str, ...] = (), start_timeout: float = 30.0):
        self.data = root / "demo"
        self.config = config
        self.database = database   # a postgresql:// URL, or None for the data directory's SQLite file
        self.extra_args = extra_args   # more `jiaohao demo` options (--async-mode threading)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ServerProcess(self.command(), self.port, root / f"server-{self.port}.log",
                                    env=self.environment(), cwd=REPO)
        self.tokens: dict[str, str] = {}
        self.start_timeout = start_timeout

    def command(self) -> list[str]:
        return jiaohao("demo", "--headless", "--host", "127.0.0.1", "--port", str(self.port),
                       "--data", str(self.data), "--config", str(self.config), *self.extra_args)

    def environment(self) -> dict[str, str]:
        return {"JIAOHAO_DATABASE": self.database} if self.database else {}

    @property
    def process(self) -> subprocess.Popen | None:
        return self.server.process

    def __enter__(self) -> "DemoServer":
        self.start(self.start_timeout)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        self.server.start(timeout)
        credentials = read_credentials(self.data)
        self.tokens = {"kiosk": credentials["kiosk token"], "board": credentials["board token"]}

    def log_tail(self, lines: int = 20) -> str:
        return self.server.log_tail(lines)

    def stop(self) -> None:
        self.server.stop()


class GunicornServer(DemoServer):
    """The same demo hall served as in production (docs/deployment.md): gunicorn with the
    shipped settings (one gevent worker), running server.wsgi:app."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf",
                "--bind", f"127.0.0.1:{self.port}", "--no-control-socket", "server.wsgi:app"]

    def environment(self) -> dict[str, str]:
        return {"JIAOHAO_DATA": str(self.data), "JIAOHAO_CONFIG": str(self.config),
                "JIAOHAO_TRUSTED_PROXIES": "0"}   # no proxy in front here

    def start(self, timeout: float = 30.0) -> None:
        from server.cli import create_demo_hall   # the demo hall exactly as `jiaohao demo` makes it
        made = create_demo_hall(self.data, self.config)
        self.tokens = {"kiosk": made["devices"]["kiosk"], "board": made["devices"]["display"]}
        self.server.start(timeout)


def server_for(root: Path, opts: "Options") -> DemoServer:
    """The server to measure, not yet started (entering it with `with` starts it)."""
    if opts.server == "gunicorn":
        return GunicornServer(root, opts.config)
    return DemoServer(root, opts.config)


# --- what to ask for ------------------------------------------------------------------------------

def open_items(setup: HallConfig) -> list[str]:
    """Items without a daily cap: a capped item would refuse tickets part-way through a run."""
    return [item.code for item in setup.services if item.daily_cap is None]


def item_for_window(setup: HallConfig, window: int) -> str:
    """An uncapped item this window calls, so tickets issued for it are callable there."""
    uncapped = set(open_items(setup))
    for code in setup.window(window).services:
        if code in uncapped:
            return code
    raise ValueError(f"window {window} serves no item without a daily cap")


def kiosk_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def issue_tickets(url: str, token: str, items: list[str]) -> None:
    """Issue one ticket per entry of `items` (set-up, not measured)."""
    with kiosk_session(token) as session:
        for code in items:
            reply = session.post(f"{url}/api/v1/tickets", json={"service": code}, timeout=HTTP_TIMEOUT)
            reply.raise_for_status()


def clerk_session(url: str, window: int) -> requests.Session:
    """The demo clerk of `window`, signed in there."""
    session = requests.Session()
    reply = session.post(f"{url}/api/v1/auth/login", timeout=HTTP_TIMEOUT,
                         json={"username": f"clerk{window:02d}", "password": DEMO_PASSWORD})
    reply.raise_for_status()
    session.headers["Authorization"] = f"Bearer {reply.json()['token']}"
    session.post(f"{url}/api/v1/windows/{window}/sign-in", timeout=HTTP_TIMEOUT).raise_for_status()
    return session


def sign_out(session: requests.Session, url: str, window: int) -> None:
    """Leave the window free for a later phase, and close the session."""
    with session:
        try:
            session.post(f"{url}/api/v1/windows/{window}/sign-out", json={}, timeout=HTTP_TIMEOUT)
        except requests.RequestException:
            pass   # the phase already failed; its own error says why


def serve_ticket(session: requests.Session, url: str, ticket_id: int) -> None:
    """Start then finish a called ticket, freeing the window for its next call."""
    for step in ("start", "finish"):
        session.post(f"{url}/api/v1/tickets/{ticket_id}/{step}", json={},
                     timeout=HTTP_TIMEOUT).raise_for_status()


# --- (a) issuing over HTTP --------------------------------------------------------------------------

class Counter:
    """Hands out 0, 1, 2, … up to a limit across threads; None once the work is done."""

    def __init__(self, limit: int):
        self.limit = limit
        self._next = itertools.count()
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            n = next(self._next)
        return n if n < self.limit else None


def measure_issue(server: DemoServer, opts: Options, items: list[str]) -> dict:
    counter, deadline = Counter(opts.tickets), time.monotonic() + PHASE_SECONDS
    start = threading.Barrier(opts.clients + 1)

    def client() -> list[tuple[int, float]]:
        took = []
        with kiosk_session(server.tokens["kiosk"]) as session:
            start.wait()
            while (n := counter.take()) is not None and time.monotonic() < deadline:
                body = {"service": items[n % len(items)]}
                t0 = time.perf_counter()
                reply = session.post(f"{server.url}/api/v1/tickets", json=body, timeout=HTTP_TIMEOUT)
                took.append((n, time.perf_counter() - t0))
                reply.raise_for_status()
        return took

    with ThreadPoolExecutor(opts.clients) as pool:
        futures = [pool.submit(client) for _ in range(opts.clients)]
        start.wait()
        began = time.perf_counter()
        timed = sorted(pair for f in futures for pair in f.result())
        wall = time.perf_counter() - began
    latencies = [s for _, s in timed]
    return {"tickets": len(latencies), "tickets_per_s": round(len(latencies) / wall, 1),
            "seconds": round(wall, 2)} | latency_ms(latencies) | growth(latencies)


def growth(latencies: list[float]) -> dict[str, float]:
    """p50 of the first and the last tenth, in issue order: each request reads the day's open
    tickets, so the cost grows with the queue and one overall figure would hide that."""
    tenth = max(1, len(latencies) // 10)
    return {"p50_first_tenth_ms": round(percentile(latencies[:tenth], 50) * 1000, 2),
            "p50_last_tenth_ms": round(percentile(latencies[-tenth:], 50) * 1000, 2)}


# --- (b) call-next over HTTP ------------------------------------------------------------------------
# The clerks work in rounds: all press call-next at the same instant, then each starts and
# finishes the citizen it got, and they meet again. Call-next is timed from the round's start
# to its last answer, so calls/s is what the server does when every window calls at once;
# cycles/s is the whole loop, three requests per cycle.

@dataclass
class Round:
    """One round's call-next phase: when it began and ended, and each clerk's latency."""
    began: float
    ended: float
    latencies: list[float]


def measure_call_next(server: DemoServer, opts: Options, setup: HallConfig) -> dict:
    windows = [spec.number for spec in setup.windows][:opts.clerks]
    rounds = max(1, opts.calls // len(windows))
    # enough callable tickets at every window, whatever was left by the issue phase
    issue_tickets(server.url, server.tokens["kiosk"],
                  [item_for_window(setup, n) for n in windows for _ in range(rounds)])
    first_seq = last_event_seq(server)
    sessions = [clerk_session(server.url, n) for n in windows]
    try:
        began = time.perf_counter()
        timed, answered = call_rounds(server.url, dict(zip(windows, sessions)), rounds)
        wall = time.perf_counter() - began
    finally:
        for window, session in zip(windows, sessions):
            sign_out(session, server.url, window)
    calls = sum(len(r.latencies) for r in timed)
    calling = sum(r.ended - r.began for r in timed)
    doubles = double_calls(call_log(server, first_seq))
    return {"clerks": len(windows), "calls": calls, "calls_per_s": round(calls / calling, 1),
            "cycles_per_s": round(calls / wall, 1), "requests_per_s": round(3 * calls / wall, 1),
            "seconds": round(wall, 2), "double_calls": len(doubles),
            "tickets_answered_twice": calls - len(set(answered))} \
        | latency_ms([s for r in timed for s in r.latencies])


def call_rounds(url: str, clerks: dict[int, requests.Session], rounds: int) -> tuple[list[Round], list[int]]:
    """Run the rounds; returns each round's timing and every ticket id the clerks were given."""
    meet = threading.Barrier(len(clerks), timeout=PHASE_SECONDS)
    deadline = time.monotonic() + PHASE_SECONDS
    starts = [0.0] * rounds
    replies: dict[int, list[tuple[float, float, int]]] = {n: [] for n in clerks}

    def clerk(window: int, session: requests.Session) -> None:
        try:
            rounds_of(window, session)
        except BaseException:
            meet.abort()   # the others must not wait at the next round for a clerk who left
            raise

    def rounds_of(window: int, session: requests.Session) -> None:
        for n in range(rounds):
            if meet.wait() == 0:          # one clerk notes when the round began
                starts[n] = time.perf_counter()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the call-next phase ran past {PHASE_SECONDS:.0f} s")
            t0 = time.perf_counter()
            reply = session.post(f"{url}/api/v1/windows/{window}/call-next", json={}, timeout=HTTP_TIMEOUT)
            t1 = time.perf_counter()
            reply.raise_for_status()
            ticket = reply.json()["ticket"]
            if ticket is None:
                raise RuntimeError(f"window {window} found nobody to call")
            replies[window].append((t0, t1, ticket["id"]))
            serve_ticket(session, url, ticket["id"])

    with ThreadPoolExecutor(len(clerks)) as pool:
        futures = [pool.submit(clerk, n, s) for n, s in clerks.items()]
    # the first clerk's own error, not the broken barrier it left the others
    errors = [f.exception() for f in futures if f.exception() is not None]
    first = next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), None)
    if errors:
        raise first or errors[0]
    timed = []
    for n in range(rounds):
        mine = [replies[w][n] for w in clerks]
        timed.append(Round(min(starts[n], *(t0 for t0, _, _ in mine)), max(t1 for _, t1, _ in mine),
                           [t1 - t0 for t0, t1, _ in mine]))
    return timed, [ticket for got in replies.values() for _, _, ticket in got]


# --- double calls, from the server's own event log ----------------------------------------------------

def demo_hall_log(server: DemoServer, after: int = 0) -> list[dict]:
    """The demo hall's event log after sequence number `after`, read from the server's database
    (SQLite in WAL mode or PostgreSQL: reading beside the running server is safe)."""
    from server import db, repository as repo
    database = db.open_database(server.database, server.data)
    try:
        with database.checked_out() as conn:
            code = load_config(server.config).hall.code if server.database else None
            return repo.event_records(conn, repo.find_hall(conn, code)["id"], after=after)
    finally:
        database.close()


def last_event_seq(server: DemoServer) -> int:
    return max((r["seq"] for r in demo_hall_log(server)), default=0)


def call_log(server: DemoServer, after: int) -> list[dict]:
    """The whole history of every ticket that was touched after `after`."""
    log = demo_hall_log(server)
    touched = {r["ticket_id"] for r in log if r["seq"] > after}
    return [r for r in log if r["ticket_id"] in touched]


def double_calls(records: list[dict]) -> list[dict]:
    """Every `ticket_called` of a ticket that was not waiting in a queue at that moment: called
    while another window (or the same one) still had it, or called again where only a recall
    may announce it again. Read from the log in order, trusting each event's own to_state."""
    state: dict[int, str] = {}
    found = []
    for record in sorted(records, key=lambda r: r["seq"]):
        ticket = record["ticket_id"]
        if record["kind"] == e.TicketCalled.KIND and state.get(ticket) not in QUEUED:
            found.append(record)
        if record["ticket_id"] is not None and record["to_state"]:
            state[ticket] = record["to_state"]
    return found


#: States from which a ticket may be called: it is in a queue, at no window.
QUEUED = frozenset({"waiting", "transferred"})


# --- (c) call → ticket_called at many websocket clients ------------------------------------------

class Listener:
    """One board-like Socket.IO client that notes when each ticket's first call reached it."""

    def __init__(self, url: str, token: str, narrowed: dict | None = None):
        self.received: dict[int, float] = {}
        self.client = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        self.client.on(TICKET_CALLED, self._called)
        self.client.connect(url, auth={"token": token} | (narrowed or {}), transports=["websocket"],
                            wait_timeout=15)

    def _called(self, payload: dict) -> None:
        now = time.perf_counter()   # first, before anything else costs time
        if not payload.get("recall"):
            self.received.setdefault(payload["ticket"]["id"], now)

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone: nothing left to close
            pass


def connect_listeners(url: str, token: str, count: int, narrowed: dict | None = None) -> list[Listener]:
    """Connect `count` listeners, a few at a time (each connect costs the server a snapshot)."""
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(Listener, url, token, narrowed) for _ in range(count)]
    listeners = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    if failed:
        close_listeners(listeners)
        raise RuntimeError(f"{len(failed)} of {count} websocket clients could not connect: {failed[0]}")
    return listeners


def close_listeners(listeners: list[Listener]) -> None:
    """Disconnect all, many at once: one disconnect can wait seconds for the server's close."""
    if not listeners:
        return
    with ThreadPoolExecutor(min(32, len(listeners))) as pool:
        list(pool.map(Listener.close, listeners))


def wait_for_all(listeners: list[Listener], ticket_id: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(ticket_id in l.received for l in listeners):
            return
        time.sleep(0.002)


def measure_live(server: DemoServer, opts: Options, setup: HallConfig) -> dict:
    window = setup.windows[-1].number   # the call-next phase's clerks have signed out
    issue_tickets(server.url, server.tokens["kiosk"],
                  [item_for_window(setup, window)] * opts.websocket_calls)
    listeners = connect_listeners(server.url, server.tokens["board"], opts.websocket_clients)
    session = clerk_session(server.url, window)
    try:
        calls = run_calls(server.url, session, window, listeners, opts.websocket_calls)
    finally:
        session.close()
        close_listeners(listeners)
    return live_figures(calls, listeners)


def run_calls(url: str, session: requests.Session, window: int, listeners: list[Listener],
              count: int) -> list[tuple[int, float]]:
    """Make `count` calls one after another; returns (ticket id, time just before the request)."""
    calls, deadline = [], time.monotonic() + PHASE_SECONDS
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        reply = session.post(f"{url}/api/v1/windows/{window}/call-next", json={}, timeout=HTTP_TIMEOUT)
        reply.raise_for_status()
        ticket_id = reply.json()["ticket"]["id"]
        calls.append((ticket_id, t0))
        # one call at a time: the next starts once every client has this one (or 10 s passed)
        wait_for_all(listeners, ticket_id)
        serve_ticket(session, url, ticket_id)
    return calls


def live_figures(calls: list[tuple[int, float]], listeners: list[Listener]) -> dict:
    delays, slowest, missed = [], [], 0
    for ticket_id, t0 in calls:
        got = [l.received[ticket_id] - t0 for l in listeners if ticket_id in l.received]
        missed += len(listeners) - len(got)
        delays += got
        if got:
            slowest.append(max(got))
    figures = latency_ms(delays)
    return {"calls": len(calls), "clients": len(listeners), "deliveries": len(delays), "missed": missed,
            "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
            "slowest_client_p50_ms": round(percentile(slowest, 50) * 1000, 2)}


# --- runs, results, summary ---------------------------------------------------------------------------

def one_run(opts: Options, setup: HallConfig, number: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="jiaohao-bench-") as root, \
            server_for(Path(root), opts) as server:
        print(f"run {number}: server on {server.url}", flush=True)
        issue = measure_issue(server, opts, open_items(setup))
        print(f"  issue: {issue['tickets_per_s']} tickets/s, p50 {issue['p50_ms']} ms "
              f"(first tenth {issue['p50_first_tenth_ms']} ms, last tenth {issue['p50_last_tenth_ms']} ms)",
              flush=True)
        call = measure_call_next(server, opts, setup)
        print(f"  call-next: {call['clerks']} clerks, {call['calls_per_s']} calls/s, {call['cycles_per_s']} "
              f"cycles/s, p50 {call['p50_ms']} ms, double calls {call['double_calls']}", flush=True)
        live = measure_live(server, opts, setup)
        print(f"  live: p50 {live['p50_ms']} ms, p99 {live['p99_ms']} ms, missed {live['missed']}",
              flush=True)
    return {"issue": issue, "call_next": call, "live": live}


def git_commit() -> dict[str, object]:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    try:
        # untracked files (results being written) do not change the code that runs
        return {"commit": git("rev-parse", "HEAD") or None,
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine() -> dict:
    return {"cpu_count": os.cpu_count(), "cpu_model": cpu_model(), "python": platform.python_version(),
            "platform": platform.platform(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **git_commit()}


def ratios(medians: dict) -> dict[str, float]:
    """Ours ÷ FQM: above 1 is better for rates, below 1 is better for latencies."""
    return {"issue_rate": round(medians["issue"]["tickets_per_s"] / FQM["issue_per_s"], 2),
            "issue_p50": round(medians["issue"]["p50_ms"] / FQM["issue_p50_ms"], 2),
            "call_rate": round(medians["call_next"]["calls_per_s"] / FQM["call_per_s"], 2),
            "call_p50": round(medians["call_next"]["p50_ms"] / FQM["call_p50_ms"], 2)}


def build_results(opts: Options, runs: list[dict], measured: dict) -> dict:
    medians = {part: median_of_runs([run[part] for run in runs]) for part in runs[0]}
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items() if k != "out"}
    settings["config"] = os.path.relpath(opts.config, REPO) if opts.config.is_relative_to(REPO) \
        else str(opts.config)
    return {"machine": measured, "settings": settings, "median": medians,
            "fqm": FQM, "ratio_to_fqm": ratios(medians), "runs": runs}


def summary(results: dict) -> str:
    m, r, s = results["median"], results["ratio_to_fqm"], results["settings"]
    issue, call, live = m["issue"], m["call_next"], m["live"]
    return "\n".join([
        f"Server benchmark ({s['server']}) — median of {s['repeats']} runs, {results['machine']['cpu_count']} CPUs, "
        f"Python {results['machine']['python']}",
        f"  issue      {s['clients']} clients: {issue['tickets_per_s']} tickets/s, "
        f"p50 {issue['p50_ms']} ms, p99 {issue['p99_ms']} ms",
        f"             vs FQM (1 client, 93/s, 10 ms): rate ×{r['issue_rate']}, median latency ×{r['issue_p50']}",
        f"  call-next  {s['clerks']} clerks calling at once: {call['calls_per_s']} calls/s, "
        f"p50 {call['p50_ms']} ms, p99 {call['p99_ms']} ms; double calls {call['double_calls']}",
        f"             call → start → finish: {call['cycles_per_s']} cycles/s ({call['requests_per_s']} requests/s)",
        f"             vs FQM (1 client, 68/s, 15 ms): rate ×{r['call_rate']}, median latency ×{r['call_p50']}",
        f"  live       {s['websocket_clients']} websocket clients, {live['calls']} calls: call → "
        f"ticket_called p50 {live['p50_ms']} ms, p99 {live['p99_ms']} ms, slowest client per call "
        f"p50 {live['slowest_client_p50_ms']} ms, missed {live['missed']}",
        "  (rates: ×>1 is faster than FQM; latencies: ×<1 is quicker)",
    ])


def run(opts: Options) -> dict:
    setup = load_config(opts.config)
    if opts.clerks > len(setup.windows):
        raise ValueError(f"--clerks must be at most the hall's {len(setup.windows)} windows")
    measured = machine()   # before the runs: the commit is that of the code being measured
    runs = [one_run(opts, setup, n + 1) for n in range(opts.repeats)]
    results = build_results(opts, runs, measured)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary(results))
    print(f"results written to {opts.out}")
    return results


# --- command line -----------------------------------------------------------------------------------

def options_from(args: argparse.Namespace) -> Options:
    opts = Options(clients=args.clients, clerks=args.clerks, tickets=args.tickets, calls=args.calls,
                   websocket_clients=args.websocket_clients, websocket_calls=args.websocket_calls,
                   repeats=args.repeats, server=args.server, config=args.config.resolve(),
                   out=(args.out or DEFAULT_OUT).resolve())
    for name in ("clients", "clerks", "tickets", "calls", "websocket_clients", "websocket_calls", "repeats"):
        if getattr(opts, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1")
    if opts.tickets > 5000:
        # serials have 3 digits per prefix and day: more would run a busy prefix out of numbers
        raise ValueError("--tickets must be at most 5000")
    return opts


def stop_on_sigterm() -> None:
    """Turn SIGTERM into an exception so the server process and the clients are closed."""
    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)


def main(argv: list[str] | None = None) -> int:
    return run_as_script(sys.modules[__name__], argv, add_options)


if __name__ == "__main__":
    sys.exit(main())
