"""The one launcher of real servers (common/launcher.py): it returns once the server answers,
says why when it cannot start, and stops or kills what it started."""

from __future__ import annotations

import pytest

from common.launcher import ServerDidNotStart, hall_server

pytestmark = pytest.mark.slow


def test_a_started_server_answers_until_it_is_stopped(tmp_path, small_config_file) -> None:
    server = hall_server(tmp_path / "data", small_config_file).start()
    try:
        assert server.running and server.answers()
    finally:
        server.stop()
    assert not server.running and not server.answers()


def test_a_server_that_cannot_start_is_reported_with_the_end_of_its_log(tmp_path) -> None:
    server = hall_server(tmp_path / "data", tmp_path / "missing.toml")
    with pytest.raises(ServerDidNotStart, match="missing.toml"):
        server.start(timeout=30)
    assert not server.running
