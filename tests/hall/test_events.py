"""Stored event kinds: the strings in the log's kind column are fixed, whatever the classes
are called, so a log written today replays tomorrow."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone

import pytest

from hall import events as e
from hall.tickets import Priority, TicketState

#: Every kind ever written to a log. Add to it; never change or remove a string.
STORED_KINDS = {
    "ticket_issued": "TicketIssued", "ticket_called": "TicketCalled", "ticket_recalled": "TicketRecalled",
    "service_started": "ServiceStarted", "service_finished": "ServiceFinished",
    "ticket_missed": "TicketMissed", "ticket_held": "TicketHeld", "ticket_resumed": "TicketResumed",
    "ticket_transferred": "TicketTransferred", "ticket_returned_late": "TicketReturnedLate",
    "ticket_cancelled": "TicketCancelled", "ticket_expired": "TicketExpired",
    "service_rated": "ServiceRated", "rating_skipped": "RatingSkipped",
    "window_signed_in": "WindowSignedIn", "window_signed_out": "WindowSignedOut",
    "window_paused": "WindowPaused", "window_resumed": "WindowResumed",
}

AT = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)


def test_the_stored_kinds_are_exactly_these_strings() -> None:
    assert {kind: cls.__name__ for kind, cls in e.EVENT_TYPES.items()} == STORED_KINDS
    for kind, cls in e.EVENT_TYPES.items():
        assert cls.KIND == kind and cls.kind() == kind


def test_every_concrete_event_is_a_stored_kind() -> None:
    def leaves(cls):
        subs = cls.__subclasses__()
        return [cls] if not subs else [leaf for sub in subs for leaf in leaves(sub)]
    assert {cls.__name__ for cls in leaves(e.Event)} == set(STORED_KINDS.values())


def test_a_renamed_class_keeps_its_stored_kind() -> None:
    renamed = dataclasses.make_dataclass("NumberHandedOut", [], bases=(e.TicketIssued,), frozen=True,
                                         kw_only=True)
    assert renamed.kind() == "ticket_issued"


def test_a_base_class_is_not_a_kind_of_the_log() -> None:
    with pytest.raises(TypeError):
        e.TicketEvent.kind()


def test_an_old_log_row_replays_by_its_stored_kind() -> None:
    """A record as the log holds it, written by hand: it must come back as the same event."""
    record = {"kind": "ticket_issued", "at": AT.isoformat(), "actor": "device:1", "ticket_id": 7,
              "window": None, "from_state": None, "to_state": "waiting",
              "details": {"business_date": "2026-11-26", "service": "A01", "prefix": "A", "serial": 1,
                          "number": "A001", "priority": "normal"}}
    event = e.event_from_record(record)
    assert event == e.TicketIssued(at=AT, actor="device:1", ticket_id=7, from_state=None,
                                   to_state=TicketState.WAITING, business_date=date(2026, 11, 26),
                                   service="A01", prefix="A", serial=1, number="A001",
                                   priority=Priority.NORMAL)
    assert e.event_record(event) == record
