"""`jiaohao admin migrate-to URL`: a hall's SQLite data moved into the city's PostgreSQL,
run as the real command, then served from there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hall import commands as c
from server import accounts, db, repository as repo
from server.datadir import open_data_dir
from server.services import HallService
from tests.conftest import REPO, FakeClock, add_user, small_hall_document, to_toml

pytestmark = pytest.mark.postgresql_only


def sqlite_hall(root: Path, code: str, clock: FakeClock) -> tuple[Path, Path, dict]:
    """A SQLite hall with a morning behind it: tickets called, served, rated, one waiting;
    a clerk signed in, a device, an audit entry. Returns its data dir, config and figures."""
    document = small_hall_document()
    document["hall"] = dict(document["hall"], code=code)
    config = root / f"{code}.toml"
    config.write_text(to_toml(document), encoding="utf-8")
    data = open_data_dir(root / code, config, database=f"sqlite:///{root / code / 'jiaohao.sqlite3'}")
    try:
        clerk = add_user(data.database, data.hall_id, f"clerk-{code}", "clerk", "password-1", "王小明", "A1")
        accounts.add_device(data.database, data.hall_id, f"kiosk-{code}", "kiosk", actor="admin")
        service = HallService(data.database, data.hall_id, clock=clock, secret=data.secret_key)
        service.execute(c.SignIn(window=2, clerk=clerk))
        for item in ("A01", "A01", "B01"):
            service.issue(item)
        first = service.call_next(2)
        service.execute(c.StartService(ticket_id=first.id))
        clock.advance(minutes=7)
        service.execute(c.FinishService(ticket_id=first.id))
        service.execute(c.RateService(ticket_id=first.id, rating=5))
        second = service.call_next(2)
        conn = data.database.connection()
        figures = {"tickets": {t.number: t.state for t in repo.all_tickets(conn, data.hall_id)},
                   "events": len(repo.event_records(conn, data.hall_id)), "called": second.number}
    finally:
        data.close()
    return root / code, config, figures


def migrate(data: Path, config: Path, url: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "JIAOHAO_DATABASE"}
    return subprocess.run([sys.executable, "-m", "jiaohao", "admin", "--data", str(data), "--config", str(config),
                           "--database", f"sqlite:///{data / 'jiaohao.sqlite3'}", "migrate-to", url],
                          capture_output=True, text=True, env=environment, cwd=REPO, timeout=120)


def test_a_hall_moves_into_postgresql_and_carries_on_there(tmp_path, backend, postgres_url) -> None:
    clock = FakeClock()
    first, first_config, before = sqlite_hall(tmp_path, "hall-one", clock)
    second, second_config, _ = sqlite_hall(tmp_path, "hall-two", FakeClock())
    moved = migrate(first, first_config, postgres_url)
    assert moved.returncode == 0, moved.stderr
    assert "verified" in moved.stdout and f"{before['events']} events" in moved.stdout
    # a second hall into the same database: its ids move past the first's
    also = migrate(second, second_config, postgres_url)
    assert also.returncode == 0, also.stderr
    again = migrate(first, first_config, postgres_url)
    assert again.returncode != 0 and "already holds hall" in again.stderr

    data = open_data_dir(first, first_config, database=postgres_url)
    try:
        conn = data.database.connection()
        assert {t.number: t.state for t in repo.all_tickets(conn, data.hall_id)} == before["tickets"]
        assert len(repo.event_records(conn, data.hall_id)) == before["events"]
        service = HallService(data.database, data.hall_id, clock=clock, secret=data.secret_key)
        assert service.issue("A01").ticket.number == "A003", "numbering carries on from the copy"
        called = repo.ticket_by_number(conn, data.hall_id, service.today(), before["called"])
        service.execute(c.StartService(ticket_id=called.id))
        service.execute(c.FinishService(ticket_id=called.id))
        assert service.call_next(2) is not None, "the clerk signed in before the move calls on"
        seqs = [r["seq"] for r in repo.event_records(conn, data.hall_id)]
        assert seqs == list(range(1, len(seqs) + 1))
        assert accounts.check_login(data.database, "clerk-hall-one", "password-1") is not None
    finally:
        data.close()
    other = db.PostgresDatabase(postgres_url)
    try:
        with other.checked_out() as conn:
            ids = [row[0] for row in conn.execute("SELECT id FROM tickets ORDER BY id")]
            assert len(ids) == len(set(ids)) == 3 + 3 + 1
    finally:
        other.close()
