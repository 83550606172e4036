"""`jiaohao bench peak`: the morning peak — does any request cost more because the queue is long?

Every run starts a fresh demo server (`jiaohao demo --headless`, the threaded server model) and
fills its queue with tickets nobody calls. Then, at each number waiting:
- issuing from 8 connections, measured twice: with wrk (a C load generator, which leaves the
  2 cores to the server) and with the project's own client (`requests`, 8 threads);
- the replies that could grow with the queue, one request at a time: a window's queue
  (`GET /api/v1/windows/{n}/queue`, default page), the hall snapshot, a phone's track reply,
  the supervisor's dashboard, the report of the day so far (`GET /api/v1/reports`);
- side by side in the same run, the stack's floor (bench/floor.py: a bare Flask-SocketIO
  route doing one SQLite insert, same server model), issued to by wrk the same way.
The morning peak itself, at 1,000 waiting: 20 boards and 30 clerk terminals follow the hall
live, 8 kiosks issue 2 tickets/s each, each clerk calls the next citizen every few seconds;
issue and call-next latency (p50/p99), reply sizes and the server's CPU are recorded.
Figures are medians over repeated runs; results go to bench/results/peak.json.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.hall_listeners import HallListeners
from bench.server_bench import (DEMO_PASSWORD, HTTP_TIMEOUT, REPO, DemoServer, free_port, git_commit,
                                kiosk_session, latency_ms, machine, open_items)
from hall.config import load_config

WRK_SECONDS = 10
VIEW_REQUESTS = 30
WINDOW = 1          # the demo's comprehensive window: its queue is every item's


@dataclass(frozen=True)
class Options:
    waiting: tuple[int, ...]
    peak_waiting: int
    peak_seconds: float
    repeats: int
    config: Path
    out: Path


# --- measuring instruments --------------------------------------------------------------------------

def wrk_post(url: str, path: str, token: str | None, items: list[str], seconds: int = WRK_SECONDS,
             connections: int = 8, delay_ms: int = 0) -> dict:
    """wrk with `connections` connections posting tickets (a Lua script picks the items in
    turn), each as fast as the replies come or `delay_ms` after each reply (a kiosk's pace)."""
    body = "{}" if not items else None
    script = "\n".join([
        'wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"',
        f'wrk.headers["Authorization"] = "Bearer {token}"' if token else "",
        "local items = {" + ",".join(f'"{code}"' for code in items) + "}", "local n = 0",
        "request = function()", "  n = n + 1",
        f"  return wrk.format(nil, nil, nil, {json.dumps(body)})" if body else
        '  return wrk.format(nil, nil, nil, \'{"service":"\' .. items[(n % #items) + 1] .. \'"}\')',
        "end", f"delay = function() return {delay_ms} end" if delay_ms else ""])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    try:
        done = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency",
                               "-s", lua.name, url + path],
                              capture_output=True, text=True, timeout=seconds + 60, check=True)
    finally:
        os.unlink(lua.name)
    return parse_wrk(done.stdout)


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
        return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = re.search(r"\s50%\s+(\S+)", text).group(1)
    p99 = re.search(r"\s99%\s+(\S+)", text).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    done = re.search(r"(\d+) requests in", text)
    return {"per_s": rate, "p50_ms": ms(p50), "p99_ms": ms(p99), "non_2xx": int(errors.group(1)) if errors else 0,
            "requests": int(done.group(1)) if done else 0}


def with_server_cpu(cpu: "ServerCpu", measure) -> dict:
    """A load run's figures and the server's CPU time per request over it: on a shared machine
    the rate depends on the other jobs, the CPU per request on the server alone."""
    began = cpu.seconds()
    out = measure()
    count = out.get("requests") or out.get("count") or 0
    return out | {"server_cpu_ms": round(1000 * (cpu.seconds() - began) / count, 2) if count else None}


class ServerCpu:
    """The server process's CPU seconds over a stretch of wall time."""

    def __init__(self, pid: int):
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks


