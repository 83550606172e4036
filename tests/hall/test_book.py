"""The tickets by id as a book never changed in place: it answers as a dict would, and a new
book leaves the one it came from as it was."""

from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from hall.book import TicketBook

IDS = st.one_of(st.integers(0, 40), st.integers(0, 5000), st.integers(0, 2 ** 45))
STEPS = st.lists(st.tuples(st.sampled_from(["set", "drop"]), IDS, st.integers()), max_size=200)


@given(STEPS)
def test_a_book_answers_as_a_dict_and_its_elders_stay_as_they_were(steps) -> None:
    book, plain = TicketBook(), {}
    history = [(book, dict(plain))]
    for action, key, value in steps:
        if action == "set":
            book, plain[key] = book.set(key, value), value
        else:
            book = book.dropped([key])
            plain.pop(key, None)
        history.append((book, dict(plain)))
    for older, then in history:
        assert len(older) == len(then) and dict(older.items()) == then and older == then
        assert list(older) == sorted(then) and list(older.values()) == [then[k] for k in sorted(then)]
    for key in {k for _, k, _ in steps} | {7, 2 ** 50}:
        assert (key in book) == (key in plain) and book.get(key, "none") == plain.get(key, "none")


def test_a_missing_id_is_a_key_error_and_a_book_survives_pickling() -> None:
    book = TicketBook.of({3: "A003", 70: "B001"})
    try:
        book[4]
    except KeyError:
        pass
    else:
        raise AssertionError("a missing id must raise KeyError")
    assert "3" not in book and -1 not in book
    assert pickle.loads(pickle.dumps(book)) == {3: "A003", 70: "B001"}
    assert book.set_all({5: "C001"}).dropped([3, 99, 3]) == {5: "C001", 70: "B001"}
