"""Runs the planned day against a real server: real HTTP for every action, a real websocket
board, phone pages polled. Keeps its own record of the day for the checks in sim_checks.py."""

from __future__ import annotations

import heapq
from collections import Counter
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from common.launcher import ServerDidNotStart, demo_server, read_credentials
from hall.estimate import WindowCapacity, recent_handling

from .simulation import Arrival, EstimateInputs, Plan, Settings, make_plan

PASSWORD = "demo-only-2026"   # the demo hall's password for every account (server/cli.py)
HOLD_MINUTES = 10.0
PHONES = 3


class SimError(Exception):
    """The server answered an action in a way the hall's rules do not allow."""


# --- the server ----------------------------------------------------------------------------------

class DemoServer:
    """A fresh `jiaohao demo --headless` on a free 127.0.0.1 port, in a temporary directory."""

    def __init__(self, hall_config: Path | None):
        self.root = Path(tempfile.mkdtemp(prefix="jiaohao-sim-"))
        self.data = self.root / "data"
        self.server = demo_server(self.data, hall_config, log_path=self.root / "server.log")

    @property
    def url(self) -> str:
        """Known once started (a port taken meanwhile is given up for another)."""
        return self.server.url

    def start(self, timeout: float = 30) -> None:
        try:
            self.server.start(timeout)
        except ServerDidNotStart as exc:
            raise SimError(f"the demo server did not start: {exc}") from None

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Api:
    """One requests session per token; any unexpected status is a SimError."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"
        self.requests = 0

    def do(self, method: str, path: str, json: Any = None, expect: tuple = (200, 201)) -> Any:
        self.requests += 1
        reply = self.http.request(method, self.base + "/api/v1" + path, json=json, timeout=15)
        if reply.status_code not in expect:
            raise SimError(f"{method} {path} → {reply.status_code} {reply.text[:200]}")
        return reply.json() if reply.content else None

    def at(self, base: str) -> Api:
        """The same credential, asking another server process."""
        other = Api(base)
        other.http.headers.update(self.http.headers)
        return other

    @classmethod
    def login(cls, base: str, username: str, hall: str | None = None) -> Api:
        """Signed in as `username`; `hall` names the hall (its code) when the deployment has several."""
        body = {"username": username, "password": PASSWORD} | ({"hall": hall} if hall else {})
        token = cls(base).do("POST", "/auth/login", body)["token"]
        return cls(base, token)


@dataclass(frozen=True)
class Routes:
    """Which server process each party of a hall talks to: one URL for a hall served by one
    process; in a city (jiaohao/sim_city.py) a hall's kiosk, clerks, window screens, phones and
    supervisor are spread over the processes."""

    kiosk: str
    supervisor: str
    phones: str
    clerks: dict[int, str] = field(default_factory=dict)    # window → its clerk's process
    screens: dict[int, str] = field(default_factory=dict)   # window → its screen's process
    hall: str | None = None          # the hall's code, said at sign-in when the deployment has several
    mobiles: str = "139"             # the first digits of the citizens' mobile numbers

    @classmethod
    def one(cls, base: str) -> Routes:
        return cls(base, base, base)

    def clerk(self, window: int) -> str:
        return self.clerks.get(window, self.supervisor)

    def screen(self, window: int) -> str:
        return self.screens.get(window, self.supervisor)


# --- the simulator's record ------------------------------------------------------------------

@dataclass
class TicketRecord:
    arrival: Arrival
    id: int
    number: str
    service: str                      # the item it waits for now (changes on transfer)
    issued: float
    server_estimate: dict
    inputs: EstimateInputs
    track: str
    called: float | None = None
    calls: int = 0
    used_outcome: bool = False        # the planned hold / transfer / no-show has happened
    final: str | None = None
    rating: int | None = None


@dataclass
class WindowRecord:
    number: int
    services: tuple[str, ...]
    priorities: dict[str, int] = field(default_factory=dict)   # item → its rank at this window
    clerk: Api | None = None
    screen: Api | None = None
    on: bool = False
    paused: bool = False
    idle: bool = False
    busy_until: float = 0.0
    absences: list = field(default_factory=list)


class Day:
    """The event loop: a heap of (minute, order, action, args) run in time order."""

    def __init__(self, routes: Routes, creds: dict[str, str], plan: Plan, items: dict[str, float],
                 windows: dict[int, tuple[tuple[str, int], ...]], speed: float | None, deadline: float,
                 notify_share: float = 0.0):
        self.routes, self.plan, self.items, self.speed, self.deadline = routes, plan, items, speed, deadline
        self.kiosk = Api(routes.kiosk, creds["kiosk token"])
        self.boss = Api.login(routes.supervisor, "supervisor", routes.hall)
        self.windows = {n: WindowRecord(n, tuple(code for code, _ in ranks), dict(ranks),
                                        screen=Api(routes.screen(n), creds[f"window {n} screen token"]),
                                        absences=list(plan.absences.get(n, [])))
                        for n, ranks in windows.items()}
        self.tickets: dict[int, TicketRecord] = {}
        self.samples: dict[str, list[float]] = {}
        self.heap: list = []
        self.order = 0
        self.now = 0.0
        self.started = time.monotonic()
        self.phone_states: dict[int, list[str]] = {}
        self.notify_share = notify_share
        self.opted_in: set[int] = set()          # tickets whose citizen asked for text messages

    def log_in(self) -> None:
        """Every clerk of the day signs in to the system (their windows come later, at sign_in)."""
        for number, w in self.windows.items():
            w.clerk = w.clerk or Api.login(self.routes.clerk(number), f"clerk{number:02d}", self.routes.hall)

    def at(self, minute: float, action: str, *args) -> None:
        self.order += 1
        heapq.heappush(self.heap, (minute, self.order, action, args))

    def run(self) -> None:
        for arrival in self.plan.arrivals:
            self.at(arrival.at, "arrive", arrival)
        for i, number in enumerate(sorted(self.windows)):
            self.at(i * 0.5, "sign_in", number)
        # every visit takes a few actions; anything beyond this bound is a loop, not a day
        budget = 40 * len(self.plan.arrivals) + 40 * len(self.windows) + 100
        while self.heap and budget > 0:
            budget -= 1
            if time.monotonic() > self.deadline:
                raise SimError("the simulated day ran out of real time")
            minute, _, action, args = heapq.heappop(self.heap)
            self._pace(minute)
            self.now = max(self.now, minute)
            getattr(self, "_" + action)(*args)
        if self.heap:
            raise SimError("the simulated day did not end within its action budget")

    def _pace(self, minute: float) -> None:
        """At --speed N a simulated minute lasts 60/N real seconds; at max, no waiting."""
        if self.speed:
            delay = self.started + minute * 60 / self.speed - time.monotonic()
            if delay > 0:
                time.sleep(min(delay, max(0.0, self.deadline - time.monotonic())))

    # --- who may serve what ---------------------------------------------------------------

    def open_for(self, service: str) -> list[WindowRecord]:
        return [w for w in self.windows.values() if service in w.services and w.on and not w.paused]

    def wake(self, service: str) -> None:
        """Idle windows that serve the item look at their queue again."""
        for w in self.open_for(service):
            if w.idle:
                w.idle = False
                self.at(self.now, "free", w.number)

    def _inputs(self, service: str, ahead: int) -> EstimateInputs:
        serving = [w for w in self.windows.values() if service in w.services]
        capacities = tuple(WindowCapacity(w.number, max(0.0, w.busy_until - self.now) + self._work_first(w, service))
                           for w in self.open_for(service))
        return EstimateInputs(ahead, self.items[service], len(capacities), len(serving),
                              tuple(self.samples.get(service, ())), capacities)

    def _work_first(self, w: WindowRecord, service: str) -> float:
        """Minutes of other items' waiting tickets that window `w` calls before a new ticket of
        `service` (it ranks their items at or above this one), each shared among the open
        windows that may take it: the same reckoning as the server's learned estimate
        (hall/wait.py), on the simulated clock."""
        ranks = w.priorities
        mine = ranks.get(service, 0)
        takers = Counter(code for other in self.windows.values() if other.on and not other.paused
                         for code in other.services)
        return sum(recent_handling(self.samples.get(t.service, ()), self.items[t.service])
                   / max(takers[t.service], 1)
                   for t in self.tickets.values()
                   if t.final is None and t.called is None and t.service != service
                   and t.service in ranks and ranks[t.service] <= mine)

    # --- citizens ---------------------------------------------------------------------------

    def _arrive(self, arrival: Arrival) -> None:
        reply = self.kiosk.do("POST", "/tickets", {"service": arrival.service,
                                                  "request_id": f"sim-{arrival.index}"}, expect=(201,))
        record = TicketRecord(arrival, reply["id"], reply["number"], arrival.service, self.now,
                              reply["estimated_wait"], self._inputs(arrival.service, reply["waiting_ahead"]),
                              reply["track_url"].rsplit("/", 1)[1])
        self.tickets[record.id] = record
        if len(self.phone_states) < PHONES:
            self.phone_states[record.id] = [self._phone(record)]
        if (arrival.index * 7919) % 1000 < self.notify_share * 1000:   # the same citizens every run
            self._notify_me(record)
        self.wake(arrival.service)

    def _notify_me(self, record: TicketRecord) -> None:
        """The citizen opts in on the phone page: "N ahead" and "called"."""
        mobile = self.routes.mobiles + f"{record.arrival.index:0{11 - len(self.routes.mobiles)}d}"
        reply = requests.post(f"{self.routes.phones}/api/v1/track/{record.track}/notify", timeout=15,
                              json={"mobile": mobile})
        if reply.status_code != 200:
            raise SimError(f"opting {record.number} in to text messages → {reply.status_code}")
        self.opted_in.add(record.id)

    def _phone(self, record: TicketRecord) -> str:
        """What the citizen's phone page shows now (one poll, well under its rate limit)."""
        reply = requests.get(f"{self.routes.phones}/api/v1/track/{record.track}", timeout=15)
        if reply.status_code != 200:
            raise SimError(f"phone page of {record.number} → {reply.status_code}")
        return reply.json()["state"]

    # --- clerks -----------------------------------------------------------------------------

    def _sign_in(self, number: int) -> None:
        w = self.windows[number]
        w.clerk = w.clerk or Api.login(self.routes.clerk(number), f"clerk{number:02d}", self.routes.hall)
        w.clerk.do("POST", f"/windows/{number}/sign-in")
        w.on, w.paused, w.idle = True, False, False
        self.at(self.now, "free", number)

    def _back(self, number: int) -> None:
        w = self.windows[number]
        w.clerk.do("POST", f"/windows/{number}/resume")
        w.paused = False
        self.at(self.now, "free", number)

    def _take_absence(self, w: WindowRecord) -> bool:
        """A clerk whose break is due takes it now, between citizens."""
        if not w.absences or w.absences[0].start > self.now:
            return False
        absence = w.absences.pop(0)
        if absence.kind == "pause":
            w.clerk.do("POST", f"/windows/{w.number}/pause", {"reason": "休息 break"})
            w.paused = True
            self.at(max(absence.end, self.now), "back", w.number)
        else:
            w.clerk.do("POST", f"/windows/{w.number}/sign-out")
            w.on = False
            self.at(max(absence.end, self.now), "sign_in", w.number)
        return True

    def _free(self, number: int) -> None:
        w = self.windows[number]
        if not w.on or w.paused or self._take_absence(w):
            return
        ticket = w.clerk.do("POST", f"/windows/{number}/call-next")["ticket"]
        if ticket is None:
            w.idle = True
            return
        record = self.tickets[ticket["id"]]
        record.calls += 1
        if record.called is None:
            record.called = self.now
        outcome = "serve" if record.used_outcome else record.arrival.outcome
        record.used_outcome = True
        getattr(self, "_visit_" + outcome)(w, record)

    def _visit_serve(self, w: WindowRecord, record: TicketRecord) -> None:
        w.clerk.do("POST", f"/tickets/{record.id}/start")
        handling = record.arrival.handling if record.service == record.arrival.service \
            else self.items[record.service]
        w.busy_until = self.now + handling
        self.at(w.busy_until, "finish", w.number, record.id, handling)

    def _finish(self, number: int, ticket_id: int, handling: float) -> None:
        w, record = self.windows[number], self.tickets[ticket_id]
        w.clerk.do("POST", f"/tickets/{ticket_id}/finish", {"case_no": f"SIM-{ticket_id}"})
        self.samples.setdefault(record.service, []).append(handling)
        record.final = "done"
        if record.arrival.rating is not None:
            w.screen.do("POST", f"/tickets/{ticket_id}/evaluation", {"rating": record.arrival.rating})
            record.rating = record.arrival.rating
        self.at(self.now + 0.5, "free", number)

    def _visit_no_show(self, w: WindowRecord, record: TicketRecord) -> None:
        # nobody comes: two recalls a minute apart, then 过号 (the hall's no-show rule)
        for k in (1, 2):
            self.at(self.now + k, "recall", record.id, w.number)
        w.busy_until = self.now + 3
        self.at(self.now + 3, "miss", record.id, w.number)

    def _recall(self, ticket_id: int, number: int) -> None:
        self.windows[number].clerk.do("POST", f"/tickets/{ticket_id}/recall")

    def _miss(self, ticket_id: int, number: int) -> None:
        self.windows[number].clerk.do("POST", f"/tickets/{ticket_id}/no-show")
        self.tickets[ticket_id].final = "no_show"
        self.at(self.now, "free", number)

    def _visit_hold(self, w: WindowRecord, record: TicketRecord) -> None:
        # a document is missing: the citizen steps aside and comes back to this window
        w.clerk.do("POST", f"/tickets/{record.id}/start")
        w.clerk.do("POST", f"/tickets/{record.id}/hold", {"minutes": HOLD_MINUTES, "return_to": "window"})
        self.at(self.now + HOLD_MINUTES / 2, "unhold", record.id)
        w.busy_until = self.now + 1
        self.at(self.now + 1, "free", w.number)

    def _unhold(self, ticket_id: int) -> None:
        # the server's clockwork may already have returned the citizen (409); either way they wait
        self.boss.do("POST", f"/tickets/{ticket_id}/resume", expect=(200, 409))
        self.wake(self.tickets[ticket_id].service)

    def _visit_transfer(self, w: WindowRecord, record: TicketRecord) -> None:
        # the wrong item was chosen at the kiosk: sent to another item served here today
        choices = sorted(s for s in self.items if s != record.service)
        target = choices[record.id % len(choices)]
        w.clerk.do("POST", f"/tickets/{record.id}/start")
        w.clerk.do("POST", f"/tickets/{record.id}/transfer", {"service": target})
        record.service = target
        w.busy_until = self.now + 1
        self.at(self.now + 1, "free", w.number)
        self.wake(target)

    # --- closing ---------------------------------------------------------------------------------

    def close(self) -> list[int]:
        """Cancel whoever still waits (none on a normal day), sign every clerk out."""
        cancelled = []
        for record in self.tickets.values():
            if record.final is None:
                state = self.boss.do("GET", f"/tickets/{record.id}")["state"]
                if state in ("waiting", "transferred", "held"):
                    self.boss.do("POST", f"/tickets/{record.id}/cancel", {"reason": "闭厅 closing"})
                    record.final = "cancelled"
                    cancelled.append(record.id)
        for w in self.windows.values():
            if w.on:
                w.clerk.do("POST", f"/windows/{w.number}/sign-out")
                w.on = False
        for ticket_id, states in self.phone_states.items():
            states.append(self._phone(self.tickets[ticket_id]))
        return cancelled

    def request_count(self) -> int:
        apis = [self.kiosk, self.boss] + [a for w in self.windows.values() for a in (w.clerk, w.screen) if a]
        return sum(a.requests for a in apis)


