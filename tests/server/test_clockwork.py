"""What happens because time passes: midnight, holds running out."""

from __future__ import annotations

from datetime import datetime, timezone

from hall import commands as c
from server.app import create_app
from tests.conftest import FakeClock, add_user


def test_midnight_expires_open_tickets_and_restarts_numbers(tmp_path, small_config_file) -> None:
    clock = FakeClock(datetime(2026, 11, 26, 15, 50, tzinfo=timezone.utc))   # 23:50 in Shanghai
    app = create_app(tmp_path / "var", small_config_file, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    hall.clockwork.tick()
    waiting = hall.service.issue("A01").ticket
    assert waiting.number == "A001"
    clock.advance(minutes=5)
    hall.clockwork.tick()
    assert hall.service.ticket(waiting.id).state.value == "waiting", "not midnight yet"
    clock.advance(minutes=10)                                               # 00:05, 16:05 UTC
    hall.clockwork.tick()
    assert hall.service.ticket(waiting.id).state.value == "expired"
    assert hall.service.issue("A01").ticket.number == "A001"
    hall.data.close()


def test_a_server_down_over_midnight_expires_on_start(tmp_path, small_config_file) -> None:
    clock = FakeClock()
    app = create_app(tmp_path / "var", small_config_file, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    left = hall.service.issue("A02").ticket
    hall.data.close()
    clock.advance(days=1)
    again = create_app(tmp_path / "var", small_config_file, clock=clock, start_clockwork=False)
    restarted = again.extensions["jiaohao"]
    restarted.clockwork.tick()   # the first tick of a started server
    assert restarted.service.ticket(left.id).state.value == "expired"
    restarted.data.close()


def test_a_hold_that_runs_out_comes_back_by_itself(tmp_path, small_config_file) -> None:
    clock = FakeClock()
    app = create_app(tmp_path / "var", small_config_file, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    clerk = add_user(hall.database, hall.service.hall_id, "clerk3", "clerk", "password-1")
    hall.service.execute(c.SignIn(window=3, clerk=clerk))
    ticket = hall.service.issue("A01").ticket
    hall.service.call_next(3)
    hall.service.execute(c.HoldTicket(ticket_id=ticket.id, minutes=10, return_to="window"))
    clock.advance(minutes=9)
    hall.clockwork.tick()
    assert hall.service.ticket(ticket.id).state.value == "held"
    clock.advance(minutes=2)
    hall.clockwork.tick()
    back = hall.service.ticket(ticket.id)
    assert (back.state.value, back.target_window) == ("waiting", 3)
    hall.data.close()