def timed_gets(session: requests.Session, url: str, cpu: "ServerCpu", count: int = VIEW_REQUESTS) -> dict:
    """Wall time per reply, and the server's CPU time per reply: on a machine shared with other
    jobs the wall time includes waiting for a core, the CPU time is the reply's own work."""
    took, size = [], 0
    # one untimed first, of the `count` (a phone may ask its track 30 times in a burst): a
    # reply's kept figures (the hall state, the day so far) are built by the first reader after
    # a fill and then kept, as on a server that has been up all morning
    session.get(url, timeout=HTTP_TIMEOUT).raise_for_status()
    count -= 1
    began = cpu.seconds()
    for _ in range(count):
        t0 = time.perf_counter()
        reply = session.get(url, timeout=HTTP_TIMEOUT)
        took.append(time.perf_counter() - t0)
        reply.raise_for_status()
        size = len(reply.content)
    return latency_ms(took) | {"bytes": size, "server_cpu_ms": round(1000 * (cpu.seconds() - began) / count, 2)}


# --- the hall --------------------------------------------------------------------------------------

def signed_in(url: str, username: str, window: int | None = None) -> requests.Session:
    session = requests.Session()
    reply = session.post(f"{url}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD},
                         timeout=HTTP_TIMEOUT)
    reply.raise_for_status()
    session.headers["Authorization"] = f"Bearer {reply.json()['token']}"
    if window is not None:
        session.post(f"{url}/api/v1/windows/{window}/sign-in", timeout=HTTP_TIMEOUT).raise_for_status()
    return session


def fill(server: DemoServer, items: list[str], count: int) -> dict:
    """`count` tickets nobody calls, issued from 8 kiosks at once (not measured)."""
    def issue(numbers: range) -> dict:
        last = {}
        with kiosk_session(server.tokens["kiosk"]) as session:
            for n in numbers:
                reply = session.post(f"{server.url}/api/v1/tickets", json={"service": items[n % len(items)]},
                                     timeout=HTTP_TIMEOUT)
                reply.raise_for_status()
                last = reply.json()
        return last
    shares = [range(k, count, 8) for k in range(8)]
    with ThreadPoolExecutor(8) as pool:
        return next((r for r in pool.map(issue, shares) if r), {})


def client_issuing(server: DemoServer, items: list[str], seconds: float = WRK_SECONDS) -> dict:
    """The project's own client: 8 threads posting tickets for `seconds`."""
    stop = time.monotonic() + seconds

    def kiosk(k: int) -> list[float]:
        took = []
        with kiosk_session(server.tokens["kiosk"]) as session:
            n = k
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                session.post(f"{server.url}/api/v1/tickets", json={"service": items[n % len(items)]},
                             timeout=HTTP_TIMEOUT).raise_for_status()
                took.append(time.perf_counter() - t0)
                n += 8
        return took
    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        took = [s for part in pool.map(kiosk, range(8)) for s in part]
    return {"per_s": round(len(took) / (time.perf_counter() - began), 1), "count": len(took)} | latency_ms(took)


def views(server: DemoServer, last: dict) -> dict:
    clerk = signed_in(server.url, f"clerk{WINDOW:02d}")
    boss = signed_in(server.url, "supervisor")
    phone = requests.Session()
    track = last["track_url"].rsplit("/", 1)[1]
    cpu = ServerCpu(server.process.pid)
    try:
        return {"window_queue": timed_gets(clerk, f"{server.url}/api/v1/windows/{WINDOW}/queue", cpu),
                "hall_snapshot": timed_gets(boss, f"{server.url}/api/v1/hall", cpu),
                "track": timed_gets(phone, f"{server.url}/api/v1/track/{track}", cpu),
                "supervision": timed_gets(boss, f"{server.url}/api/v1/supervision", cpu),
                # the day so far, as the daily report asks it (kept added up: see server/reports.py)
                "reports_today": timed_gets(boss, f"{server.url}/api/v1/reports?by=window", cpu)}
    finally:
        for session in (clerk, boss, phone):
            session.close()


def load_average() -> float:
    """The machine's 1-minute load average: the figures mean little without it."""
    return round(os.getloadavg()[0], 2)


def fresh_server(root: Path, name: str, config: Path) -> DemoServer:
    (root / name).mkdir(parents=True, exist_ok=True)
    return DemoServer(root / name, config)


def quiet(server: DemoServer, most_seconds: float = 60.0) -> float:
    """Waits until the server has caught up with what filling it handed on (publishing each
    batch, the supervision rules): less than 5 % of a core over half a second. Otherwise the
    views would be timed against that backlog, not against the length of the queue. Returns
    the seconds waited."""
    cpu, began = ServerCpu(server.process.pid), time.monotonic()
    while time.monotonic() - began < most_seconds:
        used = cpu.seconds()
        time.sleep(0.5)
        if cpu.seconds() - used < 0.025:
            break
    return round(time.monotonic() - began, 1)


