"""The shipped config.toml loads; each kind of mistake gives a message naming the key."""

from __future__ import annotations

import pytest

from hall.config import ConfigError, client_table, load_config, parse_config, parse_config_text
from tests.conftest import SHIPPED_CONFIG, small_hall_document


def test_shipped_config_is_a_real_demo_hall() -> None:
    config = load_config(SHIPPED_CONFIG)
    assert config.hall.timezone == "Asia/Shanghai"
    assert 10 <= len(config.departments) <= 15
    assert 25 <= len(config.windows) <= 35
    assert 60 <= len(config.services) <= 80
    kinds = [w.kind for w in config.windows]
    assert kinds.count("green") == 1 and kinds.count("comprehensive") >= 3
    assert all(item.name and item.name_en and item.handling_minutes > 0 for item in config.services)
    assert any(item.daily_cap for item in config.services)
    comprehensive = [w for w in config.windows if w.kind == "comprehensive"]
    assert any(len({config.service(code).department for code in w.services}) > 1 for w in comprehensive)


def _with(section: str, **values) -> dict:
    document = small_hall_document()
    document[section] = dict(document[section], **values)
    return document


def _with_item(section: str, index: int, **values) -> dict:
    document = small_hall_document()
    document[section][index] = dict(document[section][index], **values)
    return document


MISTAKES = [
    (_with("hall", timezone="Asia/Shangai"), "hall.timezone", "not a known time zone"),
    (_with("hall", code="Test Hall"), "hall.code", "not valid"),
    (_with("hall", issuing_hours="8:30-25:00"), "hall.issuing_hours", "not a valid time"),
    (_with("hall", issuing_hours="11:30-08:30"), "hall.issuing_hours", "ends before it starts"),
    (_with("hall", issuing_hours="morning"), "hall.issuing_hours", "time range"),
    (_with("hall", working_days=[0, 1]), "hall.working_days[0]", "out of range"),
    (_with("hall", holidays=["2026-13-01"]), "hall.holidays[0]", "not a date"),
    (_with("hall", nmae="typo"), "hall.nmae", "unknown key"),
    (_with("hall", name=""), "hall.name", "must not be empty"),
    (_with("hall", name=3), "hall.name", "must be text"),
    (_with("policy", max_recalls="three"), "policy.max_recalls", "whole number"),
    (_with("policy", max_recalls=1, no_show_after_recalls=2), "policy.no_show_after_recalls",
     "cannot exceed"),
    (_with_item("services", 0, department="NOPE"), "services[0].department", "not a department"),
    (_with_item("services", 0, handling_minutes=-5), "services[0].handling_minutes", "out of range"),
    (_with_item("services", 0, prefix="V"), "services[0]", "reserved"),
    (_with_item("services", 0, prefix="AA"), "services[0].prefix", "one capital letter"),
    (_with_item("services", 1, code="A01"), "services[1].code", "used twice"),
    (_with_item("services", 0, alert_wait_minutes=[60, 30]), "services[0].alert_wait_minutes",
     "red must be at least yellow"),
    (_with_item("windows", 1, number=1), "windows[1].number", "used twice"),
    (_with_item("windows", 0, kind="vip"), "windows[0].kind", "expected one of"),
    (_with_item("windows", 3, services=["ZZ9"]), "windows[3].services", "not a service code"),
    (_with_item("windows", 3, services=[]), "windows[3]", "serves no items"),
    (_with_item("windows", 1, priority={"C01": 1}), "windows[1].priority.C01", "does not serve"),
    (_with("hall", notice=1), "hall.notice", "must be text"),
]


@pytest.mark.parametrize("document,key,words", MISTAKES, ids=[m[1] + ":" + m[2] for m in MISTAKES])
def test_each_mistake_names_its_key(document: dict, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(document)
    assert key in str(error.value) and words in str(error.value)


@pytest.mark.parametrize("code", ["all", "a b", "a/b", "a?b", "a%20b", "东区", "East", "", "x" * 33])
def test_a_hall_code_is_one_an_address_carries_as_it_is_and_never_all(code: str) -> None:
    """`?hall=CODE` and `--hall CODE` name a hall by its code; `--hall all` means every hall."""
    with pytest.raises(ConfigError) as error:
        parse_config(_with("hall", code=code))
    message = str(error.value)
    words = ("保留字", "reserved") if code == "all" else ("小写字母", "lower-case letters")
    assert "hall.code" in message and all(word in message for word in words), message


def test_codes_an_address_carries_are_accepted() -> None:
    for code in ("xc-east", "a", "0571-01", "x" * 32, "allhalls", "all-east"):
        assert parse_config(_with("hall", code=code)).hall.code == code


def test_an_item_no_window_serves_is_refused() -> None:
    document = small_hall_document()
    document["windows"] = [w for w in document["windows"] if w["number"] != 4 and w["number"] != 1]
    with pytest.raises(ConfigError, match="C01 .* is served by no window"):
        parse_config(document)


def test_missing_and_unknown_sections() -> None:
    document = small_hall_document()
    del document["services"]
    with pytest.raises(ConfigError, match=r"\[\[services\]\] is missing"):
        parse_config(document)
    with pytest.raises(ConfigError, match=r"\[hal\]: unknown section"):
        parse_config(small_hall_document() | {"hal": {}})


def test_template_placeholders_are_checked() -> None:
    document = small_hall_document(announcement={"call": "请 {numbr} 号"})
    with pytest.raises(ConfigError, match=r"announcement.call: unknown placeholder"):
        parse_config(document)


def test_broken_toml_and_missing_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config_text("[hall\nname = 1")
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_defaults_fill_optional_sections() -> None:
    config = parse_config(small_hall_document())
    assert config.numbering.green_prefix == "V"
    assert config.policy.max_recalls == 3
    assert config.service("A01").hours == config.hall.issuing_hours
    assert config.window(2).priority_of("B01") == 1 and config.window(2).priority_of("A01") == 5
    assert config.windows_serving("C01") == (1, 4)


@pytest.mark.parametrize("table, message", [
    ("127.0.0.1", r"^\[server\] must be a table$"),
    ({"public_url": "http://hall", "prot": 80}, r"^server\.prot: unknown key \(known: public_url, host, port\)$"),
])
def test_a_parts_own_table_is_a_table_of_known_keys(table, message) -> None:
    with pytest.raises(ConfigError, match=message):
        client_table(table, "server", ("public_url", "host", "port"))


def test_a_parts_own_table_comes_back_as_given() -> None:
    table = {"public_url": "http://hall", "port": 8080}
    assert client_table(table, "server", ("public_url", "host", "port")) is table


@pytest.mark.parametrize("zone", ["*", "1F:east", "x" * 33])
def test_a_zone_is_a_name_a_board_can_ask_for(zone: str) -> None:
    document = small_hall_document()
    document["windows"][0] = dict(document["windows"][0], zone=zone)
    with pytest.raises(ConfigError, match=r"windows\[0\]\.zone"):
        parse_config(document)
    document["windows"][0]["zone"] = " 1F "
    assert parse_config(document).windows[0].zone == "1F"
