from __future__ import annotations

import pytest

from server import accounts
from server.app import create_app
from tests.conftest import FakeClock, add_user, chosen_backends, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api

#: 2026-11-26 08:00 in the hall; the first slot is 09:00-09:30
RULES = {"enabled": True, "slot_minutes": 30, "capacity": 3, "hours": "09:00-12:00,14:00-16:00",
         "days_ahead": 7, "early_grace_minutes": 15, "late_grace_minutes": 10,
         "late_gets_normal_ticket": True, "max_per_mobile_per_day": 2, "max_per_mobile_per_item": 1}
DAY = "2026-11-26"


def pytest_generate_tests(metafunc) -> None:
    """Booking takes places of a slot's capacity under the hall's lock: on SQLite and on
    PostgreSQL (tests/conftest.py). The browser tests stay on SQLite (the page does not care),
    and so do the rules' own tests, which open no database."""
    if "backend" in metafunc.fixturenames:
        markers = {m.name for m in metafunc.definition.iter_markers()}
        if metafunc.module.__name__.rsplit(".", 1)[-1] not in ("test_api", "test_queue_order"):
            markers.add("sqlite_only")
        metafunc.parametrize("backend", chosen_backends(metafunc.config, markers), indirect=True)


@pytest.fixture(autouse=True)
def _on_backend(backend: str) -> str:
    return backend


@pytest.fixture
def appt_app(tmp_path, seeded):
    yield from hall_app(tmp_path, seeded, RULES)


@pytest.fixture
def big_slot_app(tmp_path, seeded):
    """A02's slots have 20 places: enough to sweep from many addresses."""
    yield from hall_app(tmp_path, seeded, RULES | {"items": {"A02": {"capacity": 20}}})


def hall_app(tmp_path, seeded, rules):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(small_hall_document(appointments=rules)), encoding="utf-8")
    from datetime import datetime, timezone
    clock = FakeClock(datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc))
    app = create_app(seeded(tmp_path / "var", path), path, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    add_user(hall.database, hall.service.hall_id, "desk", "clerk", PASSWORD, "导服台", "D1")
    add_user(hall.database, hall.service.hall_id, "clerk2", "clerk", PASSWORD, "clerk2", "G2")
    add_user(hall.database, hall.service.hall_id, "boss", "supervisor", PASSWORD, "boss", "S1")
    add_user(hall.database, hall.service.hall_id, "root", "admin", PASSWORD, "root", "R1")
    app.clock = clock
    app.tokens = {"kiosk": accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token}
    yield app
    hall.data.close()


@pytest.fixture
def public(appt_app) -> Api:
    return Api(appt_app)


@pytest.fixture
def kiosk(appt_app) -> Api:
    return Api(appt_app, appt_app.tokens["kiosk"])
