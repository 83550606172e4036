"""A fresh demo hall in a process of its own, and what people in the hall do to it over REST
(a kiosk issues, a clerk signs in, calls, recalls, serves, pauses): for the board benchmarks
and for the tests that watch a real board or kiosk.
"""

from __future__ import annotations

from pathlib import Path

import requests

from common.launcher import DEMO_PASSWORD as PASSWORD, ROOT, demo_server, read_credentials


class DemoHall:
    """`jiaohao demo --headless` on a free port with a fresh data directory."""

    def __init__(self, data: Path, port: int | None = None):
        self.data = data
        self.server = demo_server(data, ROOT / "config.toml", port)
        self.port, self.url = self.server.port, self.server.url
        self.sessions: dict[int, requests.Session] = {}

    def start(self) -> "DemoHall":
        self.server.start()
        self.tokens = read_credentials(self.data)
        return self

    def stop(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.server.stop()

    @property
    def board_token(self) -> str:
        return self.tokens["board token"]

    # --- what people in the hall do ----------------------------------------------------------

    def _post(self, session: requests.Session, path: str, json: dict | None = None) -> dict:
        reply = session.post(self.url + path, json=json or {}, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def issue(self, service: str) -> dict:
        kiosk = requests.Session()
        kiosk.headers["Authorization"] = f"Bearer {self.tokens['kiosk token']}"
        with kiosk:
            return self._post(kiosk, "/api/v1/tickets", {"service": service})

    def open_window(self, number: int) -> requests.Session:
        """clerkNN signs in and takes window NN."""
        session = requests.Session()
        token = self._post(session, "/api/v1/auth/login",
                           {"username": f"clerk{number:02d}", "password": PASSWORD})["token"]
        session.headers["Authorization"] = f"Bearer {token}"
        self._post(session, f"/api/v1/windows/{number}/sign-in")
        self.sessions[number] = session
        return session

    def call_next(self, window: int) -> dict | None:
        return self._post(self.sessions[window], f"/api/v1/windows/{window}/call-next")["ticket"]

    def recall(self, window: int, ticket_id: int) -> dict:
        return self._post(self.sessions[window], f"/api/v1/tickets/{ticket_id}/recall")

    def start_service(self, window: int, ticket_id: int) -> dict:
        return self._post(self.sessions[window], f"/api/v1/tickets/{ticket_id}/start")

    def finish(self, window: int, ticket_id: int) -> dict:
        """The citizen came: served and done, so the window may call the next one."""
        self.start_service(window, ticket_id)
        return self._post(self.sessions[window], f"/api/v1/tickets/{ticket_id}/finish")

    def pause(self, window: int, reason: str) -> dict:
        return self._post(self.sessions[window], f"/api/v1/windows/{window}/pause", {"reason": reason})
