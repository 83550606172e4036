"""Every request's input is read and checked here, once, before a view sees it.

A refusal is an `ApiError` (4xx, the one JSON error shape) raised before anything is written,
so hostile input never reaches the database: JSON nested deeper than any form needs, whole
numbers beyond SQLite's 64 bits, text that is not valid Unicode (lone UTF-16 surrogates
cannot be stored as UTF-8), `.` and `..` path segments, and a body that never ends.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import socket
import threading
import time
from typing import Any, Callable

from flask import Flask, current_app, g, request
from werkzeug.exceptions import ClientDisconnected

from .errors import ApiError, BadInput

#: deeper than any form or setup document nests (config.toml goes four levels deep)
MAX_DEPTH = 32
INT64 = (-2**63, 2**63 - 1)
#: how long a client may take to send its body; a chunked body with no end is cut off here
BODY_SECONDS = 10.0
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
QUERY_NUMBER = re.compile(r"[+-]?\d+")
SURROGATES = re.compile("[\ud800-\udfff]")

TOO_DEEP = "请求体嵌套过深 / the JSON body is nested too deeply"
NOT_JSON = "请求体应为 JSON 对象 / the body must be a JSON object"


def bad_field(message: str) -> ApiError:
    return BadInput(422, "bad_field", message)


# --- the body --------------------------------------------------------------------------------

def _socket():
    """The client's socket, under the development server and under gunicorn."""
    return request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")


class BodyDeadlines:
    """One watchdog for every body being read. A socket timeout bounds each read from the
    network, not the body: a client trickling a byte a second would hold a thread for as long
    as it liked. A body not in by its deadline has the read side of its socket shut, so the
    read under way returns at once and the client gets its 408 on the same connection."""

    TICK = 0.1   # how late a cut may come

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.due: dict[int, tuple[float, socket.socket]] = {}
        self.keys = itertools.count()
        self.running = False

    def watch(self, sock: socket.socket, seconds: float) -> int:
        with self.lock:
            key = next(self.keys)
            self.due[key] = (self.clock() + seconds, sock)
            if not self.running:   # the watchdog runs only while some body is being read
                self.running = True
                threading.Thread(target=self._run, name="body-deadlines", daemon=True).start()
        return key

    def done(self, key: int) -> bool:
        """Stop watching; False if the body had already been cut off."""
        with self.lock:
            return self.due.pop(key, None) is not None

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            with self.lock:
                now = self.clock()
                late = [key for key, (deadline, _) in self.due.items() if deadline <= now]
                overdue = [self.due.pop(key)[1] for key in late]
                if not self.due and not overdue:
                    self.running = False
                    return
            for sock in overdue:
                try:
                    sock.shutdown(socket.SHUT_RD)
                except OSError:
                    pass   # the client is gone already


BODY_DEADLINES = BodyDeadlines()


def read_body(limit: int | None = None) -> bytes:
    """The request body, in full within BODY_SECONDS however it trickles in: a client that
    stops sending (a chunked body with no end) or sends slowly gets 408 instead of holding a
    thread."""
    if limit is not None:
        request.max_content_length = limit
    seconds = current_app.config.get("BODY_SECONDS", BODY_SECONDS)
    sock = _socket()
    before = sock.gettimeout() if sock is not None else None
    watched = None
    if sock is not None:
        sock.settimeout(seconds)
        watched = BODY_DEADLINES.watch(sock, seconds)
    try:
        body = request.get_data(cache=True)
        # gunicorn ends a cut-off body as if it were complete: the watchdog knows better
        in_time = watched is None or BODY_DEADLINES.done(watched)
    except (TimeoutError, OSError, ClientDisconnected):   # werkzeug reports a stalled read as gone
        in_time = False
    finally:
        if watched is not None:
            BODY_DEADLINES.done(watched)
        if sock is not None:
            try:
                sock.settimeout(before)
            except OSError:
                pass   # the client is gone
    if not in_time:
        raise BadInput(408, "request_timeout", f"请求体未在 {seconds:g} 秒内发送完 / the request "
                       f"body did not arrive within {seconds:g} s", {"Connection": "close"})
    return body


def json_body() -> dict[str, Any]:
    """The JSON object of the request, checked; an empty body counts as {}."""
    if "json_body" not in g:
        g.json_body = _parse(read_body())
    return g.json_body


def _parse(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if not request.is_json:
        raise BadInput(400, "bad_json", NOT_JSON)
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadInput(400, "bad_json", TOO_DEEP) from None
    except ValueError:
        raise BadInput(400, "bad_json", NOT_JSON) from None
    if not isinstance(data, dict):
        raise BadInput(400, "bad_json", NOT_JSON)
    check_value(data)
    return data


def check_value(value: Any) -> None:
    """Refuse what no field may hold, wherever it sits in the document (keys too)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(400, "bad_json", TOO_DEEP)
        if isinstance(item, dict):
            for key, inner in item.items():
                check_text(key)
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            check_text(item)
        elif isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            check_int(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise bad_field("数字无效 / NaN and infinity are not numbers")


def check_int(number: int, name: str = "") -> None:
    if not INT64[0] <= number <= INT64[1]:
        label = f"{name} " if name else ""
        raise bad_field(f"{label}数字过大 / {label}number is too large (64 bits at most)")


def check_text(text: str) -> None:
    if SURROGATES.search(text):
        raise bad_field("文本含有无效字符（单独的代理码位）/ the text is not valid Unicode "
                        "(a lone UTF-16 surrogate)")


# --- the address ---------------------------------------------------------------------------------

def check_path() -> None:
    """`.` and `..` segments: a client that did not resolve them must not reach another item."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    segments = request.path.split("/") + raw.split("?", 1)[0].lower().replace("%2e", ".").split("/")
    if any(s in (".", "..") for s in segments):
        raise BadInput(400, "bad_path", "地址中不能含有 . 或 .. / the address may not contain . or .. "
                       "segments")


def check_query() -> None:
    for name, value in request.args.items(multi=True):
        check_text(value)
        if QUERY_NUMBER.fullmatch(value.strip()):
            check_int(int(value), name)


# --- wiring ----------------------------------------------------------------------------------

def takes_raw_body(view: Callable) -> Callable:
    """For a view whose body is not JSON (a config.toml upload): it reads `read_body` itself."""
    view.raw_body = True
    return view


def check_request() -> None:
    check_path()
    check_query()
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "raw_body", False):
        return
    json_body()   # parse now, so a route that ignores its body still refuses a broken one


def install(app: Flask) -> None:
    app.before_request(check_request)
