"""Tickets tied to a person, against the real server process: the 身份证 number checked (GB 11643),
an item's identity mode, the per-person daily limit and its refusal count, the elderly green
channel, and no ID number in clear in the database file or the server's log after a day."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import requests

from common.launcher import hall_server
from hall.identity import check_character, mask_id_number
from server import accounts, db, personal, repository as repo
from server.datadir import open_data_dir
from server.services import HallService
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml

YOUNG = "110105" + "19900307" + "123"
YOUNG += check_character(YOUNG)
OLD = "320102" + "19400101" + "456"
OLD += check_character(OLD)
OTHER = "440305" + "19851111" + "78"
OTHER += "1" + check_character(OTHER + "1")


def identity_hall(tmp_path, per_person: int = 2):
    document = small_hall_document(identity={"tickets_per_person_per_item": per_person, "green_channel": ["老年人"],
                                             "elderly_age": 60})
    document["services"][0]["identity"] = "required"   # A01 企业设立登记
    document["services"][1]["identity"] = "optional"   # A02
    config = tmp_path / "config.toml"
    config.write_text(to_toml(document), encoding="utf-8")
    return config


@pytest.fixture
def running(tmp_path, backend):
    config = identity_hall(tmp_path)
    data = open_data_dir(tmp_path / "var", config)
    token = accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token
    add_user(data.database, data.hall_id, "boss", "supervisor", "Counter-2026", "主管", "G1")
    data.close()
    server = hall_server(tmp_path / "var", config).start()
    try:
        yield server, token, tmp_path
    finally:
        server.stop()


def issue(server, token: str, **payload) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/tickets", json=payload, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})


def test_identity_required_optional_and_off(running) -> None:
    server, token, _ = running
    missing = issue(server, token, service="A01")
    assert missing.status_code == 422 and missing.json()["error"] == "id_required"
    assert " / " in missing.json()["message"]
    assert issue(server, token, service="A02").status_code == 201            # optional: without a card
    assert issue(server, token, service="C01").status_code == 201            # off


@pytest.mark.parametrize("number", [YOUNG[:-1] + ("0" if YOUNG[-1] != "0" else "1"), "12345", "", 110, ["x"]])
def test_a_number_failing_the_check_digit_is_a_422(running, number) -> None:
    server, token, _ = running
    refused = issue(server, token, service="A02" if number == "" else "A01", id_number=number)
    if number == "":
        assert refused.status_code == 201     # an optional item with the field left empty
        return
    assert refused.status_code == 422 and refused.json()["error"] == "bad_id_number", refused.text
    assert "身份证" in refused.json()["message"] and " / " in refused.json()["message"]


def test_the_limit_per_person_per_item_and_day(running) -> None:
    server, token, _ = running
    first = issue(server, token, service="A01", id_number=YOUNG)
    second = issue(server, token, service="A01", id_number=YOUNG.lower())
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json()["ticket"]["priority"] == "normal"
    assert first.json()["id_number_masked"] == mask_id_number(YOUNG)
    third = issue(server, token, service="A01", id_number=YOUNG)
    assert third.status_code == 409 and third.json()["error"] == "person_limit_reached"
    assert "企业设立登记" in third.json()["message"] and " / " in third.json()["message"]
    assert YOUNG not in third.text
    assert issue(server, token, service="A02", id_number=YOUNG).status_code == 201    # another item
    assert issue(server, token, service="A01", id_number=OTHER).status_code == 201    # another person


def test_the_elderly_get_the_green_channel_automatically(running) -> None:
    server, token, _ = running
    issued = issue(server, token, service="A01", id_number=OLD)
    assert issued.status_code == 201 and issued.json()["ticket"]["priority"] == "green"
    assert issued.json()["number"].startswith("V")


@pytest.mark.sqlite_only
def test_no_id_number_in_clear_on_disk_or_in_the_log(running) -> None:
    server, token, tmp_path = running
    for number in (YOUNG, OLD):
        issue(server, token, service="A01", id_number=number)
    issue(server, token, service="A01", id_number=OTHER)
    issue(server, token, service="A01", id_number=OTHER)   # refused: the limit
    folder = tmp_path / "var"
    stored = b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(db.DB_FILENAME))
    logs = b"".join(p.read_bytes() for p in tmp_path.glob("*.log"))
    for number in (YOUNG, OLD, OTHER):
        for form in (number.encode(), number.encode("utf-16-le"), number[6:14].encode() + number[-4:].encode()):
            assert form not in stored and form not in logs
    assert mask_id_number(YOUNG).encode() in stored    # the masked form is what is kept to show


# --- the service layer: refusal counts and the purge -----------------------------------------

def test_refusals_are_counted_and_people_purged_after_personal_data_days(tmp_path, seeded) -> None:
    config = identity_hall(tmp_path)
    data = open_data_dir(seeded(tmp_path / "var", config), config)
    clock = FakeClock(datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc))
    service = HallService(data.database, data.hall_id, clock=clock, vault=data.vault)
    try:
        person = service.person_for("A01", YOUNG)
        service.issue("A01", person=person)
        service.issue("A01", person=person)
        for _ in range(3):
            with pytest.raises(Exception, match="每人每天"):
                service.issue("A01", person=person)
        refusals = repo.person_refusals(data.database.connection(), data.hall_id, date(2026, 11, 26),
                                        date(2026, 11, 26))
        assert [(r["service"], r["refused_at"][:13]) for r in refusals] == [("A01", "2026-11-26T02")] * 3

        clock.advance(days=1)                     # a new business day: the limit starts again
        service.issue("A01", person=person)
        clock.advance(days=service.setup().security.personal_data_days + 1)
        assert personal.purge_expired(service) == 3
        conn = data.database.connection()
        assert conn.execute("SELECT COUNT(*) FROM ticket_people").fetchone()[0] == 0
        assert service.person_for("C01", YOUNG) is None          # an item without identity keeps nobody
    finally:
        data.close()


def test_a_limit_is_kept_when_two_kiosks_read_the_same_card_at_once(tmp_path, seeded) -> None:
    import threading
    config = identity_hall(tmp_path)
    data = open_data_dir(seeded(tmp_path / "var", config), config)
    service = HallService(data.database, data.hall_id, clock=FakeClock(), vault=data.vault)
    person = service.person_for("A01", YOUNG)
    outcomes: list[str] = []

    def take() -> None:
        try:
            service.issue("A01", person=person)
            outcomes.append("issued")
        except Exception as refused:   # noqa: BLE001 - the refusal is what is counted
            outcomes.append(getattr(refused, "code", repr(refused)))
    try:
        threads = [threading.Thread(target=take) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes) == ["issued"] * 2 + ["person_limit_reached"] * 4
    finally:
        data.close()


def test_supervision_and_reports_count_refusals_per_item_and_hour(running) -> None:
    server, token, _ = running
    for _ in range(2):
        issue(server, token, service="A01", id_number=YOUNG)
    for _ in range(3):
        assert issue(server, token, service="A01", id_number=YOUNG).status_code == 409
    boss = requests.post(f"{server.url}/api/v1/auth/login", timeout=10,
                         json={"username": "boss", "password": "Counter-2026"}).json()["token"]
    headers = {"Authorization": f"Bearer {boss}"}
    live = requests.get(f"{server.url}/api/v1/supervision", headers=headers, timeout=10).json()
    assert live["person_limit_refusals"]["total"] == 3
    assert live["person_limit_refusals"]["by_item"] == {"A01": 3}
    assert sum(h["refused"] for h in live["person_limit_refusals"]["by_hour"]) == 3
    today = live["hall"]["business_date"]
    report = requests.get(f"{server.url}/api/v1/reports?from={today}&to={today}", headers=headers, timeout=10)
    assert report.status_code == 200, report.text
    assert report.json()["person_limit_refusals"]["by_item"] == {"A01": 3}
