"""`jiaohao simulate --halls N`: a city's working day. N halls on several server processes
that share one PostgreSQL database and one Redis, every hall's day run at once through the
public API, each hall's parties spread over the processes; then every invariant of
jiaohao/sim_checks.py per hall, and the city's own: boards hear their own hall and no other,
and one hall's staff find another hall's tickets unknown (404). See docs/simulator.md.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests

from server import repository as repo

from .sim_checks import board_listener, check_all, report_summary
from .sim_driver import PASSWORD, Api, Day, Routes, SimError, day_for
from .simulation import Settings

#: a board given this long to connect: each process serves every hall, and a loaded machine
#: connects the twentieth hall's board more slowly than the first's
BOARD_CONNECT_SECONDS = 30.0
CODE = "sim-{:02d}"   # the halls of a run: sim-01, sim-02 …


@dataclass
class SimHall:
    """A hall added for the run: its credentials and where each of its parties talks to."""

    index: int
    code: str
    hall_id: int
    setup: Any                  # its HallConfig
    creds: dict[str, str]       # as demo-credentials.txt names them: kiosk token, window N screen token
    boards: dict[int, str]      # process number → the token of the board connected there
    routes: Routes


@dataclass
class HallRun:
    """One hall's day as it went."""

    hall: SimHall
    day: Day | None = None
    before: dict = field(default_factory=dict)
    heard: dict[str, list[dict]] = field(default_factory=dict)   # board name → the calls it heard
    listeners: list = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0        # real seconds from the hall's opening to its closing


# --- the deployment and its halls ----------------------------------------------------------------

def hall_codes(store, count: int) -> list[str]:
    """sim-01 … sim-NN; a deployment that has them already (an earlier run) gets fresh ones."""
    with store.checked_out() as conn:
        taken = {row["code"] for row in repo.list_halls(conn)}
    codes = [CODE.format(i + 1) for i in range(count)]
    while taken & set(codes):
        run = secrets.token_hex(2)
        codes = [f"sim{run}-{i + 1:02d}" for i in range(count)]
    return codes


def hall_document(base: dict, code: str, number: int) -> dict:
    """The base hall's setup under another code and name, issuing around the clock (as the
    demo hall does). Item prefixes stay as they are: every hall numbers A001, B001 …"""
    from server.cli import open_all_day
    document = open_all_day(base)
    document["hall"] = dict(document["hall"], code=code, name=f"模拟便民服务中心 {number:02d}",
                            name_en=f"Simulated Service Centre {number:02d}")
    return document


def add_halls(store, database: str, config: Path, count: int, urls: list[str], work: Path) -> list[SimHall]:
    """`count` halls added as `jiaohao admin hall add --config FILE` adds them, each with the
    demo accounts and devices and a board per process."""
    from hall.toml_writer import dumps
    from server import accounts
    from server.cli import add_demo_people
    from server.datadir import add_hall, config_document
    from server.security import hash_password
    from server.services import HallService
    base = config_document(config)
    password_hash = hash_password(PASSWORD)
    halls = []
    for index, code in enumerate(hall_codes(store, count)):
        file = work / f"{code}.toml"
        file.write_text(dumps(hall_document(base, code, index + 1)), encoding="utf-8")
        hall_id, _ = add_hall(work / "admin", file, database=database)
        made = add_demo_people(store, hall_id, password_hash)
        boards = {n: made["devices"]["display"] if n == 0 else
                  accounts.add_device(store, hall_id, f"board-{n + 1}", "display").token
                  for n in range(len(urls))}
        creds = {"kiosk token": made["devices"]["kiosk"]} | {
            f"window {n} screen token": token for n, token in made["windows"].items()}
        setup = HallService(store, hall_id).setup()
        halls.append(SimHall(index, code, hall_id, setup, creds, boards, spread(index, code, setup, urls)))
    return halls


def spread(index: int, code: str, setup, urls: list[str]) -> Routes:
    """The hall's parties over the processes, shifted by the hall's index so every process
    gets kiosks, clerks and screens of some halls: the kiosk on one process, the clerks in
    turn over all of them, each window's screen on the process after its clerk's, the
    supervisor and the phones on the process after the kiosk's."""
    def at(k: int) -> str:
        return urls[k % len(urls)]
    windows = [w.number for w in setup.windows]
    return Routes(kiosk=at(index), supervisor=at(index + 1), phones=at(index + 1),
                  clerks={n: at(index + p) for p, n in enumerate(windows)},
                  screens={n: at(index + p + 1) for p, n in enumerate(windows)},
                  hall=code, mobiles=f"138{index:02d}")


# --- the days ------------------------------------------------------------------------------------

