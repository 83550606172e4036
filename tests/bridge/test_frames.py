"""The two wire formats, byte for byte against the worked frames of docs/hardware.md, and the
stream readers against every kind of bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from bridge import frames as f
from tests.bridge.worked import frame, worked_frames


def key(k: int) -> bytes:
    return f.Ff68Frame(1, 0x05, bytes((k,))).encode()


BUILT = {
    "key-call": key(0x0C), "key-1": key(1), "key-2": key(2), "key-5": key(5), "key-0": key(0),
    "key-recall": key(0x0D), "key-start": key(0x0A), "key-function": key(0x0F),
    "display-012": f.display_frame(1, "A012").encode(),
    "display-dark": f.display_frame(1, None).encode(),
    "refused": f.refused_frames(1)[0].encode(), "beep": f.refused_frames(1)[1].encode(),
    "rater-start": f.rater_start(0x21).encode(),
    "rater-key-3": f.Ff68Frame(0x21, f.FUNC_RATER_KEY, b"\x03").encode(),
    "rater-ack-3": f.rater_ack(0x21, 3).encode(),
    "strip-a1": f.strip_frame(3, "请A1", f.RED).encode(),
    "strip-call": f.strip_frame(3, "请A001号到3号窗口", f.RED).encode(),
}


def test_the_guide_writes_out_every_frame_the_tests_check() -> None:
    assert set(worked_frames()) == set(BUILT)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_each_worked_frame_byte_for_byte(name: str) -> None:
    assert BUILT[name] == frame(name)


def test_the_rater_ack_checksum_is_the_key_frames_minus_0x10() -> None:
    assert frame("rater-ack-3")[-2] == frame("rater-key-3")[-2] - 0x10


@pytest.mark.parametrize("name", ["key-call", "display-012", "beep", "rater-key-3"])
def test_ff68_frames_read_back(name: str) -> None:
    (read,) = f.Ff68Reader().feed(frame(name))
    assert isinstance(read, f.Ff68Frame) and read.encode() == frame(name)


def test_a_strip_frame_reads_back_with_its_colours() -> None:
    (read,) = f.A090Reader().feed(frame("strip-call"))
    assert read.text == "请A001号到3号窗口" and {c.colour for c in read.cells} == {f.RED}


def test_characters_gbk_cannot_write_become_question_marks() -> None:
    assert f.strip_frame(1, "A😀").text == "A?"


@given(st.lists(st.binary(min_size=1, max_size=7), max_size=6))
def test_a_frame_split_anywhere_reads_the_same(cuts) -> None:
    data = frame("key-call") + frame("rater-key-3")
    reader, got, start = f.Ff68Reader(), [], 0
    for piece in cuts:
        size = len(piece)
        got += reader.feed(data[start:start + size])
        start += size
    got += reader.feed(data[start:])
    assert [item.encode() for item in got] == [frame("key-call"), frame("rater-key-3")]


# --- bad input: skipped with one reason each, and what follows still reads -------------------------

GOOD = frame("key-call")
BAD = {
    "noise": bytes.fromhex("00 13 37 42"),
    "wrong L": bytes.fromhex("FF 68 03 04 68 01 05 0C 12 16"),
    "L too small": bytes.fromhex("FF 68 01 01 68 01 01 16"),
    "bad checksum": bytes.fromhex("FF 68 03 03 68 01 05 0C 99 16"),
    "no end byte": bytes.fromhex("FF 68 03 03 68 01 05 0C 12 17"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_bad_frame_is_one_skip_and_the_next_frame_reads(kind: str) -> None:
    items = f.Ff68Reader().feed(BAD[kind] + GOOD)
    skipped = [item for item in items if isinstance(item, f.Skipped)]
    assert len(skipped) == 1 and skipped[0].reason
    assert [item.encode() for item in items if isinstance(item, f.Ff68Frame)] == [GOOD]


def test_a_partial_frame_is_dropped_when_the_bus_goes_quiet() -> None:
    reader = f.Ff68Reader()
    assert reader.feed(GOOD[:6]) == []
    (dropped,) = reader.expire()
    assert dropped.reason.startswith("partial") and dropped.data == GOOD[:6]
    assert [item.encode() for item in reader.feed(GOOD)] == [GOOD]


def test_a_partial_frame_followed_at_once_by_a_whole_one_loses_only_itself() -> None:
    items = f.Ff68Reader().feed(GOOD[:6] + GOOD)
    assert [type(item) for item in items] == [f.Skipped, f.Ff68Frame]


@pytest.mark.parametrize("bad", [
    bytes.fromhex("A0 90 03 A5 00 02 41 01 00"),          # bad XOR
    bytes.fromhex("A0 90 03 A4 00 02 41 01 E7"),          # no A5
    bytes.fromhex("A0 90 03 A5 00 01 41 E7"),             # a character without its colour
])
def test_bad_strip_frames_are_skipped(bad: bytes) -> None:
    items = f.A090Reader().feed(bad + frame("strip-a1"))
    assert [type(item) for item in items] == [f.Skipped, f.A090Frame]
