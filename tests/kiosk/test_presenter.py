"""The kiosk's decisions without Qt, a network or a clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kiosk.presenter import (HOME, ISSUING, ITEMS, OFFLINE, SEARCH, TICKET, KioskPresenter, Text,
                             closed_reason, pinyin_keys)
from tests.kiosk.hall_views import issued_reply, service, snapshot

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def p() -> KioskPresenter:
    ids = iter(f"req-{n}" for n in range(100))
    presenter = KioskPresenter(idle_seconds=30, ticket_seconds=10, exit_pin="2468",
                               new_request_id=lambda: next(ids))
    presenter.set_connection("connected", None)
    presenter.apply_snapshot(snapshot())
    return presenter


def test_departments_and_items_come_from_the_snapshot(p):
    depts = p.departments()
    assert [d.code for d in depts] == ["RSJ", "SCJG"]
    assert depts[0].waiting == 3 and depts[0].items == 3 and depts[0].open_items == 1
    p.open_department("RSJ", T0)
    assert p.screen == ITEMS
    assert [i.code for i in p.department_items()] == ["B01", "B02", "B03"]


def test_a_ticket_in_two_touches_and_a_fresh_request_id_each_time(p):
    p.open_department("RSJ", T0)
    request = p.choose_item("B01", later(1))
    assert request is not None and request.service == "B01" and request.priority == "normal"
    assert p.screen == ISSUING
    p.issued(issued_reply(), later(2))
    p.go_home()
    p.open_department("RSJ", later(3))
    assert p.choose_item("B01", later(4)).request_id != request.request_id


def test_a_second_touch_while_issuing_asks_for_nothing(p):
    p.open_department("RSJ", T0)
    assert p.choose_item("B01", T0) is not None
    assert p.choose_item("B01", T0) is None
    assert p.choose_item("A01", T0) is None
    assert p.pending is not None and p.pending.service == "B01"


def test_closed_items_are_disabled_with_the_reason_in_both_languages(p):
    b02, b03 = p.items["B02"], p.items["B03"]
    assert not p.may_issue(b02) and not p.may_issue(b03)
    assert b02.closed == Text("不在取号时间（08:30-11:30、13:00-16:30）",
                              "Not issuing now (hours 08:30-11:30, 13:00-16:30)")
    assert b03.closed == Text("今日号已取完", "Sold out today")
    assert closed_reason("hall_closed_today", "").en == "No tickets today"
    p.open_department("RSJ", T0)
    assert p.choose_item("B03", T0) is None
    assert p.screen == ITEMS and p.notice == b03.closed


def test_live_queue_changes_update_waiting_and_open_state(p):
    p.apply_queue_changed({"seq": 6, "services": [service("B01", "社保卡补办", "Social security card",
                                                          waiting=9, open_=False,
                                                          reason="daily_cap_reached")]})
    assert p.items["B01"].waiting == 9 and not p.items["B01"].open
    # a slower REST snapshot taken before seq 6 does not undo the change
    p.apply_snapshot(snapshot(seq=5))
    assert p.items["B01"].waiting == 9


def test_search_matches_pinyin_initials_full_pinyin_chinese_and_english(p):
    assert pinyin_keys("社保卡补办") == ("sbkbb", "shebaokabuban")
    for query in ("sbk", "shebao", "社保", "social", "SBK"):
        p.set_query(query, T0)
        assert [i.code for i in p.search_results()][:1] == ["B01"], query
    p.set_query("qysl", T0)
    assert [i.code for i in p.search_results()] == ["A01"]
    p.set_query("zzzz", T0)
    assert p.search_results() == []


def test_on_screen_keyboard_types_deletes_and_clears(p):
    p.open_search(T0)
    assert p.screen == SEARCH
    for key in "sbkx":
        p.type_key(key, T0)
    p.type_key("back", T0)
    assert p.query == "sbk"
    p.type_key("clear", T0)
    assert p.query == ""


def test_green_channel_issues_a_priority_ticket_marked_for_the_document_check(p):
    p.toggle_green(T0)
    p.open_department("RSJ", T0)
    request = p.choose_item("B01", T0)
    assert request.priority == "green"
    ticket = p.issued(issued_reply(number="V001", priority="green"), later(1))
    assert ticket.green and ticket.number == "V001"


def test_ticket_screen_shows_the_issued_ticket_then_returns_home(p):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    ticket = p.issued(issued_reply(ahead=3), later(1))
    assert p.screen == TICKET and ticket.windows == (1, 5, 9) and ticket.waiting_ahead == 3
    assert p.confirmation().zh == "您已领取 B 零 零 四 号，前方等待 3 人"
    assert not p.tick(later(10))
    assert p.tick(later(11))
    assert p.screen == HOME and p.ticket is None


def test_a_print_fault_keeps_the_number_on_screen_longer(p):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issued(issued_reply(), T0)
    p.print_failed("B004", Text("打印机缺纸", "Out of paper"))
    assert p.ticket.print_problem.zh == "打印机缺纸" and p.ticket.number == "B004"
    assert not p.tick(later(15))
    assert p.tick(later(20))


def test_a_printed_ticket_clears_nothing_but_marks_it_printed(p):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issued(issued_reply(), T0)
    p.printed("B999")   # another ticket's news changes nothing
    assert not p.ticket.printed
    p.printed("B004")
    assert p.ticket.printed


def test_an_idle_kiosk_goes_home_and_forgets_the_citizen(p):
    p.toggle_language(T0)
    p.toggle_large_text(T0)
    p.open_department("RSJ", T0)
    assert not p.tick(later(29))
    assert p.tick(later(30))
    assert (p.screen, p.language, p.large_text, p.department) == (HOME, "zh", False, None)
    assert not p.tick(later(100))   # nothing left to reset


def test_idle_never_interrupts_issuing(p):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    assert not p.tick(later(300))
    assert p.screen == ISSUING


def test_server_out_of_reach_pauses_issuing_but_keeps_a_shown_ticket(p):
    p.set_connection("disconnected", "transport close")
    assert p.visible_screen == OFFLINE
    assert "重新连接" in p.offline_reason.zh
    assert not p.may_issue(p.items["B01"])
    p.set_connection("connected", None)
    assert p.visible_screen == HOME
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issued(issued_reply(), T0)
    p.set_connection("disconnected", None)
    assert p.visible_screen == TICKET


def test_refused_token_says_so(p):
    p.set_connection("refused", "unauthorized")
    assert p.visible_screen == OFFLINE and "授权" in p.offline_reason.zh


def test_no_snapshot_yet_is_offline():
    fresh = KioskPresenter()
    fresh.set_connection("connected", None)
    assert fresh.visible_screen == OFFLINE


def test_a_refused_issue_returns_to_the_items_with_the_reason(p):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issue_failed("daily_cap_reached", "社保卡补办 今日号源已发完 / all issued", T0)
    assert p.screen == ITEMS and p.pending is None
    assert p.notice.en == "No ticket issued: Sold out today"


def test_an_unreachable_server_during_issue_goes_offline(p):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issue_failed("unreachable", "server not reachable", T0)
    assert p.pending is None and p.visible_screen == OFFLINE


def test_exit_gesture_is_five_corner_taps_within_three_seconds_then_the_pin(p):
    assert not any(p.corner_tapped(later(i * 1.0)) for i in range(4))   # 4 taps, 0..3 s
    assert not p.corner_tapped(later(4.5))                                  # first taps too old
    fast = [p.corner_tapped(later(10 + i * 0.3)) for i in range(5)]
    assert fast == [False, False, False, False, True]
    assert p.pin_accepted("2468") and not p.pin_accepted("1111") and not p.pin_accepted("")


def test_language_switch_flips_the_primary_language(p):
    assert p.t(Text("取号", "Ticket")) == "取号"
    p.toggle_language(T0)
    assert p.t(Text("取号", "Ticket")) == "Ticket"


def test_snapshot_without_the_open_department_goes_home(p):
    p.open_department("SCJG", T0)
    data = snapshot(seq=9)
    data["services"] = [s for s in data["services"] if s["department"] != "SCJG"]
    p.apply_snapshot(data)
    assert p.screen == HOME and p.department is None


@pytest.mark.parametrize("code", ["storage_full", "storage_read_only", "storage_error"])
def test_a_server_that_cannot_save_sends_the_citizen_to_the_desk(p, code):
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issue_failed(code, "服务器存储空间已满，暂时无法取号或保存，请联系管理员 / the server's storage is full", T0)
    assert p.screen == ITEMS and p.pending is None and p.visible_screen == ITEMS
    assert p.notice == Text("未能取号：系统暂时无法保存新号，请到服务台咨询",
                            "No ticket issued: the hall's system cannot save new tickets right now. "
                            "Please ask at the service desk")
    p.check_in_refused(code, "服务器存储为只读 / the server's storage is read-only", {}, T0)
    assert "服务台" in p.notice.zh and "service desk" in p.notice.en


def test_text_messages_are_offered_on_the_ticket_and_keep_the_number_to_eleven_digits(p):
    from kiosk.presenter import NOTIFY
    p.open_notify(T0)
    assert p.screen == HOME                        # no ticket on screen: nothing to opt in to
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issued(issued_reply(), later(1))
    assert p.ticket.track_token == "abc" and p.ticket.notify is None
    p.open_notify(later(2))
    assert p.screen == NOTIFY
    for key in "1381234567":
        p.type_mobile(key, later(3))
    assert p.submit_mobile(later(4)) is None and p.notice.en == "Please enter an 11-digit mobile number"
    for key in "8999":
        p.type_mobile(key, later(5))
    assert p.mobile == "13812345678"              # the twelfth digit is not taken
    request = p.submit_mobile(later(6))
    assert request is not None and (request.track_token, request.mobile) == ("abc", "13812345678")
    assert p.submit_mobile(later(6)) is None      # one on its way is not sent twice
    p.notify_on({"mobile": "138****5678", "ahead": True, "called": True}, later(7))
    assert p.screen == TICKET and p.mobile == "" and p.ticket.notify.zh == "短信提醒已开启：138****5678"


def test_a_refused_number_stays_on_the_number_screen_with_the_reason(p):
    from kiosk.presenter import NOTIFY
    p.open_department("RSJ", T0)
    p.choose_item("B01", T0)
    p.issued(issued_reply(), later(1))
    p.open_notify(later(2))
    p.notify_refused("bad_mobile", "请填写 11 位手机号码 / enter an 11-digit mobile number", later(3))
    assert p.screen == NOTIFY and p.notice.zh == "请填写 11 位手机号码" and p.notice.en == "enter an 11-digit mobile number"
    p.back(later(4))
    assert p.screen == TICKET and p.notice is None
    p.open_notify(later(5))
    p.type_mobile("1", later(5))
    assert p.tick(later(36))                      # idle: home, and the digits are forgotten
    assert p.screen == HOME and p.mobile == ""


# --- 绿色通道 declared with the card; the card's name only where the item needs it --------------

def _declaring(needs_name: bool, declarable: list[str]) -> KioskPresenter:
    view = snapshot()
    view["hall"]["declarable_categories"] = declarable
    for item in view["services"]:
        item |= {"identity": "required", "identity_name": needs_name and item["code"] == "B01"}
    presenter = KioskPresenter(new_request_id=lambda: "r1")
    presenter.set_connection("connected", None)
    presenter.apply_snapshot(view)
    return presenter


T_DECLARE = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
YOUNG = "44030519851111781" + "4"


@pytest.mark.parametrize("needs_name", [True, False])
def test_a_declared_category_and_the_name_go_with_the_card(needs_name: bool) -> None:
    from kiosk.presenter import DECLARE
    p = _declaring(needs_name, ["军人", "残疾人"])
    p.choose_item("B01", T_DECLARE)
    assert p.card_read(YOUNG, T_DECLARE, name="李四") is None      # the question comes first
    assert p.screen == DECLARE and p.card_masked == "440***********7814"
    assert p.declare("老年人", T_DECLARE) is None                   # never declared: the ID says it
    request = p.declare("残疾人", T_DECLARE)
    assert request is not None and request.green_category == "残疾人" and request.id_number == YOUNG
    assert request.id_name == ("李四" if needs_name else "")
    assert "李四" not in repr(request) and YOUNG not in repr(request)


def test_back_from_the_question_forgets_the_card_and_a_hall_without_categories_asks_nothing() -> None:
    from kiosk.presenter import DECLARE, IDENTITY
    p = _declaring(False, ["军人"])
    p.choose_item("B01", T_DECLARE)
    p.card_read(YOUNG, T_DECLARE)
    p.back(T_DECLARE)
    assert p.screen == IDENTITY and p.card is None and p.declare(None, T_DECLARE) is None
    plain = _declaring(False, [])
    plain.choose_item("B01", T_DECLARE)
    request = plain.card_read(YOUNG, T_DECLARE)
    assert request is not None and plain.screen != DECLARE and request.green_category == ""
