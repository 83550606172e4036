"""The board's decisions, without Qt: what is shown, what blinks, what is said and when."""

from __future__ import annotations

from datetime import datetime, timezone

from display.presenter import Presenter

from . import messages as m

WALL = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)   # 10:00 in the hall


def hall(zone: str = "", **kw) -> Presenter:
    presenter = Presenter(zone=zone, blink_seconds=8, recent_count=4, **kw)
    presenter.snapshot(m.snapshot(10, [
        m.window(1, current=(1, "A001", "serving")), m.window(2), m.window(3),
        m.window(21, zone="2F"), m.window(5, status="paused", nearest_open=2),
        m.window(6, status="closed", clerk=None)],
        services=[m.service("A01", 3, [1, 2]), m.service("G01", 2, [21], name="不动产登记"),
                  m.service("B01", 0, [1])]))
    return presenter


def call(presenter: Presenter, seq: int, ticket_id: int, number: str, window: int, now: float = 0.0,
         **kw) -> list:
    said = presenter.message("ticket_called", m.called(seq, ticket_id, number, window, **kw), now)
    presenter.message("window_changed", m.window_changed(
        seq, m.window(window, current=(ticket_id, number, "called"),
                      zone="2F" if window > 20 else "1F"), replayed=kw.get("replayed", False)), now)
    return said


def test_a_live_call_is_shown_newest_first_and_announced_with_its_spoken_sentence():
    presenter = hall()
    said = call(presenter, 11, 2, "A002", 2)
    assert [a.spoken for a in said] == ["请 A 零 零 二 号 到 2 号窗口 办理"]
    view = presenter.view(0.0, WALL)
    assert view.newest.number == "A002" and view.newest.window == 2
    assert view.newest_text == "请 A002 号 到 2 号窗口 办理"


def test_the_newest_call_blinks_for_blink_seconds_then_stays_still():
    presenter = hall()
    call(presenter, 11, 2, "A002", 2, now=100.0)
    assert presenter.blinking(100.0) and presenter.blinking(107.9)
    assert not presenter.blinking(108.0)
    call(presenter, 12, 3, "A003", 3, now=200.0)
    assert presenter.blinking(207.0)   # a new call starts its own blink


def test_recent_calls_list_earlier_calls_newest_first_up_to_the_configured_count():
    presenter = hall()
    for i in range(6):
        call(presenter, 11 + i, 2 + i, f"A00{2 + i}", 2 + i % 2)
    view = presenter.view(0.0, WALL)
    assert view.newest.number == "A007"
    assert [c.number for c in view.recent] == ["A006", "A005", "A004", "A003"]


def test_a_recall_is_announced_again_and_keeps_one_line_per_ticket():
    presenter = hall()
    call(presenter, 11, 2, "A002", 2)
    call(presenter, 12, 3, "A003", 3)
    said = call(presenter, 13, 2, "A002", 2, recall=True)
    assert said[0].spoken.startswith("再次呼叫 ")
    view = presenter.view(0.0, WALL)
    assert view.newest.number == "A002" and view.newest.recall
    assert [c.number for c in view.recent] == ["A003"]


def test_the_same_call_delivered_twice_is_announced_once():
    presenter = hall()
    assert call(presenter, 11, 2, "A002", 2)
    assert call(presenter, 11, 2, "A002", 2, replayed=True) == []
    assert presenter.message("ticket_called", m.called(11, 2, "A002", 2), 1.0) == []


def test_after_a_gap_a_missed_call_still_waiting_for_its_citizen_is_announced():
    presenter = hall()
    call(presenter, 11, 2, "A002", 2)           # heard before the link dropped
    presenter.set_connected(False)
    # during the gap: A003 called at 3 and still waiting; A004 called at 21 and already served
    presenter.snapshot(m.snapshot(14, [
        m.window(1), m.window(2, current=(2, "A002", "called")), m.window(3, current=(3, "A003", "called")),
        m.window(21, zone="2F", current=(4, "A004", "serving"))],
        recent=[m.recent(13, 4, "A004", 21), m.recent(12, 3, "A003", 3), m.recent(11, 2, "A002", 2)]))
    said = []
    for payload in (m.called(12, 3, "A003", 3, replayed=True), m.called(13, 4, "A004", 21, replayed=True)):
        said += presenter.message("ticket_called", payload, 50.0)
    assert [a.number for a in said] == ["A003"]
    view = presenter.view(50.0, WALL)
    assert view.connected
    assert {c.number for c in (view.newest, *view.recent)} >= {"A002", "A003", "A004"}


def test_the_old_call_is_not_announced_again_after_a_reconnect():
    presenter = hall()
    call(presenter, 11, 2, "A002", 2)
    presenter.snapshot(m.snapshot(11, [m.window(2, current=(2, "A002", "called"))],
                                  recent=[m.recent(11, 2, "A002", 2)]))
    assert presenter.message("ticket_called", m.called(11, 2, "A002", 2, replayed=True), 5.0) == []


