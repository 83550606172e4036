"""远程取号 through the REST API: taking a ticket for today (per-mobile, per-ID and share limits),
its holder's view with an honest estimate, activation at the kiosk and by the entrance QR code,
the lapse of a ticket not activated in time, and the figures in the report."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hall.identity import check_character
from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, login

YOUNG = "110105" + "19900307" + "123"
YOUNG += check_character(YOUNG)
OLD = "320102" + "19400101" + "456"
OLD += check_character(OLD)

REMOTE = {"enabled": True, "daily_share": 0.5, "daily_tickets": 3, "activate_minutes": 30,
          "max_per_mobile_per_day": 2}


@pytest.fixture
def remote_app(tmp_path, seeded):
    document = small_hall_document(remote=REMOTE, identity={"tickets_per_person_per_item": 1,
                                                            "green_channel": ["老年人"]})
    document["services"][0]["identity"] = "required"   # A01
    document["services"][1]["identity"] = "optional"   # A02
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    clock = FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc))   # 09:00 in the hall
    app = create_app(seeded(tmp_path / "var", path), path, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    add_user(hall.database, hall.service.hall_id, "boss", "supervisor", PASSWORD, "boss", "S1")
    app.clock = clock
    app.tokens = {"kiosk": accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token}
    yield app
    hall.data.close()


@pytest.fixture
def public(remote_app) -> Api:
    return Api(remote_app)


@pytest.fixture
def kiosk(remote_app) -> Api:
    return Api(remote_app, remote_app.tokens["kiosk"])


def take(public: Api, service: str = "C01", mobile: str = "13800138000", **more):
    return public.post("/remote-tickets", {"service": service, "mobile": mobile, **more})


def test_the_items_offered_today_with_places_and_an_honest_wait(public) -> None:
    status, reply = public.get("/remote-tickets/services")
    assert status == 200 and reply["enabled"]
    by_code = {s["code"]: s for s in reply["services"]}
    assert by_code["B01"]["places_left"] == 1        # half of a daily cap of 3, rounded down
    assert by_code["C01"]["places_left"] == 3        # no cap: daily_tickets
    c01 = by_code["C01"]
    # nobody is signed in at a window: the estimate says it cannot be trusted
    assert c01["uncertain"] is True and c01["estimated_wait"]["uncertain"] is True
    assert "暂无窗口" in c01["wait_text"] and "No window" in c01["wait_text_en"]
    assert "仅供参考" in c01["wait_text"] and "only a guide" in c01["wait_text_en"]


def test_take_then_activate_at_the_kiosk(public, kiosk, remote_app) -> None:
    status, remote = take(public)
    assert status == 201, remote
    assert remote["state"] == "taken" and len(remote["code"]) == 8
    assert remote["mobile"] == "138****8000" and remote["deadline_local"] == "09:30"
    assert "ticket_number" not in remote
    # not in the queue yet: the hall's item has nobody waiting
    assert public.get(f"/remote-tickets/{remote['code']}")[1]["waiting"] == 0
    status, issued = kiosk.post("/remote-tickets/activate", {"code": remote["code"].lower()})
    assert status == 201, issued
    assert issued["ticket"]["number"] == "C001" and issued["remote"]["state"] == "activated"
    assert issued["remote"]["activated_via"] == "kiosk"
    again = kiosk.post("/remote-tickets/activate", {"code": remote["code"]})
    assert again[0] == 409 and again[1]["error"] == "remote_already_activated"
    assert " / " in again[1]["message"]


def test_activate_with_the_entrance_token(public, remote_app) -> None:
    boss = login(remote_app, "boss")
    status, entrance = boss.get("/remote-tickets/entrance")
    assert status == 200
    token = entrance["url"].rsplit("/", 1)[1]
    _, remote = take(public)
    wrong = public.post(f"/remote-tickets/{remote['code']}/activate", {"entrance_token": "x" * 24})
    assert wrong[0] == 403 and wrong[1]["error"] == "bad_entrance_token"
    status, done = public.post(f"/remote-tickets/{remote['code']}/activate", {"entrance_token": token})
    assert status == 201, done
    assert done["state"] == "activated" and done["activated_via"] == "entrance"
    assert done["ticket_number"] == "C001" and done["track_token"]


def test_a_ticket_not_activated_in_time_lapses_and_is_counted(public, kiosk, remote_app) -> None:
    _, remote = take(public)
    _, kept = take(public, mobile="13900139000")
    remote_app.clock.advance(minutes=31)
    late = kiosk.post("/remote-tickets/activate", {"code": remote["code"]})
    assert late[0] == 409 and late[1]["error"] == "remote_lapsed"
    assert public.get(f"/remote-tickets/{kept['code']}")[1]["state"] == "lapsed"
    boss = login(remote_app, "boss")
    status, report = boss.get("/reports?from=2026-11-26&to=2026-11-26")
    assert status == 200, report
    assert report["remote_tickets"]["taken"] == 2 and report["remote_tickets"]["lapsed"] == 2
    assert report["remote_tickets"]["by_item"]["C01"] == {"taken": 2, "activated": 0, "lapsed": 2}


def test_limits_per_mobile_share_and_person(public) -> None:
    assert take(public)[0] == 201
    assert take(public, service="A02")[0] == 201
    third = take(public, service="B01")
    assert third[0] == 409 and third[1]["error"] == "remote_limit_per_mobile"
    assert take(public, service="B01", mobile="13900139001")[0] == 201
    full = take(public, service="B01", mobile="13900139002")
    assert full[0] == 409 and full[1]["error"] == "remote_full" and "现场" in full[1]["message"]
    # A01 asks for the ID card
    missing = take(public, service="A01", mobile="13700137000")
    assert missing[0] == 422 and missing[1]["error"] == "id_required"
    bad = take(public, service="A01", mobile="13700137000", id_number=YOUNG[:-1] + "0" if YOUNG[-1] != "0" else "1")
    assert bad[0] == 422 and bad[1]["error"] == "bad_id_number"
    first = take(public, service="A01", mobile="13700137000", id_number=YOUNG)
    assert first[0] == 201 and first[1]["id_number_masked"] == "110***********" + YOUNG[-4:]
    scalped = take(public, service="A01", mobile="13700137001", id_number=YOUNG)
    assert scalped[0] == 409 and scalped[1]["error"] == "person_limit_reached"


def test_the_person_limit_counts_a_remote_ticket_at_the_kiosk_too(public, kiosk, remote_app) -> None:
    status, remote = take(public, service="A01", id_number=OLD)
    assert status == 201
    refused = kiosk.post("/tickets", {"service": "A01", "id_number": OLD})
    assert refused[0] == 409 and refused[1]["error"] == "person_limit_reached"
    status, issued = kiosk.post("/remote-tickets/activate", {"code": remote["code"]})
    assert status == 201
    assert issued["ticket"]["priority"] == "green"          # 老年人 from the ID number
    still = kiosk.post("/tickets", {"service": "A01", "id_number": OLD})
    assert still[0] == 409 and still[1]["error"] == "person_limit_reached"
    boss = login(remote_app, "boss")
    report = boss.get("/reports?from=2026-11-26&to=2026-11-26")[1]
    assert report["person_limit_refusals"]["by_item"] == {"A01": 2}


def test_walk_ins_leave_the_capped_places_remote_tickets_hold(public, kiosk) -> None:
    _, remote = take(public, service="B01")             # B01: a daily cap of 3, one remote place
    walk_ins = [kiosk.post("/tickets", {"service": "B01"}) for _ in range(3)]
    assert [status for status, _ in walk_ins] == [201, 201, 409]
    assert walk_ins[2][1]["error"] == "daily_cap_reached"
    status, issued = kiosk.post("/remote-tickets/activate", {"code": remote["code"]})
    assert status == 201, issued                         # its place was kept for it
    assert issued["ticket"]["number"] == "B003"
    after = kiosk.post("/tickets", {"service": "B01"})
    assert after[0] == 409 and after[1]["error"] == "daily_cap_reached"


@pytest.mark.parametrize("payload, code", [
    ({"service": "C01"}, "missing_field"), ({"service": "C01", "mobile": "123"}, "bad_mobile"),
    ({"service": "ZZ9", "mobile": "13800138000"}, "unknown_service"),
    ({"service": "C01", "mobile": 13800138000}, "bad_field")])
def test_bad_input_is_a_bilingual_4xx(public, payload, code) -> None:
    status, reply = public.post("/remote-tickets", payload)
    assert 400 <= status < 500 and reply["error"] == code, reply
    assert reply["message"]


def test_an_unknown_code_is_a_404(public, kiosk) -> None:
    assert public.get("/remote-tickets/ZZZZZZZZ")[0] == 404
    assert kiosk.post("/remote-tickets/activate", {"code": "ZZZZZZZZ"})[1]["error"] == "remote_not_found"


def item_view(api: Api, code: str) -> dict:
    status, snapshot = api.get("/hall")
    assert status == 200, snapshot
    return next(view for view in snapshot["services"] if view["code"] == code)


def test_the_item_view_and_the_refusal_agree_when_remote_tickets_hold_the_last_places(public, kiosk) -> None:
    """One rule for "can a walk-in still take this item": the kiosk's list says what issuing would."""
    take(public, service="B01")                          # B01: a daily cap of 3, one remote place
    assert item_view(kiosk, "B01")["open"] and item_view(kiosk, "B01")["held_for_remote"] == 1
    assert [kiosk.post("/tickets", {"service": "B01"})[0] for _ in range(2)] == [201, 201]
    shown = item_view(kiosk, "B01")
    assert not shown["open"] and shown["held_for_remote"] == 1
    status, refused = kiosk.post("/tickets", {"service": "B01"})
    assert status == 409
    assert (refused["error"], refused["message"]) == (shown["closed_reason"], shown["closed_message"])
    assert "余号已留给远程取号" in refused["message"] and "held for remote tickets" in refused["message"]
    assert item_view(kiosk, "C01")["held_for_remote"] == 0    # no cap: nothing is kept from walk-ins


