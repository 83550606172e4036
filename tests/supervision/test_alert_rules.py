"""Each supervision rule raised at its yellow and red thresholds and cleared, with a fake clock."""

from __future__ import annotations

import pytest

from hall import alerts
from hall import commands as c
from hall.alerts import RED, YELLOW, Device, Facts, OpenAlert, Rating
from hall.config import parse_config
from hall.queue import HallState, handle
from tests.conftest import FakeClock, small_hall_document

SUPERVISION = {"wait_minutes": [10, 20], "handling_minutes": [15, 30], "queue_length": [3, 5],
               "paused_minutes": [10, 20], "empty_window_minutes": [5, 15],
               "device_offline_minutes": [2, 10]}


def setup():
    document = small_hall_document(supervision=SUPERVISION)
    # A01 handling has its own, tighter limits: the item-level override must win
    document["services"][0]["alert_handling_minutes"] = [5, 10]
    return parse_config(document)


class Hall:
    """The pure core driven by commands at a fake time, and the supervision rules on top."""

    def __init__(self):
        self.clock = FakeClock()
        self.state = HallState.fresh(setup())
        self.next_id = 1
        self.open: dict = {}   # key → level, as the alerts table would hold them
        self.ratings: list[Rating] = []
        self.devices: list[Device] = []
        self.acknowledged: set = set()

    def do(self, command) -> list:
        self.state, events = handle(self.state, command, self.clock())
        return events

    def issue(self, service: str, count: int = 1) -> list[int]:
        ids = []
        for _ in range(count):
            self.do(c.IssueTicket(ticket_id=self.next_id, service=service))
            ids.append(self.next_id)
            self.next_id += 1
        return ids

    def later(self, minutes: float) -> None:
        self.clock.advance(minutes=minutes)

    def check(self) -> dict:
        """Evaluate, apply the decisions to the open alerts, and return {key: level} now open."""
        facts = Facts(self.state, tuple(self.ratings), tuple(self.devices), frozenset(self.acknowledged))
        found = alerts.conditions(facts, self.clock())
        for decision in alerts.decide(found, [OpenAlert(k, v) for k, v in self.open.items()]):
            if decision.action == "clear":
                del self.open[decision.key]
            else:
                self.open[decision.key] = decision.condition.level
        return dict(self.open)


@pytest.fixture
def hall() -> Hall:
    return Hall()


def test_nothing_is_raised_in_a_quiet_hall(hall) -> None:
    assert hall.check() == {}


def test_long_wait_yellow_then_red_then_cleared_by_the_call(hall) -> None:
    for number in (1, 2, 3):   # windows serving A01 are staffed: no empty-window alert
        hall.do(c.SignIn(window=number, clerk=number))
    hall.issue("A01")
    hall.later(9.9)
    assert ("wait", "A01") not in hall.check()
    hall.later(0.1)
    assert hall.check()[("wait", "A01")] == YELLOW
    hall.later(10)
    assert hall.check()[("wait", "A01")] == RED
    hall.do(c.CallNext(window=3))
    assert ("wait", "A01") not in hall.check()


def test_queue_length_at_its_thresholds(hall) -> None:
    hall.do(c.SignIn(window=4, clerk=4))
    hall.issue("C01", 2)
    assert ("queue", "C01") not in hall.check()
    hall.issue("C01")
    assert hall.check()[("queue", "C01")] == YELLOW
    hall.issue("C01", 2)
    assert hall.check()[("queue", "C01")] == RED
    for _ in range(3):
        ticket = hall.do(c.CallNext(window=4))[0].ticket_id
        hall.do(c.StartService(ticket_id=ticket))
        hall.do(c.FinishService(ticket_id=ticket))
    assert ("queue", "C01") not in hall.check()   # two left, under the yellow line of 3


def test_handling_uses_the_items_own_thresholds(hall) -> None:
    hall.do(c.SignIn(window=3, clerk=3))
    a01, a02 = hall.issue("A01")[0], hall.issue("A02")[0]
    hall.do(c.CallNext(window=3))
    hall.do(c.StartService(ticket_id=a01))
    hall.later(4.9)
    assert ("handling", str(a01)) not in hall.check()
    hall.later(0.1)
    assert hall.check()[("handling", str(a01))] == YELLOW   # A01: [5, 10], not the hall's [15, 30]
    hall.later(5)
    assert hall.check()[("handling", str(a01))] == RED
    hall.do(c.FinishService(ticket_id=a01))
    assert ("handling", str(a01)) not in hall.check()
    hall.do(c.CallNext(window=3))
    hall.do(c.StartService(ticket_id=a02))
    hall.later(14.9)
    assert ("handling", str(a02)) not in hall.check()      # A02 uses the hall's 15 minutes
    hall.later(0.1)
    assert hall.check()[("handling", str(a02))] == YELLOW


