"""差评 cases through the real app: a bad rating opens one in its own transaction, follow-up is
due within the configured hours and turns its alert red when overdue, rectification and appeal
follow the rules, every step is audited and heard live by supervisors only."""

from __future__ import annotations

import pytest

from server import accounts
from server.app import create_app, socketio
from tests.conftest import FakeClock, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, login, signed_in


@pytest.fixture
def hall(tmp_path):
    document = small_hall_document()
    document["supervision"] = {"bad_rating_follow_up_hours": 2}
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    clock = FakeClock()
    app = create_app(tmp_path / "var", path, clock=clock, start_clockwork=False)
    core = app.extensions["jiaohao"]
    for name, role, no in (("clerk3", "clerk", "G0317"), ("boss", "supervisor", "S01"), ("chief", "supervisor", "S02"),
                           ("audit", "auditor", None)):
        accounts.add_user(core.database, core.service.hall_id, name, role, PASSWORD, f"{name}-名", no)
    app.clock, app.core = clock, core
    app.screen = Api(app, accounts.add_device(core.database, core.service.hall_id, "screen-3", "window", 3).token)
    app.kiosk = Api(app, accounts.add_device(core.database, core.service.hall_id, "kiosk-1", "kiosk").token)
    yield app
    core.data.close()


def rated_visit(app, clerk: Api, rating: int, **extra) -> dict:
    issued = app.kiosk.post("/tickets", {"service": "A01"})[1]
    clerk.post("/windows/3/call-next")
    clerk.post(f"/tickets/{issued['id']}/start")
    clerk.post(f"/tickets/{issued['id']}/finish", {"case_no": "SCJG-9"})
    status, reply = app.screen.post(f"/tickets/{issued['id']}/evaluation", {"rating": rating, **extra})
    assert status == 200, reply
    return issued


def case_alert(boss: Api, case_id: int) -> dict | None:
    return next((a for a in boss.get("/alerts?open=1")[1]["alerts"] if a["key"] == f"bad_rating_case:{case_id}"), None)


def test_a_bad_rating_opens_a_case_with_who_what_and_why(hall) -> None:
    clerk = signed_in(hall, "clerk3", 3)
    good = rated_visit(hall, clerk, 4)
    bad = rated_visit(hall, clerk, 1, reasons=["wait", "attitude"], comment="<b>等了很久</b>")
    boss = login(hall, "boss")
    status, listed = boss.get("/cases")
    assert status == 200 and [c["ticket_id"] for c in listed["cases"]] == [bad["id"]], "only the 差评"
    case = listed["cases"][0]
    assert (case["ticket"], case["window"], case["service"], case["case_no"]) == (bad["number"], 3, "A01", "SCJG-9")
    assert case["clerk"]["name"] == "clerk3-名" and case["clerk"]["staff_no"] == "G0317"
    assert (case["rating"], case["rating_name"], case["channel"]) == (1, "非常不满意", "4")
    assert [r["code"] for r in case["reasons"]] == ["wait", "attitude"] and case["comment"] == "<b>等了很久</b>"
    assert case["status"] == "open" and case["overdue"] is False
    assert case["due_at"] == "2026-11-26T04:00:00+00:00"   # rated at 10:00 Beijing time, 2 hours to follow up
    assert [s["step"] for s in case["next_steps"]] == ["follow_up"]
    assert good["id"] not in [c["ticket_id"] for c in boss.get("/cases?status=all")[1]["cases"]]
    opened = [e for e in login(hall, "audit").get("/audit")[1]["entries"] if e["action"] == "case.open"]
    assert len(opened) == 1 and opened[0]["after"]["rating"] == 1


def test_follow_up_is_due_in_the_configured_hours_and_its_alert_turns_red(hall) -> None:
    clerk, boss = signed_in(hall, "clerk3", 3), login(hall, "boss")
    rated_visit(hall, clerk, 2, reasons=["slow"])
    case_id = boss.get("/cases")[1]["cases"][0]["id"]
    hall.core.supervision.evaluate()
    alert = case_alert(boss, case_id)
    assert alert["level"] == "yellow" and alert["rule_name"] == "差评处理" and alert["details"]["status"] == "open"
    hall.clock.advance(hours=2, minutes=1)
    hall.core.supervision.evaluate()
    assert boss.get(f"/cases/{case_id}")[1]["case"]["overdue"] is True
    alert = case_alert(boss, case_id)
    assert alert["level"] == "red" and "超时" in alert["message"]
    assert boss.get("/supervision")[1]["cases"][0]["overdue"] is True


