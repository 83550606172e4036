"""Two halls in one deployment: `jiaohao admin hall add/list`, `--hall` on the per-hall
commands, and a server of one hall to which every token of the other is unknown — its clerks,
devices and phones neither see nor change the first hall's tickets, and ids leak nothing (404)."""

from __future__ import annotations

from pathlib import Path

import requests

from common.launcher import hall_server
from server.datadir import open_data_dir
from server.services import HallService
from tests.cli.test_admin import jiaohao
from tests.conftest import small_hall_document, to_toml

PASSWORD = "Counter-2026"


def second_hall_config(tmp_path: Path, code: str = "xc-east") -> Path:
    document = small_hall_document()
    document["hall"] = {**document["hall"], "code": code, "name": "东区便民服务中心",
                        "name_en": "East District Service Centre"}
    path = tmp_path / f"{code.replace('/', '-')}.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    return path


def run_ok(*args: str, data: Path, config: Path) -> str:
    result = jiaohao(*args, data=data, config=config)
    assert result.returncode == 0, result.stderr
    return result.stdout


def token_line(output: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("token: "))


def login(url: str, username: str) -> requests.Response:
    return requests.post(f"{url}/api/v1/auth/login", json={"username": username, "password": PASSWORD},
                         timeout=10)


def test_halls_are_added_listed_and_chosen_with_hall(tmp_path, small_config_file) -> None:
    data, east = tmp_path / "var", second_hall_config(tmp_path)
    home = open_data_dir(data, small_config_file)
    home_code = HallService(home.database, home.hall_id).setup().hall.code
    home.close()
    assert "xc-east" in run_ok("admin", "hall", "add", "--config", str(east), data=data, config=small_config_file)
    again = jiaohao("admin", "hall", "add", "--config", str(east), data=data, config=small_config_file)
    assert again.returncode != 0 and "xc-east" in again.stderr
    listed = run_ok("admin", "hall", "list", data=data, config=small_config_file)
    assert "xc-east" in listed and home_code in listed and "东区便民服务中心" in listed

    # two halls: a per-hall command must be told which, and keeps to it
    unsaid = jiaohao("admin", "user", "list", data=data, config=small_config_file)
    if unsaid.returncode != 0:   # SQLite: the file holds both; PostgreSQL: the config names its hall
        assert "--hall" in unsaid.stderr
    run_ok("admin", "user", "add", "east1", "--role", "clerk", "--password", PASSWORD, "--hall", "xc-east",
           data=data, config=small_config_file)
    assert "east1" in run_ok("admin", "user", "list", "--hall", "xc-east", data=data, config=small_config_file)
    assert "east1" not in run_ok("admin", "user", "list", "--hall", home_code, data=data, config=small_config_file)
    elsewhere = jiaohao("admin", "user", "disable", "east1", "--hall", home_code, data=data, config=small_config_file)
    assert elsewhere.returncode != 0 and "east1" in elsewhere.stderr, "a hall's admin manages their own hall"
    unknown = jiaohao("admin", "device", "list", "--hall", "nowhere", data=data, config=small_config_file)
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr
    assert "xc-east" in run_ok("admin", "hall", "show", "--hall", "xc-east", data=data, config=small_config_file)


def test_a_hall_called_all_or_by_what_an_address_cannot_carry_is_refused(tmp_path, small_config_file) -> None:
    """`--hall all` means every hall, and a code goes as it is into ?hall=CODE: neither may be added."""
    data = tmp_path / "var"
    open_data_dir(data, small_config_file).close()
    for code, words in (("all", ("保留字", "reserved")), ("east/1", ("小写字母", "lower-case letters"))):
        added = jiaohao("admin", "hall", "add", "--config", str(second_hall_config(tmp_path, code)),
                        data=data, config=small_config_file)
        assert added.returncode == 2, added.stdout
        assert "hall.code" in added.stderr and all(word in added.stderr for word in words), added.stderr
    listed = run_ok("admin", "hall", "list", data=data, config=small_config_file)
    assert "东区便民服务中心" not in listed, "nothing was added"


def test_a_hall_server_refuses_every_token_of_another_hall(tmp_path, small_config_file) -> None:
    data, east = tmp_path / "var", second_hall_config(tmp_path)
    home = open_data_dir(data, small_config_file)
    home_code = HallService(home.database, home.hall_id).setup().hall.code
    home_ticket = HallService(home.database, home.hall_id).issue("A01").ticket
    home.close()
    run_ok("admin", "hall", "add", "--config", str(east), data=data, config=small_config_file)
    for name, hall in (("home1", home_code), ("east1", "xc-east")):
        run_ok("admin", "user", "add", name, "--role", "supervisor", "--password", PASSWORD, "--hall", hall,
               data=data, config=small_config_file)
    east_kiosk = token_line(run_ok("admin", "device", "add", "east-kiosk", "--kind", "kiosk", "--hall", "xc-east",
                                   data=data, config=small_config_file))
    east_data = open_data_dir(data, small_config_file, hall="xc-east")
    east_ticket = HallService(east_data.database, east_data.hall_id).issue("A01")
    east_data.close()

    server = hall_server(data, small_config_file, hall=home_code).start()
    try:
        url = server.url
        assert login(url, "east1").status_code == 401, "another hall's staff do not sign in here"
        home1 = {"Authorization": f"Bearer {login(url, 'home1').json()['token']}"}
        assert requests.get(f"{url}/api/v1/hall", headers=home1, timeout=10).status_code == 200
        mine = requests.get(f"{url}/api/v1/tickets/{home_ticket.id}", headers=home1, timeout=10)
        assert mine.status_code == 200, mine.text

        # the other hall's ticket ids are unknown here, for reading and for changing
        for method, path in (("get", ""), ("post", "/recall"), ("post", "/cancel"), ("post", "/hold")):
            answer = requests.request(method, f"{url}/api/v1/tickets/{east_ticket.ticket.id}{path}",
                                      headers=home1, json={}, timeout=10)
            assert answer.status_code == 404, (path, answer.status_code, answer.text)
            assert answer.json()["error"] and "/" in answer.json()["message"]

        # the other hall's device and phone tokens are as unknown as made-up ones
        kiosk = requests.post(f"{url}/api/v1/tickets", headers={"Authorization": f"Bearer {east_kiosk}"},
                              json={"service": "A01"}, timeout=10)
        assert kiosk.status_code == 401, kiosk.text
        phone = requests.get(f"{url}/api/v1/tickets/{east_ticket.ticket.id}",
                             headers={"Authorization": f"Bearer {east_ticket.track_token}"}, timeout=10)
        assert phone.status_code == 401, phone.text
        page = requests.get(f"{url}/t/{east_ticket.track_token}", timeout=10)
        assert page.status_code == 404
    finally:
        server.stop()

    east_data = open_data_dir(data, small_config_file, hall="xc-east")
    try:
        untouched = HallService(east_data.database, east_data.hall_id).ticket(east_ticket.ticket.id)
        assert untouched.state == east_ticket.ticket.state, "nothing of the other hall changed"
    finally:
        east_data.close()
