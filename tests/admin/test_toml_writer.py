"""The config.toml writer: whatever it writes, tomllib reads back as the same document."""

from __future__ import annotations

import json
import tomllib

import pytest

from hall.config import parse_config
from hall.toml_writer import dumps
from tests.conftest import SHIPPED_CONFIG, small_hall_document


def test_the_shipped_hall_round_trips() -> None:
    document = json.loads(json.dumps(tomllib.loads(SHIPPED_CONFIG.read_text("utf-8")), default=str))
    text = dumps(document)
    assert tomllib.loads(text) == document
    assert parse_config(tomllib.loads(text)).hall.code == "xinfu"


def test_awkward_text_round_trips() -> None:
    document = small_hall_document()
    document["hall"]["notice"] = 'quote " backslash \\ tab\t newline\n bell\x07 “全角” 😀'
    document["services"][0]["name_en"] = "[[not a table]] = # not a comment"
    document["windows"][1]["priority"] = {"B01": 1, "odd key": 2}
    document["supervision"] = {"wait_minutes": [7.5, 60], "check_seconds": 0.5}
    assert tomllib.loads(dumps(document)) == document


def test_arrays_follow_tables_whatever_the_order() -> None:
    document = small_hall_document()
    reordered = {"windows": document["windows"], "hall": document["hall"],
                 "services": document["services"], "departments": document["departments"]}
    text = dumps(reordered)
    assert text.index("[hall]") < text.index("[[departments]]") < text.index("[[services]]") \
        < text.index("[[windows]]")
    assert tomllib.loads(text) == reordered


def test_a_value_toml_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"hall": {"code": object()}})
    with pytest.raises(ValueError, match="only tables"):
        dumps({"hall": {"code": "x"}, "loose": 3})


def test_the_audit_diff_names_only_what_changed() -> None:
    from server.audit import setup_diff
    old = small_hall_document()
    new = small_hall_document()
    new["services"][0]["hours"] = "09:00-11:00"
    new["services"].append({"code": "A03", "department": "SCJG", "name": "新", "name_en": "New",
                            "handling_minutes": 5})
    del new["windows"][3]
    new["hall"]["notice"] = "公告"
    before, after = setup_diff(old, new)
    assert before == {"hall": {}, "services": [{"code": "A01"}], "windows": [old["windows"][3]]}
    assert after == {"hall": {"notice": "公告"},
                     "services": [{"code": "A01", "hours": "09:00-11:00"}, new["services"][-1]],
                     "windows": []}
    assert setup_diff(old, old) == ({}, {})