def test_the_whole_workflow_with_an_appeal_decided_by_someone_else(hall) -> None:
    clerk, boss, chief = signed_in(hall, "clerk3", 3), login(hall, "boss"), login(hall, "chief")
    rated_visit(hall, clerk, 1)
    case_id = boss.get("/cases")[1]["cases"][0]["id"]
    step = lambda who, name, note="已处理": who.post(f"/cases/{case_id}/steps", {"step": name, "note": note})  # noqa: E731

    assert step(boss, "close")[1]["error"] == "step_not_allowed"   # not before follow-up and rectification
    assert step(boss, "follow_up", "   ")[0] == 422                  # every step needs a note
    assert step(boss, "escalate")[1]["error"] == "bad_step"
    assert step(boss, "follow_up", "电话回访：群众反映等候过久")[1]["case"]["status"] == "followed_up"
    assert step(boss, "appeal", "窗口申诉：当时系统故障")[1]["case"]["status"] == "appealed"
    status, refused = step(boss, "appeal_upheld", "自己复核")
    assert status == 409 and refused["error"] == "own_appeal"
    assert step(chief, "appeal_rejected", "复核：不属误评")[1]["case"]["status"] == "followed_up"
    assert step(boss, "rectify", "已对窗口人员培训，增开窗口")[1]["case"]["status"] == "rectified"
    status, closed = step(chief, "close", "已向群众反馈整改结果")
    assert status == 200
    case = closed["case"]
    assert case["status"] == "closed" and case["outcome"] == "rectified" and case["closed_at"] and case["next_steps"] == []
    assert [s["step"] for s in case["steps"]] == ["follow_up", "appeal", "appeal_rejected", "rectify", "close"]
    assert case["steps"][1]["actor"] == "boss" and case["steps"][2]["actor"] == "chief"
    assert boss.get("/cases")[1]["cases"] == [] and len(boss.get("/cases?status=closed")[1]["cases"]) == 1
    assert case_alert(boss, case_id) is None, "a closed case's alert clears"
    audited = [e["action"] for e in login(hall, "audit").get("/audit?limit=50")[1]["entries"]
               if e["action"].startswith("case.")]
    assert audited == ["case.close", "case.rectify", "case.appeal_rejected", "case.appeal", "case.follow_up",
                       "case.open"]
    stored = hall.core.database.connection().execute("SELECT COUNT(*) FROM bad_rating_case_steps").fetchone()[0]
    assert stored == 5


