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
  A skipped or missing rating is "not rated": never counted as satisfied. A 差评 whose appeal
  was upheld (申诉成立, hall/cases.py) was found mistaken or malicious: it stays among the
  ratings given (and coverage) but counts neither as a 差评 nor in the satisfaction rate
  (`satisfaction`, the one rule every report, the supervisors' figures and the city's use).
- utilisation: serving time (start → finish, hold or transfer) / signed-in time (paused included).
- empty-window time: time a window had no clerk or was paused while someone waited for it.
- 三率: 项目进驻率 = items with at least one ticket served in the range / items configured;
  窗口办结率 = tickets finished at a window / tickets whose handling started (accepted);
  群众满意率 = the satisfaction rate.
- p90: nearest-rank 90th percentile.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable
from zoneinfo import ZoneInfo

from . import events as e
from .setup import HallConfig

if TYPE_CHECKING:
    from .city import Line

DIMENSIONS = ("item", "department", "window", "clerk", "hour", "day")
#: dimensions where window time (signed in, paused, serving, empty) means something
TIME_DIMENSIONS = ("window", "clerk", "hour", "day")
WAIT_BUCKETS = (0, 5, 10, 15, 20, 30, 45, 60)   # minutes; the last bucket is "60 and more"

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Fact:
    kind: str            # issued, called, no_show, accepted, served, wait, handling, rating, alert,
    #                      signed_in, paused, serving, empty, appeal_upheld (a rating set aside)
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
    rated_dims: tuple | None = None   # where its rating was counted, if it was


