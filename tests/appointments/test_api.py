"""The appointment routes through Flask's test client: capacity under concurrency, limits,
cancel and move, check-in inside, before and after the grace, and the OpenAPI document."""

from __future__ import annotations

import threading


from hall.tickets import Priority
from tests.appointments.conftest import DAY
from tests.server.test_api import Api, login


def book(api: Api, mobile: str, start: str = "09:00", service: str = "A01", day: str = DAY, **extra):
    # each mobile number is a citizen on their own phone, so on their own address
    api.client.environ_base["REMOTE_ADDR"] = f"10.2.{int(mobile[-4:]) // 256 % 256}.{int(mobile[-4:]) % 256}" \
        if mobile[-4:].isdigit() else "10.2.0.1"
    return api.post("/appointments", {"service": service, "date": day, "start": start, "mobile": mobile} | extra)


def mobile(n: int) -> str:
    return f"139{n:08d}"


def free_places(api: Api, start: str, service: str = "A01") -> int:
    status, reply = api.get(f"/appointments/slots?service={service}&date={DAY}")
    assert status == 200, reply
    return next(s["free"] for s in reply["slots"] if s["start"] == start)


def test_fifty_concurrent_bookings_fill_three_places_exactly(appt_app) -> None:
    results: list[tuple[int, dict]] = []
    gate = threading.Barrier(50)

    def one(n: int) -> None:
        api = Api(appt_app)
        gate.wait()
        results.append(book(api, mobile(n)))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 3 + [409] * 47
    assert {reply["error"] for status, reply in results if status == 409} == {"slot_full"}
    assert all("约满" in reply["message"] for status, reply in results if status == 409)
    assert free_places(Api(appt_app), "09:00") == 0


def test_a_booking_gives_a_code_a_masked_mobile_and_a_manage_link(public) -> None:
    status, booked = book(public, "13800138000", name="张三")
    assert status == 201, booked
    assert len(booked["code"]) == 8 and booked["mobile"] == "138****8000" and booked["name"] == "张*"
    assert booked["manage_url"].endswith("/book/m/" + booked["manage_token"])
    assert len(booked["manage_token"]) >= 32         # 192 bits, URL-safe
    status, seen = public.get("/appointments/manage/" + booked["manage_token"])
    assert status == 200 and seen["code"] == booked["code"] and "13800138000" not in str(seen)
    assert "manage_token" not in seen, "the token is given once, at booking"


def test_a_cancelled_booking_frees_its_place(public) -> None:
    tokens = [book(public, mobile(n))[1]["manage_token"] for n in range(3)]
    assert book(public, mobile(9))[1]["error"] == "slot_full"
    status, cancelled = public.call("DELETE", "/appointments/manage/" + tokens[0])
    assert status == 200 and cancelled["state"] == "cancelled"
    assert free_places(public, "09:00") == 1
    assert book(public, mobile(9))[0] == 201
    assert public.call("DELETE", "/appointments/manage/" + tokens[0])[1]["error"] == "not_booked"


def test_moving_takes_the_new_place_and_frees_the_old(public) -> None:
    token = book(public, mobile(1))[1]["manage_token"]
    status, moved = public.call("PUT", "/appointments/manage/" + token, {"date": DAY, "start": "10:00"})
    assert status == 200 and (moved["start"], moved["end"]) == ("10:00", "10:30")
    assert free_places(public, "09:00") == 3 and free_places(public, "10:00") == 2
    for n in (2, 3):
        book(public, mobile(n), start="10:30")
    for n in (4, 5, 6):
        book(public, mobile(n), start="11:00")
    status, refused = public.call("PUT", "/appointments/manage/" + token, {"date": DAY, "start": "11:00"})
    assert (status, refused["error"]) == (409, "slot_full")


def test_limits_per_mobile_number(public) -> None:
    assert book(public, "13800138000", start="09:00", service="A01")[0] == 201
    status, refused = book(public, "13800138000", start="09:30", service="A01")
    assert (status, refused["error"]) == (409, "limit_per_item")
    assert book(public, "13800138000", start="09:30", service="A02")[0] == 201
    status, refused = book(public, "13800138000", start="10:00", service="C01")
    assert (status, refused["error"]) == (409, "limit_per_day")
    assert book(public, "13800138000", day="2026-11-27", service="C01")[0] == 201, "another day"


