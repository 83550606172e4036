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

from client.seq_order import Message, SeqOrder
from protocol.live import BUNDLE, HALL_SNAPSHOT, RESYNC, SEQ_SKIPPED, SERVER_EVENTS, WINDOW, ZONE

log = logging.getLogger(__name__)

#: on_message(event name, payload); payload["replayed"] is True for messages caught up after a gap
MessageHandler = Callable[[str, dict[str, Any]], None]
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
    """`zone` (a board showing one zone, or every zone's: "*") or `window` (a window's screen):
    the client hears its room's part of the messages only, put in order by `seq` as every
    client's (the steps that are not its room's come as SEQ_SKIPPED, which only moves the
    order on and is not handed to `on_message`). A commit's messages come as one bundle, handed
    to `on_message` one by one.
    `other_servers`: more server processes of the same hall (a city without a proxy in front):
    when the live connection to one is lost or refused, the next is tried, and the REST calls
    follow it. The new server's snapshot shows what was missed, which is caught up."""

    def __init__(self, server_url: str, token: str, on_message: MessageHandler | None = None,
                 on_status: StatusHandler | None = None, timeout: float = 5.0,
                 zone: str | None = None, window: int | None = None, other_servers: tuple[str, ...] = ()):
        self.server_url = server_url.rstrip("/")
        self.servers = [self.server_url] + [url.rstrip("/") for url in other_servers]
        self._tried = 0   # servers tried since the last connection held
        self.token = token
        self.auth: dict[str, Any] = {"token": token}
        if zone:
            self.auth[ZONE] = zone
        if window is not None:
            self.auth[WINDOW] = window
        self.auth[BUNDLE] = True
        self.on_message = on_message or (lambda name, payload: None)
        self.on_status = on_status or (lambda status, reason: None)
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self._order = SeqOrder()
        # one message handed on at a time, in seq order: the socket.io client runs each
        # incoming message on a thread of its own
        self._deliver_lock = threading.RLock()
        self._gap_timer: threading.Timer | None = None
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
            self.sio.on(name, self._bundle if name == BUNDLE else self._handler(name))
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        # the server's refusal reason ("unauthorized") comes here, not in the ConnectionError text
        self.sio.on("connect_error", self._connect_error)

    def _connected(self) -> None:
        self.on_status("connected", None)

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

    def _bundle(self, payload: dict) -> None:
        """A commit's messages, in their order: each as if it had come alone."""
        messages = payload.get("messages") if isinstance(payload, dict) else None
        for message in messages if isinstance(messages, list) else ():
            if isinstance(message, list) and len(message) == 2 and isinstance(message[0], str):
                self._handler(message[0])(message[1])

    @property
    def last_seq(self) -> int | None:
        """The seq of the last message handed on."""
        return self._order.last_seq

    def _receive(self, name: str, payload: dict) -> None:
        with self._deliver_lock:
            now = time.monotonic()
            if name != HALL_SNAPSHOT:
                self._hand_on(self._order.message(name, payload, now))
            else:
                seq = payload.get("seq") if isinstance(payload, dict) else None
                missed_from, unblocked = self._order.snapshot(seq, now)
                self.on_message(name, payload)
                if missed_from is not None and isinstance(seq, int) and seq > missed_from:
                    self._catch_up(missed_from, seq)
                self._hand_on(unblocked)
            self._watch_gap()

    def _hand_on(self, messages: list[Message]) -> None:
        for name, payload in messages:
            if name == SEQ_SKIPPED:
                continue   # a step of the log that is not this room's: it only kept the order
            try:
                self.on_message(name, payload)
            except Exception:  # one bad message must not keep the next ones from the client
                log.exception("handling %s failed", name)

    def _watch_gap(self) -> None:
        """While messages are held for one missing before them, look again after the grace."""
        if self._order.holding and not (self._gap_timer and self._gap_timer.is_alive()):
            self._gap_timer = threading.Timer(self._order.grace, self._gap_overdue)
            self._gap_timer.daemon = True
            self._gap_timer.start()

    def _gap_overdue(self) -> None:
        with self._deliver_lock:
            now = time.monotonic()
            gap = self._order.overdue(now)
            if gap is not None and not self._stop.is_set():
                since, upto = gap
                self._catch_up(since, upto)
                self._hand_on(self._order.caught_up(upto, time.monotonic()))
            self._gap_timer = None
            self._watch_gap()

    def _catch_up(self, since: int, upto: int) -> None:
        """Ask for what was missed and hand it on in order, marked as replayed (the state is
        already newer). A gap too long to replay comes back as a fresh snapshot instead. The
        replay connection is greeted with a snapshot of its own, as every connection is: that
        one is not the answer, and would swallow live messages held for the gap."""
        heard: list[Message] = []
        snapshots: list[dict] = []
        replay = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        for name in SERVER_EVENTS:
            if name == BUNDLE:
                continue   # it connects unbundled: what it hears live meanwhile comes one by one
            if name == HALL_SNAPSHOT:
                replay.on(name, snapshots.append)
            else:
                replay.on(name, lambda payload, name=name: heard.append((name, payload)))
        answer: list[Message] = []
        try:
            replay.connect(self.server_url, auth={k: v for k, v in self.auth.items() if k != BUNDLE},
                           transports=["websocket"],
                           wait_timeout=self.timeout)
            reply = replay.call(RESYNC, {"since": since}, timeout=self.timeout)
            if isinstance(reply, dict) and reply.get("ok") and reply.get("snapshot"):
                # the greeting and the answer; each message is handled on a thread of its own
                wait_until(lambda: len(snapshots) >= 2, timeout=self.timeout)
                answer = [(HALL_SNAPSHOT, max(snapshots, key=lambda p: p.get("seq", -1)))]
            elif isinstance(reply, dict) and reply.get("ok"):
                expected = int(reply.get("count") or 0)
                wait_until(lambda: len(heard) >= expected, timeout=self.timeout)
                answer = list(heard)
        except Exception as exc:
            # the same half-open websocket the main loop closes: a restarting server leaves it
            _close_abandoned_websockets(exc)
            log.warning("catching up from %s failed: %s", since, exc)
            self._order.not_caught_up(since)
        finally:
            try:
                replay.disconnect()
            except Exception:
                pass
            _let_go(replay)   # a catch-up the server reset in the middle leaves its socket open
        self._hand_on_caught_up(answer, upto)

    def _hand_on_caught_up(self, heard: list[Message], upto: int) -> None:
        def seq_of(message: Message) -> int:
            seq = message[1].get("seq") if isinstance(message[1], dict) else None
            return seq if isinstance(seq, int) else -1

        for name, payload in sorted(heard, key=seq_of):
            if name == HALL_SNAPSHOT:
                self._hand_on([(name, payload)])
                self._hand_on(self._order.snapshot(payload.get("seq"), time.monotonic())[1])
            elif 0 <= seq_of((name, payload)) <= upto:
                self._hand_on([(name, payload | {"replayed": True})])

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
                self.sio.connect(self.server_url, auth=self.auth, transports=["websocket"],
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
            except Exception as exc:   # e.g. a packet cut short by a server going down
                _close_abandoned_websockets(exc)
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
        _let_go(self.sio)   # whatever that left open: nothing of the client outlives it

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
        _let_go(self.sio)   # the next attempt would replace the websocket, not close it

    def stop(self) -> None:
        self._stop.set()
        timer = self._gap_timer
        if timer is not None:
            timer.cancel()
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


def _let_go(sio: socketio.Client) -> None:
    """Close whatever a Socket.IO connection still holds, its socket too. A connection the server
    dropped or reset ends engine.io's read loop without closing its websocket (a reset, unlike an
    orderly close, is not closed by websocket-client either), and disconnect() on it then does
    nothing: the socket would wait for the garbage collector."""
    try:
        sio.eio.disconnect(abort=True)
    except Exception:
        pass
    dead = getattr(sio.eio, "ws", None)
    if dead is not None:
        try:
            dead.close()   # engine.io's own loops treat a closed websocket as the end
        except Exception:
            pass


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
