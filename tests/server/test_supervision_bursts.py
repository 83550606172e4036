"""The alert rules after bursts of kiosk tickets: looked at at most once per
ISSUE_BURST_SECONDS, and the evaluation a burst left owed always follows at the next tick."""

from __future__ import annotations

from server.supervision import ISSUE_BURST_SECONDS
from tests.supervision.test_api import Client, app, login  # noqa: F401 (app is a fixture)


class Seconds:
    """The burst limit's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_keys(boss: Client) -> set[str]:
    return {a["key"] for a in boss.get("/alerts?open=1").get_json()["alerts"]}


def test_a_burst_of_tickets_is_looked_at_once_and_never_left_unlooked_at(app) -> None:   # noqa: F811
    boss, kiosk = login(app, "boss"), Client(app, app.kiosk)
    seconds = app.hall.supervision.seconds = Seconds()
    for _ in range(15):   # the yellow line of C01's queue is 15 (tests/supervision/test_api.py)
        kiosk.post("/tickets", {"service": "C01"})
    assert "queue:C01" not in open_keys(boss), "the fifteenth ticket came inside the burst limit"
    assert app.hall.supervision.owed
    app.hall.clockwork.tick()
    assert "queue:C01" in open_keys(boss), "the tick pays what the burst left owed"
    assert not app.hall.supervision.owed


def test_tickets_after_the_limit_and_other_commands_are_looked_at_at_once(app) -> None:   # noqa: F811
    boss, kiosk, clerk = login(app, "boss"), Client(app, app.kiosk), login(app, "clerk4")
    seconds = app.hall.supervision.seconds = Seconds()
    for _ in range(14):
        kiosk.post("/tickets", {"service": "C01"})
    seconds.now += ISSUE_BURST_SECONDS
    kiosk.post("/tickets", {"service": "C01"})
    assert "queue:C01" in open_keys(boss)
    clerk.post("/windows/4/sign-in")
    for _ in range(14):
        ticket = clerk.post("/windows/4/call-next")["ticket"]
        clerk.post(f"/tickets/{ticket['id']}/start")
        clerk.post(f"/tickets/{ticket['id']}/finish")
    assert "queue:C01" not in open_keys(boss), "a call is looked at at once, inside the limit too"
