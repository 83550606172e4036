"""GET /api/v1/windows/{n}/queue: the head of the window's call order, its total, the `next`
cursor for `?after=` and one ticket's place by `?number=`."""

from __future__ import annotations

import pytest

from tests.server.test_api import Api, hall_app, login, signed_in  # noqa: F401 (hall_app is a fixture)


def issue(app, service: str, count: int, priority: str = "normal") -> list[dict]:
    kiosk = Api(app, app.tokens["kiosk"])
    out = []
    for _ in range(count):
        status, reply = kiosk.post("/tickets", {"service": service, "priority": priority})
        assert status == 201, reply
        out.append(reply)
    return out


def test_the_head_the_total_and_the_pages_after_it(hall_app) -> None:   # noqa: F811
    issue(hall_app, "A01", 70)
    green = issue(hall_app, "A02", 1, "green")[0]
    clerk = login(hall_app, "clerk2")
    status, first = clerk.get("/windows/3/queue")
    assert status == 200 and first["total"] == 71 and len(first["waiting"]) == 50
    assert first["waiting"][0]["id"] == green["id"], "the green channel heads the call order"
    assert first["next"] and first["held"] == []
    status, second = clerk.get(f"/windows/3/queue?after={first['next']}")
    assert status == 200 and len(second["waiting"]) == 21 and second["next"] is None
    everyone = [t["id"] for t in first["waiting"] + second["waiting"]]
    assert len(set(everyone)) == 71
    status, small = clerk.get("/windows/3/queue?limit=5")
    assert [t["id"] for t in small["waiting"]] == everyone[:5]
    assert [t["waiting_ahead"] for t in small["waiting"][1:]] == [0, 1, 2, 3], "each in its item's line"


def test_a_cursor_outlives_the_ticket_it_names(hall_app) -> None:   # noqa: F811
    tickets = issue(hall_app, "A01", 6)
    clerk = signed_in(hall_app, "clerk3", 3)
    _, page = clerk.get("/windows/3/queue?limit=2")
    for _ in range(3):                   # the page's tickets, and one more, are served meanwhile
        status, called = clerk.post("/windows/3/call-next")
        assert status == 200
        for step in ("start", "finish"):
            assert clerk.post(f"/tickets/{called['ticket']['id']}/{step}")[0] == 200
    _, rest = clerk.get(f"/windows/3/queue?after={page['next']}")
    assert [t["id"] for t in rest["waiting"]] == [t["id"] for t in tickets[3:]]
    assert rest["total"] == 3 and rest["next"] is None


def test_one_number_finds_its_place(hall_app) -> None:   # noqa: F811
    tickets = issue(hall_app, "A01", 8)
    clerk = login(hall_app, "clerk2")
    status, found = clerk.get(f"/windows/3/queue?number={tickets[5]['number'].lower()}")
    assert status == 200 and found["place"] == 5 and found["ticket"]["id"] == tickets[5]["id"]
    assert found["total"] == 8
    status, missing = clerk.get("/windows/4/queue?number=" + tickets[5]["number"])
    assert status == 404 and missing["error"] == "ticket_not_found", "window 4 does not serve A01"
    assert clerk.get("/windows/3/queue?number=Z999")[0] == 404


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "limit=-1", "after=x",
                                   "after=1-2-3", "after=9-9-99999999999999999999-1"])
def test_bad_paging_is_refused_plainly(hall_app, query) -> None:   # noqa: F811
    status, reply = login(hall_app, "clerk2").get(f"/windows/3/queue?{query}")
    assert status == 422 and reply["error"] == "bad_field" and " / " in reply["message"]


def test_the_default_reply_stays_small_however_many_wait(hall_app) -> None:   # noqa: F811
    issue(hall_app, "A01", 120)
    response = login(hall_app, "clerk2").client.get(
        "/api/v1/windows/3/queue", headers={"Authorization": f"Bearer {login(hall_app, 'clerk2').token}"})
    assert response.status_code == 200 and response.get_json()["total"] == 120
    assert len(response.get_data()) <= 50_000
