"""The pure layout: wording, wrapping to the paper, and what cannot be printed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printer.layout import (
    PAPER, REPLACEMENT, Cut, Logo, Number, Qr, Text, columns_of, printable, slip_layout,
    slip_text, wrap, wrap_balanced,
)


@pytest.mark.parametrize("width", [80, 58])
def test_every_line_fits_the_paper(ticket, hall, width):
    layout = slip_layout(ticket, hall, width)
    for element in layout.elements:
        if isinstance(element, (Text, Number)):
            assert columns_of(element.text) * element.scale <= PAPER[width][0], element


@pytest.mark.parametrize("width", [80, 58])
def test_slip_says_what_the_citizen_needs(ticket, hall, width):
    words = "".join(slip_text(slip_layout(ticket, hall, width))).replace(" ", "")
    for expected in ("新抚区行政审批服务局", "人力资源和社会保障局", "社会保障卡补办",
                     "Socialsecuritycardreplacement", "B023", "您前面还有7人等候",
                     "7peopleaheadofyou", "约10–20分钟", "about10-20min",
                     "请留意3、5、7号窗口", "Watchwindows3,5,7", "2026-05-1209:41",
                     "过号请到服务台咨询。"):
        assert expected in words


def test_number_is_the_biggest_thing_on_the_slip(ticket, hall):
    layout = slip_layout(ticket, hall, 80)
    numbers = [e for e in layout.elements if isinstance(e, Number)]
    assert [n.text for n in numbers] == ["B023"]
    assert all(e.scale < numbers[0].scale for e in layout.elements if isinstance(e, Text))


def test_order_logo_first_qr_with_tracking_url_cut_last(ticket, hall):
    layout = slip_layout(ticket, replace(hall, logo="/srv/hall/logo.png"), 58)
    assert layout.elements[0] == Logo("/srv/hall/logo.png")
    assert isinstance(layout.elements[-1], Cut)
    qrs = [e for e in layout.elements if isinstance(e, Qr)]
    assert [q.payload for q in qrs] == [ticket.track_url]


def test_issue_time_is_the_halls_local_time(ticket, hall):
    late = replace(ticket, issued_at=ticket.issued_at.replace(hour=16, minute=5))  # 00:05 next day
    assert "取号时间 Issued 2026-05-13 00:05" in slip_text(slip_layout(late, hall))


def test_short_wait_is_promised_as_very_soon_and_nobody_ahead(ticket, hall):
    soon = replace(ticket, waiting_ahead=0, wait_low=0, wait_high=5, windows=(12,))
    words = slip_text(slip_layout(soon, hall))
    assert "预计等候：即将叫号" in words and "Estimated wait: very soon" in words
    assert "您前面没有人等候" in words and "You are next" in words
    assert "请留意 12 号窗口" in words and "Watch window 12" in words


def test_one_person_ahead_is_singular(ticket, hall):
    assert "1 person ahead of you" in slip_text(slip_layout(replace(ticket, waiting_ahead=1), hall))


def test_unprintable_characters_are_replaced_not_fatal():
    assert printable("社保😀卡𠀀") == f"社保{REPLACEMENT}卡{REPLACEMENT}"
    assert printable("a\tb\x07c\u200bd") == "a bcd"
    assert printable("约 10–20 分钟") == "约 10–20 分钟"   # the en dash is two-byte GB18030


def test_heading_wraps_evenly_not_with_an_orphan():
    assert wrap("新抚区行政审批服务局", 16) == ["新抚区行政审批服", "务局"]
    assert wrap_balanced("新抚区行政审批服务局", 16) == ["新抚区行政", "审批服务局"]


def test_closing_punctuation_never_starts_a_line():
    lines = wrap("请在休息区等候，留意叫号屏幕", 16)
    assert lines == ["请在休息区等候，", "留意叫号屏幕"]
    assert not any(line[0] in "，。、" for line in wrap("一二三四五六七八。九十", 14))


def test_layout_refuses_an_unknown_paper(ticket, hall):
    with pytest.raises(ValueError, match="80 or 58"):
        slip_layout(ticket, hall, 76)


slip_text_strategy = st.lists(
    st.sampled_from(list("社保卡补办窗口，。、 abcXYZ-123") + ["Employer", "😀", "\n"]),
    max_size=80).map("".join)


@given(slip_text_strategy, st.sampled_from([16, 24, 32, 48]))
def test_wrapping_keeps_every_character_and_fits(text, columns):
    text = printable(text)
    for fit in (wrap, wrap_balanced):
        lines = fit(text, columns)
        assert all(columns_of(line) <= columns for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
