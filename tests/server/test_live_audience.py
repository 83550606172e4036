"""Who hears what on the live channel: every kind of token against every message it receives.
A ticket's tracking token (a QR code on a paper slip anyone may pick up) hears its own ticket
and its own item's queue figures, nothing else, and only on its business day; alerts go only
to supervisors and admins, as GET /alerts does."""

from __future__ import annotations

import json

import pytest

from server import accounts
from server.app import create_app, socketio
from tests.conftest import FakeClock, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, login

SUPERVISION = {"wait_minutes": [30, 60], "handling_minutes": [30, 60], "queue_length": [15, 30],
               "paused_minutes": [10, 20], "empty_window_minutes": [5, 15], "device_offline_minutes": [2, 10]}
CLERK_NAME, STAFF_NO = "窗口员-王芳", "G7788"


@pytest.fixture
def hall(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(supervision=SUPERVISION)), encoding="utf-8")
    clock = FakeClock()
    app = create_app(tmp_path / "var", config, clock=clock, start_clockwork=False)
    core = app.extensions["jiaohao"]
    accounts.add_user(core.database, core.service.hall_id, "clerk3", "clerk", PASSWORD, CLERK_NAME, STAFF_NO)
    for name, role in (("boss", "supervisor"), ("root", "admin"), ("clerk4", "clerk")):
        accounts.add_user(core.database, core.service.hall_id, name, role, PASSWORD, name, None)
    app.devices = {kind: accounts.add_device(core.database, core.service.hall_id, f"{kind}-1", kind,
                                             3 if kind == "window" else None).token
                   for kind in ("kiosk", "display", "window")}
    app.clock, app.core = clock, core
    yield app
    core.data.close()


def track_token(issued: dict) -> str:
    return issued["track_url"].rsplit("/", 1)[1]


def a_busy_morning(app, kiosk: Api, clerk: Api) -> None:
    """Other citizens' tickets, calls, a transfer, a pause, a 差评 and the alert it raises."""
    screen = Api(app, app.devices["window"])
    for code in ("A01", "A02", "A01"):
        assert kiosk.post("/tickets", {"service": code})[0] == 201
    called = clerk.post("/windows/3/call-next")[1]["ticket"]
    clerk.post(f"/tickets/{called['id']}/start")
    clerk.post(f"/tickets/{called['id']}/finish")
    assert screen.post(f"/tickets/{called['id']}/evaluation", {"rating": 1})[0] == 200
    app.core.supervision.evaluate()
    clerk.post("/windows/3/pause", {"reason": "临时离开"})
    app.clock.advance(minutes=6)
    app.core.supervision.evaluate()


def test_every_token_hears_only_what_it_may(hall) -> None:
    kiosk = Api(hall, hall.devices["kiosk"])
    mine = kiosk.post("/tickets", {"service": "A01"})[1]
    clerk = login(hall, "clerk3")
    assert clerk.post("/windows/3/sign-in")[0] == 200
    listeners = {kind: socketio.test_client(hall, auth={"token": token}) for kind, token in hall.devices.items()}
    for name in ("clerk4", "boss", "root"):
        listeners[name] = socketio.test_client(hall, auth={"token": login(hall, name).token})
    listeners["phone"] = socketio.test_client(hall, auth={"token": track_token(mine)})
    assert all(client.is_connected() for client in listeners.values())
    a_busy_morning(hall, kiosk, clerk)
    heard = {kind: client.get_received() for kind, client in listeners.items()}

    for kind in ("boss", "root"):
        assert "alert_raised" in [m["name"] for m in heard[kind]], kind
    for kind in ("kiosk", "display", "window", "clerk4"):
        names = {m["name"] for m in heard[kind]}
        assert "ticket_called" in names and not names & {"alert_raised", "alert_cleared"}, (kind, names)

    phone = heard["phone"]
    assert phone, "the phone hears its own ticket"
    for message in phone:
        name, payload = message["name"], message["args"][0]
        assert name in ("hall_snapshot", "ticket_issued", "ticket_called", "ticket_changed",
                        "queue_changed"), name
        if "ticket" in payload:
            assert payload["ticket"]["id"] == mine["id"], payload
        if name == "queue_changed":
            assert [s["code"] for s in payload["services"]] == ["A01"]
        if name == "hall_snapshot":
            assert payload["windows"] == [] and [s["code"] for s in payload["services"]] == ["A01"]
            assert all(c["ticket_id"] == mine["id"] for c in payload["recent_calls"])
        text = json.dumps(payload, ensure_ascii=False)
        assert CLERK_NAME not in text and STAFF_NO not in text and "临时离开" not in text
    assert any(m["name"] == "ticket_called" for m in phone), "its own call reaches the phone"
    assert any(m["name"] == "queue_changed" for m in phone), "its item's figures reach the phone"

    for since in (0, 1):   # a resync replays only the phone's own part too
        answer = listeners["phone"].emit("resync", {"since": since}, callback=True)
        assert answer["ok"]
        for message in listeners["phone"].get_received():
            payload = message["args"][0]
            assert message["name"] not in ("window_changed", "alert_raised", "appointment_changed")
            assert payload.get("ticket", {"id": mine["id"]})["id"] == mine["id"]
    for client in listeners.values():
        client.disconnect()


