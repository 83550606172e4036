"""REST + live connection to the hall server."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, Callable

import requests
import socketio
import websocket

from protocol.live import HALL_SNAPSHOT, RESYNC, SERVER_EVENTS

log = logging.getLogger(__name__)

#: on_message(event name, payload); payload["replayed"] is True for messages caught up after a gap
MessageHandler = Callable[[str, dict[str, Any]], None]
#: how long a gap may stay open before it is caught up: with several server processes, a
#: message committed first but published by the other process can arrive after a later one
REORDER_SECONDS = 0.5
#: on_status("connected" | "disconnected" | "refused", reason)
StatusHandler = Callable[[str, str | None], None]



class ClientError(Exception):
    """The server refused a request: its {"error", "message"} and the HTTP status."""

    def __init__(self, status: int, code: str, message: str, detail: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.detail = detail or {}   # the rest of the reply, e.g. a check-in's come_back_at


class ServerUnreachable(Exception):
    """No answer from the server (down, network cut, or too slow)."""


class HallClient:
    """`other_servers`: more server processes of the same hall (a city without a proxy in
    front): when the live connection to one is lost or refused, the next is tried, and the REST
    calls follow it. The new server's snapshot shows what was missed, which is caught up."""

    def __init__(self, server_url: str, token: str, on_message: MessageHandler | None = None,
                 on_status: StatusHandler | None = None, timeout: float = 5.0,
                 other_servers: tuple[str, ...] = ()):
        self.server_url = server_url.rstrip("/")
        self.servers = [self.server_url] + [url.rstrip("/") for url in other_servers]
        self._tried = 0   # servers tried since the last connection held
        self.token = token
        self.on_message = on_message or (lambda name, payload: None)
        self.on_status = on_status or (lambda status, reason: None)
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.last_seq: int | None = None
        self._missing: set[int] = set()   # seqs skipped by a later message, not yet heard
        self._seq_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refusal = ""
        self.sio = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        self._wire()

    # --- REST ------------------------------------------------------------------------------

    def request(self, method: str, path: str, json: Any = None, timeout: float | None = None) -> Any:
        try:
            reply = self.http.request(method, self.server_url + path, json=json,
                                      timeout=timeout or self.timeout)
        except requests.RequestException as exc:
            raise ServerUnreachable(f"服务器无法连接 / server not reachable at {self.server_url}: "
                                    f"{exc.__class__.__name__}") from None
        try:
            data = reply.json()
        except ValueError:
            data = None
        if reply.status_code >= 400:
            if isinstance(data, dict) and "error" in data:
                raise ClientError(reply.status_code, data["error"], data.get("message", ""), data)
            raise ClientError(reply.status_code, "http_error", f"HTTP {reply.status_code}")
        return data

    def get(self, path: str, **kw) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw) -> Any:
        return self.request("POST", path, json=json if json is not None else {}, **kw)

    # --- live -------------------------------------------------------------------------------

    def _wire(self) -> None:
        for name in SERVER_EVENTS:
            self.sio.on(name, self._handler(name))
        self.sio.on("connect", lambda: self.on_status("connected", None))
        self.sio.on("disconnect", self._disconnected)
        # the server's refusal reason ("unauthorized") comes here, not in the ConnectionError text
        self.sio.on("connect_error", self._connect_error)

    def _connect_error(self, data=None) -> None:
        self._refusal = str(data.get("message", data) if isinstance(data, dict) else data or "")

    def _disconnected(self, reason=None) -> None:
        self.on_status("disconnected", str(reason) if reason else None)

    def _handler(self, name: str) -> Callable[[dict], None]:
        def handle(payload: dict) -> None:
            try:
                self._receive(name, payload)
            except Exception:  # a bad message must not kill the live connection
                log.exception("handling %s failed", name)
        return handle

    def _receive(self, name: str, payload: dict) -> None:
        seq = payload.get("seq") if isinstance(payload, dict) else None
        if name == HALL_SNAPSHOT:
            with self._seq_lock:
                missed_from = self.last_seq
                if missed_from is not None and self._missing:   # a gap not caught up yet
                    missed_from = min(missed_from, min(self._missing) - 1)
                self.last_seq = seq
                if isinstance(seq, int):
                    self._missing = {s for s in self._missing if s > seq}
            self.on_message(name, payload)
            if missed_from is not None and seq is not None and seq > missed_from:
                self._catch_up(missed_from, seq)
            return
        gap = False
        with self._seq_lock:
            if isinstance(seq, int) and self.last_seq is not None:
                if seq > self.last_seq + 1:
                    self._missing.update(range(self.last_seq + 1, seq))
                    gap = True
                self._missing.discard(seq)
                self.last_seq = max(self.last_seq, seq)
        self.on_message(name, payload)
        if gap:
            waiting = threading.Timer(REORDER_SECONDS, self._catch_up_missing)
            waiting.daemon = True
            waiting.start()

    def _catch_up_missing(self) -> None:
        """The seqs of a gap that did not arrive late are asked for (a message that did arrive
        after a later one is no gap: another server process published it, through the message
        queue, a moment after this one published the later one)."""
        with self._seq_lock:
            if not self._missing:
                return
            since, upto = min(self._missing) - 1, max(self._missing)
            self._missing.clear()
        self._catch_up(since, upto)

    def _catch_up(self, since: int, upto: int) -> None:
        """Ask for what was missed; deliver it marked as replayed (the state is already newer).
        When the server cannot be asked (it died meanwhile), the seqs stay missing, and the
        next snapshot, from whichever server answers next, catches up from the first of them."""
        if not self._replay(since, upto):
            with self._seq_lock:
                self._missing.update(range(since + 1, upto + 1))

    def _replay(self, since: int, upto: int) -> bool:
        def deliver(name: str, payload: dict) -> None:
            if isinstance(payload, dict) and isinstance(payload.get("seq"), int) and payload["seq"] <= upto:
                self.on_message(name, payload | {"replayed": True})

        replay = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        for name in SERVER_EVENTS:
            if name != HALL_SNAPSHOT:
                replay.on(name, lambda payload, name=name: deliver(name, payload))
        try:
            replay.connect(self.server_url, auth={"token": self.token}, transports=["websocket"],
                           wait_timeout=self.timeout)
            replay.call(RESYNC, {"since": since}, timeout=self.timeout)
            return True
        except Exception as exc:
            # the same half-open websocket the main loop closes: a restarting server leaves it
            _close_abandoned_websockets(exc)
            log.warning("catching up from %s failed: %s", since, exc)
            return False
        finally:
            try:
                replay.disconnect()
                replay.eio.disconnect(abort=True)
            except Exception:
                pass

    def start(self) -> None:
        """Connect in the background and keep reconnecting until stop()."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hall-client", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                self._refusal = ""
                self.sio.connect(self.server_url, auth={"token": self.token}, transports=["websocket"],
                                 wait_timeout=self.timeout)
                delay, self._tried = 0.5, 0
                while self.sio.connected and not self._stop.is_set():
                    self._stop.wait(0.5)
            except socketio.exceptions.ConnectionError as exc:
                _close_abandoned_websockets(exc)
                # the server's connect handler refuses a bad token; its reason may arrive as the
                # generic "Connection refused by server"
                text = f"{exc} {self._refusal}".lower()
                refused = "unauthorized" in text or "refused by server" in text
                self.on_status("refused" if refused else "disconnected", self._refusal or str(exc) or None)
            except Exception as exc:
                self.on_status("disconnected", str(exc) or None)
            self._abandon_attempt()
            if self._stop.is_set():
                break
            if self._next_server():
                continue   # another process of the hall is tried at once, then the wait
            self._stop.wait(delay)
            delay = min(delay * 2, 10.0)
        # stop() may have come while a connection attempt was still under way and has
        # succeeded since: close it here, in the thread that made it
        try:
            self.sio.disconnect()
        except Exception:
            pass
        self._abandon_attempt()

    def _next_server(self) -> bool:
        """Move on to the next server of the list; True until every one was tried this round."""
        if len(self.servers) < 2:
            return False
        at = self.servers.index(self.server_url) if self.server_url in self.servers else 0
        self.server_url = self.servers[(at + 1) % len(self.servers)]
        self._tried += 1
        if self._tried >= len(self.servers):
            self._tried = 0
            return False
        return True

    def _abandon_attempt(self) -> None:
        """Close whatever a failed or dropped connection left half open (its socket too)."""
        if self.sio.connected:
            return
        try:
            self.sio.eio.disconnect(abort=True)
        except Exception:
            pass
        # a connection the server dropped ends engine.io's read loop without closing its
        # websocket; the next attempt would replace it and leave the socket to the collector
        dead = getattr(self.sio.eio, "ws", None)
        if dead is not None:
            try:
                dead.close()   # engine.io's own loops treat a closed websocket as the end
            except Exception:
                pass

    def stop(self) -> None:
        self._stop.set()
        self.http.close()
        try:
            self.sio.disconnect()
        except Exception:
            pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def connected(self) -> bool:
        return bool(self.sio.connected)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> bool:
    """Poll `predicate` until true or `timeout` seconds pass; for tools and tests."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def _close_abandoned_websockets(exc: BaseException) -> None:
    """A server that dies between the websocket handshake and its first packet makes the
    engine.io client raise without closing that websocket; it is still reachable from the
    failed frames, so close it now rather than leave a socket open until garbage collection."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, (websocket.WebSocket, socket.socket)):
                    try:
                        value.close()
                    except Exception:
                        pass
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__