def test_bookings_per_mobile_are_rate_limited(appt_app, public) -> None:
    statuses = [book(public, "13800138000", start=start, day=f"2026-11-{day}")[0]
                for day in (26, 27, 28) for start in ("09:00", "09:30")]
    assert statuses[-1] == 429, statuses


def test_bad_fields_are_422(public) -> None:
    assert book(public, "12345")[1]["error"] == "bad_mobile"
    assert book(public, mobile(1), start="09:10")[0] == 422
    assert book(public, mobile(1), day="next week")[0] == 422
    assert public.post("/appointments", {"service": "A01"})[1]["error"] == "missing_field"
    assert book(public, mobile(1), service="ZZ")[0] == 404


def test_the_desk_books_without_a_mobile(appt_app) -> None:
    desk = login(appt_app, "desk")
    status, booked = desk.post("/appointments", {"service": "A01", "date": DAY, "start": "09:00",
                                                 "name": "李四"})
    assert status == 201 and booked["mobile"] == "desk"


def checked_in(kiosk: Api, code: str, **extra):
    return kiosk.post("/appointments/check-in", {"code": code} | extra)


def test_check_in_on_time_issues_an_appointment_ticket(appt_app, public, kiosk) -> None:
    code = book(public, mobile(1))[1]["code"]
    appt_app.clock.advance(minutes=50)          # 08:50: inside the 15-minute early grace
    status, reply = checked_in(kiosk, code.lower()[:4] + "-" + code.lower()[4:])
    assert status == 201, reply
    assert reply["outcome"] == "on_time" and reply["number"].startswith("Y")
    assert reply["ticket"]["priority"] == Priority.APPOINTMENT.value and reply["track_url"]
    assert reply["booking"]["state"] == "checked_in"
    assert checked_in(kiosk, code)[1]["error"] == "not_booked", "a code is used once"


def test_check_in_too_early_says_when_to_come_back(appt_app, public, kiosk) -> None:
    code = book(public, mobile(1))[1]["code"]
    appt_app.clock.advance(minutes=30)          # 08:30
    status, reply = checked_in(kiosk, code)
    assert (status, reply["error"]) == (409, "too_early")
    assert reply["come_back_at"].startswith("2026-11-26T08:45") and "08:45" in reply["message"]
    tomorrow = book(public, mobile(2), day="2026-11-27")[1]["code"]
    assert "2026-11-27 08:45" in checked_in(kiosk, tomorrow)[1]["message"]


def test_check_in_too_late_offers_a_normal_ticket(appt_app, public, kiosk) -> None:
    code = book(public, mobile(1))[1]["code"]
    appt_app.clock.advance(hours=1, minutes=41)  # 09:41: past 09:30 + 10 minutes
    status, reply = checked_in(kiosk, code)
    assert (status, reply["error"], reply["normal_ticket"]) == (409, "too_late", True)
    status, reply = checked_in(kiosk, code, accept_normal_ticket=True)
    assert status == 201 and reply["outcome"] == "too_late" and reply["number"].startswith("A")


def test_check_in_needs_a_kiosk_or_staff(public) -> None:
    assert public.post("/appointments/check-in", {"code": "ABCDEFGH"})[0] == 401
    assert checked_in(public, "ABCDEFGH", token="nonsense")[0] == 401


def test_unchecked_bookings_become_no_shows_and_figures_count_them(appt_app, public, kiosk) -> None:
    hall = appt_app.extensions["jiaohao"]
    on_time = book(public, mobile(1))[1]["code"]
    book(public, mobile(2))
    appt_app.clock.advance(hours=1)
    checked_in(kiosk, on_time)
    appt_app.clock.advance(minutes=39)          # 09:39: still inside the late grace
    assert hall.appointments.mark_no_shows() == 0
    appt_app.clock.advance(minutes=2)
    assert hall.appointments.mark_no_shows() == 1
    day = hall.service.today()
    assert hall.appointments.figures(day, day) == {"booked": 2, "checked_in": 1, "on_time": 1,
                                                   "no_show": 1, "cancelled": 0}


