"""等保 level 2 against the real server process, the way a hall meets it: a lock kept in the
database holds across a restart and is lifted by the operator's CLI while the server runs, a
weak new password is refused over HTTP, and the sign-in trail names each address."""

from __future__ import annotations

import time

import requests

from common.launcher import hall_server
from server.datadir import open_data_dir
from tests.cli.test_admin import jiaohao
from tests.conftest import add_user

PASSWORD = "Counter-2026"


def login(url: str, username: str, password: str = PASSWORD) -> requests.Response:
    return requests.post(f"{url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=10)


def test_a_lock_holds_across_a_restart_and_the_cli_lifts_it_while_the_server_runs(tmp_path, small_config_file) -> None:
    data = open_data_dir(tmp_path / "var", small_config_file)
    for name, role in (("clerk3", "clerk"), ("root", "admin")):
        add_user(data.database, data.hall_id, name, role, PASSWORD, name, "G1")
    data.close()

    server = hall_server(tmp_path / "var", small_config_file).start()
    try:
        for _ in range(5):
            assert login(server.url, "clerk3", "Wrong-guess-1").status_code == 401
        # the account is locked in the database; this process also slows the address for a while
        assert login(server.url, "clerk3").status_code in (423, 429)
    finally:
        server.stop()

    server = hall_server(tmp_path / "var", small_config_file).start()   # a restart forgets nothing
    try:
        again = login(server.url, "clerk3")
        if again.status_code == 429:
            # on a database the processes share, the address's short slow-down survives the
            # restart too (a few seconds); the account's lock outlasts it
            time.sleep(int(again.headers["Retry-After"]))
            again = login(server.url, "clerk3")
        assert again.status_code == 423 and again.json()["error"] == "account_locked"
        assert int(again.headers["Retry-After"]) > 0
        unlocked = jiaohao("admin", "user", "unlock", "clerk3", data=tmp_path / "var", config=small_config_file)
        assert unlocked.returncode == 0, unlocked.stderr
        signed_in = login(server.url, "clerk3")
        assert signed_in.status_code == 200, signed_in.text
        clerk = {"Authorization": f"Bearer {signed_in.json()['token']}"}

        weak = requests.post(f"{server.url}/api/v1/auth/password", timeout=10, headers=clerk,
                             json={"username": "clerk3", "password": PASSWORD, "new_password": "12345678"})
        assert weak.status_code == 422 and "/" in weak.json()["message"]

        root = {"Authorization": f"Bearer {login(server.url, 'root').json()['token']}"}
        trail = requests.get(f"{server.url}/api/v1/admin/audit?kind=sign_in&limit=50", headers=root, timeout=10)
        actions = [(e["action"], e["after"].get("address")) for e in reversed(trail.json()["entries"])]
        assert actions[:6] == [("auth.sign_in_failed", "127.0.0.1")] * 5 + [("auth.lockout", "127.0.0.1")]
        assert ("auth.sign_in_failed", "127.0.0.1") in actions[6:8], "the locked attempt after the restart"
        assert any(action == "auth.unlock" for action, _ in actions) and ("auth.sign_in", "127.0.0.1") in actions
    finally:
        server.stop()