def at_waiting(opts: Options, items: list[str], waiting: int, root: Path) -> dict:
    with fresh_server(root, f"w{waiting}", opts.config) as server:
        last = fill(server, items, max(waiting, 1))
        settled = quiet(server)
        out = {"waiting": waiting, "settled_s": settled, "load": load_average(), "views": views(server, last)}
        cpu = ServerCpu(server.process.pid)
        out["wrk_issue"] = with_server_cpu(cpu, lambda: wrk_post(server.url, "/api/v1/tickets",
                                                                 server.tokens["kiosk"], items))
        quiet(server)
        out["client_issue"] = with_server_cpu(cpu, lambda: client_issuing(server, items))
        return out


def floor(root: Path) -> dict:
    port = free_port()
    db = root / "floor.sqlite"
    process = subprocess.Popen([sys.executable, "-m", "bench.floor", "--port", str(port), "--db", str(db)],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/ready", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the floor server did not start") from None
                time.sleep(0.1)
        return with_server_cpu(ServerCpu(process.pid), lambda: wrk_post(url, "/floor", None, []))
    finally:
        process.terminate()
        try:
            # the server's graceful stop waits (bounded) for requests wrk left unanswered
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# --- the morning peak --------------------------------------------------------------------------------

def morning_peak(opts: Options, setup, items: list[str], root: Path) -> dict:
    windows = [spec.number for spec in setup.windows][:30]
    with fresh_server(root, "peak", opts.config) as server:
        fill(server, items, opts.peak_waiting)
        quiet(server)
        clerks = {n: signed_in(server.url, f"clerk{n:02d}", n) for n in windows}
        cpu = ServerCpu(server.process.pid)
        issued, calls, sizes = [], [], {}
        stop = threading.Event()
        with HallListeners(server.url, server.tokens["board"], 20) as boards:
            followers = [HallListeners(server.url, s.headers["Authorization"].split()[1], 1) for s in clerks.values()]
            for f in followers:
                f.__enter__()
            try:
                began_cpu, began = cpu.seconds(), time.monotonic()
                threads = [threading.Thread(target=kiosk_at_2_per_s, args=(server, items, k, stop, issued, sizes))
                           for k in range(8)]
                threads += [threading.Thread(target=clerk_calling, args=(server.url, n, s, stop, calls, sizes))
                            for n, s in clerks.items()]
                for t in threads:
                    t.start()
                time.sleep(opts.peak_seconds)
                stop.set()
                for t in threads:
                    t.join(60)
                wall, used = time.monotonic() - began, cpu.seconds() - began_cpu
                connected = boards.connected() + sum(f.connected() for f in followers)
            finally:
                for f in followers:
                    f.__exit__()
        for session in clerks.values():
            session.close()
    return {"waiting": opts.peak_waiting, "seconds": round(wall, 1), "server_cpu": round(used / wall, 2),
            "load": load_average(),
            "live_connections": connected, "issue": latency_ms(issued) | {"count": len(issued)},
            "call_next": latency_ms(calls) | {"count": len(calls)}, "reply_bytes": sizes}


def kiosk_at_2_per_s(server, items, k, stop, issued, sizes) -> None:
    with kiosk_session(server.tokens["kiosk"]) as session:
        n = k
        while not stop.is_set():
            t0 = time.perf_counter()
            reply = session.post(f"{server.url}/api/v1/tickets", json={"service": items[n % len(items)]},
                                 timeout=HTTP_TIMEOUT)
            issued.append(time.perf_counter() - t0)
            sizes["issue"] = len(reply.content)
            n += 8
            stop.wait(max(0.0, 0.5 - (time.perf_counter() - t0)))


def clerk_calling(url, window, session, stop, calls, sizes) -> None:
    rng = random.Random(window)
    stop.wait(rng.uniform(0, 3))
    while not stop.is_set():
        t0 = time.perf_counter()
        reply = session.post(f"{url}/api/v1/windows/{window}/call-next", timeout=HTTP_TIMEOUT)
        calls.append(time.perf_counter() - t0)
        ticket = reply.json().get("ticket") if reply.ok else None
        queue = session.get(f"{url}/api/v1/windows/{window}/queue", timeout=HTTP_TIMEOUT)
        sizes["window_queue"] = len(queue.content)
        if ticket:
            for step in ("start", "finish"):
                session.post(f"{url}/api/v1/tickets/{ticket['id']}/{step}", json={}, timeout=HTTP_TIMEOUT)
        stop.wait(rng.uniform(2, 4))


