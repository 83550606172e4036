"""The one launcher of real servers (common/launcher.py): it returns once the server it started
answers (never another server on its port), says why when it cannot start, and stops or kills
what it started."""

from __future__ import annotations

import pytest
import requests

from common.launcher import PortTaken, ServerDidNotStart, hall_server
from server import accounts
from server.datadir import open_data_dir

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


def kiosk_hall(root, config, seeded):
    """A data directory of the small hall with a kiosk token of its own."""
    data = open_data_dir(seeded(root / "data", config), config)
    token = accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token
    data.close()
    return root / "data", token


def serves_with(server, token: str) -> bool:
    reply = requests.get(f"{server.url}/api/v1/hall", timeout=10, headers={"Authorization": f"Bearer {token}"})
    return reply.status_code == 200


def test_another_server_on_the_port_is_never_taken_for_the_one_started(tmp_path, small_config_file,
                                                                        seeded) -> None:
    first, first_token = kiosk_hall(tmp_path / "first", small_config_file, seeded)
    second, _ = kiosk_hall(tmp_path / "second", small_config_file, seeded)
    with hall_server(first, small_config_file) as holder:
        late = hall_server(second, small_config_file, port=holder.port)   # a port given: it stays
        with pytest.raises(PortTaken, match=f"port {holder.port} is taken"):
            late.start(timeout=30)
        assert not late.running
        assert serves_with(holder, first_token)


def test_a_chosen_port_taken_before_the_server_binds_it_is_given_up_for_another(tmp_path, small_config_file,
                                                                               seeded) -> None:
    first, first_token = kiosk_hall(tmp_path / "first", small_config_file, seeded)
    second, second_token = kiosk_hall(tmp_path / "second", small_config_file, seeded)
    late = hall_server(second, small_config_file)
    chosen = late.port
    # another server takes the chosen port between its choice and the server's start
    with hall_server(first, small_config_file, port=chosen) as holder:
        with late:
            assert late.port != chosen and late.url == f"http://127.0.0.1:{late.port}"
            assert serves_with(late, second_token), "the kiosk's token is the started hall's own"
            assert serves_with(holder, first_token) and not serves_with(holder, second_token)
            late.stop()
            late.start(timeout=30)   # once started, a restart keeps the port its clients know
            assert late.port != chosen and serves_with(late, second_token)
    assert f"port {chosen} is taken by another server" in late.log_path.read_text(encoding="utf-8")
