"""A stand-in for HallClient in the widget tests: answers like the server, records requests."""

from __future__ import annotations

import threading
from typing import Any

from client.hall_client import ClientError, ServerUnreachable
from tests.kiosk.hall_views import issued_reply, snapshot


class FakeHallClient:
    def __init__(self, on_message, on_status):
        self.on_message, self.on_status = on_message, on_status
        self.posts: list[tuple[str, Any]] = []
        self.gate = threading.Event()
        self.gate.set()               # clear it to hold issuing requests in flight
        self.unreachable = False
        self.connected = False
        self.serial = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        self.connected = True
        self.on_status("connected", None)
        self.on_message("hall_snapshot", snapshot())

    def stop(self) -> None:
        self.connected = False
        self.gate.set()

    def get(self, path: str, **kw) -> Any:
        return snapshot()

    def post(self, path: str, json: Any = None, **kw) -> Any:
        with self._lock:
            self.posts.append((path, json))
        if path == "/api/v1/appointments/check-in":
            return self._check_in(json)
        if path == "/api/v1/remote-tickets/activate":
            return self._activate_remote(json)
        if path != "/api/v1/tickets":
            return {"ok": True}
        if not self.gate.wait(10):
            raise AssertionError("the test never let the request through")
        if self.unreachable:
            raise ServerUnreachable("服务器无法连接 / server not reachable")
        with self._lock:
            self.serial += 1
            number = ("V" if json.get("priority") == "green" else "B") + f"{self.serial:03d}"
        return issued_reply(number=number, priority=json.get("priority", "normal"),
                            service_code=json["service"])

    #: booking codes the fake server knows: too early, too late, or on time
    EARLY, LATE, ON_TIME = "PREMAT23", "TARDY234", "HAPPYDAY"

    def _check_in(self, body: dict[str, Any]) -> dict[str, Any]:
        code = body["code"]
        if code == self.EARLY:
            raise ClientError(409, "too_early", "请于 09:45 后签到 / please check in from 09:45",
                              {"come_back_at": "2026-11-26T09:45:00+08:00"})
        if code == self.LATE and not body.get("accept_normal_ticket"):
            raise ClientError(409, "too_late", "已超过预约时段 / the appointment time has passed",
                              {"normal_ticket": True})
        if code not in (self.LATE, self.ON_TIME):
            raise ClientError(404, "booking_not_found", "没有这个预约码 / no booking with this code")
        late = code == self.LATE
        return issued_reply(number="B001" if late else "Y001", priority="normal" if late else "appointment")

    #: remote ticket codes (远程取号) the fake server knows: waiting to be activated, and lapsed
    REMOTE, LAPSED = "REMTE234", "PASTDUE2"

    def _activate_remote(self, body: dict[str, Any]) -> dict[str, Any]:
        if body["code"] == self.LAPSED:
            raise ClientError(409, "remote_lapsed", "该远程号已过激活时间，请重新取号 / this remote ticket "
                              "was not activated in time: take a new one")
        if body["code"] != self.REMOTE:
            raise ClientError(404, "remote_not_found", "没有这个远程取号码 / no remote ticket with this code")
        return issued_reply(number="C007", priority="normal", service_code="C01")

    def ticket_posts(self) -> list[Any]:
        return [body for path, body in self.posts if path == "/api/v1/tickets"]
