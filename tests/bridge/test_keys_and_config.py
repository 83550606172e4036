"""A keypad's keys as actions; bridge.toml read and refused with bilingual reasons; what a strip
shows for each state of its window and what a keypad's action asks the server."""

from __future__ import annotations

import pytest

from bridge.config import DEFAULT_LEVELS, DEFAULT_TEXT, BridgeConfigError, load, parse
from bridge.keys import Action, KeySequence
from bridge.presenter import HallPresenter, Refused, Request

# --- keys --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keys,action", [
    ([0x0C], Action("call_next")),
    ([1, 2, 0x0C], Action("call_number", "12")),
    ([0x0D], Action("recall")),
    ([0x0A], Action("start")),
    ([2, 0x0F], Action("finish")),
    ([5, 0x0F], Action("no_show")),
    ([0, 0x0F], Action("pause_resume")),
    ([7, 0x0F], None),            # no function 7
    ([0x0F], None),
    ([1, 0x0B], None),            # an unknown key clears what was typed …
])
def test_each_key_sequence(keys, action) -> None:
    sequence = KeySequence()
    results = [sequence.press(k) for k in keys]
    assert results[:-1] == [None] * (len(keys) - 1) and results[-1] == action


def test_an_unknown_key_clears_the_typed_number() -> None:
    sequence = KeySequence()
    for k in (1, 0x0B):
        sequence.press(k)
    assert sequence.press(0x0C) == Action("call_next")


# --- bridge.toml ----------------------------------------------------------------------------------------

GOOD = {
    "ports": [{"name": "desks", "url": "socket://127.0.0.1:1", "protocol": "ff68"},
              {"name": "strips", "url": "/dev/ttyUSB1", "protocol": "a090", "baud": 19200}],
    "keypads": [{"port": "desks", "address": 1, "window": 3}],
    "raters": [{"port": "desks", "address": 33, "window": 3}],
    "strips": [{"port": "strips", "address": 3, "window": 3}],
}


def test_a_good_file_with_its_defaults(tmp_path) -> None:
    path = tmp_path / "bridge.toml"
    path.write_text('[[ports]]\nname = "desks"\nurl = "/dev/ttyUSB0"\n\n[[raters]]\nport = "desks"\n'
                    'address = 33\nwindow = 3\nlevels = {0 = 1, 1 = 2, 9 = 5}\n\n[[keypads]]\nport = "desks"\n'
                    'address = 1\nwindow = 3\n', encoding="utf-8")
    config = load(path)
    assert config.ports[0].baud == 9600 and config.ports[0].protocol == "ff68"
    assert config.raters[0].levels == {0: 1, 1: 2, 9: 5}
    assert config.windows == {3}
    parsed = parse(GOOD)
    assert parsed.raters[0].levels == DEFAULT_LEVELS and parsed.strips[0].text == DEFAULT_TEXT
    assert parsed.port("strips").baud == 19200


def broken(section: str, **change) -> dict:
    document = {key: [dict(entry) for entry in value] for key, value in GOOD.items()}
    document[section][0].update(change)
    return document


@pytest.mark.parametrize("document,says", [
    ({"keypads": []}, "[[ports]]"),
    (broken("ports", protocol="modbus"), "protocol"),
    (broken("ports", baud=0), "baud"),
    (broken("ports", speed=9600), "unknown setting speed"),
    (broken("keypads", address=300), "address"),
    (broken("keypads", address=True), "address"),
    (broken("keypads", window=0), "window"),
    (broken("keypads", port="nowhere"), "no [[ports]] is named"),
    (broken("keypads", port="strips"), "need ff68"),
    (broken("strips", port="desks"), "need a090"),
    (broken("raters", levels={"0": 6}), "levels"),
    (broken("raters", address=1), "used twice"),
    (broken("strips", text="请{name}号"), "{number} and {window}"),
    (broken("strips", text="请{number}号 ❤"), "GBK"),
    ({**GOOD, "printers": []}, "unknown setting printers"),
])
def test_mistakes_are_refused_in_chinese_and_english(document, says) -> None:
    with pytest.raises(BridgeConfigError) as refused:
        parse(document)
    message = str(refused.value)
    assert says in message and " / " in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message.split(" / ")[0])


def test_an_unreadable_file_is_refused(tmp_path) -> None:
    with pytest.raises(BridgeConfigError, match="cannot read"):
        load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[ports]\n", encoding="utf-8")
    with pytest.raises(BridgeConfigError, match="not valid TOML"):
        load(bad)