def test_every_appointment_route_is_in_the_openapi_document(appt_app) -> None:
    paths = appt_app.test_client().get("/api/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/appointments/manage/{token}"]) == {"get", "put", "delete"}
    assert "security" not in paths["/api/v1/appointments"]["post"]
    assert "security" in paths["/api/v1/appointments/check-in"]["post"]


def test_the_clock_moving_past_the_day_keeps_slots_in_the_future(appt_app, public) -> None:
    appt_app.clock.advance(hours=3, minutes=1)   # 11:01: the 11:00 slot is still running
    status, reply = public.get(f"/appointments/slots?service=A01&date={DAY}")
    assert [s["start"] for s in reply["slots"]][:2] == ["11:00", "11:30"]
    assert book(public, mobile(1), start="10:00")[1]["error"] == "slot_past"



def test_the_report_counts_appointments(appt_app, public, kiosk) -> None:
    on_time = book(public, mobile(1))[1]["code"]
    book(public, mobile(2))
    token = book(public, mobile(3))[1]["manage_token"]
    public.call("DELETE", "/appointments/manage/" + token)
    appt_app.clock.advance(hours=1)
    checked_in(kiosk, on_time)
    appt_app.clock.advance(hours=1)              # 10:00: the 09:00 slot and its grace are over
    boss = login(appt_app, "boss")
    status, report = boss.get(f"/reports?from={DAY}&to={DAY}")
    assert status == 200, report
    assert report["appointments"] == {"booked": 2, "checked_in": 1, "on_time": 1, "no_show": 1, "cancelled": 1}
    csv_text = boss.client.get(f"/api/v1/reports/export.csv?from={DAY}&to={DAY}",
                               headers={"Authorization": f"Bearer {boss.token}"}).data.decode("utf-8-sig")
    assert "爽约 No-show,1" in csv_text


def test_an_admin_changes_the_slots_and_a_mistake_names_the_key(appt_app, public) -> None:
    root = login(appt_app, "root")
    status, reply = root.call("PUT", "/admin/setup/appointments", {"capacity": 5})
    assert status == 200, reply
    assert free_places(public, "09:00") == 5
    status, refused = root.call("PUT", "/admin/setup/appointments", {"slot_minutes": 1})
    assert status == 422 and "appointments.slot_minutes" in refused["message"]


def slot_starts(api: Api, service: str) -> list[str]:
    status, reply = api.get(f"/appointments/slots?service={service}&date={DAY}")
    assert status == 200, reply
    return [slot["start"] for slot in reply["slots"]]


def test_an_item_gets_its_own_slots_from_the_admin_api(appt_app, public) -> None:
    root = login(appt_app, "root")
    own = {"slot_minutes": 60, "capacity": 1, "hours": "14:00-16:00"}
    status, reply = root.call("PUT", "/admin/appointments/items/A02", own)
    assert status == 200, reply
    assert reply["document"]["appointments"]["items"] == {"A02": own}
    assert slot_starts(public, "A02") == ["14:00", "15:00"]
    assert free_places(public, "14:00", "A02") == 1
    # the other items keep the hall-wide slots
    assert slot_starts(public, "A01")[:2] == ["09:00", "09:30"] and free_places(public, "09:00") == 3
    # a key left out follows the hall-wide value; changing that value reaches the item
    assert root.call("PUT", "/admin/setup/appointments", {"days_ahead": 3})[0] == 200
    status, listed = public.get("/appointments/services")
    days = next(item["days"] for item in listed["services"] if item["code"] == "A02")
    assert days and max(days) <= "2026-11-29", days
    status, audit = root.get("/admin/audit")
    assert status == 200 and any(row["action"] == "appointments.item" for row in audit["entries"]), audit

    status, back = root.call("DELETE", "/admin/appointments/items/A02")
    assert status == 200 and "items" not in back["document"]["appointments"]
    assert slot_starts(public, "A02")[:2] == ["09:00", "09:30"]