def test_a_call_that_was_recalled_during_the_gap_is_said_once_as_the_recall():
    presenter = hall()
    presenter.snapshot(m.snapshot(13, [m.window(3, current=(3, "A003", "called"))],
                                  recent=[m.recent(13, 3, "A003", 3, recall=True)]))
    said = presenter.message("ticket_called", m.called(12, 3, "A003", 3, replayed=True), 1.0)
    said += presenter.message("ticket_called", m.called(13, 3, "A003", 3, recall=True, replayed=True), 1.0)
    assert [(a.number, a.recall) for a in said] == [("A003", True)]


def test_replayed_window_messages_never_roll_the_board_back():
    presenter = hall()
    presenter.snapshot(m.snapshot(20, [m.window(2, status="paused")]))
    presenter.message("window_changed", m.window_changed(15, m.window(2), replayed=True), 1.0)
    assert presenter.view(1.0, WALL).windows[0].status == "paused"


def test_a_gap_without_snapshot_announces_the_missed_call_whose_window_is_not_known_newer():
    presenter = hall()
    # live message seq 13 arrived first, then the client replays 11-12
    presenter.message("window_changed", m.window_changed(13, m.window(1)), 0.0)
    said = presenter.message("ticket_called", m.called(11, 7, "A007", 3, replayed=True), 0.1)
    assert [a.number for a in said] == ["A007"]


def test_window_states_are_shown_in_the_hall_words_without_the_clerk_name():
    rows = {row.number: row for row in hall().view(0.0, WALL).windows}
    assert (rows[1].label, rows[1].current) == ("办理中", "A001")
    assert (rows[2].label, rows[2].current) == ("空闲", "")
    assert (rows[5].label, rows[5].hint) == ("暂停服务", "请到 2 号窗口")
    assert rows[6].label == "未开放"
    assert "王芳" not in repr(hall().view(0.0, WALL))


def test_a_zone_shows_only_its_windows_items_and_calls():
    presenter = hall(zone="2F")
    assert call(presenter, 11, 2, "A002", 2) == []
    said = call(presenter, 12, 9, "G001", 21)
    view = presenter.view(0.0, WALL)
    assert [a.number for a in said] == ["G001"]
    assert [row.number for row in view.windows] == [21]
    assert [item.name for item in view.items] == ["不动产登记"]
    assert view.newest.number == "G001" and view.recent == ()
    assert presenter.zones() == {"1F", "2F"}


def test_items_with_people_waiting_are_listed_longest_queue_first():
    view = hall().view(0.0, WALL)
    assert [(i.name, i.waiting, i.estimate) for i in view.items] == [
        ("企业设立登记", 3, "约 5–15 分钟"), ("不动产登记", 2, "约 5–15 分钟")]


def test_queue_changes_update_the_waiting_counts():
    presenter = hall()
    presenter.message("queue_changed", {"seq": 11, "services": [m.service("B01", 5, [1], name="社保卡")]}, 0)
    assert presenter.view(0.0, WALL).items[0].name == "社保卡"


def test_date_and_clock_are_in_the_hall_time_zone():
    view = hall().view(0.0, WALL)
    assert (view.date_text, view.clock_text) == ("2026-11-26 星期四", "10:00:00")


def test_the_link_mark_follows_the_connection():
    presenter = hall()
    presenter.set_connected(False)
    assert not presenter.view(0.0, WALL).connected
    presenter.snapshot(m.snapshot(12, [m.window(1)]))
    assert presenter.view(0.0, WALL).connected


def test_a_call_is_still_due_only_while_its_window_is_calling_it():
    presenter = hall()
    first, = call(presenter, 11, 2, "A002", 2)
    second, = call(presenter, 12, 3, "A003", 3)
    assert presenter.still_due(first) and presenter.still_due(second)
    # the citizen reached window 2 before the board's turn came to say the call
    presenter.message("window_changed", m.window_changed(13, m.window(2, current=(2, "A002", "serving"))), 0.0)
    assert not presenter.still_due(first) and presenter.still_due(second)
    # window 3 recalls A003: the recall is said, the first call no longer
    again, = call(presenter, 14, 3, "A003", 3, recall=True)
    assert not presenter.still_due(second) and presenter.still_due(again)


def test_a_refused_token_forgets_the_hall_until_a_snapshot_is_accepted() -> None:
    presenter = Presenter()
    presenter.snapshot(m.snapshot(10, [m.window(1)], services=[m.service("A01", 3, [1])]))
    presenter.message("ticket_called", m.called(11, 5, "A005", 1), now=1.0)
    presenter.set_refused()
    view = presenter.view(2.0, WALL)
    assert view.refused and not view.connected
    assert (view.newest, view.windows, view.items, view.hall_name) == (None, (), (), "")
    presenter.snapshot(m.snapshot(12, [m.window(1)]))
    assert not presenter.view(3.0, WALL).refused
