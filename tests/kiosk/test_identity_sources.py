"""The kiosk's identity sources: the SAM reader driver against a fake reader on a pseudo-terminal
(a good read, a bad checksum, a card pulled mid-read, a reader unplugged), the keyboard-wedge
reader and the typed entry."""

from __future__ import annotations

from datetime import date

import pytest

from hall.identity import check_character
from kiosk.identity import (BAD_CARD, BAD_FRAME, BAD_NUMBER, CARD_PULLED, READER_GONE, IdentityError,
                            IdentitySource)
from kiosk.identity.sam import (CARD_FOUND, CARD_LEFT, FIND_CARD, NOT_FOUND, OK, READ_CARD, SELECT_CARD,
                                SamReader, command_frame, parse_reply, reply_frame, text_block)
from kiosk.identity.typed import TypedEntry
from kiosk.identity.wedge import KeyboardWedge
from tests.kiosk.fake_sam import SILENCE, UNPLUG, FakeSamReader

NUMBER = "11010519491231002X"
FIRST17 = "44030519851111781"
OTHER = FIRST17 + check_character(FIRST17)
CARD = text_block(name="张三丰", sex="1", nation="01", birth="19491231", address="北京市东城区景山前街4号",
                  number=NUMBER, issuer="北京市公安局东城分局", valid_from="20150101", valid_to="长期")
PHOTO = bytes(1024)


def read_reply(block: bytes = CARD, sw3: int = OK) -> bytes:
    return reply_frame(sw3, len(block).to_bytes(2, "big") + len(PHOTO).to_bytes(2, "big") + block + PHOTO)


FOUND = reply_frame(CARD_FOUND, bytes(4))
SELECTED = reply_frame(OK, bytes(8))


@pytest.fixture
def fake():
    device = FakeSamReader()
    yield device
    device.close()


@pytest.fixture
def reader(fake):
    source = SamReader(fake.path, timeout=0.3)
    yield source
    source.close()


def test_command_frames_match_the_protocol() -> None:
    assert command_frame(FIND_CARD).hex(" ") == "aa aa aa 96 69 00 03 20 01 22"
    assert command_frame(SELECT_CARD).hex(" ") == "aa aa aa 96 69 00 03 20 02 21"
    assert command_frame(READ_CARD).hex(" ") == "aa aa aa 96 69 00 03 30 01 32"
    assert len(read_reply()) == 5 + 2 + 0x0508 and read_reply()[5:7] == b"\x05\x08"
    assert parse_reply(FOUND).status == CARD_FOUND


def test_a_card_is_read_and_its_text_block_decoded(fake, reader) -> None:
    fake.answer(FIND_CARD, FOUND)
    fake.answer(SELECT_CARD, SELECTED)
    fake.answer(READ_CARD, read_reply())
    card = reader.read()
    assert isinstance(reader, IdentitySource) and fake.commands == [FIND_CARD, SELECT_CARD, READ_CARD]
    assert card.number.value == NUMBER and card.name == "张三丰" and card.sex == "男" and card.nation == "汉"
    assert card.birth_date == date(1949, 12, 31) and card.address == "北京市东城区景山前街4号"
    assert card.issuer == "北京市公安局东城分局" and (card.valid_from, card.valid_to) == ("20150101", "长期")
    assert NUMBER not in repr(card) and "张三丰" not in repr(card)


def test_no_card_on_the_reader_is_none(fake, reader) -> None:
    fake.answer(FIND_CARD, reply_frame(NOT_FOUND))
    assert reader.read() is None
    assert fake.commands == [FIND_CARD]


def test_a_bad_checksum_is_refused_and_the_next_read_works(fake, reader) -> None:
    spoiled = bytearray(read_reply())
    spoiled[-1] ^= 0xFF
    fake.answer(FIND_CARD, FOUND, FOUND)
    fake.answer(SELECT_CARD, SELECTED, SELECTED)
    fake.answer(READ_CARD, bytes(spoiled), read_reply())
    with pytest.raises(IdentityError) as failed:
        reader.read()
    assert failed.value.code == BAD_FRAME and " / " in failed.value.message
    assert reader.read().number.value == NUMBER


