"""Live fan-out benchmark: how long a call takes to reach every board in the hall, what
thousands of live connections cost the server, whether requests stay fast meanwhile, and how
soon a restarted server has every board back.

For each size (connected boards), on a fresh `jiaohao demo` server:
* every board connects with the board token (in batches) and gets its snapshot; most are the
  project's light listeners (bench/hall_listeners.py), some are ordinary python-socketio
  clients, so the figures hold for a real client too;
* the server's resident memory is read from /proc while they are all connected;
* a clerk runs a call → start → finish cycle every `cycle` seconds (0.6 s), `calls` times; each
  call is timed from just before the HTTP call-next to each board's receipt of its
  `ticket_called`, and every board must receive every call.
Mixed connections (`mixed`, and `mixed_heavy`): boards, window screens, clerk terminals and
phones following their ticket (MIXES: one hall's proportions, and a heavier mix) connect at once; the time to connect them all and the server's memory
are read, then 8 kiosks issue (2 tickets/s each) and 30 clerks call, start and finish for
`mixed_seconds`, and the replies' times are the figures. The listeners run in a process of
their own (bench.hall_listeners.ListenersApart), so the process that times the requests does
nothing else; and the kiosks are two kinds of client: half are `requests` threads of that
process, half are wrk's connections (a C load generator, in its own process), each figure
under its own name.
Reconnect storm (`storm`): that many boards are connected, the server is stopped and started
again on the same data (`jiaohao server`), and all the boards connect at once: the time until
every one has its snapshot.
Start time: `jiaohao server` on an existing hall's data directory, process start → first
successful HTTP answer, several starts. Figures are medians over `repeats` runs.

Run with `jiaohao bench live` or `python -m bench.live_bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.cli import DEFAULT_CONFIG, DEFAULT_LIVE_OUT, LIVE_DEFAULTS, add_live_options, add_options, run_as_script
from bench.hall_listeners import HallListeners, ListenersApart
from bench.peak import clerk_calling, kiosk_at_2_per_s, wrk_post
from bench.server_bench import (HTTP_TIMEOUT, DemoServer, Listener, PHASE_SECONDS, clerk_session,
                                close_listeners, connect_listeners, issue_tickets, item_for_window,
                                kiosk_session, latency_ms, machine, open_items, percentile,
                                serve_ticket, stop_on_sigterm)
from common.launcher import ServerProcess, hall_server, read_credentials
from hall.config import HallConfig, load_config
from protocol.live import BUNDLE, EVERY_ZONE, WINDOW, ZONE

TARGETS = {"p99_ms_at_500": 100.0, "p99_ms_at_1000": 150.0, "rss_mb_at_1000": 300.0,
           "mixed_rss_mb": 600.0, "mixed_connect_s": 30.0, "mixed_issue_p99_ms": 100.0,
           "mixed_call_next_p99_ms": 100.0, "storm_s": 10.0}
CALL_TIMEOUT = 10.0
#: the python-socketio clients among the boards of a size: a quarter of it, at most this many
#: (each holds threads in this process, which the light listeners do not)
SOCKETIO_CLIENTS = 20
#: how mixed connections divide (MIXES): boards, window screens and clerk terminals, and the
#: citizens' phones following their ticket (the rest). `hall`, the figure of record: one hall
#: as it stands, a board for every 3 windows (the TVs and zone boards), a screen above every
#: window, a clerk terminal at every window. `heavy`: a hundred of each per 5,000 (three times
#: the demo hall's windows, every terminal hearing the whole hall), the same load on fewer phones
MIXES = ("hall", "heavy")
MIXED_SHARES = {"boards": 0.02, "window_screens": 0.02, "clerk_terminals": 0.02}   # heavy


def mixed_counts(mix: str, total: int, windows: int) -> dict[str, int]:
    """How many connections of each kind a mix of `total` has, for a hall of `windows`."""
    if mix == "heavy":
        counts = {kind: max(1, int(total * share)) for kind, share in MIXED_SHARES.items()}
    else:
        counts = {"boards": max(1, -(-windows // 3)), "window_screens": windows, "clerk_terminals": windows}
        counts = {kind: min(n, max(1, total // 4)) for kind, n in counts.items()}
    counts["phones"] = total - sum(counts.values())
    return counts
KIOSKS, WRK_KIOSKS = 8, 4   # the mixed phase's kiosks, and how many of them are wrk's connections
#: who measured which figure of the mixed phase (the results' settings say it)
MIXED_CLIENTS = {
    "issue": "Python requests: kiosk threads, 2 tickets/s each, in the measuring process (no listeners in it)",
    "call_next": "Python requests: 30 clerk threads in the measuring process",
    "wrk_issue": "wrk (C load generator, own process): one connection per kiosk, 500 ms between a reply and "
                 "the next ticket (wrk's delay), latency from the request's first byte"}
MIXED_BATCH = 250   # connections opened at once in the mixed and storm phases
START_TIMEOUT = 120.0   # a demo server's start on a loaded machine can take half a minute and more
MODELS = ("gevent", "threading")
#: how a hall board showing every window connects: the /board page and `jiaohao display`
#: (the light listeners) ask for a commit's messages as one bundle; an ordinary python-socketio
#: client hears them one by one
BOARD = {ZONE: EVERY_ZONE}
PAGE = {BUNDLE: True}


@dataclass
class LiveOptions:
    sizes: list[int] = field(default_factory=lambda: list(LIVE_DEFAULTS["sizes"]))
    calls: int = LIVE_DEFAULTS["calls"]
    repeats: int = 3
    starts: int = LIVE_DEFAULTS["starts"]
    config: Path = DEFAULT_CONFIG
    out: Path = DEFAULT_LIVE_OUT
    cycle: float = LIVE_DEFAULTS["cycle"]      # seconds from one call to the next
    mixed: int = 0                              # mixed connections (0: not measured)
    mixes: list[str] = field(default_factory=lambda: list(MIXES))   # the first is the figure of record
    mixed_seconds: float = LIVE_DEFAULTS["mixed_seconds"]
    storm: int = 0                              # boards reconnecting after a restart (0: not measured)
    #: the server models measured side by side (jiaohao server --async-mode), in turn within
    #: every run so that each meets the same load of the shared machine; the first one is the
    #: result's `median`
    models: list[str] = field(default_factory=lambda: list(MODELS))


# --- the server's own figures ------------------------------------------------------------------

def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc's children lists."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass   # the thread ended while we looked
    return found


def status_field(pid: int, name: str) -> int:
    """A /proc/<pid>/status figure in kB; 0 for a process that has exited (a zombie holds none)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time the server and its children have used so far: the server's own
    share of a loaded machine, whatever the other processes take."""
    ticks = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])   # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def server_memory(pid: int) -> dict[str, float]:
    """Resident memory (MB) and threads of the server and any child processes."""
    tree = process_tree(pid)
    return {"rss_mb": round(sum(status_field(p, "VmRSS") for p in tree) / 1024, 1),
            "threads": sum(status_field(p, "Threads") for p in tree), "processes": len(tree)}


# --- one size --------------------------------------------------------------------------------------

def measure_size(server: DemoServer, setup: HallConfig, size: int, calls: int, cycle: float) -> dict:
    window = setup.windows[-1].number
    issue_tickets(server.url, server.tokens["kiosk"], [item_for_window(setup, window)] * calls)
    idle = server_memory(server.process.pid)
    clients = min(SOCKETIO_CLIENTS, size // 4)
    began = time.perf_counter()
    with HallListeners(server.url, server.tokens["board"], size - clients, narrowed=BOARD | PAGE) as boards:
        ordinary = connect_listeners(server.url, server.tokens["board"], clients, BOARD)
        try:
            connect_s = time.perf_counter() - began
            if boards.connected() != size - clients:
                raise RuntimeError(f"only {boards.connected()} of {size - clients} boards connected")
            connected = server_memory(server.process.pid)
            session = clerk_session(server.url, window)
            boards.tally.wait_until_quiet()   # the boards' snapshots are all in
            cpu_before, seen_before = server_cpu_seconds(server.process.pid), sum(boards.tally.messages)
            try:
                timed = run_calls(server.url, session, window, boards, ordinary, calls, cycle)
            finally:
                session.close()
            boards.tally.wait_until_quiet()
            cpu = server_cpu_seconds(server.process.pid) - cpu_before
            # every board hears what the light ones heard (the python-socketio ones one frame a
            # message, so more): the frames the server sent, at least
            sent = (sum(boards.tally.messages) - seen_before) * size / max(1, boards.count)
            figures = call_figures(timed, boards, ordinary) | {
                "server_cpu_s": round(cpu, 2), "frames_sent": int(sent),
                "server_cpu_us_per_frame": round(cpu * 1e6 / sent, 1) if sent else 0.0}
        finally:
            close_listeners(ordinary)
    return {"clients": size, "socketio_clients": clients, **figures, "connect_s": round(connect_s, 2),
            "rss_idle_mb": idle["rss_mb"], "rss_mb": connected["rss_mb"],
            "threads": connected["threads"], "processes": connected["processes"]}


def run_calls(url: str, session: requests.Session, window: int, boards: HallListeners,
              ordinary: list[Listener], count: int, cycle: float) -> list[tuple[int, float, float]]:
    """(ticket id, time just before the call-next, seconds until its HTTP reply) per call: a
    call → start → finish cycle every `cycle` seconds, as a busy window's clerk does."""
    timed, deadline = [], time.monotonic() + PHASE_SECONDS
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        reply = session.post(f"{url}/api/v1/windows/{window}/call-next", json={}, timeout=30)
        replied = time.perf_counter() - t0
        reply.raise_for_status()
        ticket_id = reply.json()["ticket"]["id"]
        timed.append((ticket_id, t0, replied))
        boards.tally.wait_for_call(ticket_id, CALL_TIMEOUT)
        wait_for_ordinary(ordinary, ticket_id, max(0.0, t0 + CALL_TIMEOUT - time.perf_counter()))
        serve_ticket(session, url, ticket_id)
        time.sleep(max(0.0, t0 + cycle - time.perf_counter()))
    return timed


