from __future__ import annotations

from pathlib import Path

import pytest

from server.datadir import DataDir, open_data_dir
from server.services import HallService
from tests.conftest import FakeClock, add_user, chosen_backends


def pytest_generate_tests(metafunc) -> None:
    """Every server test runs on SQLite and on PostgreSQL (tests/conftest.py says why and how):
    these are the tests where the database makes a difference (the service layer, the
    repository, the API, live updates, server processes). Those about the SQLite file itself
    are marked sqlite_only, those about several processes sharing PostgreSQL postgresql_only.
    `pytest --backends sqlite` runs the SQLite half alone."""
    if "backend" in metafunc.fixturenames:
        markers = {m.name for m in metafunc.definition.iter_markers()}
        metafunc.parametrize("backend", chosen_backends(metafunc.config, markers), indirect=True)


@pytest.fixture(autouse=True)
def _on_backend(backend: str) -> str:
    return backend


class RecordingPublisher:
    """Remembers what would have been broadcast, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[int, list]] = []

    def __call__(self, hall_id: int, events: list) -> None:
        self.published.append((hall_id, events))

    @property
    def kinds(self) -> list[str]:
        return [event.kind() for _, batch in self.published for _, event in batch]


@pytest.fixture
def data_dir(tmp_path: Path, small_config_file: Path, seeded):
    data = open_data_dir(seeded(tmp_path / "var", small_config_file), small_config_file)
    yield data
    data.close()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def service(data_dir: DataDir, publisher: RecordingPublisher, clock: FakeClock) -> HallService:
    return HallService(data_dir.database, data_dir.hall_id, publish=publisher, clock=clock)


@pytest.fixture
def clerk(data_dir: DataDir) -> int:
    return add_user(data_dir.database, data_dir.hall_id, "clerk1", "clerk", "password-1",
                    "王小明", "A1001")