# --- runs and results ----------------------------------------------------------------------------------

def medians(runs: list[dict]) -> dict:
    """The median of every number found at the same place in each run."""
    first = runs[0]
    if isinstance(first, dict):
        return {k: medians([r[k] for r in runs]) for k in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return round(statistics.median(runs), 2)
    return first


def options_from(args) -> Options:
    waiting = tuple(int(w) for w in str(args.waiting).split(",") if w.strip())
    if not waiting or any(w < 0 for w in waiting) or args.repeats < 1 or args.peak_waiting < 0 \
            or args.peak_seconds <= 0:
        raise ValueError("--waiting needs numbers ≥ 0; --repeats ≥ 1; --peak-waiting ≥ 0; --peak-seconds > 0")
    if shutil.which("wrk") is None:
        raise ValueError("wrk is not installed (apt-get install wrk): the floor and issuing are measured with it")
    return Options(waiting=waiting, peak_waiting=args.peak_waiting, peak_seconds=args.peak_seconds,
                   repeats=args.repeats, config=args.config, out=args.out)


def run(opts: Options) -> dict:
    setup = load_config(opts.config)
    items = open_items(setup)
    repeats = []
    for _ in range(opts.repeats):
        root = Path(tempfile.mkdtemp(prefix="jiaohao-peak-"))
        try:
            repeats.append({"load": load_average(), "floor": floor(root),
                            "levels": [at_waiting(opts, items, w, root) for w in opts.waiting],
                            "morning_peak": morning_peak(opts, setup, items, root)})
        finally:
            shutil.rmtree(root, ignore_errors=True)
    result = medians(repeats)
    empty = result["levels"][0]["wrk_issue"]["per_s"]
    result["ratios"] = {
        "empty_issue_vs_floor": round(empty / result["floor"]["per_s"], 2),
        **{f"issue_at_{lvl['waiting']}_vs_empty": round(lvl["wrk_issue"]["per_s"] / empty, 2)
           for lvl in result["levels"][1:]}}
    results = {"measure": "morning peak", "repeats": opts.repeats, "machine": machine(), **git_commit(),
               "medians": result, "runs": repeats}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary(results))
    return results


def summary(results: dict) -> str:
    m = results["medians"]
    lines = [f"floor (bare route, one SQLite insert): {m['floor']['per_s']:.0f}/s, "
             f"server CPU {m['floor'].get('server_cpu_ms')} ms per request; "
             f"load average {[r['load'] for r in results['runs']]}"]
    for lvl in m["levels"]:
        v = lvl["views"]
        lines.append(f"{lvl['waiting']:>5} waiting: issue wrk {lvl['wrk_issue']['per_s']:.0f}/s "
                     f"(p50 {lvl['wrk_issue']['p50_ms']} ms, server CPU {lvl['wrk_issue']['server_cpu_ms']} ms/issue), "
                     f"client {lvl['client_issue']['per_s']:.0f}/s "
                     f"({lvl['client_issue']['server_cpu_ms']} ms/issue); "
                     f"queue {v['window_queue']['p50_ms']} ms / {v['window_queue']['bytes']} B, "
                     f"snapshot {v['hall_snapshot']['p50_ms']} ms, track {v['track']['p50_ms']} ms, "
                     f"supervision {v['supervision']['p50_ms']} ms, reports today {v['reports_today']['p50_ms']} ms "
                     f"(server CPU per reply "
                     + ", ".join(f"{name} {v[name]['server_cpu_ms']}" for name in v) + " ms)")
    p = m["morning_peak"]
    lines.append(f"morning peak at {p['waiting']}: issue p50 {p['issue']['p50_ms']} / p99 {p['issue']['p99_ms']} ms, "
                 f"call-next p50 {p['call_next']['p50_ms']} / p99 {p['call_next']['p99_ms']} ms, "
                 f"server CPU {p['server_cpu']:.0%}")
    lines.append("ratios: " + ", ".join(f"{k} {v}" for k, v in m["ratios"].items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench.cli import add_peak_options, run_as_script
    return run_as_script(sys.modules[__name__], argv, add_peak_options)


if __name__ == "__main__":   # last: `summary` above is defined by then
    raise SystemExit(main())