def wait_for_ordinary(listeners: list[Listener], ticket_id: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(ticket_id in l.received for l in listeners):
        time.sleep(0.002)


def call_figures(timed: list[tuple[int, float, float]], boards: HallListeners,
                 ordinary: list[Listener]) -> dict:
    delays, light, python_client, last, missed = [], [], [], [], 0
    with boards.tally.lock:
        received = {tid: list(times) for tid, times in boards.tally.received.items()}
    for ticket_id, t0, _ in timed:
        got = [at - t0 for at in received.get(ticket_id, [])]
        theirs = [l.received[ticket_id] - t0 for l in ordinary if ticket_id in l.received]
        missed += boards.count + len(ordinary) - len(got) - len(theirs)
        light += got
        python_client += theirs
        delays += got + theirs
        if got or theirs:
            last.append(max(got + theirs))
    every, slowest = latency_ms(delays), latency_ms(last)
    return {"calls": len(timed), "receipts": len(delays), "missed": missed,
            "p50_ms": every["p50_ms"], "p99_ms": every["p99_ms"],
            "last_client_p50_ms": slowest["p50_ms"], "last_client_p99_ms": slowest["p99_ms"],
            "light_p99_ms": latency_ms(light)["p99_ms"],
            "socketio_p50_ms": latency_ms(python_client)["p50_ms"] if python_client else 0.0,
            "socketio_p99_ms": latency_ms(python_client)["p99_ms"] if python_client else 0.0,
            "call_reply_p50_ms": round(percentile([r for *_, r in timed], 50) * 1000, 2)}


# --- thousands of mixed connections ---------------------------------------------------------------

def mixed_tokens(server: DemoServer, setup: HallConfig, total: int, clerks: dict[int, requests.Session],
                 mix: str = MIXES[0]) -> tuple[list[str], list[dict], dict[str, int]]:
    """One token per connection and what it says it shows: the boards (every zone), the
    window screens (their window) and the signed-in clerks (the hall) in turn, and a phone
    per ticket issued for it."""
    counts = mixed_counts(mix, total, len(clerks))
    credentials = read_credentials(server.data)
    windows = [w.number for w in setup.windows]
    screens = [credentials[f"window {n} screen token"] for n in windows]
    terminals = [s.headers["Authorization"].split()[1] for s in clerks.values()]
    tokens = [server.tokens["board"]] * counts["boards"]
    narrowed = [BOARD | PAGE] * counts["boards"]
    tokens += [screens[n % len(screens)] for n in range(counts["window_screens"])]
    narrowed += [{WINDOW: windows[n % len(windows)]} | PAGE for n in range(counts["window_screens"])]
    tokens += [terminals[n % len(terminals)] for n in range(counts["clerk_terminals"])]
    narrowed += [PAGE] * counts["clerk_terminals"] + [{}] * counts["phones"]
    return tokens + phone_tokens(server, open_items(setup), counts["phones"]), narrowed, counts


def phone_tokens(server: DemoServer, items: list[str], count: int) -> list[str]:
    """The tracking tokens of `count` tickets, issued from 8 kiosks at once (not measured)."""
    def issue(numbers: range) -> list[str]:
        found = []
        with kiosk_session(server.tokens["kiosk"]) as session:
            for n in numbers:
                reply = session.post(f"{server.url}/api/v1/tickets", json={"service": items[n % len(items)]},
                                     timeout=HTTP_TIMEOUT)
                reply.raise_for_status()
                found.append(reply.json()["track_url"].rsplit("/", 1)[1])
        return found
    with ThreadPoolExecutor(8) as pool:
        return [token for share in pool.map(issue, [range(k, count, 8) for k in range(8)]) for token in share]


def model(name: str) -> tuple[str, ...]:
    return ("--async-mode", name)


def measure_mixed(opts: LiveOptions, setup: HallConfig, name: str, mix: str = MIXES[0]) -> dict:
    total, seconds = opts.mixed, opts.mixed_seconds
    windows = [spec.number for spec in setup.windows][:30]
    with tempfile.TemporaryDirectory(prefix="jiaohao-mixed-") as root, \
            DemoServer(Path(root), opts.config, extra_args=model(name), start_timeout=START_TIMEOUT) as server:
        clerks = {n: clerk_session(server.url, n) for n in windows}
        tokens, narrowed, counts = mixed_tokens(server, setup, total, clerks, mix)
        idle = server_memory(server.process.pid)
        with ListenersApart(server.url, tokens, len(tokens), batch=MIXED_BATCH, narrowed=narrowed,
                            batch_timeout=START_TIMEOUT) as everyone:
            connected = everyone.connected()
            memory = server_memory(server.process.pid)
            heard_before = heard_by_kind(everyone.messages_when_still(), counts)   # the snapshots are all in
            cpu_before = server_cpu_seconds(server.process.pid)
            listeners_before = server_cpu_seconds(everyone.pid)
            load = requests_meanwhile(server, open_items(setup), clerks, seconds)
            cpu = server_cpu_seconds(server.process.pid) - cpu_before
            listeners_cpu = server_cpu_seconds(everyone.pid) - listeners_before
            # what the last commits sent is in
            heard_after = heard_by_kind(everyone.messages_when_still(), counts)
            heard = {kind: n - heard_before[kind] for kind, n in heard_after.items()}
            still = everyone.connected()
        for session in clerks.values():
            session.close()
    answered = load["issue"]["count"] + load["call_next"]["count"] + load.get("wrk_issue", {}).get("requests", 0)
    sent = sum(heard.values())
    return {"mix": mix, "connections": total, **counts, "connected": connected, "still_connected": still,
            "connect_s": round(everyone.connect_s, 2), "rss_idle_mb": idle["rss_mb"], "rss_mb": memory["rss_mb"],
            "threads": memory["threads"], "server_cpu_share": round(cpu / seconds, 2),
            # the listeners' process: near a whole core, it is the one late, not the server
            "listeners_cpu_share": round(listeners_cpu / seconds, 2),
            "frames_per_s": {kind: round(n / seconds, 1) for kind, n in heard.items()},
            # the whole CPU of the phase over each count: upper bounds that the machine's load
            # does not move, to compare one build of the server with another
            "server_cpu_us_per_frame": round(cpu * 1e6 / sent, 1) if sent else 0.0,
            "server_cpu_ms_per_request": round(cpu * 1e3 / answered, 2) if answered else 0.0, **load}


def heard_by_kind(messages: list[int], counts: dict[str, int]) -> dict[str, int]:
    """Messages received so far by each kind of connection, from the count per listener (the
    listeners are numbered in mixed_tokens' order: boards, window screens, clerk terminals, phones)."""
    out, start = {}, 0
    for kind in ("boards", "window_screens", "clerk_terminals", "phones"):
        out[kind] = sum(messages[start:start + counts[kind]])
        start += counts[kind]
    return out


def requests_meanwhile(server: DemoServer, items: list[str], clerks: dict[int, requests.Session],
                       seconds: float) -> dict:
    """8 kiosks at 2 tickets/s and 30 clerks calling, as bench/peak.py's morning peak. With wrk
    installed, WRK_KIOSKS of the kiosks are wrk's connections: the same requests timed by a
    client that shares nothing with this process."""
    issued, calls, sizes, wrk = [], [], {}, {}
    by_wrk = WRK_KIOSKS if shutil.which("wrk") else 0
    stop = threading.Event()
    threads = [threading.Thread(target=kiosk_at_2_per_s, args=(server, items, k, stop, issued, sizes))
               for k in range(by_wrk, KIOSKS)]
    threads += [threading.Thread(target=clerk_calling, args=(server.url, n, s, stop, calls, sizes))
                for n, s in clerks.items()]
    if by_wrk:
        threads.append(threading.Thread(target=lambda: wrk.update(wrk_kiosks(server, items, by_wrk, seconds))))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(60)
    if by_wrk and not wrk:
        raise RuntimeError("wrk gave no figures (its error is on this process's stderr)")
    out = {"python_kiosks": KIOSKS - by_wrk, "wrk_kiosks": by_wrk,
           "issue": replies(issued), "call_next": replies(calls)}
    return out | ({"wrk_issue": wrk} if by_wrk else {})


def wrk_kiosks(server: DemoServer, items: list[str], kiosks: int, seconds: float) -> dict:
    """wrk issuing from `kiosks` connections, a ticket each about every 0.5 s."""
    return wrk_post(server.url, "/api/v1/tickets", server.tokens["kiosk"], items,
                    seconds=max(1, round(seconds)), connections=kiosks, delay_ms=500)


def replies(seconds: list[float]) -> dict:
    """Latency figures of the replies that came (a reply that timed out is not among them)."""
    if not seconds:
        return {"p50_ms": float("inf"), "p99_ms": float("inf"), "count": 0}
    return latency_ms(seconds) | {"count": len(seconds)}


# --- a restart with every board connected ---------------------------------------------------------

def measure_storm(opts: LiveOptions, name: str) -> dict:
    """Boards connected; the server stops and starts again on its data; every board connects
    again at once. Timed from the restarted server's first answer to the last snapshot."""
    config, boards = opts.config, opts.storm
    with tempfile.TemporaryDirectory(prefix="jiaohao-storm-") as root:
        with DemoServer(Path(root), config, extra_args=model(name), start_timeout=START_TIMEOUT) as demo:
            with HallListeners(demo.url, demo.tokens["board"], boards, batch=MIXED_BATCH, narrowed=BOARD,
                               batch_timeout=START_TIMEOUT) as before:
                connected = before.connected()
                demo.stop()
            data, port, token = demo.data, demo.port, demo.tokens["board"]
        restarted = ServerProcess(jiaohao_server(data, config, port) + list(model(name)), port,
                                  Path(root) / "restarted.log")
        launched = time.perf_counter()
        restarted.start(START_TIMEOUT)   # started: it answers HTTP
        try:
            answered = time.perf_counter()
            with HallListeners(restarted.url, token, boards, batch=boards, narrowed=BOARD,
                               batch_timeout=START_TIMEOUT) as again:
                all_back = time.perf_counter()
                back = again.connected()
                memory = server_memory(restarted.process.pid)
        finally:
            restarted.stop()
    return {"boards": boards, "connected_before": connected, "reconnected": back,
            "snapshots_s": round(all_back - answered, 2), "from_launch_s": round(all_back - launched, 2),
            "rss_mb": memory["rss_mb"]}


def jiaohao_server(data: Path, config: Path, port: int) -> list[str]:
    return hall_server(data, config, port).command


# --- start time --------------------------------------------------------------------------------------

def measure_start(config: Path, starts: int) -> dict:
    """`jiaohao server` on a hall that already exists, as after a restart."""
    from server.cli import create_demo_hall
    with tempfile.TemporaryDirectory(prefix="jiaohao-start-") as root:
        data = Path(root) / "hall"
        create_demo_hall(data, config)
        seconds = [one_start(data, config, Path(root)) for _ in range(starts)]
    return {"starts": starts, "median_s": round(statistics.median(seconds), 3),
            "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3)}


def one_start(data: Path, config: Path, root: Path) -> float:
    """Seconds from launching `jiaohao server` on an existing hall until it answers HTTP."""
    server = hall_server(data, config, log_path=root / "start.log")
    began = time.perf_counter()
    try:
        server.start()
        return time.perf_counter() - began
    finally:
        server.stop()


# --- runs and results ----------------------------------------------------------------------------------

def one_run(opts: LiveOptions, setup: HallConfig, number: int) -> dict[str, dict[str, dict]]:
    """Every part once for every model, the models in turn part by part: model → part → figures.
    A part that fails (a server too slow to start on a loaded machine, connections not made in
    time) is recorded as {"failed": why}, and the run goes on."""
    run: dict[str, dict[str, dict]] = {name: {} for name in opts.models}
    for size in opts.sizes:
        for name in opts.models:
            run[name][str(size)] = figures = attempt(lambda: one_size(opts, setup, size, name))
            print(f"run {number}, {name}, {size} boards: {size_line(figures)}; load {load_average()}", flush=True)
    for mix in opts.mixes if opts.mixed else ():
        for name in opts.models:
            part = "mixed" if mix == opts.mixes[0] else f"mixed_{mix}"
            run[name][part] = mixed = attempt(lambda: measure_mixed(opts, setup, name, mix))
            print(f"run {number}, {name}, {opts.mixed} mixed connections ({mix}): {mixed_line(mixed)}; "
                  f"load {load_average()}", flush=True)
    for name in opts.models if opts.storm else ():
        run[name]["storm"] = storm = attempt(lambda: measure_storm(opts, name))
        print(f"run {number}, {name}, {opts.storm} boards after a restart: " + (
            storm["failed"] if "failed" in storm else f"{storm['reconnected']} had their snapshot "
            f"{storm['snapshots_s']} s after the server answered") + f"; load {load_average()}", flush=True)
    return run


def one_size(opts: LiveOptions, setup: HallConfig, size: int, name: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="jiaohao-live-") as root, \
            DemoServer(Path(root), opts.config, extra_args=model(name), start_timeout=START_TIMEOUT) as server:
        return measure_size(server, setup, size, opts.calls, opts.cycle)


def attempt(measure) -> dict:
    try:
        return measure()
    except Exception as exc:   # recorded with the run: a loaded machine fails a part now and then
        return {"failed": f"{type(exc).__name__}: {exc}"[:300]}


def size_line(f: dict) -> str:
    if "failed" in f:
        return f["failed"]
    return (f"({f['socketio_clients']} python-socketio) p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, last board "
            f"p99 {f['last_client_p99_ms']} ms, python-socketio p99 {f['socketio_p99_ms']} ms, missed {f['missed']}, "
            f"RSS {f['rss_mb']} MB, {f['threads']} threads, server CPU {f['server_cpu_us_per_frame']} µs/frame")


def mixed_line(m: dict) -> str:
    if "failed" in m:
        return m["failed"]
    return (f"{m['connected']} connected in {m['connect_s']} s, RSS {m['rss_mb']} MB; issue p50/p99 "
            f"{m['issue']['p50_ms']}/{m['issue']['p99_ms']} ms (Python), "
            f"{m.get('wrk_issue', {}).get('p50_ms', '-')}/{m.get('wrk_issue', {}).get('p99_ms', '-')} ms (wrk), "
            f"call-next p50/p99 {m['call_next']['p50_ms']}/{m['call_next']['p99_ms']} ms; server CPU {m['server_cpu_share']} of a core, "
            f"listeners' process {m['listeners_cpu_share']}, {m['server_cpu_us_per_frame']} µs/frame, "
            f"{m['server_cpu_ms_per_request']} ms/request; frames/s {m['frames_per_s']}")


def medians(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Per part, the medians of the runs that measured it (`failed`: how many did not)."""
    out = {}
    for part in runs[0]:
        measured = [run[part] for run in runs if "failed" not in run[part]]
        failed = len(runs) - len(measured)
        out[part] = (median_of(part, measured) | ({"failed_runs": failed} if failed else {})) if measured \
            else {"failed": runs[0][part]["failed"], "failed_runs": failed}
    return out


def median_of(part: str, figures: list[dict]) -> dict:
    out = {}
    for key, value in figures[0].items():
        if isinstance(value, dict):
            out[key] = median_of(key, [f[key] for f in figures])
        elif isinstance(value, str):
            out[key] = value   # a name (the mix), the same in every run
        else:
            out[key] = round(statistics.median(f[key] for f in figures), 2)
    return out


def verdicts(median: dict[str, dict]) -> dict[str, dict]:
    median = {part: figures for part, figures in median.items() if "failed" not in figures}
    out = {}
    for size, target in (("500", "p99_ms_at_500"), ("1000", "p99_ms_at_1000")):
        if size in median:
            out[f"p99_{size}"] = {"target_ms": TARGETS[target], "measured_ms": median[size]["p99_ms"],
                                  "last_client_p99_ms": median[size]["last_client_p99_ms"],
                                  "missed": median[size]["missed"],
                                  "met": median[size]["p99_ms"] <= TARGETS[target] and median[size]["missed"] == 0}
    if "1000" in median:
        out["rss_1000"] = {"target_mb": TARGETS["rss_mb_at_1000"], "measured_mb": median["1000"]["rss_mb"],
                           "met": median["1000"]["rss_mb"] <= TARGETS["rss_mb_at_1000"]}
    for part in [p for p in median if p.startswith("mixed")]:
        m = median[part]
        out[part] = {"mix": m["mix"], "boards": m["boards"], "window_screens": m["window_screens"],
                        "clerk_terminals": m["clerk_terminals"], "phones": m["phones"],
                        "connections": m["connections"], "connected": m["connected"],
                        "rss_mb": m["rss_mb"], "connect_s": m["connect_s"],
                        "issue_p99_ms": m["issue"]["p99_ms"], "call_next_p99_ms": m["call_next"]["p99_ms"],
                        **({"wrk_issue_p99_ms": m["wrk_issue"]["p99_ms"]} if "wrk_issue" in m else {}),
                        "met": m["connected"] == m["connections"] and m["rss_mb"] <= TARGETS["mixed_rss_mb"]
                        and m["connect_s"] <= TARGETS["mixed_connect_s"]
                        and m["issue"]["p99_ms"] <= TARGETS["mixed_issue_p99_ms"]
                        and m["call_next"]["p99_ms"] <= TARGETS["mixed_call_next_p99_ms"]}
    if "storm" in median:
        m = median["storm"]
        out["storm"] = {"boards": m["boards"], "reconnected": m["reconnected"], "snapshots_s": m["snapshots_s"],
                        "met": m["reconnected"] == m["boards"] and m["snapshots_s"] <= TARGETS["storm_s"]}
    return out


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(opts: LiveOptions) -> dict:
    setup = load_config(opts.config)
    measured = machine() | {"load_average_before": load_average()}
    runs = [one_run(opts, setup, n + 1) for n in range(opts.repeats)]
    start = measure_start(opts.config, opts.starts)
    print(f"start: median {start['median_s']} s over {start['starts']} starts", flush=True)
    measured["load_average_after"] = load_average()
    by_model = {}
    for name in opts.models:
        median = medians([one[name] for one in runs])
        by_model[name] = {"median": median, "targets": verdicts(median)}
    first = by_model[opts.models[0]]
    results = {"machine": measured,
               "settings": {"sizes": opts.sizes, "calls": opts.calls, "cycle_s": opts.cycle,
                            "repeats": opts.repeats, "starts": opts.starts, "mixed": opts.mixed,
                            "mixed_seconds": opts.mixed_seconds, "storm": opts.storm,
                            "socketio_clients": SOCKETIO_CLIENTS, "mixes": opts.mixes,
                            "heavy_mix_shares": MIXED_SHARES,
                            "mixed_clients": MIXED_CLIENTS,
                            "models": opts.models,
                            "server": "jiaohao demo / jiaohao server --async-mode MODEL (simple-websocket)"},
               "model": opts.models[0], "median": first["median"], "targets": first["targets"],
               "by_model": by_model, "start": start, "runs": runs}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {opts.out}")
    return results


# --- command line ---------------------------------------------------------------------------------------

def options_from(args: argparse.Namespace) -> LiveOptions:
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise ValueError("--sizes must be numbers separated by commas") from None
    opts = LiveOptions(sizes=sizes, calls=args.live_calls, repeats=args.repeats, starts=args.starts,
                       config=args.config.resolve(), out=(args.out or DEFAULT_LIVE_OUT).resolve(),
                       cycle=args.cycle, mixed=args.mixed, mixed_seconds=args.mixed_seconds, storm=args.storm,
                       mixes=[m.strip() for m in args.mixes.split(",") if m.strip()],
                       models=[m.strip() for m in args.async_mode.split(",") if m.strip()])
    if not sizes or min(sizes) < 1 or min(opts.calls, opts.repeats, opts.starts) < 1:
        raise ValueError("--sizes, --live-calls, --repeats and --starts must be at least 1")
    if not opts.mixes or set(opts.mixes) - set(MIXES) or len(set(opts.mixes)) < len(opts.mixes):
        raise ValueError(f"--mixes takes {' and/or '.join(MIXES)}, comma-separated, each once")
    if not opts.models or set(opts.models) - set(MODELS) or len(set(opts.models)) < len(opts.models):
        raise ValueError(f"--async-mode takes {' and/or '.join(MODELS)}, comma-separated, each once")
    if min(opts.mixed, opts.storm) < 0 or opts.cycle < 0 or opts.mixed_seconds <= 0:
        raise ValueError("--mixed, --storm and --cycle must not be negative, --mixed-seconds must be positive")
    return opts


def main(argv: list[str] | None = None) -> int:
    return run_as_script(sys.modules[__name__], argv, add_options, add_live_options)


if __name__ == "__main__":
    sys.exit(main())
