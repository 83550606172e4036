"""A simulated day of tickets tied to people, then a grep of the database files and the log: no
ID number, name read from a card or mobile number in clear anywhere. Citizens take tickets at the
kiosk with their 身份证 (some twice: refused by the limit), declare a category, take remote
tickets with their mobile and ID numbers, activate them at the kiosk or at the entrance or let
them lapse; clerks call and finish; the day ends and the next one starts."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timezone

import pytest

from hall.identity import check_character, mask_id_number
from server import accounts, db
from server.app import create_app
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, login

pytestmark = pytest.mark.sqlite_only   # it greps the SQLite file; PostgreSQL keeps the same rows

NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强")


def citizen(rng: random.Random) -> str:
    first17 = f"{rng.choice(['110105', '320102', '440305', '510104'])}{rng.randint(1940, 2005)}" \
              f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + check_character(first17)


@pytest.fixture
def day(tmp_path, seeded):
    document = small_hall_document(identity={"tickets_per_person_per_item": 1, "green_channel": ["老年人", "军人"]},
                                   remote={"enabled": True, "activate_minutes": 20, "daily_tickets": 50,
                                           "max_per_mobile_per_day": 3})
    document["services"][0] |= {"identity": "required", "identity_name": True}   # A01 keeps the name, sealed
    document["services"][1]["identity"] = "optional"                              # A02
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    log_file = tmp_path / "server.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    clock = FakeClock(datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc))   # 09:00 in the hall
    app = create_app(seeded(tmp_path / "var", path), path, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    add_user(hall.database, hall.service.hall_id, "clerk1", "clerk", PASSWORD, "窗口一", "G1")
    app.kiosk = Api(app, accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token)
    app.clock, app.hall, app.data_dir, app.log_file = clock, hall, tmp_path / "var", log_file
    try:
        yield app
    finally:
        hall.data.close()
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def test_after_a_day_no_id_number_name_or_mobile_is_in_clear(day) -> None:
    rng = random.Random(20261126)
    people = [citizen(rng) for _ in range(24)]
    mobiles = [f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}" for _ in range(24)]
    kiosk, public, clerk = day.kiosk, Api(day), login(day, "clerk1")
    assert clerk.post("/windows/1/sign-in")[0] == 200
    entrance = day.hall.remote.entrance_token()
    outcomes: dict[str, int] = {}

    def tally(status: int, reply: dict) -> None:
        key = reply.get("error") or str(status)
        outcomes[key] = outcomes.get(key, 0) + 1

    for hour in range(8):                                   # 09:00 … 16:59
        for n, number in enumerate(people):
            if rng.random() < 0.35:                         # at the kiosk, with the card
                body = {"service": rng.choice(["A01", "A02"]), "id_number": rng.choice([number, number.lower()]),
                        "id_name": NAMES[n % len(NAMES)]}
                if rng.random() < 0.2:
                    body["green_category"] = "军人"
                tally(*kiosk.post("/tickets", body))
            elif rng.random() < 0.25:                       # from the phone, remotely
                status, remote = public.post("/remote-tickets", {"service": rng.choice(["A01", "A02", "C01"]),
                                                                 "mobile": mobiles[n], "id_number": number})
                tally(status, remote)
                if status == 201 and rng.random() < 0.4:
                    tally(*kiosk.post("/remote-tickets/activate", {"code": remote["code"]}))
                elif status == 201 and rng.random() < 0.5:
                    tally(*public.post(f"/remote-tickets/{remote['code']}/activate", {"entrance_token": entrance}))
        for _ in range(6):                                  # the window works through its queue
            status, called = clerk.post("/windows/1/call-next")
            if status == 200 and called.get("ticket"):
                ticket = called["ticket"]["id"]
                clerk.post(f"/tickets/{ticket}/start")
                clerk.post(f"/tickets/{ticket}/finish")
        day.clock.advance(minutes=59)
        day.hall.clockwork.tick()                           # the timed work: lapses, alerts …
    day.clock.advance(hours=16)                             # the next morning
    day.hall.clockwork.tick()
    assert outcomes.get("201", 0) > 20 and outcomes.get("person_limit_reached", 0) > 5, outcomes
    log = day.hall.database.connection().execute("SELECT kind, COUNT(*) FROM remote_ticket_log GROUP BY kind")
    kinds = dict(log.fetchall())
    assert kinds.get("taken", 0) > 5 and kinds.get("activated", 0) > 0 and kinds.get("lapsed", 0) > 0, kinds
    assert public.get("/remote-tickets/services")[0] == 200

    day.hall.data.close()                                   # everything on disk, the log included
    stored = b"".join(p.read_bytes() for p in day.data_dir.iterdir() if p.name.startswith(db.DB_FILENAME))
    logs = day.log_file.read_bytes()
    assert b"remote tickets lapsed" in logs and b"day rollover" in logs   # the day was logged
    for number in people:
        for form in (number, number.lower(), number[6:14] + number[-4:]):
            for encoded in (form.encode(), form.encode("utf-16-le")):
                assert encoded not in stored, f"{mask_id_number(number)} in the database"
                assert encoded not in logs, f"{mask_id_number(number)} in the log"
    for name in NAMES:
        assert name.encode() not in stored and name.encode() not in logs
    for mobile in mobiles:
        assert mobile.encode() not in stored and mobile.encode() not in logs
    assert any(mask_id_number(number).encode() in stored for number in people)   # what screens may show
