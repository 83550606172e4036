"""A real hall server with a clerk, a kiosk and a bridge token, emulated RS-485 devices on
loopback ports, and the bridge between them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bridge.app import Bridge
from bridge.config import parse
from bridge.emulate import KeypadBus, StripBus
from client.hall_client import HallClient, wait_until
from common.launcher import ServerProcess, hall_server
from server import accounts
from server.datadir import open_data_dir
from tests.conftest import add_user, small_hall_document, to_toml

PASSWORD = "password-1"
KEYPAD, OTHER_KEYPAD, RATER, STRIP = 1, 2, 0x21, 3


def hall_config(tmp_path: Path) -> Path:
    document = small_hall_document()
    document["policy"] = dict(document["policy"], rating_timeout_seconds=5)
    path = tmp_path / "config.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    return path


@dataclass
class Hall:
    server: ServerProcess
    tokens: dict[str, str]
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, path: str, token: str, json=None) -> dict:
        reply = self.http.post(self.url + "/api/v1" + path, json=json or {}, timeout=10,
                               headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code < 300, reply.text
        return reply.json()

    def issue(self, service: str = "A01") -> dict:
        return self.post("/tickets", self.tokens["kiosk"], {"service": service})

    def ticket(self, ticket_id: int) -> dict:
        reply = self.http.get(f"{self.url}/api/v1/tickets/{ticket_id}", timeout=10,
                              headers={"Authorization": f"Bearer {self.tokens['kiosk']}"})
        return reply.json()

    def sign_in(self, window: int = 3) -> None:
        token = self.post("/auth/login", "", {"username": "clerk3", "password": PASSWORD})["token"]
        self.post(f"/windows/{window}/sign-in", token)


def start_hall(tmp_path: Path) -> Hall:
    config = hall_config(tmp_path)
    data = open_data_dir(tmp_path / "var", config)
    add_user(data.database, data.hall_id, "clerk3", "clerk", PASSWORD, "王芳", "A1003")
    tokens = {"kiosk": accounts.add_device(data.database, data.hall_id, "kiosk-1", "kiosk").token,
              "bridge": accounts.add_device(data.database, data.hall_id, "hall-bridge", "bridge",
                                            windows=(3, 4)).token}
    data.close()
    return Hall(hall_server(tmp_path / "var", config).start(), tokens)


def bridge_document(keypads: KeypadBus, strips: StripBus) -> dict:
    return {
        "ports": [{"name": "desks", "url": keypads.url, "protocol": "ff68"},
                  {"name": "strips", "url": strips.url, "protocol": "a090"}],
        "keypads": [{"port": "desks", "address": KEYPAD, "window": 3},
                    {"port": "desks", "address": OTHER_KEYPAD, "window": 1}],   # a window not given
        "raters": [{"port": "desks", "address": RATER, "window": 3}],
        "strips": [{"port": "strips", "address": STRIP, "window": 3}],
    }


def start_bridge(hall: Hall, keypads: KeypadBus, strips: StripBus) -> Bridge:
    bridge = Bridge(parse(bridge_document(keypads, strips)), hall.url, hall.tokens["bridge"])
    bridge.start()
    assert keypads.wait_for(lambda: keypads.connected, 10) and strips.wait_for(lambda: strips.connected, 10)
    assert wait_until(lambda: bridge.presenter.synced and strips.shown(STRIP) is not None, 10)
    return bridge


class Listener:
    """The hall's live messages as a kiosk hears them."""

    def __init__(self, hall: Hall):
        self.messages: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.client = HallClient(hall.url, hall.tokens["kiosk"], on_message=self._heard)
        self.client.start()
        assert wait_until(lambda: self.client.connected, 10)

    def _heard(self, name: str, payload: dict) -> None:
        with self.lock:
            self.messages.append((name, payload))

    def changes(self, ticket_id: int) -> list[str]:
        with self.lock:
            return [p["change"] for n, p in self.messages if n == "ticket_changed" and p["ticket"]["id"] == ticket_id]

    def stop(self) -> None:
        self.client.stop()