def run_hall(hall: SimHall, settings: Settings, speed: float | None, deadline: float, urls: list[str],
             opening: threading.Lock) -> HallRun:
    """The hall's day from its first board connecting to its clerks signing out, planned with
    the seed plus the hall's index (every hall has a day of its own, the same on every run).
    The halls open one at a time (boards connect, staff sign in: each sign-in is a deliberately
    slow scrypt on the server), then their days run at once. What goes wrong is kept as the
    hall's error, so one hall's failure leaves the others' days be."""
    settings = replace(settings, seed=settings.seed + hall.index)
    run = HallRun(hall)
    began = time.monotonic()
    try:
        with opening:
            _open(run, urls)
            boss = Api.login(hall.routes.supervisor, "supervisor", hall.code)
            run.before = report_summary(boss)
            windows, items, plan = day_for(settings, boss.do("GET", "/hall"), hall.setup)
            run.day = Day(hall.routes, hall.creds, plan, items, windows, speed, deadline, settings.notify_share)
            run.day.log_in()
        run.day.run()
        run.cancelled = run.day.close()
    except Exception as exc:   # a hall whose day broke fails its verdict; the city's run goes on
        run.error = f"{type(exc).__name__}: {exc}"
        _stop_all(run.listeners)
    run.seconds = round(time.monotonic() - began, 1)
    print(f"{hall.code}: day {'over' if run.error is None else 'broken'} after {run.seconds} s",
          file=sys.stderr, flush=True)
    return run


def _open(run: HallRun, urls: list[str]) -> None:
    """A board of the hall on every process, listening before the first ticket."""
    for n, token in run.hall.boards.items():
        listener, received = board_listener(urls[n], token, timeout=BOARD_CONNECT_SECONDS)
        run.listeners.append(listener)
        run.heard[f"board on process {n + 1}"] = received


def cross_hall_probes(runs: list[HallRun], urls: list[str]) -> dict[str, dict]:
    """Each hall's supervisor and a clerk of it ask, on every process, for a ticket of the
    next hall: to read it, cancel it, recall it. Every answer must be 404 (ids leak nothing)."""
    done = [r for r in runs if r.day is not None and r.day.tickets]
    found: dict[str, dict] = {}
    for k, run in enumerate(done):
        if len(done) < 2:
            break
        other = done[(k + 1) % len(done)]
        target = min(other.day.tickets)
        clerk = next(w.clerk for w in run.day.windows.values() if w.clerk is not None)
        asked, wrong = 0, []
        for url in urls:
            for api, method, path, body in ((run.day.boss, "GET", "", None),
                                            (run.day.boss, "POST", "/cancel", {"reason": "跨厅 probe"}),
                                            (clerk, "POST", "/recall", {})):
                asked += 1
                try:
                    reply = api.at(url).do(method, f"/tickets/{target}{path}", body, expect=(404,))
                    if not isinstance(reply, dict) or "error" not in reply:
                        wrong.append(f"{method} {path or '/'} at {url}: no JSON error")
                except (SimError, requests.RequestException) as exc:
                    wrong.append(f"{method} {path or '/'} at {url}: {exc}")
        found[run.hall.code] = {"ok": not wrong and asked > 0,
                                "detail": wrong or f"{asked} requests for {other.hall.code}'s ticket "
                                                   f"{other.day.tickets[target].number}: all 404"}
    return found


# --- the checks ----------------------------------------------------------------------------------

def boards_kept_to_their_hall(heard: dict[str, list[dict]], own: set[int], elsewhere: int) -> dict:
    """No board heard a call of a ticket that is not its hall's, while `elsewhere` calls were
    made in the other halls."""
    foreign = sorted({m["ticket"]["id"] for received in heard.values() for m in list(received)} - own)
    return {"ok": not foreign,
            "detail": {"foreign_tickets_heard": foreign[:10], "boards": len(heard),
                       "calls_in_other_halls": elsewhere}}


def check_hall(run: HallRun, store, probes: dict[str, dict], calls_by_hall: dict[str, int]) -> dict:
    from server.services import HallService
    hall = run.hall
    if run.day is None or run.error:
        return {"invariants": {"day_ran": {"ok": False, "detail": run.error}}, "counts": {}}
    result = check_all(run.day, HallService(store, hall.hall_id), run.before, run.day.boss, run.heard,
                       run.cancelled)
    with store.checked_out() as conn:
        own = {t.id for t in repo.all_tickets(conn, hall.hall_id)}
    elsewhere = sum(n for code, n in calls_by_hall.items() if code != hall.code)
    result["invariants"]["boards_heard_only_their_hall"] = boards_kept_to_their_hall(run.heard, own, elsewhere)
    if hall.code in probes:
        result["invariants"]["other_halls_tickets_404"] = probes[hall.code]
    return result


def processes_of(run: HallRun, urls: list[str]) -> dict[str, Any]:
    """Which processes (1-based) served which parties of the hall (its staffed windows')."""
    number = {url: k + 1 for k, url in enumerate(urls)}
    routes = run.hall.routes
    staffed = sorted(run.day.windows) if run.day else sorted(routes.clerks)
    return {"kiosk": number[routes.kiosk], "supervisor": number[routes.supervisor],
            "phones": number[routes.phones], "clerks": sorted({number[routes.clerk(n)] for n in staffed}),
            "screens": sorted({number[routes.screen(n)] for n in staffed}),
            "boards": sorted(n + 1 for n in run.hall.boards)}


