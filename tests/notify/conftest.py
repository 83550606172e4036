from __future__ import annotations

import pytest

from server.app import create_app
from tests.conftest import FakeClock, add_user, small_hall_document, to_toml
from tests.server.test_api import PASSWORD, Api, login, signed_in

BOOKABLE = {"enabled": True, "slot_minutes": 30, "capacity": 3, "hours": "09:00-12:00",
            "days_ahead": 7, "max_per_mobile_per_day": 2, "max_per_mobile_per_item": 2}


def make_app(tmp_path, seeded, notify: dict, **changes):
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(notify=notify, appointments=BOOKABLE, **changes)), encoding="utf-8")
    clock = FakeClock()
    app = create_app(seeded(tmp_path / "var", config), config, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    for name, role in (("clerk2", "clerk"), ("clerk3", "clerk"), ("boss", "supervisor"), ("root", "admin")):
        add_user(hall.database, hall.service.hall_id, name, role, PASSWORD, f"{name}-名", "G1")
    from server import accounts
    app.clock = clock
    app.kiosk = Api(app, accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token)
    return app


@pytest.fixture
def notify_app(tmp_path, seeded):
    app = make_app(tmp_path, seeded, {"provider": "log", "ahead": 3})
    yield app
    app.extensions["jiaohao"].data.close()


__all__ = ["Api", "login", "signed_in", "make_app"]