# --- the presenter ----------------------------------------------------------------------------------------

def window(status="open", shown="idle", current=None, reason=None, nearest=None) -> dict:
    return {"number": 3, "status": status, "shown": shown, "current": current, "pause_reason": reason,
            "nearest_open": nearest, "services": ["A01", "B01"]}


def presenter_with(view: dict) -> HallPresenter:
    presenter = HallPresenter(parse(GOOD))
    presenter.apply("hall_snapshot", {"seq": 5, "windows": [view], "policy": {"rating_timeout_seconds": 30},
                                      "services": [{"code": "A01", "prefix": "A"}, {"code": "B01", "prefix": "B"}]},
                    now=0.0)
    return presenter


@pytest.mark.parametrize("view,text", [
    (window(shown="called", current={"id": 7, "number": "A001"}), "请A001号到3号窗口"),
    (window(shown="serving", current={"id": 7, "number": "A001"}), "请A001号到3号窗口"),
    (window(), "空闲 请留意叫号"),
    (window("paused", "paused", reason="午休", nearest=5), "暂停服务 午休 请到5号窗口办理"),
    (window("closed", "closed"), "暂停服务"),
])
def test_what_a_strip_shows(view, text) -> None:
    presenter = presenter_with(view)
    assert presenter.strip_frame(presenter.config.strips[0]).text == text


def test_a_replayed_window_change_never_rolls_a_strip_back() -> None:
    presenter = presenter_with(window(shown="called", current={"id": 7, "number": "A001"}))
    assert presenter.apply("window_changed", {"seq": 4, "window": window(), "replayed": True}, 0.0) == []
    assert presenter.windows[3]["shown"] == "called"


@pytest.mark.parametrize("action,view,requests", [
    (Action("call_next"), window(), [Request("/api/v1/windows/3/call-next")]),
    (Action("call_number", "12"), window(), [Request("/api/v1/windows/3/call", {"number": "A012"}),
                                             Request("/api/v1/windows/3/call", {"number": "B012"})]),
    (Action("pause_resume"), window(), [Request("/api/v1/windows/3/pause", {"reason": "暂离"})]),
    (Action("pause_resume"), window("paused", "paused"), [Request("/api/v1/windows/3/resume")]),
    (Action("finish"), window(shown="serving", current={"id": 7, "number": "A001"}),
     [Request("/api/v1/tickets/7/finish")]),
    (Action("no_show"), window(shown="called", current={"id": 7, "number": "A001"}),
     [Request("/api/v1/tickets/7/no-show")]),
])
def test_what_a_keypad_action_asks_the_server(action, view, requests) -> None:
    assert presenter_with(view).requests_for(action, 3) == requests


def test_a_ticket_action_at_a_window_with_no_number_is_refused_before_asking() -> None:
    with pytest.raises(Refused):
        presenter_with(window()).requests_for(Action("recall"), 3)


def test_a_rating_waits_for_its_visit_and_times_out_as_not_rated() -> None:
    presenter = presenter_with(window())
    rater = presenter.config.raters[0]
    assert presenter.rated(rater, 3) is None, "nothing to rate yet"
    finished = {"seq": 6, "change": "service_finished", "ticket": {"id": 7, "window": 3}}
    (start,) = presenter.apply("ticket_changed", finished, now=100.0)
    assert start.ticket_id == 7
    assert presenter.timed_out(129.0) == [] and presenter.rated(rater, 3) == (7, 5)
    presenter.apply("ticket_changed", finished | {"ticket": {"id": 8, "window": 3}}, now=200.0)
    assert presenter.timed_out(230.0) == [8] and presenter.rated(rater, 3) is None


def test_a_reply_tells_the_next_key_which_ticket_the_window_has_before_the_live_message() -> None:
    presenter = presenter_with(window())
    presenter.note_reply(3, {"ticket": {"id": 9, "number": "A009", "service": "A01", "state": "called",
                                        "called_at": None}})
    assert presenter.requests_for(Action("start"), 3) == [Request("/api/v1/tickets/9/start")]
    presenter.note_reply(3, {"id": 9, "number": "A009", "state": "done"})
    assert presenter.windows[3]["current"] is None and presenter.windows[3]["shown"] == "idle"
    presenter.apply("window_changed", {"seq": 9, "window": window(shown="called",
                                                                  current={"id": 10, "number": "A010"})}, 0.0)
    assert presenter.requests_for(Action("recall"), 3) == [Request("/api/v1/tickets/10/recall")]