# --- the whole run -------------------------------------------------------------------------------

def choose_windows(snapshot: dict, count: int, setup) -> dict[int, tuple[tuple[str, int], ...]]:
    """The first `count` ordinary windows (not the green channel): their items, each with its
    rank there (lower is called first)."""
    ordinary = [w for w in snapshot["windows"] if w.get("kind") != "green" and w["services"]]
    return {w["number"]: setup.window(w["number"]).priorities for w in ordinary[:count]}


def day_for(settings: Settings, snapshot: dict, setup) -> tuple[dict, dict[str, float], Plan]:
    """The staffed windows (`choose_windows`), the items they serve with their configured
    handling minutes, and the planned day."""
    windows = choose_windows(snapshot, settings.windows, setup)
    configured = {s.code: s.handling_minutes for s in setup.services}
    items = {code: configured[code] for code in sorted({s for ranks in windows.values() for s, _ in ranks})}
    return windows, items, make_plan(settings, items, {}, sorted(windows))


def simulate(settings: Settings, speed: float | None, server_url: str | None, data: Path | None,
             hall_config: Path | None, timeout: float) -> dict:
    from .sim_checks import board_listener, check_all, hall_service, report_summary, setup_of
    started = time.monotonic()
    deadline = started + timeout
    server = None
    if server_url is None:
        server = DemoServer(hall_config)
        server.start()
        server_url, data = server.url, server.data
    elif data is None:
        raise SimError("--server needs --data, the server's data directory")
    try:
        creds = read_credentials(data)
        board, received = board_listener(server_url, creds["board token"])
        boss = Api.login(server_url, "supervisor")
        before = report_summary(boss)
        windows, items, plan = day_for(settings, boss.do("GET", "/hall"), setup_of(data))
        day = Day(Routes.one(server_url), creds, plan, items, windows, speed, deadline, settings.notify_share)
        day.run()
        cancelled = day.close()
        service = hall_service(data)
        try:
            result = check_all(day, service, before, boss, {"board": received}, cancelled)
        finally:
            service.database.close()
        board.stop()
    finally:
        if server is not None:
            server.stop()
    result["settings"] = settings.__dict__ | {"speed": "max" if speed is None else speed}
    result["real_seconds"] = round(time.monotonic() - started, 1)
    result["summary"] = _summary_line(result)
    return result


def _summary_line(r: dict) -> str:
    c, e = r["counts"], r["estimate"]
    failed = [n for n, v in r["invariants"].items() if not v["ok"]]
    return (f"simulate: {c['issued']} issued, {c['done']} served, {c['no_show']} no-show, "
            f"{c['cancelled']} cancelled, {c['held']} held, {c['transferred']} transferred, "
            f"{c['ratings']} ratings; {c['requests']} requests in {r['real_seconds']} s; "
            f"wait MAE naive {e['naive']['mean_abs_error']} min vs learned "
            f"{e['learned']['mean_abs_error']} min; invariants "
            + ("all OK" if not failed else "FAILED: " + ", ".join(failed)))