def test_a_lapsed_remote_ticket_opens_the_item_again(public, kiosk, remote_app) -> None:
    _, remote = take(public, service="B01")
    for _ in range(2):
        kiosk.post("/tickets", {"service": "B01"})
    assert not item_view(kiosk, "B01")["open"]
    remote_app.clock.advance(minutes=31)
    assert public.get(f"/remote-tickets/{remote['code']}")[1]["state"] == "lapsed"
    shown = item_view(kiosk, "B01")
    assert shown["open"] and shown["held_for_remote"] == 0
    assert kiosk.post("/tickets", {"service": "B01"})[0] == 201
    shown = item_view(kiosk, "B01")
    assert not shown["open"] and "远程" not in shown["closed_message"]   # simply all issued now


def test_the_live_item_view_closes_with_the_walk_in_that_takes_the_last_free_place(public, kiosk, remote_app) -> None:
    from server.app import socketio as server_socketio
    from tests.server.test_live import received_by

    take(public, service="B01")
    listener = server_socketio.test_client(remote_app, auth={"token": remote_app.tokens["kiosk"]})
    received_by(listener, remote_app)
    kiosk.post("/tickets", {"service": "B01"})
    kiosk.post("/tickets", {"service": "B01"})
    changes = [m["args"][0] for m in received_by(listener, remote_app) if m["name"] == "queue_changed"]
    views = [next(v for v in change["services"] if v["code"] == "B01") for change in changes]
    assert [view["open"] for view in views] == [True, False]
    assert views[-1]["held_for_remote"] == 1 and views[-1]["closed_reason"] == "daily_cap_reached"
    listener.disconnect()