def test_an_items_own_slots_are_refused_with_the_key_named(appt_app, public) -> None:
    root = login(appt_app, "root")
    status, reply = root.call("PUT", "/admin/appointments/items/A02", {"capacity": 0})
    assert status == 422 and reply["field"] == "capacity", reply
    assert "appointments.items.A02.capacity" in reply["message"]
    status, reply = root.call("PUT", "/admin/appointments/items/A02", {"hours": "16:00-14:00"})
    assert status == 422 and reply["field"] == "hours", reply
    status, reply = root.call("PUT", "/admin/appointments/items/A02", {"colour": "red"})
    assert status == 422 and "colour" in reply["message"], reply
    assert root.call("PUT", "/admin/appointments/items/NOPE", {"capacity": 2})[0] == 404
    assert root.call("DELETE", "/admin/appointments/items/A02")[0] == 404
    assert login(appt_app, "boss").call("PUT", "/admin/appointments/items/A02", {"capacity": 2})[0] == 403
    assert free_places(public, "09:00", "A02") == 3           # nothing changed


def test_removing_an_item_forgets_its_appointment_rules(appt_app) -> None:
    root = login(appt_app, "root")
    assert root.call("PUT", "/admin/appointments/items/A02", {"capacity": 1})[0] == 200
    assert root.call("PUT", "/admin/setup/appointments", {"services": ["A01", "A02"]})[0] == 200
    status, reply = root.call("DELETE", "/admin/services/A02")
    assert status == 200, reply
    booking = reply["document"]["appointments"]
    assert "items" not in booking and booking["services"] == ["A01"]
    # the last bookable item cannot go silently: an empty list would open every item
    status, reply = root.call("DELETE", "/admin/services/A01")
    assert status == 422 and "only bookable item" in reply["message"], reply


def test_the_dashboard_shows_todays_bookings_slot_by_slot(appt_app, public, kiosk) -> None:
    hall = appt_app.extensions["jiaohao"]
    boss = login(appt_app, "boss")
    early = book(public, mobile(1))[1]["code"]
    book(public, mobile(2))
    book(public, mobile(3), start="09:30")
    cancelled = book(public, mobile(4), start="09:30")[1]
    assert public.call("DELETE", f"/appointments/manage/{cancelled['manage_token']}")[0] == 200
    book(public, mobile(5), start="09:00", day="2026-11-27")          # tomorrow: not today's
    status, board = boss.get("/supervision")
    assert status == 200 and board["appointments"]["enabled"] is True
    assert board["appointments"]["today"] == {"booked": 3, "checked_in": 0, "on_time": 0,
                                              "no_show": 0, "cancelled": 1}
    rows = {(r["service"], r["start"]): r for r in board["appointments"]["slots"]}
    assert set(rows) == {("A01", "09:00"), ("A01", "09:30")}
    assert rows["A01", "09:00"]["booked"] == 2 and rows["A01", "09:00"]["phase"] == "coming"
    assert rows["A01", "09:30"]["cancelled"] == 1 and rows["A01", "09:00"]["department"] == "SCJG"

    appt_app.clock.advance(hours=1)                  # 09:00 in the hall
    checked_in(kiosk, early)
    appt_app.clock.advance(minutes=41)               # 09:41: the 09:00 slot's late grace is over
    assert hall.appointments.mark_no_shows() == 1
    rows = {(r["service"], r["start"]): r for r in boss.get("/supervision")[1]["appointments"]["slots"]}
    assert (rows["A01", "09:00"]["checked_in"], rows["A01", "09:00"]["on_time"],
            rows["A01", "09:00"]["no_show"], rows["A01", "09:00"]["booked"]) == (1, 1, 1, 0)
    assert rows["A01", "09:00"]["phase"] == "over" and rows["A01", "09:30"]["phase"] == "now"


