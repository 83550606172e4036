"""Several server processes of one hall on one PostgreSQL: the hall's timed work (day rollover,
held tickets coming back, alerts, missed bookings) is done by the one process holding the hall's
clockwork lock, and another takes over as soon as that one lets go or dies."""

from __future__ import annotations

import shutil

import pytest

from hall import commands as c
from server.app import create_app
from server.datadir import SECRET_FILENAME
from tests.conftest import FakeClock, add_user

pytestmark = pytest.mark.postgresql_only


def two_processes(tmp_path, config, seeded, clock):
    """Two apps as two processes would have them: their own data directories, one database."""
    first = create_app(seeded(tmp_path / "a", config), config, clock=clock, start_clockwork=False)
    (tmp_path / "b").mkdir()
    shutil.copy(tmp_path / "a" / SECRET_FILENAME, tmp_path / "b" / SECRET_FILENAME)
    second = create_app(tmp_path / "b", config, clock=clock, start_clockwork=False)
    return first.extensions["jiaohao"], second.extensions["jiaohao"]


def test_one_process_does_the_timed_work_and_another_takes_over_when_it_goes(tmp_path, small_config_file,
                                                                             seeded, backend) -> None:
    clock = FakeClock()
    one, other = two_processes(tmp_path, small_config_file, seeded, clock)
    try:
        one.clockwork.tick()
        other.clockwork.tick()
        assert (one.clockwork.leading, other.clockwork.leading) == (True, False)

        clerk = add_user(one.database, one.service.hall_id, "clerk3", "clerk", "password-1")
        one.service.execute(c.SignIn(window=3, clerk=clerk))
        ticket = one.service.issue("A01").ticket
        one.service.call_next(3)
        one.service.execute(c.HoldTicket(ticket_id=ticket.id, minutes=10, return_to="window"))
        clock.advance(minutes=11)
        other.clockwork.tick()
        assert other.service.ticket(ticket.id).state.value == "held", "the other process leaves it alone"
        one.clockwork.tick()
        assert one.service.ticket(ticket.id).state.value == "waiting", "the leading process brings it back"

        one.clockwork.stop()   # a process that stops lets the hall's timed work go
        other.clockwork.tick()
        assert other.clockwork.leading
        one.clockwork.tick()
        assert not one.clockwork.leading, "the first comes back as a follower"
    finally:
        one.data.close()
        other.data.close()


def test_a_process_that_closes_its_database_lets_the_work_go(tmp_path, small_config_file, seeded,
                                                             backend) -> None:
    """The lock lives on a session of its own, ended with the database; a process that dies
    ends it too (tests/server/test_city_processes.py kills one)."""
    one, other = two_processes(tmp_path, small_config_file, seeded, FakeClock())
    try:
        one.clockwork.tick()
        assert one.clockwork.leading
        one.data.close()
        other.clockwork.tick()
        assert other.clockwork.leading
    finally:
        other.data.close()
