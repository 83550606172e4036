"""Input no route may take, sent to every operation of the app's own /api/openapi.json: nesting
deeper than any form, whole numbers beyond 64 bits, lone UTF-16 surrogates (in values and in
keys), `..` path segments, bodies over the limit, query numbers beyond 64 bits. Each is refused
with a 4xx and the JSON error shape, changes no table (the setup version included), and leaves
one log line, never a traceback. A route added to the document is covered without a new line
here."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time

import pytest
from werkzeug.serving import make_server

from server import accounts
from server.app import socketio
from tests.faults.test_hostile_inputs import fingerprint, make_app, prepared
from tests.server.test_api import PASSWORD, login

HUGE = (2**64, -(2**64) - 1, 10**40)
SURROGATE = "\ud800"
DEEP_ARRAYS = b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
DEEP_OBJECTS = b'{"x": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}"
#: query names the routes read, and some they do not: a number beyond 64 bits is refused in any
QUERY_NAMES = ("before", "limit", "window", "since", "id", "open", "date", "from", "to", "by", "service")
CHINESE = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("unusable"))
    state = prepared(app)
    core = app.extensions["jiaohao"]
    accounts.add_user(core.database, core.service.hall_id, "root", "admin", PASSWORD, "root", "S1")
    state["admin"] = login(app, "root")
    issued = state["kiosk"].post("/tickets", {"service": "A01"})[1]
    state["track"] = issued["track_url"].rsplit("/", 1)[1]
    yield state
    core.data.close()


def operations(app) -> list[tuple[str, str, list[str] | None]]:
    """(method, path template, the body's property names; ["*"] for a setup document; None
    when the operation takes no body)."""
    document = app.test_client().get("/api/openapi.json").get_json()
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            schema = (operation.get("requestBody", {}).get("content", {})
                      .get("application/json", {}).get("schema"))
            names = None if schema is None else list(schema.get("properties", {})) or ["*"]
            found.append((method.upper(), path, names))
    assert len(found) > 40
    return found


def filled(hall: dict, template: str) -> str:
    values = {"id": hall["served"], "number": 3, "code": "A01", "section": "hall",
              "username": "clerk3", "name": "kiosk-1", "token": hall["track"]}
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), "x")), template)


def send(hall: dict, method: str, path: str, raw: bytes | None = None):
    client = hall["app"].test_client()
    headers = {"Authorization": f"Bearer {hall['admin'].token}"}
    response = client.open(path, method=method, headers=headers, data=raw,
                           content_type="application/json" if raw is not None else None)
    return response.status_code, response.get_json(silent=True)


def hostile_bodies(names: list[str]) -> list[bytes]:
    keys = [n for n in names if n != "*"] or ["name", "window", "notice"]
    bodies = [DEEP_ARRAYS, DEEP_OBJECTS, json.dumps({SURROGATE: "A01"}).encode(),
              json.dumps({"service": "A01", "x": [[[{"y": SURROGATE}]]]}).encode()]
    for key in keys:
        bodies += [json.dumps({key: number}).encode() for number in HUGE]
        bodies.append(json.dumps({key: SURROGATE}).encode())
        bodies.append(json.dumps({key: f"A01{SURROGATE}x"}).encode())
    return bodies


def assert_refused_quietly(hall, caplog, status, reply, before, label) -> None:
    assert 400 <= status < 500, (label, status, reply)
    assert isinstance(reply, dict) and reply.get("error") and reply.get("message"), (label, reply)
    assert fingerprint(hall["app"]) == before, f"{label} changed data"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert tracebacks == [], (label, [r.getMessage() for r in tracebacks])
    assert len(caplog.records) <= 1, (label, [r.getMessage() for r in caplog.records])
    caplog.clear()


def test_every_body_refuses_unusable_json(hall, caplog) -> None:
    caplog.set_level(logging.INFO)
    before = fingerprint(hall["app"])
    sent = 0
    for method, template, names in operations(hall["app"]):
        if method == "GET" or template.endswith("/import"):
            continue   # the import takes TOML text: its own test below
        for raw in hostile_bodies(names or []):
            status, reply = send(hall, method, filled(hall, template), raw)
            assert_refused_quietly(hall, caplog, status, reply, before, f"{method} {template} {raw[:60]!r}")
            sent += 1
    assert sent > 300


def test_every_route_refuses_query_numbers_beyond_64_bits(hall, caplog) -> None:
    caplog.set_level(logging.INFO)
    before = fingerprint(hall["app"])
    for method, template, _ in operations(hall["app"]):
        for name in QUERY_NAMES:
            path = f"{filled(hall, template)}?{name}={2**64}"
            status, reply = send(hall, method, path, b"{}" if method != "GET" else None)
            assert_refused_quietly(hall, caplog, status, reply, before, f"{method} {path}")


def test_every_path_parameter_refuses_dot_segments_and_huge_numbers(hall, caplog) -> None:
    caplog.set_level(logging.INFO)
    before = fingerprint(hall["app"])
    checked = 0
    for method, template, _ in operations(hall["app"]):
        if "{" not in template:
            continue
        real = filled(hall, template)
        for name in re.findall(r"\{(\w+)\}", template):
            for odd in ("x/../" + str(filled(hall, "{" + name + "}")), "%2e%2e", "..", "."):
                path = filled(hall, template.replace("{" + name + "}", odd, 1))
                body = b"{}" if method != "GET" else None
                status, reply = send(hall, method, path, body)
                assert_refused_quietly(hall, caplog, status, reply, before, f"{method} {path} (from {real})")
            if name in ("id", "number"):
                path = filled(hall, template.replace("{" + name + "}", str(2**64), 1))
                status, reply = send(hall, method, path, b"{}" if method != "GET" else None)
                assert_refused_quietly(hall, caplog, status, reply, before, f"{method} {path}")
            checked += 1
    assert checked > 20


def test_a_body_over_the_limit_is_refused_in_both_languages(hall, caplog) -> None:
    caplog.set_level(logging.INFO)
    before = fingerprint(hall["app"])
    for method, template, names in operations(hall["app"]):
        if method == "GET" or names is None:
            continue
        status, reply = send(hall, method, filled(hall, template),
                             json.dumps({"x": "y" * 70_000}).encode())
        assert status == 413 and reply["error"] == "request_entity_too_large", (template, status, reply)
        assert CHINESE.search(reply["message"]) and " / " in reply["message"], reply
        assert fingerprint(hall["app"]) == before
        caplog.clear()


def test_the_toml_import_refuses_deep_nesting_and_surrogates(hall, caplog) -> None:
    caplog.set_level(logging.INFO)
    before = fingerprint(hall["app"])
    client = hall["app"].test_client()
    headers = {"Authorization": f"Bearer {hall['admin'].token}"}
    for text in ("x = " + "[" * 5000 + "]" * 5000, 'x = "\\ud800"', "x = 99999999999999999999999",
                 '[hall]\nname = "' + "\ud800".encode("utf-8", "surrogatepass").decode("latin-1") + '"'):
        response = client.post("/api/v1/admin/import", headers=headers,
                               data=text.encode("utf-8", "surrogatepass"))
        assert_refused_quietly(hall, caplog, response.status_code, response.get_json(), before, text[:40])


def test_resync_with_a_garbage_since_gets_an_error_answer(hall) -> None:
    board = socketio.test_client(hall["app"], auth={"token": hall["admin"].token})
    assert board.is_connected()
    board.get_received()
    for since in (2**64, 10**40, -1, "12", 1.5, None, [], {"since": 1}, True, float("inf")):
        answer = board.emit("resync", {"since": since}, callback=True)
        assert isinstance(answer, dict) and answer.get("error"), (since, answer)
    for garbage in ("x", 12, None, [1, 2]):
        answer = board.emit("resync", garbage, callback=True)
        assert isinstance(answer, dict) and answer.get("error"), (garbage, answer)
    assert board.emit("resync", {"since": 0}, callback=True)["ok"] is True
    board.disconnect()


# --- a body that never ends, over a real socket -------------------------------------------------

@pytest.fixture
def served_hall(hall):
    hall["app"].config["BODY_SECONDS"] = 1.0
    server = make_server("127.0.0.1", 0, hall["app"], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(5)
    hall["app"].config.pop("BODY_SECONDS")


@pytest.mark.parametrize("framing", ["chunked", "short"])
def test_a_body_that_never_ends_is_cut_off(hall, served_hall, framing) -> None:
    before = fingerprint(hall["app"])
    length = "Transfer-Encoding: chunked" if framing == "chunked" else "Content-Length: 500"
    head = (f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {hall['admin'].token}\r\nContent-Type: application/json\r\n"
            f"{length}\r\n\r\n")
    partial = b'10\r\n{"service": "A0' if framing == "chunked" else b'{"service": "A0'
    with socket.create_connection(("127.0.0.1", served_hall), timeout=10) as conn:
        started = time.monotonic()
        conn.sendall(head.encode() + partial)
        answer = b""
        while chunk := conn.recv(4096):   # the server answers, then closes
            answer += chunk
        took = time.monotonic() - started
        answer = answer.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 408"), answer
    assert '"error":"request_timeout"' in answer.replace(" ", "")
    assert 0.9 < took < 5
    assert fingerprint(hall["app"]) == before


@pytest.mark.parametrize("framing", ["chunked", "short"])
def test_a_body_that_trickles_in_is_cut_off_at_its_total_deadline(hall, served_hall, framing) -> None:
    """A byte every 0.3 s never lets one read wait its full second: the deadline is the body's."""
    before = fingerprint(hall["app"])
    length = "Transfer-Encoding: chunked" if framing == "chunked" else "Content-Length: 500"
    head = (f"POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {hall['admin'].token}\r\nContent-Type: application/json\r\n"
            f"{length}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", served_hall), timeout=10) as conn:
        started = time.monotonic()
        conn.sendall(head.encode() + (b"1f4\r\n" if framing == "chunked" else b""))
        answered = threading.Event()

        def trickle() -> None:
            while not answered.wait(0.3):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return
        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
            if b"\r\n\r\n" in answer and answer.rstrip().endswith(b"}"):
                break
        took = time.monotonic() - started
        answered.set()
        trickler.join(5)
    answer = answer.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 408"), answer
    assert '"error":"request_timeout"' in answer.replace(" ", "")
    assert 0.9 < took < 3, f"cut off after {took:.1f} s"
    assert fingerprint(hall["app"]) == before