# --- the whole run -------------------------------------------------------------------------------

def simulate_city(settings: Settings, speed: float | None, halls: int, processes: int,
                  servers: list[str] | None, database: str | None, queue: str | None,
                  config: Path, timeout: float) -> dict:
    started = time.monotonic()
    deadline = started + timeout
    load_before = os.getloadavg()
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="jiaohao-sim-city-")))
        urls, database = _deployment(stack, work, processes, servers, database, queue, config)
        from server import db
        store = db.PostgresDatabase(database)
        stack.callback(store.close)
        made = add_halls(store, database, config, halls, urls, work)
        with ThreadPoolExecutor(len(made)) as pool:
            opening = threading.Lock()
            runs = list(pool.map(lambda hall: run_hall(hall, settings, speed, deadline, urls, opening), made))
        stack.callback(_stop_all, [listener for run in runs for listener in run.listeners])
        probes = cross_hall_probes(runs, urls)
        calls = {r.hall.code: sum(t.calls for t in r.day.tickets.values()) if r.day else 0 for r in runs}
        results = {r.hall.code: check_hall(r, store, probes, calls)
                   | {"processes": processes_of(r, urls), "day_seconds": r.seconds} for r in runs}
    return _city_result(results, settings, speed, urls, servers is not None, started, load_before)


def _deployment(stack: ExitStack, work: Path, processes: int, servers: list[str] | None,
                database: str | None, queue: str | None, config: Path) -> tuple[list[str], str]:
    """The processes' URLs and the database URL: the given ones (--server, --database), else
    N processes started here on the given or a throwaway PostgreSQL and Redis."""
    if servers:
        return servers, database
    from bench.city_deployment import City
    from bench.postgres_cluster import ThrowawayPostgres
    from bench.redis_server import ThrowawayRedis
    if database is None:
        database = stack.enter_context(ThrowawayPostgres()).create_database("city_simulation")
    if queue is None:
        queue = stack.enter_context(ThrowawayRedis()).url()
    city = stack.enter_context(City(work, config, processes, database, queue))
    return city.urls, database


def _stop_all(listeners: list) -> None:
    """All at once: a live client takes seconds to end its connection."""
    if listeners:
        with ThreadPoolExecutor(len(listeners)) as pool:
            list(pool.map(lambda listener: listener.stop(), listeners))


def _city_result(halls: dict[str, dict], settings: Settings, speed: float | None, urls: list[str],
                 attached: bool, started: float, load_before: tuple) -> dict:
    checks = [c["ok"] for h in halls.values() for c in h["invariants"].values()]
    passed = all(checks) and bool(checks)
    result = {"settings": settings.__dict__ | {"speed": "max" if speed is None else speed,
                                               "halls": len(halls), "processes": len(urls)},
              "processes": urls, "attached": attached, "halls": halls,
              "checks": {"passed": sum(checks), "total": len(checks)},
              "tickets": sum(h["counts"].get("issued", 0) for h in halls.values()),
              "real_seconds": round(time.monotonic() - started, 1),
              "load_average": {"before": [round(x, 2) for x in load_before],
                               "after": [round(x, 2) for x in os.getloadavg()]},
              "cpu_count": os.cpu_count(), "verdict": "PASS" if passed else "FAIL"}
    result["summary"] = (f"simulate: {len(halls)} halls on {len(urls)} processes, {result['tickets']} tickets, "
                         f"{result['checks']['passed']}/{result['checks']['total']} checks passed in "
                         f"{result['real_seconds']} s; verdict {result['verdict']}")
    return result


def table(result: dict) -> str:
    """One line per hall: where its parties were, what its day did, its checks."""
    rows = [f"{'hall':<12}{'kiosk':>6}{'clerks':>8}{'boards':>8}{'issued':>8}{'served':>8}{'no-show':>8}"
            f"{'calls':>7}{'requests':>9}{'checks':>9}  verdict"]
    for code, hall in result["halls"].items():
        p, c, inv = hall["processes"], hall["counts"], hall["invariants"]
        ok = sum(v["ok"] for v in inv.values())
        failed = [name for name, v in inv.items() if not v["ok"]]
        rows.append(f"{code:<12}{p['kiosk']:>6}{','.join(map(str, p['clerks'])):>8}"
                    f"{','.join(map(str, p['boards'])):>8}{c.get('issued', '-'):>8}{c.get('done', '-'):>8}"
                    f"{c.get('no_show', '-'):>8}{c.get('calls', '-'):>7}{c.get('requests', '-'):>9}"
                    f"{f'{ok}/{len(inv)}':>9}  {'OK' if not failed else 'FAILED: ' + ', '.join(failed)}")
    return "\n".join(rows)
