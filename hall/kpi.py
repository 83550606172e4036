"""The hall's KPIs, computed from the event log alone: the same log that runs the queue.

`measure(records, setup, start, end, now, alerts)` replays the log of a range once and turns it
into facts — counts (a ticket issued, called, missed, started, finished), values (a wait, a
handling time, a rating) and intervals (a window signed in, paused, serving, left empty while
people waited) — each tagged with the item, department, window, clerk, hour of day and day it
belongs to. `group(facts, by)` and `summary(facts)` add them up. No clock, no I/O.

Definitions (docs/supervision.md says the same for the hall's staff):
- wait: first call − issue (a hold can only begin after the first call, so no held time is inside);
  it belongs to the item and hour it was issued for, and the window and clerk that called it.
- handling: finish − start of the visit that finished (a held ticket starts a new visit).
- no-show rate: no-shows / calls (each call is one attempt to serve a citizen).
- satisfaction: ratings 3..5 / ratings given; 差评: ratings 1..2; coverage: ratings / served.
  A skipped or missing rating is "not rated": never counted as satisfied.
- utilisation: serving time (start → finish, hold or transfer) / signed-in time (paused included).
- empty-window time: time a window had no clerk or was paused while someone waited for it.
- 三率: 项目进驻率 = items with at least one ticket served in the range / items configured;
  窗口办结率 = tickets finished at a window / tickets whose handling started (accepted);
  群众满意率 = the satisfaction rate.
- p90: nearest-rank 90th percentile.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from . import events as e
from .setup import HallConfig

DIMENSIONS = ("item", "department", "window", "clerk", "hour", "day")
#: dimensions where window time (signed in, paused, serving, empty) means something
TIME_DIMENSIONS = ("window", "clerk", "hour", "day")
WAIT_BUCKETS = (0, 5, 10, 15, 20, 30, 45, 60)   # minutes; the last bucket is "60 and more"

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Fact:
    kind: str            # issued, called, no_show, accepted, served, wait, handling, rating, alert,
    #                      signed_in, paused, serving, empty
    value: float         # 1 for counts, seconds or a rating otherwise
    dims: tuple          # (item, department, window, clerk, hour, day), None where it does not apply

    def dim(self, by: str) -> Any:
        return self.dims[DIMENSIONS.index(by)]


@dataclass
class _Ticket:
    service: str
    issued_at: datetime
    first_called: bool = False
    visit_start: datetime | None = None
    visit_window: int | None = None
    waiting_since: datetime | None = None
    waiting_for: tuple[str, int | None] | None = None   # (item, named window)
    finish_dims: tuple | None = None
    accepted: bool = False            # handling began once: the ticket was accepted


@dataclass
class _Replay:
    setup: HallConfig
    tz: ZoneInfo
    facts: list[Fact] = field(default_factory=list)
    tickets: dict[int, _Ticket] = field(default_factory=dict)
    clerk_at: dict[int, int | None] = field(default_factory=dict)
    segments: dict[int, list[tuple[datetime, datetime | None, str, int | None]]] = field(
        default_factory=lambda: defaultdict(list))   # window → (start, end, open|paused, clerk)
    waiting: list[tuple[datetime, datetime, str, int | None]] = field(default_factory=list)

    def dims(self, service: str | None, window: int | None, at: datetime) -> tuple:
        department = self.setup.service(service).department if service and _known(self.setup, service) else None
        local = at.astimezone(self.tz)
        clerk = self.clerk_at.get(window) if window is not None else None
        return (service, department, window, clerk, local.hour, local.date())

    def add(self, kind: str, value: float, dims: tuple) -> None:
        self.facts.append(Fact(kind, value, dims))


def _known(setup: HallConfig, service: str) -> bool:
    return any(item.code == service for item in setup.services)


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


# --- replaying the log -----------------------------------------------------------------------------

def _window_event(r: _Replay, kind: str, window: int, clerk: int | None, at: datetime) -> None:
    segments = r.segments[window]
    if segments and segments[-1][1] is None:
        start, _, status, who = segments[-1]
        segments[-1] = (start, at, status, who)
    if kind == e.WindowSignedIn.KIND:
        r.clerk_at[window] = clerk
        segments.append((at, None, "open", clerk))
    elif kind == e.WindowPaused.KIND:
        segments.append((at, None, "paused", r.clerk_at.get(window)))
    elif kind == e.WindowResumed.KIND:
        segments.append((at, None, "open", r.clerk_at.get(window)))
    elif kind == e.WindowSignedOut.KIND:
        r.clerk_at[window] = None


def _stop_waiting(r: _Replay, ticket: _Ticket, at: datetime) -> None:
    if ticket.waiting_since is not None:
        r.waiting.append((ticket.waiting_since, at, *ticket.waiting_for))
        ticket.waiting_since = None


def _start_waiting(ticket: _Ticket, at: datetime, service: str, window: int | None) -> None:
    ticket.waiting_since, ticket.waiting_for = at, (service, window)


def _end_visit(r: _Replay, ticket: _Ticket, at: datetime) -> None:
    """Serving time runs from start until the visit ends, however it ends."""
    if ticket.visit_start is not None:
        r.facts += [Fact("serving", s, d) for s, d in
                    _pieces(r, ticket.visit_start, at, ticket.service, ticket.visit_window)]


def _ticket_event(r: _Replay, record: dict, at: datetime) -> None:
    kind, details, window = record["kind"], record.get("details") or {}, record.get("window")
    ticket_id = record["ticket_id"]
    if kind == e.TicketIssued.KIND:
        ticket = r.tickets[ticket_id] = _Ticket(details["service"], at)
        _start_waiting(ticket, at, ticket.service, None)
        r.add("issued", 1, r.dims(ticket.service, None, at))
        return
    ticket = r.tickets.get(ticket_id)
    if ticket is None:
        return   # issued before the range: its story is told on its own day
    handler = TICKET_HANDLERS.get(kind)
    if handler:
        handler(r, ticket, details, window, at)


def _called(r, ticket, details, window, at):
    _stop_waiting(r, ticket, at)
    r.add("called", 1, r.dims(ticket.service, window, at))
    if not ticket.first_called:
        ticket.first_called = True
        dims = r.dims(ticket.service, window, at)
        issued = r.dims(ticket.service, window, ticket.issued_at)
        # the wait belongs to the hour the citizen arrived, and to the window that called them
        r.add("wait", (at - ticket.issued_at).total_seconds(), dims[:4] + issued[4:])


def _started(r, ticket, details, window, at):
    if not ticket.accepted:
        ticket.accepted = True
        r.add("accepted", 1, r.dims(ticket.service, window, at))
    ticket.visit_start, ticket.visit_window = at, window


def _finished(r, ticket, details, window, at):
    dims = r.dims(ticket.service, window, at)
    if ticket.visit_start is not None:
        r.add("handling", (at - ticket.visit_start).total_seconds(), dims)
    _end_visit(r, ticket, at)
    ticket.visit_start = None
    ticket.finish_dims = dims
    r.add("served", 1, dims)


def _missed(r, ticket, details, window, at):
    r.add("no_show", 1, r.dims(ticket.service, window, at))


def _left_window(r, ticket, details, window, at):
    """Held, transferred, cancelled or expired: any visit in progress ends here."""
    _end_visit(r, ticket, at)
    ticket.visit_start = None
    _stop_waiting(r, ticket, at)


def _transferred(r, ticket, details, window, at):
    _left_window(r, ticket, details, window, at)
    ticket.service = details.get("to_service", ticket.service)
    _start_waiting(ticket, at, ticket.service, details.get("to_window"))


def _back_in_queue(r, ticket, details, window, at):
    _start_waiting(ticket, at, ticket.service, details.get("target_window"))


def _rated(r, ticket, details, window, at):
    rating = details.get("rating")
    if isinstance(rating, int) and ticket.finish_dims is not None:
        r.add("rating", rating, ticket.finish_dims)


TICKET_HANDLERS = {
    e.TicketCalled.KIND: _called, e.ServiceStarted.KIND: _started, e.ServiceFinished.KIND: _finished,
    e.TicketMissed.KIND: _missed, e.TicketHeld.KIND: _left_window, e.TicketCancelled.KIND: _left_window,
    e.TicketExpired.KIND: _left_window, e.TicketTransferred.KIND: _transferred,
    e.TicketResumed.KIND: _back_in_queue, e.TicketReturnedLate.KIND: _back_in_queue,
    e.ServiceRated.KIND: _rated,
}


# --- intervals ---------------------------------------------------------------------------------------

def _pieces(r: _Replay, start: datetime, end: datetime, service: str | None,
            window: int | None, clerk: int | None = ...) -> Iterable[tuple[float, tuple]]:
    """An interval cut at the hall's local hour boundaries: (seconds, dims) per piece."""
    while start < end:
        local = start.astimezone(r.tz)
        next_hour = (local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).astimezone(start.tzinfo)
        stop = min(end, next_hour)
        dims = r.dims(service, window, start)
        if clerk is not ...:
            dims = dims[:3] + (clerk,) + dims[4:]
        yield (stop - start).total_seconds(), dims
        start = stop


