"""The KPIs of one synthetic day, every expected value worked out by hand in the comments.

The day (local time, Asia/Shanghai, 2026-11-26), in the small test hall:
  09:00  clerk 11 signs in at window 3 (A01, A02); clerk 12 at window 4 (C01)
  09:00  T1 A01 issued        09:05  T2 A01 issued        09:10  T3 C01 issued
  09:10  window 3 calls T1 (waited 10 min), starts 09:12, finishes 09:27 (15 min), rated 5
  09:20  window 4 calls T3 (waited 10 min), starts 09:20, finishes 09:30 (10 min), rated 2 (差评)
  09:30  window 3 calls T2 (waited 25 min); 09:40 no-show
  09:40  window 3 pauses (午休)            09:50  T4 A02 issued
  10:00  clerk 12 signs out of window 4
  10:10  window 3 resumes, calls T4 (waited 20 min), starts 10:10, finishes 10:30 (20 min), rating skipped
  11:00  the report is made ("now"); window 3 is still signed in
Windows 1 (every item) and 2 (A01, A02, B01) are never staffed all day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hall import commands as c
from hall import kpi
from hall.events import event_record
from hall.queue import HallState, handle
from tests.conftest import small_hall

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 26)
SETUP = small_hall()


def local(hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, 26, hour, minute, tzinfo=TZ)


DAY_PLAN = [
    ("09:00", c.SignIn(window=3, clerk=11)), ("09:00", c.SignIn(window=4, clerk=12)),
    ("09:00", c.IssueTicket(ticket_id=1, service="A01")), ("09:05", c.IssueTicket(ticket_id=2, service="A01")),
    ("09:10", c.IssueTicket(ticket_id=3, service="C01")),
    ("09:10", c.CallNext(window=3)), ("09:12", c.StartService(ticket_id=1)),
    ("09:20", c.CallNext(window=4)), ("09:20", c.StartService(ticket_id=3)),
    ("09:27", c.FinishService(ticket_id=1)), ("09:28", c.RateService(ticket_id=1, rating=5)),
    ("09:30", c.FinishService(ticket_id=3)), ("09:31", c.RateService(ticket_id=3, rating=2)),
    ("09:30", c.CallNext(window=3)), ("09:40", c.MarkNoShow(ticket_id=2)),
    ("09:40", c.PauseWindow(window=3, reason="午休")), ("09:50", c.IssueTicket(ticket_id=4, service="A02")),
    ("10:00", c.SignOut(window=4)),
    ("10:10", c.ResumeWindow(window=3)), ("10:10", c.CallNext(window=3)), ("10:10", c.StartService(ticket_id=4)),
    ("10:30", c.FinishService(ticket_id=4)), ("10:31", c.SkipRating(ticket_id=4)),
]
ALERTS = [{"raised_at": local("09:55"), "rule": "empty_window", "window": 3, "service": None},
          {"raised_at": local("09:31"), "rule": "bad_rating", "window": 4, "service": None}]


def day_log() -> list[dict]:
    state, records = HallState.fresh(SETUP), []
    for hhmm, command in sorted(DAY_PLAN, key=lambda step: step[0]):
        state, events = handle(state, command, local(hhmm))
        records += [event_record(event) for event in events]
    return records


@pytest.fixture(scope="module")
def facts() -> list[kpi.Fact]:
    start, end = kpi.day_bounds(DAY, DAY, TZ)
    return kpi.measure(day_log(), SETUP, start, end, now=local("11:00"), alerts=ALERTS)


def test_the_halls_day(facts) -> None:
    hall = kpi.summary(facts, SETUP)
    assert hall["issued"] == 4 and hall["called"] == 4 and hall["served"] == 3   # T1, T3, T4 served
    assert hall["no_show"] == 1 and hall["no_show_rate"] == 0.25                 # 1 no-show of 4 calls
    # waits 10, 10, 25, 20 min = 600, 600, 1500, 1200 s: mean 3900 / 4 = 975 s
    assert hall["wait_mean"] == 975
    # nearest rank: ceil(0.9 × 4) = 4th of 600, 600, 1200, 1500
    assert hall["wait_p90"] == 1500
    assert hall["handling_mean"] == 900                       # (15 + 10 + 20) / 3 min = 900 s
    # ratings 5 and 2; T4 skipped = not rated, not satisfied
    assert hall["ratings"] == 2 and hall["satisfied"] == 1 and hall["bad_ratings"] == 1
    assert hall["satisfaction_rate"] == 0.5
    assert hall["rating_coverage"] == pytest.approx(2 / 3)   # 2 ratings for 3 served
    # signed in: window 3 09:00–11:00 (7200 s) + window 4 09:00–10:00 (3600 s)
    assert hall["signed_in_seconds"] == 10800
    # serving: T1 900 + T3 600 + T4 1200 (T2 never started)
    assert hall["serving_seconds"] == 2700 and hall["utilisation"] == 0.25
    assert hall["paused_seconds"] == 1800                     # window 3, 09:40–10:10
    # empty while people wait: window 3 paused 09:50–10:10 with T4 waiting = 1200 s;
    # window 4 none; windows 1 and 2, never staffed: people wait 09:00–09:30 and 09:50–10:10 = 3000 s each
    assert hall["empty_seconds"] == 1200 + 3000 + 3000
    assert hall["alerts"] == 2


def test_the_three_rates(facts) -> None:
    rates = kpi.summary(facts, SETUP)["three_rates"]
    assert rates["item_presence_rate"] == 0.75      # A01, A02, C01 served; B01 not: 3 of 4 items
    assert rates["window_completion_rate"] == 1.0   # T1, T3, T4 started and all three finished
    assert rates["satisfaction_rate"] == 0.5


def test_by_window(facts) -> None:
    rows = kpi.group(facts, "window")
    three, four = rows[3], rows[4]
    assert three["served"] == 2 and three["called"] == 3 and three["no_show"] == 1
    assert three["signed_in_seconds"] == 7200 and three["serving_seconds"] == 2100   # 900 + 1200
    assert three["utilisation"] == pytest.approx(2100 / 7200)
    assert three["paused_seconds"] == 1800 and three["empty_seconds"] == 1200
    assert four["utilisation"] == pytest.approx(600 / 3600) and four["empty_seconds"] == 0
    assert rows[1]["empty_seconds"] == 3000 and rows[1]["signed_in_seconds"] == 0
    assert rows[3]["alerts"] == 1 and rows[4]["alerts"] == 1
    assert four["bad_ratings"] == 1 and four["satisfaction_rate"] == 0


def test_by_item_and_department(facts) -> None:
    items = kpi.group(facts, "item")
    a01 = items["A01"]
    assert a01["issued"] == 2 and a01["served"] == 1 and a01["no_show_rate"] == 0.5
    assert a01["wait_mean"] == 1050                  # (600 + 1500) / 2
    assert a01["utilisation"] is None                # window time does not belong to an item
    assert items["A02"]["wait_mean"] == 1200 and items["C01"]["handling_mean"] == 600
    departments = kpi.group(facts, "department")
    assert departments["SCJG"]["issued"] == 3 and departments["SCJG"]["served"] == 2
    assert departments["SWJ"]["served"] == 1 and "RSJ" not in departments


def test_by_clerk(facts) -> None:
    clerks = kpi.group(facts, "clerk")
    assert clerks[11]["served"] == 2 and clerks[11]["satisfaction_rate"] == 1.0   # T1 rated 5
    assert clerks[12]["served"] == 1 and clerks[12]["bad_ratings"] == 1
    assert clerks[11]["signed_in_seconds"] == 7200 and clerks[12]["signed_in_seconds"] == 3600


def test_by_hour(facts) -> None:
    hours = kpi.group(facts, "hour")
    assert hours[9]["issued"] == 4 and hours[9]["served"] == 2     # T1 09:27, T3 09:30
    assert hours[10]["issued"] == 0 and hours[10]["served"] == 1   # T4 10:30
    # window 3 in hour 9: paused 09:40–10:00; window 4 nothing paused
    assert hours[9]["paused_seconds"] == 1200 and hours[10]["paused_seconds"] == 600
    assert hours[9]["signed_in_seconds"] == 7200                  # both windows the whole hour
    assert hours[10]["signed_in_seconds"] == 3600                 # window 3 only
    assert set(hours) == {9, 10}


def test_wait_histogram(facts) -> None:
    buckets = {b["low"]: b["count"] for b in kpi.wait_histogram(facts)}
    assert buckets == {0: 0, 5: 0, 10: 2, 15: 0, 20: 2, 30: 0, 45: 0, 60: 0}   # 10, 10, 20, 25 min


def test_percentile_and_empty_groups() -> None:
    assert kpi.p90([]) is None
    assert kpi.p90([5.0]) == 5.0
    assert kpi.p90(list(range(1, 11))) == 9        # ceil(9.0) = 9th of 1..10
    assert kpi.p90(list(range(1, 12))) == 10       # ceil(9.9) = 10th of 1..11
    assert kpi.kpis([])["no_show_rate"] is None


# --- a 差评 set aside by an upheld appeal (申诉成立) ------------------------------------------------
# T3's rating of 2 was appealed and the appeal upheld: it stays among the ratings given (and in
# the coverage) but is no 差评 and leaves the rate: 1 satisfied of 2 given − 1 set aside = 1 of 1.

def test_an_upheld_appeal_leaves_the_satisfaction_figures() -> None:
    start, end = kpi.day_bounds(DAY, DAY, TZ)
    facts = kpi.measure(day_log(), SETUP, start, end, now=local("11:00"), alerts=ALERTS, upheld=[3])
    hall = kpi.summary(facts, SETUP)
    assert (hall["ratings"], hall["satisfied"], hall["bad_ratings"], hall["appeals_upheld"]) == (2, 1, 0, 1)
    assert hall["satisfaction_rate"] == 1.0 and hall["three_rates"]["satisfaction_rate"] == 1.0
    assert hall["rating_coverage"] == pytest.approx(2 / 3)           # the rating was given
    window = kpi.group(facts, "window")[4]                            # T3 was served at window 4 by clerk 12
    assert (window["bad_ratings"], window["appeals_upheld"], window["satisfaction_rate"]) == (0, 1, None)
    assert kpi.group(facts, "clerk")[12]["appeals_upheld"] == 1
    assert kpi.group(facts, "window")[3]["appeals_upheld"] == 0


def test_an_appeal_on_a_ticket_not_rated_in_the_range_sets_nothing_aside() -> None:
    start, end = kpi.day_bounds(DAY, DAY, TZ)
    # T1 was rated 5 but only a 差评 is appealed; T4's rating was skipped; 99 is no ticket of the day
    facts = kpi.measure(day_log(), SETUP, start, end, now=local("11:00"), upheld=[4, 99])
    assert kpi.summary(facts, SETUP)["appeals_upheld"] == 0


def test_the_day_so_far_and_the_replay_set_the_same_ratings_aside() -> None:
    start, end = kpi.day_bounds(DAY, DAY, TZ)
    records = day_log()
    live = kpi.LiveDay(SETUP, DAY)
    for record in records:
        live.feed(record)
    extra = live.running(local("11:00"), ALERTS) + live.upheld([3])
    replayed = kpi.Tallies.of(kpi.measure(records, SETUP, start, end, now=local("11:00"), alerts=ALERTS, upheld=[3]))
    assert live.tallies.summary(SETUP, extra) == replayed.summary(SETUP)
    for by in kpi.DIMENSIONS:
        assert live.tallies.group(by, extra) == replayed.group(by), by
    assert live.tallies.total.plus(live.upheld([3])).row()["satisfaction_rate"] == 1.0


def test_the_one_satisfaction_rule() -> None:
    assert kpi.satisfaction(10, 6, 2) == {"ratings": 10, "satisfied": 6, "bad_ratings": 2, "appeals_upheld": 2,
                                          "satisfaction_rate": 0.75}
    assert kpi.satisfaction(1, 0, 1)["satisfaction_rate"] is None      # nothing left to count
    assert kpi.three_rates([({"served": 1, "accepted": 1, "satisfied": 6, "ratings": 10, "appeals_upheld": 2},
                             {"A01"}, ["A01"])])["satisfaction_rate"] == 0.75
