"""The board's link to the server: HallClient's callbacks turned into Qt signals.

HallClient calls back from its own threads; widgets may only be touched from the GUI thread,
so the callbacks do nothing but emit signals, which Qt queues to the GUI thread.
"""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import QObject, pyqtSignal

from client.hall_client import HallClient
from protocol.live import EVERY_ZONE


class BoardConnection(QObject):
    #: (event name, payload)
    message = pyqtSignal(str, object)
    #: ("connected" | "disconnected" | "refused", reason or "")
    status = pyqtSignal(str, str)

    def __init__(self, server_url: str, token: str,
                 client_factory: Callable[..., HallClient] = HallClient, parent: QObject | None = None,
                 zone: str = ""):
        super().__init__(parent)
        # a board hears its zone's part of the hall only (every zone's: the calls, windows and
        # waiting figures of the whole hall), not the tickets' other messages (docs/protocol.md)
        self.client = client_factory(server_url, token, on_message=self._on_message,
                                     on_status=self._on_status, zone=zone or EVERY_ZONE)

    def _on_message(self, name: str, payload: dict[str, Any]) -> None:
        self.message.emit(name, payload)

    def _on_status(self, status: str, reason: str | None) -> None:
        self.status.emit(status, reason or "")

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()