def _merged(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[0] < i[1]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _intersection(xs: list[Interval], ys: list[Interval]) -> list[Interval]:
    out, i, j = [], 0, 0
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if a < b:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def _complement(xs: list[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    out, cursor = [], lo
    for a, b in xs:
        if a > cursor:
            out.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
    if cursor < hi:
        out.append((cursor, hi))
    return [(a, b) for a, b in out if a < b]


def _window_time(r: _Replay, start: datetime, end: datetime) -> None:
    """Signed-in, paused and empty time of every window, cut by hour."""
    for spec in r.setup.windows:
        segments = [(a, b or end, status, clerk) for a, b, status, clerk in r.segments.get(spec.number, [])]
        for a, b, status, clerk in segments:
            for seconds, dims in _pieces(r, a, min(b, end), None, spec.number, clerk):
                r.add("signed_in", seconds, dims)
                if status == "paused":
                    r.add("paused", seconds, dims)
        served = set(spec.services)
        waiting = _merged((a, min(b, end)) for a, b, item, named in r.waiting
                          if named == spec.number or (named is None and item in served))
        staffed = _merged((a, min(b, end)) for a, b, status, _ in segments if status == "open")
        for a, b in _intersection(waiting, _complement(staffed, start, end)):
            for seconds, dims in _pieces(r, a, b, None, spec.number, None):
                r.add("empty", seconds, dims)


def measure(records: Iterable[dict], setup: HallConfig, start: datetime, end: datetime,
            now: datetime, alerts: Iterable[dict] = ()) -> list[Fact]:
    """The facts of the log between `start` and `end`; intervals still open stop at `now`."""
    r = _Replay(setup, setup.hall.tz)
    stop = min(end, now)
    for record in records:
        at = _at(record["at"])
        if not start <= at < end:
            continue
        if record["kind"].startswith("window_"):
            _window_event(r, record["kind"], record["window"], (record.get("details") or {}).get("clerk"), at)
        elif record.get("ticket_id") is not None:
            _ticket_event(r, record, at)
    for ticket in r.tickets.values():
        _end_visit(r, ticket, stop)
        _stop_waiting(r, ticket, stop)
    _window_time(r, start, stop)
    for alert in alerts:
        at = _at(alert["raised_at"])
        if start <= at < end:
            r.add("alert", 1, r.dims(alert.get("service"), alert.get("window"), at))
    return r.facts


# --- adding up ---------------------------------------------------------------------------------------

def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value that at least 90% do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def _mean(values: list[float]) -> float | None:
    return None if not values else sum(values) / len(values)


#: the national five-level scale: 3 (基本满意) and above is satisfied, 2 and below is a 差评
SATISFIED_FROM = 3


def rating_figures(ratings: Iterable[float]) -> dict[str, Any]:
    """Ratings given, satisfied, 差评 and the satisfaction rate of some ratings (1..5)."""
    given = list(ratings)
    satisfied = sum(1 for v in given if v >= SATISFIED_FROM)
    return {"ratings": len(given), "satisfied": satisfied, "bad_ratings": len(given) - satisfied,
            "satisfaction_rate": _ratio(satisfied, len(given))}


def kpis(facts: Iterable[Fact], with_time: bool = True) -> dict[str, Any]:
    """Every KPI of one group of facts. Window time is None where it means nothing (an item)."""
    counts: dict[str, float] = defaultdict(float)
    values: dict[str, list[float]] = defaultdict(list)
    for fact in facts:
        counts[fact.kind] += fact.value if fact.kind in ("signed_in", "paused", "serving", "empty") else 1
        if fact.kind in ("wait", "handling", "rating"):
            values[fact.kind].append(fact.value)
    ratings = values["rating"]
    row = {
        "issued": int(counts["issued"]), "called": int(counts["called"]), "served": int(counts["served"]),
        "accepted": int(counts["accepted"]), "no_show": int(counts["no_show"]),
        "no_show_rate": _ratio(counts["no_show"], counts["called"]),
        "wait_mean": _mean(values["wait"]), "wait_p90": p90(values["wait"]),
        "handling_mean": _mean(values["handling"]),
        **rating_figures(ratings),
        "rating_coverage": _ratio(len(ratings), counts["served"]),
        "alerts": int(counts["alert"]),
    }
    time = {"signed_in_seconds": counts["signed_in"], "serving_seconds": counts["serving"],
            "paused_seconds": counts["paused"], "empty_seconds": counts["empty"],
            "utilisation": _ratio(counts["serving"], counts["signed_in"])}
    return row | (time if with_time else {k: None for k in time})


def group(facts: list[Fact], by: str) -> dict[Any, dict[str, Any]]:
    """KPIs per value of one dimension, in the dimension's natural order."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    buckets: dict[Any, list[Fact]] = defaultdict(list)
    for fact in facts:
        key = fact.dim(by)
        if key is not None:
            buckets[key].append(fact)
    return {key: kpis(buckets[key], by in TIME_DIMENSIONS) for key in sorted(buckets)}


def summary(facts: list[Fact], setup: HallConfig) -> dict[str, Any]:
    """The hall's KPIs for the range and the seed report's 三率."""
    row = kpis(facts)
    row["three_rates"] = three_rates([(facts, [s.code for s in setup.services])])
    return row


def three_rates(parts: Iterable[tuple[list[Fact], Iterable[str]]]) -> dict[str, Any]:
    """The seed report's 三率 of one or more halls taken together: each part is a hall's facts
    (all of them, or one department's: `of_department`) and the items it counts present or not.
    Items are a hall's own: two halls' 企业设立登记 are two items, each served or not in its hall."""
    present = configured = served = accepted = 0
    ratings: list[float] = []
    for facts, items in parts:
        codes = set(items)
        present += len(codes & {f.dim("item") for f in facts if f.kind == "served"})
        configured += len(codes)
        served += sum(1 for f in facts if f.kind == "served")
        accepted += sum(1 for f in facts if f.kind == "accepted")
        ratings += [f.value for f in facts if f.kind == "rating"]
    return {"item_presence_rate": _ratio(present, configured),
            "window_completion_rate": _ratio(served, accepted),
            "satisfaction_rate": rating_figures(ratings)["satisfaction_rate"]}


def of_department(facts: Iterable[Fact], setup: HallConfig, department: str) -> tuple[list[Fact], list[str]]:
    """One department's facts and items: a part for `three_rates`."""
    return ([f for f in facts if f.dim("department") == department],
            [s.code for s in setup.services if s.department == department])


def wait_histogram(facts: Iterable[Fact]) -> list[dict[str, Any]]:
    """How many citizens waited how long, in minute buckets (the last is open-ended)."""
    counts = [0] * len(WAIT_BUCKETS)
    for fact in facts:
        if fact.kind == "wait":
            minutes = fact.value / 60
            index = max(i for i, low in enumerate(WAIT_BUCKETS) if minutes >= low)
            counts[index] += 1
    highs = list(WAIT_BUCKETS[1:]) + [None]
    return [{"low": low, "high": high, "count": n} for low, high, n in zip(WAIT_BUCKETS, highs, counts)]


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants that begin the first day and end the last one, in the hall's time zone."""
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    return start, end