def test_an_upheld_appeal_closes_and_steps_cannot_be_rewritten(hall) -> None:
    from server import db
    clerk, boss, chief = signed_in(hall, "clerk3", 3), login(hall, "boss"), login(hall, "chief")
    rated_visit(hall, clerk, 2)
    case_id = boss.get("/cases")[1]["cases"][0]["id"]
    for who, name in ((boss, "follow_up"), (boss, "appeal"), (chief, "appeal_upheld"), (chief, "close")):
        assert who.post(f"/cases/{case_id}/steps", {"step": name, "note": "说明"})[0] == 200, name
    assert boss.get(f"/cases/{case_id}")[1]["case"]["outcome"] == "appeal_upheld"
    conn = hall.core.database.connection()
    with pytest.raises(db.IntegrityError, match="append-only"):   # SQLite or PostgreSQL
        conn.execute("UPDATE bad_rating_case_steps SET note = 'x'")
    with pytest.raises(db.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM bad_rating_case_steps")


def test_who_may_read_and_who_may_act(hall) -> None:
    clerk = signed_in(hall, "clerk3", 3)
    rated_visit(hall, clerk, 1)
    case_id = login(hall, "boss").get("/cases")[1]["cases"][0]["id"]
    auditor = login(hall, "audit")
    assert auditor.get("/cases")[0] == 200 and auditor.get(f"/cases/{case_id}")[0] == 200
    assert auditor.post(f"/cases/{case_id}/steps", {"step": "follow_up", "note": "x"})[0] == 403
    assert clerk.get("/cases")[0] == 403 and clerk.post(f"/cases/{case_id}/steps", {"step": "follow_up", "note": "x"})[0] == 403
    assert hall.screen.get("/cases")[0] == 403 and Api(hall).get("/cases")[0] == 401
    boss = login(hall, "boss")
    assert boss.get("/cases/999")[1]["error"] == "case_not_found" and boss.get(f"/cases/{2**63}")[0] == 404
    assert boss.post("/cases/999/steps", {"step": "follow_up", "note": "x"})[0] == 404
    assert boss.get("/cases?status=maybe")[0] == 422 and boss.get("/cases?status=all&from=2026-13-01")[0] == 422
    assert boss.post(f"/cases/{case_id}/steps", {"step": 5, "note": "x"})[0] == 422
    assert boss.post(f"/cases/{case_id}/steps", {"step": "follow_up", "note": "长" * 501})[0] == 422
    assert boss.get(f"/cases/{case_id}")[1]["case"]["status"] == "open", "nothing refused changed anything"


def test_supervisors_hear_each_step_live_and_others_do_not(hall) -> None:
    clerk, boss = signed_in(hall, "clerk3", 3), login(hall, "boss")
    rated_visit(hall, clerk, 1)
    hall.core.supervision.evaluate()
    case_id = boss.get("/cases")[1]["cases"][0]["id"]
    supervisor = socketio.test_client(hall, auth={"token": login(hall, "chief").token})
    board = socketio.test_client(hall, auth={"token": hall.screen.token})
    supervisor.get_received(), board.get_received()
    boss.post(f"/cases/{case_id}/steps", {"step": "follow_up", "note": "已回访"})
    heard = [m for m in supervisor.get_received() if m["name"] == "alert_raised"]
    assert heard and heard[-1]["args"][0]["alert"]["details"] == heard[-1]["args"][0]["alert"]["details"] | {
        "case": case_id, "status": "followed_up"}
    assert not [m for m in board.get_received() if m["name"].startswith("alert")]
    for name, who in (("rectify", boss), ("close", boss)):
        who.post(f"/cases/{case_id}/steps", {"step": name, "note": "处理"})
    assert any(m["name"] == "alert_cleared" and m["args"][0]["alert"]["key"] == f"bad_rating_case:{case_id}"
               for m in supervisor.get_received())
    supervisor.disconnect(), board.disconnect()


def test_the_openapi_document_covers_the_case_routes(hall) -> None:
    spec = hall.test_client().get("/api/openapi.json").get_json()
    assert spec["paths"]["/api/v1/cases/{id}/steps"]["post"]["x-permission"]["rule"] == "supervisors"
    assert spec["paths"]["/api/v1/cases"]["get"]["x-permission"]["rule"] == "report_readers"


def test_a_case_number_longer_than_50_characters_is_a_bilingual_400(hall) -> None:
    clerk = signed_in(hall, "clerk3", 3)
    issued = hall.kiosk.post("/tickets", {"service": "A01"})[1]
    clerk.post("/windows/3/call-next")
    clerk.post(f"/tickets/{issued['id']}/start")
    status, refused = clerk.post(f"/tickets/{issued['id']}/finish", {"case_no": "X" * 51})
    assert status == 400 and refused["error"] == "case_no_too_long"
    assert "办件编号最多 50 个字符" in refused["message"] and "at most 50 characters" in refused["message"]
    assert hall.kiosk.get(f"/tickets/{issued['id']}")[1]["state"] == "serving"   # nothing changed
    status, done = clerk.post(f"/tickets/{issued['id']}/finish", {"case_no": "X" * 50})
    assert status == 200 and done["case_no"] == "X" * 50


def test_rectification_is_due_in_the_configured_hours_after_the_follow_up(tmp_path) -> None:
    document = small_hall_document(supervision={"bad_rating_follow_up_hours": 2, "bad_rating_rectify_hours": 48})
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    app = create_app(tmp_path / "var", path, clock=FakeClock(), start_clockwork=False)
    core = app.extensions["jiaohao"]
    try:
        for name, role in (("clerk3", "clerk"), ("boss", "supervisor"), ("chief", "supervisor")):
            accounts.add_user(core.database, core.service.hall_id, name, role, PASSWORD, f"{name}-名", "G1")
        app.clock, app.core = core.service.clock, core
        app.screen = Api(app, accounts.add_device(core.database, core.service.hall_id, "screen-3", "window", 3).token)
        app.kiosk = Api(app, accounts.add_device(core.database, core.service.hall_id, "kiosk-1", "kiosk").token)
        clerk, boss, chief = signed_in(app, "clerk3", 3), login(app, "boss"), login(app, "chief")
        rated_visit(app, clerk, 1)
        case_id = boss.get("/cases")[1]["cases"][0]["id"]
        assert boss.get(f"/cases/{case_id}")[1]["case"]["rectify_due_at"] is None   # not followed up yet
        app.clock.advance(hours=1)
        case = boss.post(f"/cases/{case_id}/steps", {"step": "follow_up", "note": "已回访"})[1]["case"]
        assert case["rectify_due_at"] == "2026-11-28T03:00:00+00:00" and case["rectify_overdue"] is False
        stored = core.database.connection().execute(
            "SELECT rectify_due_at FROM bad_rating_cases WHERE id = ?", (case_id,)).fetchone()[0]
        assert stored.startswith("2026-11-28T03:00:00")
        app.clock.advance(hours=48, seconds=1)
        core.supervision.evaluate()
        case = boss.get(f"/cases/{case_id}")[1]["case"]
        assert case["rectify_overdue"] is True and case["overdue"] is False
        alert = case_alert(boss, case_id)
        assert alert["level"] == "red" and "差评整改超时" in alert["message"]
        assert alert["details"]["rectify_due_at"] == "2026-11-28T03:00:00+00:00"
        assert boss.get("/supervision")[1]["cases"][0]["rectify_overdue"] is True
        boss.post(f"/cases/{case_id}/steps", {"step": "rectify", "note": "已整改"})
        core.supervision.evaluate()
        assert boss.get(f"/cases/{case_id}")[1]["case"]["rectify_overdue"] is False
        boss.post(f"/cases/{case_id}/steps", {"step": "close", "note": "已反馈"})
        assert case_alert(boss, case_id) is None
    finally:
        core.data.close()


def test_an_upheld_appeal_leaves_every_satisfaction_figure_but_the_rating_stays_as_given(hall) -> None:
    from tests.conftest import add_user
    add_user(hall.core.database, hall.core.service.hall_id, "metro", "city", PASSWORD, "市政务服务管理局", city=True)
    clerk, boss, chief = signed_in(hall, "clerk3", 3), login(hall, "boss"), login(hall, "chief")
    rated_visit(hall, clerk, 5)
    rated_visit(hall, clerk, 1)
    mistaken = rated_visit(hall, clerk, 2)
    day = "from=2026-11-26&to=2026-11-26"

    def figures() -> tuple:
        summary = boss.get(f"/reports?{day}")[1]["summary"]
        return (summary["ratings"], summary["satisfied"], summary["bad_ratings"], summary["appeals_upheld"],
                summary["satisfaction_rate"], summary["three_rates"]["satisfaction_rate"])

    assert figures() == (3, 1, 2, 0, pytest.approx(1 / 3), pytest.approx(1 / 3))
    case_id = next(c["id"] for c in boss.get("/cases")[1]["cases"] if c["ticket_id"] == mistaken["id"])
    for who, step in ((boss, "follow_up"), (boss, "appeal"), (chief, "appeal_upheld")):
        assert who.post(f"/cases/{case_id}/steps", {"step": step, "note": "说明"})[0] == 200, step
    # today's figures (kept as the log grows) and the supervisors' report
    assert figures() == (3, 1, 1, 1, 0.5, 0.5)
    by_window = {row["key"]: row for row in boss.get(f"/reports?{day}&by=window")[1]["rows"]}
    assert by_window[3]["appeals_upheld"] == 1 and by_window[3]["satisfaction_rate"] == 0.5
    metro = login(hall, "metro")
    dashboard = metro.get("/city/dashboard")[1]
    assert dashboard["halls"][0]["satisfaction"]["satisfaction_rate"] == 0.5
    assert dashboard["city"]["satisfaction"] == {"ratings": 3, "satisfied": 1, "bad_ratings": 1,
                                                 "appeals_upheld": 1, "satisfaction_rate": 0.5}
    # and once closed, from a later day: the range is replayed from the log
    assert chief.post(f"/cases/{case_id}/steps", {"step": "close", "note": "已办结"})[0] == 200
    hall.clock.advance(days=1)
    assert figures() == (3, 1, 1, 1, 0.5, 0.5)
    city_report = metro.get(f"/city/reports?{day}")[1]
    assert city_report["halls"][0]["three_rates"]["satisfaction_rate"] == 0.5
    assert city_report["halls"][0]["bad_ratings"] == 1
    assert city_report["city"]["three_rates"]["satisfaction_rate"] == 0.5
    # the rating itself is kept and exported as given: 2 (不满意) is the standard's 4
    rows = boss.get(f"/reports/ratings.json?{day}")[1]["rows"]
    assert sorted(row["satisfaction"] for row in rows) == [1, 4, 5]