def test_a_card_pulled_mid_read(fake, reader) -> None:
    whole = read_reply()
    fake.answer(FIND_CARD, FOUND, FOUND)
    fake.answer(SELECT_CARD, SELECTED, SELECTED)
    fake.answer(READ_CARD, whole[:300], reply_frame(CARD_LEFT))    # the reply stops short; then the reader says so
    for _ in range(2):
        with pytest.raises(IdentityError) as failed:
            reader.read()
        assert failed.value.code == CARD_PULLED


def test_a_card_whose_number_fails_the_check_is_a_bad_card(fake, reader) -> None:
    fake.answer(FIND_CARD, FOUND)
    fake.answer(SELECT_CARD, SELECTED)
    fake.answer(READ_CARD, read_reply(text_block(name="李四", number=NUMBER[:-1] + "1", birth="19491231")))
    with pytest.raises(IdentityError) as failed:
        reader.read()
    assert failed.value.code == BAD_CARD


def test_a_reader_unplugged(fake, reader) -> None:
    fake.answer(FIND_CARD, UNPLUG)
    with pytest.raises(IdentityError) as failed:
        reader.read()
    assert failed.value.code == READER_GONE
    with pytest.raises(IdentityError) as again:       # still gone: the port does not open
        reader.read()
    assert again.value.code == READER_GONE


def test_a_reader_that_never_answers(fake, reader) -> None:
    fake.answer(FIND_CARD, SILENCE)
    with pytest.raises(IdentityError) as failed:
        reader.read()
    assert failed.value.code == READER_GONE


def test_a_missing_device_is_reader_gone(tmp_path) -> None:
    with pytest.raises(IdentityError) as failed:
        SamReader(str(tmp_path / "ttyUSB9"), timeout=0.1).read()
    assert failed.value.code == READER_GONE


# --- keyboard wedge and typed entry -----------------------------------------------------------

def type_keys(wedge: KeyboardWedge, text: str, start: float, gap: float) -> bool:
    done = False
    for i, key in enumerate(text):
        done = wedge.feed(key, start + i * gap)
    return done


def test_a_wedge_reader_types_fast_and_ends_with_enter() -> None:
    wedge = KeyboardWedge()
    assert wedge.read() is None
    assert type_keys(wedge, OTHER + "\r", 10.0, 0.004)
    card = wedge.read()
    assert card.number.value == OTHER and card.source == "wedge" and wedge.read() is None


def test_a_person_typing_is_not_a_card() -> None:
    wedge = KeyboardWedge()
    assert not type_keys(wedge, OTHER + "\r", 10.0, 0.3)
    assert wedge.read() is None


def test_a_wedge_read_failing_the_check() -> None:
    wedge = KeyboardWedge()
    with pytest.raises(IdentityError) as failed:
        type_keys(wedge, OTHER[:-1] + ("0" if OTHER[-1] != "0" else "1") + "\r", 1.0, 0.004)
    assert failed.value.code == BAD_NUMBER


def test_typed_entry_takes_digits_and_a_final_x() -> None:
    entry = TypedEntry()
    assert entry.read() is None
    for key in "X1101a0519491231002":
        entry.press(key)
    assert entry.text == "11010519491231002" and not entry.complete
    entry.press("x")
    assert entry.text == NUMBER and entry.complete
    assert entry.press("5") == NUMBER                 # no 19th character
    assert entry.read().number.value == NUMBER
    entry.press("⌫")
    entry.press("1")
    with pytest.raises(IdentityError) as failed:
        entry.read()
    assert failed.value.code == BAD_NUMBER
    assert entry.press("清除") == ""