def test_paused_too_long_and_cleared_on_resume(hall) -> None:
    hall.do(c.SignIn(window=4, clerk=4))
    hall.do(c.PauseWindow(window=4, reason="午休"))
    hall.later(9.9)
    assert ("paused", "4") not in hall.check()
    hall.later(0.1)
    assert hall.check()[("paused", "4")] == YELLOW
    hall.later(10)
    assert hall.check()[("paused", "4")] == RED
    hall.do(c.ResumeWindow(window=4))
    assert ("paused", "4") not in hall.check()


def test_empty_window_only_while_its_items_have_people_waiting(hall) -> None:
    hall.do(c.SignIn(window=4, clerk=4))
    hall.do(c.SignIn(window=1, clerk=1))
    hall.do(c.PauseWindow(window=4, reason="临时离开"))
    hall.later(30)
    assert ("empty_window", "4") not in hall.check()       # paused, but nobody waits for C01
    hall.issue("C01")
    hall.later(4.9)
    assert ("empty_window", "4") not in hall.check()       # the clock starts when people wait
    hall.later(0.1)
    assert hall.check()[("empty_window", "4")] == YELLOW
    hall.later(10)
    assert hall.check()[("empty_window", "4")] == RED
    hall.do(c.ResumeWindow(window=4))
    assert ("empty_window", "4") not in hall.check()


def test_a_window_nobody_signed_in_at_is_empty_too(hall) -> None:
    hall.do(c.SignIn(window=1, clerk=1))
    hall.do(c.SignIn(window=2, clerk=2))
    hall.issue("A01")
    hall.later(5)
    assert hall.check()[("empty_window", "3")] == YELLOW
    assert ("empty_window", "2") not in hall.open
    hall.do(c.SignIn(window=3, clerk=3))
    assert ("empty_window", "3") not in hall.check()


def test_the_empty_clock_starts_when_the_window_emptied(hall) -> None:
    hall.do(c.SignIn(window=4, clerk=4))
    hall.issue("C01")
    hall.later(30)                                          # waited long, but the window was staffed
    hall.do(c.SignOut(window=4))
    hall.later(4.9)
    assert ("empty_window", "4") not in hall.check()
    hall.later(0.1)
    assert hall.check()[("empty_window", "4")] == YELLOW


def test_bad_rating_red_or_yellow_and_cleared_once_acknowledged(hall) -> None:
    at = hall.clock()
    hall.ratings = [Rating(7, "A007", 1, 3, at), Rating(8, "A008", 2, 3, at), Rating(9, "A009", 3, 3, at)]
    found = hall.check()
    assert found[("bad_rating", "7")] == RED and found[("bad_rating", "8")] == YELLOW
    assert ("bad_rating", "9") not in found                # 基本满意 is not a 差评
    hall.acknowledged.add(("bad_rating", "7"))
    found = hall.check()
    assert ("bad_rating", "7") not in found and ("bad_rating", "8") in found
    assert ("bad_rating", "7") not in hall.check()         # never raised again


def test_printer_faults(hall) -> None:
    kiosk = Device(5, "kiosk-1", "kiosk", None, printer_online=True, paper="near_end")
    hall.devices = [kiosk]
    assert hall.check()[("printer", "5")] == YELLOW
    hall.devices = [Device(5, "kiosk-1", "kiosk", None, printer_online=True, paper="out")]
    assert hall.check()[("printer", "5")] == RED
    hall.devices = [Device(5, "kiosk-1", "kiosk", None, printer_online=True, paper="ok")]
    assert ("printer", "5") not in hall.check()
    hall.devices = [Device(5, "kiosk-1", "kiosk", None, printer_online=False, paper="ok")]
    assert hall.check()[("printer", "5")] == RED


def test_device_offline_at_its_thresholds(hall) -> None:
    dropped = hall.clock()
    hall.devices = [Device(6, "kiosk-2", "kiosk", dropped)]
    hall.later(1.9)
    assert ("device_offline", "6") not in hall.check()
    hall.later(0.1)
    assert hall.check()[("device_offline", "6")] == YELLOW
    hall.later(8)
    assert hall.check()[("device_offline", "6")] == RED
    hall.devices = [Device(6, "kiosk-2", "kiosk", None)]   # reconnected
    assert ("device_offline", "6") not in hall.check()


def test_decisions_raise_escalate_and_clear_once_each() -> None:
    condition = alerts.Condition(("wait", "A01"), YELLOW, "item", "m", "m")
    red = alerts.Condition(("wait", "A01"), RED, "item", "m", "m")
    assert [d.action for d in alerts.decide({condition.key: condition}, [])] == ["raise"]
    assert alerts.decide({condition.key: condition}, [OpenAlert(condition.key, YELLOW)]) == []
    assert [d.action for d in alerts.decide({red.key: red}, [OpenAlert(red.key, YELLOW)])] == ["escalate"]
    # a red alert whose figure drops under the red line stays red until it clears
    assert alerts.decide({condition.key: condition}, [OpenAlert(red.key, RED)]) == []
    assert [d.action for d in alerts.decide({}, [OpenAlert(red.key, RED)])] == ["clear"]


def test_keys_round_trip_as_text() -> None:
    assert alerts.key_from_text(alerts.key_text(("empty_window", "3"))) == ("empty_window", "3")
