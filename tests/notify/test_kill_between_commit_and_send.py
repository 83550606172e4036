"""kill -9 of a real server between committing messages and sending them: one message was
being sent (the gateway had it and had not answered), another was committed and not yet
taken up. After the restart each goes out once more under the same id, and each is recorded
as sent exactly once."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
import requests

from common.launcher import hall_server
from server import accounts
from server.datadir import open_data_dir
from tests.conftest import small_hall_document, to_toml
from tests.notify.fakes import Reply, start_fake, stop_fake


@pytest.fixture
def gateway():
    answering = threading.Event()     # unset: the gateway takes the request and never answers

    def answer(got) -> Reply:
        return Reply(200, b'{"ok": true}') if answering.is_set() else Reply(200, b"{}", delay=60)
    fake = start_fake(answer)
    fake.answering = answering
    yield fake
    stop_fake(fake)


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.slow
def test_a_message_committed_before_a_kill_is_sent_once_after_the_restart(tmp_path, gateway) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(notify={
        "provider": "webhook", "webhook_url": gateway.url, "webhook_secret": "s3cret-for-test",
        "timeout_seconds": 2})), encoding="utf-8")
    data_path = tmp_path / "var"
    data = open_data_dir(data_path, config)
    kiosk = accounts.add_device(data.database, data.hall_id, "kiosk", "kiosk").token
    data.close()
    server = hall_server(data_path, config).start()
    try:
        headers = {"Authorization": f"Bearer {kiosk}"}
        first = requests.post(f"{server.url}/api/v1/tickets", headers=headers, timeout=10,
                              json={"service": "A01", "notify": {"mobile": "13812345678", "called": False}})
        assert first.status_code == 201
        assert wait_for(lambda: len(gateway.received) == 1, 10), "the courier took up the first message"
        second = requests.post(f"{server.url}/api/v1/tickets", headers=headers, timeout=10,
                               json={"service": "C01", "notify": {"mobile": "13912345678", "called": False}})
        assert second.status_code == 201        # committed while the courier waits on the first
        server.kill()
        gateway.answering.set()
        gateway.release.set()
        server.start()
        ids = lambda: [json.loads(g.body)["id"] for g in gateway.received]  # noqa: E731
        # the second at once; the first when its claim runs out (its send may have reached the gateway)
        assert wait_for(lambda: len(ids()) == 3, 30), ids()
        time.sleep(1.0)
        assert len(ids()) == 3 and len(set(ids())) == 2 and ids()[0] == ids()[2]
    finally:
        server.stop()
    conn = sqlite3.connect(data_path / "jiaohao.sqlite3")
    try:
        rows = conn.execute("SELECT o.idem_key, o.state, (SELECT COUNT(*) FROM notify_attempts a "
                            "WHERE a.outbox_id = o.id AND a.result = 'sent') FROM notify_outbox o ORDER BY o.id").fetchall()
    finally:
        conn.close()
    assert [(state, sent) for _, state, sent in rows] == [("sent", 1), ("sent", 1)]
    assert [key for key, _, _ in rows] == [ids()[0], ids()[1]]