def test_one_address_cannot_sweep_a_slot_and_the_supervisor_sees_it(appt_app) -> None:
    """Invented mobile numbers from one address: refused after two places of one slot and after
    ten bookings in all; the refusals show on the supervisor's dashboard; others still book."""
    sweeper = Api(appt_app)
    sweeper.client.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    statuses = [sweeper.post("/appointments", {"service": "A01", "date": DAY, "start": "09:00",
                                               "mobile": f"1370000{n:04d}"})[0] for n in range(3)]
    assert statuses == [201, 201, 429]
    starts = ["09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30", "15:00", "15:30"]
    statuses = [sweeper.post("/appointments", {"service": "A02", "date": DAY, "start": start,
                                               "mobile": f"1371111{n:04d}"})[0] for n, start in enumerate(starts)]
    # ten tries in all from one address (the refused one counts), then one a half minute
    assert statuses == [201] * 7 + [429] * 2, statuses
    assert book(Api(appt_app), mobile(7))[0] == 201, "another citizen still books the last place"
    dashboard = login(appt_app, "boss").get("/supervision")[1]
    sweep = next(s for s in dashboard["appointments"]["sweeps"] if s["address"] == "203.0.113.66")
    assert sweep["refused"] == 3 and "A01 2026-11-26 09:00" in sweep["slots"]


def test_many_addresses_cannot_sweep_a_slot_and_the_supervisor_sees_it(big_slot_app) -> None:
    """Invented mobile numbers from twenty addresses at one 20-place slot: half the places go at
    once, the rest only after the burst window, so real citizens find places; supervisors see it."""
    results = [book(Api(big_slot_app), mobile(n), service="A02") for n in range(20)]
    assert [status for status, _ in results] == [201] * 10 + [429] * 10, results
    refused = results[-1][1]
    assert refused["error"] == "slot_busy" and "分钟后再试" in refused["message"] and "min" in refused["message"]
    assert free_places(Api(big_slot_app), "09:00", service="A02") == 10
    assert book(Api(big_slot_app), mobile(30), start="09:30", service="A02")[0] == 201, "other slots stay open"
    assert book(Api(big_slot_app), mobile(31))[0] == 201, "other items' slots stay open"

    dashboard = login(big_slot_app, "boss").get("/supervision")[1]
    sweeps = [s for s in dashboard["appointments"]["sweeps"] if "A02 2026-11-26 09:00" in s["slots"]]
    assert sum(s["refused"] for s in sweeps) == 10

    big_slot_app.clock.advance(minutes=10)
    assert book(Api(big_slot_app), mobile(40), service="A02")[0] == 201, "the slot takes bookings again"


def test_a_refused_sweep_says_when_to_come_back(big_slot_app) -> None:
    for n in range(10):
        assert book(Api(big_slot_app), mobile(n), service="A02")[0] == 201
        big_slot_app.clock.advance(seconds=30)      # ten bookings over five minutes
    response = Api(big_slot_app).client.post(
        "/api/v1/appointments", json={"service": "A02", "date": DAY, "start": "09:00", "mobile": mobile(50)},
        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 429
    # the first of the ten leaves the ten-minute window 5 minutes after the last was booked
    assert response.headers["Retry-After"] == "300" and response.json["retry_after"] == 300
    big_slot_app.clock.advance(seconds=300)
    assert book(Api(big_slot_app), mobile(51), service="A02")[0] == 201


def test_one_ipv6_network_counts_as_one_address(appt_app) -> None:
    """A phone holds a whole /64: a fresh address from it is the same booker."""
    statuses = []
    for n in range(3):
        api = Api(appt_app)
        api.client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{n + 1:x}"
        statuses.append(api.post("/appointments", {"service": "A01", "date": DAY, "start": "09:00",
                                                   "mobile": f"1370000{n:04d}"})[0])
    assert statuses == [201, 201, 429]


def test_the_desk_books_past_the_burst_and_does_not_use_up_the_citizens_share(big_slot_app) -> None:
    """The desk books for people standing in front of it: the sweep limit is for the public."""
    desk = login(big_slot_app, "desk")
    for _ in range(12):
        status, booked = desk.post("/appointments", {"service": "A02", "date": DAY, "start": "09:00"})
        assert status == 201, booked
    statuses = [book(Api(big_slot_app), mobile(n), service="A02")[0] for n in range(9)]
    assert statuses == [201] * 8 + [409], "citizens still get their share of what is left, then the slot is full"