def test_a_tracking_token_is_refused_after_its_business_day(hall) -> None:
    kiosk = Api(hall, hall.devices["kiosk"])
    token = track_token(kiosk.post("/tickets", {"service": "A01"})[1])
    phone = socketio.test_client(hall, auth={"token": token})
    assert phone.is_connected()
    hall.clock.advance(days=1)
    hall.core.clockwork.tick()
    assert not phone.is_connected(), "the day rollover ends the phone's live channel"
    late = socketio.test_client(hall, auth={"token": token})
    assert not late.is_connected(), "a ticket of an earlier day opens no live channel"
    assert hall.test_client().get(f"/api/v1/track/{token}").status_code == 410


def test_a_tracking_token_after_its_business_day_gets_410_on_every_rest_route(hall) -> None:
    """The ticket routes a tracking token may use as a Bearer token answer as the phone's own
    track route does: its ticket, that day; afterwards 410 expired, bilingual, nothing read."""
    kiosk = Api(hall, hall.devices["kiosk"])
    issued = kiosk.post("/tickets", {"service": "A01"})[1]
    phone = Api(hall, track_token(issued))
    assert phone.get(f"/tickets/{issued['id']}")[0] == 200, "its own ticket, on its day"
    assert phone.get(f"/tickets/{issued['id'] + 1}")[0] == 403, "never another ticket"
    hall.clock.advance(days=1)
    for status, reply in (phone.get(f"/tickets/{issued['id']}"),
                          phone.post(f"/tickets/{issued['id']}/evaluation", {"rating": 5})):
        assert status == 410 and reply["error"] == "expired", reply
        assert "过期" in reply["message"] and "expired" in reply["message"] and issued["number"] not in str(reply)
    hall.core.service.expire_past_days()
    assert phone.get(f"/tickets/{issued['id']}")[0] == 410, "still refused once the day rolled over"
    assert kiosk.get(f"/tickets/{issued['id']}")[0] == 200, "devices and staff still read it"


def queue_codes(received: list[dict]) -> list[list[str]]:
    return [[s["code"] for s in m["args"][0]["services"]] for m in received if m["name"] == "queue_changed"]


def test_a_phone_follows_its_ticket_to_the_item_it_is_transferred_to(hall) -> None:
    kiosk = Api(hall, hall.devices["kiosk"])
    mine = kiosk.post("/tickets", {"service": "A01"})[1]
    phone = socketio.test_client(hall, auth={"token": track_token(mine)})
    other = socketio.test_client(hall, auth={"token": track_token(kiosk.post("/tickets", {"service": "C01"})[1])})
    clerk = login(hall, "clerk3")
    assert clerk.post("/windows/3/sign-in")[0] == 200
    assert clerk.post("/windows/3/call-next")[1]["ticket"]["id"] == mine["id"]
    phone.get_received()
    assert kiosk.post("/tickets", {"service": "C01"})[0] == 201
    assert queue_codes(phone.get_received()) == []   # another item's queue: not its business

    assert clerk.post(f"/tickets/{mine['id']}/transfer", {"service": "C01"})[0] == 200
    moved = phone.get_received()
    assert [m["args"][0]["ticket"]["service"] for m in moved if m["name"] == "ticket_changed"] == ["C01"]
    other.get_received()
    assert kiosk.post("/tickets", {"service": "C01"})[0] == 201
    assert kiosk.post("/tickets", {"service": "A01"})[0] == 201
    assert queue_codes(phone.get_received()) == [["C01"]]   # its new item, and only that
    assert [m["name"] for m in other.get_received()] == ["queue_changed"]   # C01's, not A01's
    phone.disconnect()
    other.disconnect()


def test_the_phones_of_each_item_room_are_counted_as_they_come_move_and_go(hall) -> None:
    """An item's figures are built only for a room with a phone in it: the count follows
    connects, a transfer and disconnects, and the phone left alone in a room still hears."""
    live, kiosk = hall.core.live, Api(hall, hall.devices["kiosk"])
    first, second = (kiosk.post("/tickets", {"service": "A01"})[1] for _ in range(2))
    phones = [socketio.test_client(hall, auth={"token": track_token(t)}) for t in (first, second)]
    assert live.item_phones == {"A01": 2}
    clerk = login(hall, "clerk3")
    assert clerk.post("/windows/3/sign-in")[0] == 200
    assert clerk.post("/windows/3/call-next")[1]["ticket"]["id"] == first["id"]
    assert clerk.post(f"/tickets/{first['id']}/transfer", {"service": "C01"})[0] == 200
    assert live.item_phones == {"A01": 1, "C01": 1}
    phones[0].disconnect()
    assert live.item_phones == {"A01": 1}
    phones[1].get_received()
    assert kiosk.post("/tickets", {"service": "A01"})[0] == 201
    assert queue_codes(phones[1].get_received()) == [["A01"]]
    phones[1].disconnect()
    assert live.item_phones == {}


def test_everyone_asking_for_the_same_hall_shares_one_snapshot(hall) -> None:
    from concurrent.futures import ThreadPoolExecutor
    live = hall.core.live

    def ask(_) -> dict:
        with hall.core.database.checked_out():
            return live.snapshot_payload()
    with ThreadPoolExecutor(8) as pool:
        asked = list(pool.map(ask, range(32)))
    assert all(payload is asked[0] for payload in asked), "built once for every one who asked"
    kiosk = Api(hall, hall.devices["kiosk"])
    assert kiosk.post("/tickets", {"service": "A01"})[0] == 201
    after = ask(0)
    assert after is not asked[0] and after["seq"] == asked[0]["seq"] + 1
    assert sum(s["waiting"] for s in after["services"]) == sum(s["waiting"] for s in asked[0]["services"]) + 1