@dataclass
class _Replay:
    setup: HallConfig
    tz: ZoneInfo
    facts: Any = field(default_factory=list)   # where facts go: a list, or a Tallies adding them up
    tickets: dict[int, _Ticket] = field(default_factory=dict)
    clerk_at: dict[int, int | None] = field(default_factory=dict)
    segments: dict[int, list[tuple[datetime, datetime | None, str, int | None]]] = field(
        default_factory=lambda: defaultdict(list))   # window → (start, end, open|paused, clerk)
    waiting: list[tuple[datetime, datetime, str, int | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.departments = {item.code: item.department for item in self.setup.services}

    def dims(self, service: str | None, window: int | None, at: datetime) -> tuple:
        department = self.departments.get(service) if service else None
        local = at.astimezone(self.tz)
        clerk = self.clerk_at.get(window) if window is not None else None
        return (service, department, window, clerk, local.hour, local.date())

    def add(self, kind: str, value: float, dims: tuple) -> None:
        self.facts.append(Fact(kind, value, dims))


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
        for seconds, dims in _pieces(r, ticket.visit_start, at, ticket.service, ticket.visit_window):
            r.add("serving", seconds, dims)


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
        ticket.rated_dims = ticket.finish_dims


def _upheld(r: _Replay, ticket_ids: Iterable[int]) -> list[Fact]:
    """The ratings of these tickets set aside by an upheld appeal (申诉成立): one fact each,
    where the rating was counted; a ticket whose rating this replay did not count has none.
    Appeals are decided outside the log, so they come as ticket ids, not as records."""
    out = []
    for ticket_id in sorted(set(ticket_ids)):
        ticket = r.tickets.get(ticket_id)
        if ticket is not None and ticket.rated_dims is not None:
            out.append(Fact("appeal_upheld", 1, ticket.rated_dims))
    return out


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


def _replay_one(r: _Replay, record: dict, start: datetime, end: datetime) -> datetime | None:
    """One record of the log, if it falls in the range: returns its time (None: outside)."""
    at = _at(record["at"])
    if not start <= at < end:
        return None
    if record["kind"].startswith("window_"):
        _window_event(r, record["kind"], record["window"], (record.get("details") or {}).get("clerk"), at)
    elif record.get("ticket_id") is not None:
        _ticket_event(r, record, at)
    return at


def measure(records: Iterable[dict], setup: HallConfig, start: datetime, end: datetime,
            now: datetime, alerts: Iterable[dict] = (), upheld: Iterable[int] = ()) -> list[Fact]:
    """The facts of the log between `start` and `end`; intervals still open stop at `now`.
    `upheld`: the tickets whose 差评 an upheld appeal set aside (see `satisfaction`)."""
    r = _Replay(setup, setup.hall.tz)
    stop = min(end, now)
    for record in records:
        _replay_one(r, record, start, end)
    for ticket in r.tickets.values():
        _end_visit(r, ticket, stop)
        _stop_waiting(r, ticket, stop)
    _window_time(r, start, stop)
    for alert in alerts:
        at = _at(alert["raised_at"])
        if start <= at < end:
            r.add("alert", 1, r.dims(alert.get("service"), alert.get("window"), at))
    r.facts.extend(_upheld(r, upheld))
    return r.facts


# --- adding up ---------------------------------------------------------------------------------------
#
# Facts are added up as they come (`Tally`), so a day's figures can be kept as the day goes and
# read at any moment without walking its facts again (`LiveDay` below). Durations add up as whole
# microseconds, which makes a total the same in whatever order and in however many pieces its
# facts arrive.

COUNTED = ("issued", "called", "served", "accepted", "no_show", "alert")
TIMED = ("signed_in", "paused", "serving", "empty")


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value that at least 90% do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


#: the national five-level scale: 3 (基本满意) and above is satisfied, 2 and below is a 差评
SATISFIED_FROM = 3


def rating_figures(ratings: Iterable[float]) -> dict[str, Any]:
    """Ratings given, satisfied, 差评 and the satisfaction rate of some ratings (1..5)."""
    given = list(ratings)
    return satisfaction(len(given), sum(1 for v in given if v >= SATISFIED_FROM))


def satisfaction(ratings: int, satisfied: int, upheld: int = 0) -> dict[str, Any]:
    """`rating_figures` from the counts alone (a Tally's `ratings`, `satisfied` and `upheld`).

    群众满意率 = satisfied / ratings that count. A 差评 whose appeal was upheld (申诉成立) was
    found mistaken or malicious, and 国办发〔2019〕51号 keeps such ratings out of the figures:
    it stays among the ratings given (the rating itself is recorded and uploaded as given, and
    counts for coverage) but is neither a 差评 nor in the rate's denominator."""
    counted = ratings - upheld
    return {"ratings": ratings, "satisfied": satisfied, "bad_ratings": counted - satisfied,
            "appeals_upheld": upheld, "satisfaction_rate": _ratio(satisfied, counted)}


def three_rates(parts: Iterable[tuple[dict[str, Any], set[str], Iterable[str]]]) -> dict[str, Any]:
    """The seed report's 三率 of one or more halls taken together. Each part is one hall's
    added-up row (its `served`, `accepted`, `satisfied` and `ratings`: the whole hall's, or one
    department's), the items served in it, and the items it counts present or not. Items are a
    hall's own: two halls' 企业设立登记 are two items, each served or not in its own hall."""
    present = configured = served = accepted = satisfied = ratings = upheld = 0
    for row, served_items, items in parts:
        codes = set(items)
        present += len(codes & served_items)
        configured += len(codes)
        served, accepted = served + row["served"], accepted + row["accepted"]
        satisfied, ratings = satisfied + row["satisfied"], ratings + row["ratings"]
        upheld += row["appeals_upheld"]
    return {"item_presence_rate": _ratio(present, configured),
            "window_completion_rate": _ratio(served, accepted),
            "satisfaction_rate": satisfaction(ratings, satisfied, upheld)["satisfaction_rate"]}


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


def _seconds(micros: int) -> float:
    return micros / 1_000_000


class Tally:
    """The added-up facts of one group: counts, microseconds of window time, the waits in
    order (for the p90), handling times and ratings."""

    __slots__ = ("counts", "micros", "waits", "wait_micros", "handling", "handling_micros",
                 "ratings", "satisfied", "upheld", "histogram")

    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTED, 0)
        self.micros = dict.fromkeys(TIMED, 0)
        self.waits: list[float] = []          # sorted as they come: the p90 is one look-up
        self.wait_micros = self.handling = self.handling_micros = 0
        self.ratings = self.satisfied = self.upheld = 0
        self.histogram = [0] * len(WAIT_BUCKETS)

    def add(self, fact: Fact) -> None:
        kind = fact.kind
        if kind in self.micros:
            self.micros[kind] += _micros(fact.value)
        elif kind in self.counts:
            self.counts[kind] += 1
        elif kind == "wait":
            bisect.insort(self.waits, fact.value)
            self.wait_micros += _micros(fact.value)
            self.histogram[_bucket(fact.value)] += 1
        elif kind == "handling":
            self.handling += 1
            self.handling_micros += _micros(fact.value)
        elif kind == "rating":
            self.ratings += 1
            self.satisfied += fact.value >= SATISFIED_FROM
        elif kind == "appeal_upheld":
            self.upheld += 1

    def plus(self, extra: Iterable[Fact]) -> "Tally":
        """This tally and facts known only at the moment asked (window time still running, an
        alert): a copy of the sums, sharing the waits, which such facts never touch."""
        out = Tally.__new__(Tally)
        for name in Tally.__slots__:
            value = getattr(self, name)
            setattr(out, name, dict(value) if isinstance(value, dict) else value)
        for fact in extra:
            if fact.kind in out.micros:
                out.micros[fact.kind] += _micros(fact.value)
            elif fact.kind == "appeal_upheld":
                out.upheld += 1
            else:
                out.counts[fact.kind] += 1
        return out

    def row(self, with_time: bool = True) -> dict[str, Any]:
        """Every KPI of the group. Window time is None where it means nothing (an item)."""
        counts, waits = self.counts, self.waits
        row = {
            "issued": counts["issued"], "called": counts["called"], "served": counts["served"],
            "accepted": counts["accepted"], "no_show": counts["no_show"],
            "no_show_rate": _ratio(counts["no_show"], counts["called"]),
            "wait_mean": _seconds(self.wait_micros) / len(waits) if waits else None,
            "wait_p90": waits[math.ceil(0.9 * len(waits)) - 1] if waits else None,
            "handling_mean": _seconds(self.handling_micros) / self.handling if self.handling else None,
            **satisfaction(self.ratings, self.satisfied, self.upheld),
            "rating_coverage": _ratio(self.ratings, counts["served"]),
            "alerts": counts["alert"],
        }
        micros = self.micros
        time = {"signed_in_seconds": _seconds(micros["signed_in"]), "serving_seconds": _seconds(micros["serving"]),
                "paused_seconds": _seconds(micros["paused"]), "empty_seconds": _seconds(micros["empty"]),
                "utilisation": _ratio(micros["serving"], micros["signed_in"])}
        return row | (time if with_time else {k: None for k in time})


def _bucket(seconds: float) -> int:
    minutes = seconds / 60
    return max(i for i, low in enumerate(WAIT_BUCKETS) if minutes >= low)


class Tallies:
    """Facts added up for the whole range and per value of every dimension."""

    def __init__(self) -> None:
        self.total = Tally()
        self.groups: dict[str, dict[Any, Tally]] = {by: {} for by in DIMENSIONS}
        self.served_items: set[str] = set()

    def append(self, fact: Fact) -> None:
        self.total.add(fact)
        for by, key in zip(DIMENSIONS, fact.dims):
            if key is not None:
                found = self.groups[by].get(key)
                if found is None:
                    found = self.groups[by][key] = Tally()
                found.add(fact)
        if fact.kind == "served":
            self.served_items.add(fact.dims[0])

    @classmethod
    def of(cls, facts: Iterable[Fact]) -> "Tallies":
        out = cls()
        for fact in facts:
            out.append(fact)
        return out

    def group(self, by: str, extra: Iterable[Fact] = ()) -> dict[Any, dict[str, Any]]:
        """KPIs per value of one dimension, in the dimension's natural order, with the `extra`
        facts of the moment (see `plus`) counted in."""
        if by not in DIMENSIONS:
            raise ValueError(f"unknown dimension {by!r}")
        running: dict[Any, list[Fact]] = defaultdict(list)
        for fact in extra:
            if (key := fact.dim(by)) is not None:
                running[key].append(fact)
        tallies = self.groups[by]
        keys = sorted(set(tallies) | set(running))
        return {key: tallies.get(key, _NOTHING).plus(running.get(key, ())).row(by in TIME_DIMENSIONS)
                for key in keys}

    def summary(self, setup: HallConfig, extra: Iterable[Fact] = ()) -> dict[str, Any]:
        """The hall's KPIs for the range and the seed report's 三率."""
        row = self.total.plus(extra).row()
        row["three_rates"] = three_rates([(row, self.served_items, [s.code for s in setup.services])])
        return row

    def wait_histogram(self) -> list[dict[str, Any]]:
        """How many citizens waited how long, in minute buckets (the last is open-ended)."""
        highs = list(WAIT_BUCKETS[1:]) + [None]
        return [{"low": low, "high": high, "count": n}
                for low, high, n in zip(WAIT_BUCKETS, highs, self.total.histogram)]


_NOTHING = Tally()


def kpis(facts: Iterable[Fact], with_time: bool = True) -> dict[str, Any]:
    """Every KPI of one group of facts. Window time is None where it means nothing (an item)."""
    total = Tally()
    for fact in facts:
        total.add(fact)
    return total.row(with_time)


def group(facts: list[Fact], by: str) -> dict[Any, dict[str, Any]]:
    """KPIs per value of one dimension, in the dimension's natural order."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    return Tallies.of(facts).group(by)


def summary(facts: list[Fact], setup: HallConfig) -> dict[str, Any]:
    """The hall's KPIs for the range and the seed report's 三率."""
    return Tallies.of(facts).summary(setup)


def wait_histogram(facts: Iterable[Fact]) -> list[dict[str, Any]]:
    """How many citizens waited how long, in minute buckets (the last is open-ended)."""
    return Tallies.of(f for f in facts if f.kind == "wait").wait_histogram()


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants that begin the first day and end the last one, in the hall's time zone."""
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    return start, end


# --- the day so far, kept as it goes -----------------------------------------------------------------

class LiveDay:
    """One day's facts added up as its log grows, for the figures of the day so far.

    `feed` takes the log's records in order as they are committed; `figures` answers at any
    moment without replaying the day: what `measure` finds by replaying, it finds from sums
    kept per group plus what is still running (windows signed in, visits under way, windows
    left empty while someone waits), which is at most a few facts per window. So asking costs
    the same at 10 and at 5,000 waiting. A window left empty is followed by counting who
    waits for it, where `measure` intersects the day's waiting intervals. The lines people
    stand in now (`waiting_lines`, the city dashboard's) are followed the same way: a count
    and the earliest issue time per line, kept as tickets join and leave.
    """

    def __init__(self, setup: HallConfig, day: date):
        self.setup, self.day = setup, day
        self.start, self.end = day_bounds(day, day, setup.hall.tz)
        self.tallies = Tallies()
        self.r = _Replay(setup, setup.hall.tz, facts=self.tallies)
        self.numbers = {spec.number for spec in setup.windows}
        self.serving = {item.code: tuple(spec.number for spec in setup.windows if item.code in spec.services)
                        for item in setup.services}
        self.waiting_for = dict.fromkeys(self.numbers, 0)           # window → citizens waiting for it
        self.empty_since: dict[int, datetime] = {}                  # window → left empty since
        self.visiting: dict[int, _Ticket] = {}                     # tickets being served now
        self.lines = _Lines()                                       # who stands in which line now
        self.fed = 0                                                # records taken so far

    def feed(self, record: dict) -> None:
        self.fed += 1
        ticket = self.r.tickets.get(record.get("ticket_id")) if record.get("ticket_id") is not None else None
        window = record.get("window")
        was = _waiting(ticket)
        open_before = self._open_segment(window) if record["kind"].startswith("window_") else None
        at = _replay_one(self.r, record, self.start, self.end)
        if at is None:
            return
        if record["kind"].startswith("window_"):
            self._window_changed(window, open_before, at)
        elif (ticket := self.r.tickets.get(record["ticket_id"])) is not None:
            self._ticket_changed(record["ticket_id"], ticket, was, at)
        self.r.waiting.clear()   # followed by counting here, not kept to intersect at the end

    # --- what changes with each record ---------------------------------------------------

    def _open_segment(self, window: int | None) -> tuple | None:
        segments = self.r.segments.get(window) if window is not None else None
        return segments[-1] if segments and segments[-1][1] is None else None

    def _window_changed(self, window: int, open_before: tuple | None, at: datetime) -> None:
        if window not in self.numbers:
            return
        if open_before is not None:   # the segment this record ended: its time is settled
            for fact in _segment_facts(self.r, window, open_before[0], at, open_before[2], open_before[3]):
                self.tallies.append(fact)
        self._empty_check(window, at)

    def _ticket_changed(self, ticket_id: int, ticket: _Ticket, was: tuple | None, at: datetime) -> None:
        if ticket.visit_start is not None:
            self.visiting[ticket_id] = ticket
        else:
            self.visiting.pop(ticket_id, None)
        now = _waiting(ticket)
        if now == was:
            return
        if was is not None:
            self._count_waiting(was[1], -1, at)
            self.lines.leave(ticket_id)
        if now is not None:
            self._count_waiting(now[1], +1, at)
            self.lines.join(ticket_id, now[1], ticket.issued_at)

    def _count_waiting(self, waiting_for: tuple[str, int | None], change: int, at: datetime) -> None:
        service, named = waiting_for
        windows = (named,) if named is not None else self.serving.get(service, ())
        for window in windows:
            if window in self.numbers:
                self.waiting_for[window] += change
                self._empty_check(window, at)

    def _staffed(self, window: int) -> bool:
        segment = self._open_segment(window)
        return segment is not None and segment[2] == "open"

    def _empty_check(self, window: int, at: datetime) -> None:
        empty = self.waiting_for[window] > 0 and not self._staffed(window)
        since = self.empty_since.get(window)
        if since is not None and not empty:
            del self.empty_since[window]
            for seconds, dims in _pieces(self.r, since, at, None, window, None):
                self.tallies.append(Fact("empty", seconds, dims))
        elif since is None and empty:
            self.empty_since[window] = at

    # --- the figures at a moment ------------------------------------------------------------

    def upheld(self, ticket_ids: Iterable[int]) -> list[Fact]:
        """The day's ratings set aside by upheld appeals, as facts of the moment: an appeal is
        decided after the rating, outside the log, so it is asked for, not fed."""
        return _upheld(self.r, ticket_ids)

    def waiting_lines(self) -> list["Line"]:
        """Each line someone of the day stands in now: its size and earliest issue time."""
        return self.lines.now()

    def running(self, now: datetime, alerts: Iterable[dict] = ()) -> list[Fact]:
        """The facts of the moment: window time still running up to `now`, and the alerts."""
        r, stop = self.r, min(self.end, now)
        out: list[Fact] = []
        for window in sorted(self.numbers):
            segment = self._open_segment(window)
            if segment is not None:
                out += _segment_facts(r, window, segment[0], stop, segment[2], segment[3])
            if window in self.empty_since:
                out += [Fact("empty", s, d) for s, d in _pieces(r, self.empty_since[window], stop, None, window, None)]
        for ticket in self.visiting.values():
            out += [Fact("serving", s, d) for s, d in
                    _pieces(r, ticket.visit_start, stop, ticket.service, ticket.visit_window)]
        for alert in alerts:
            at = _at(alert["raised_at"])
            if self.start <= at < self.end:
                out.append(Fact("alert", 1, r.dims(alert.get("service"), alert.get("window"), at)))
        return out


class _Lines:
    """Who stands in which line, with each line's size and earliest issue time at hand: a
    count per line, and a heap per line whose entries of tickets gone since are dropped when
    they come to the top (each entry is pushed and popped once: asking costs no more with
    5,000 in a line than with 10)."""

    def __init__(self) -> None:
        self.line_of: dict[int, tuple[str, int | None]] = {}   # ticket → the line it stands in
        self.sizes: dict[tuple[str, int | None], int] = {}
        self.heaps: dict[tuple[str, int | None], list[tuple[datetime, int]]] = {}

    def join(self, ticket_id: int, line: tuple[str, int | None], issued_at: datetime) -> None:
        self.line_of[ticket_id] = line
        self.sizes[line] = self.sizes.get(line, 0) + 1
        heapq.heappush(self.heaps.setdefault(line, []), (issued_at, ticket_id))

    def leave(self, ticket_id: int) -> None:
        line = self.line_of.pop(ticket_id, None)
        if line is not None:
            self.sizes[line] -= 1

    def now(self) -> list["Line"]:
        from .city import Line   # the city's own type; hall/city.py reads these, never the reverse
        return [Line(line[0], line[1], size, self._earliest(line)) for line, size in self.sizes.items() if size]

    def _earliest(self, line: tuple[str, int | None]) -> datetime:
        heap = self.heaps[line]
        while self.line_of.get(heap[0][1]) != line:   # gone from the line since it joined
            heapq.heappop(heap)
        return heap[0][0]


def _waiting(ticket: _Ticket | None) -> tuple | None:
    """What a ticket waits for and since when (None: it does not wait)."""
    if ticket is None or ticket.waiting_since is None:
        return None
    return (ticket.waiting_since, ticket.waiting_for)


def _segment_facts(r: _Replay, window: int, start: datetime, stop: datetime, status: str,
                   clerk: int | None) -> list[Fact]:
    """A window's signed-in (and paused) time from `start` to `stop`, cut by hour."""
    out = []
    for seconds, dims in _pieces(r, start, stop, None, window, clerk):
        out.append(Fact("signed_in", seconds, dims))
        if status == "paused":
            out.append(Fact("paused", seconds, dims))
    return out
