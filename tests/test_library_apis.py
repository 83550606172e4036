"""The Socket.IO stack is used through its public API only: no module of the project imports a
private module or name of engineio, socketio, flask_socketio or simple_websocket, nor reaches
into one of their objects' private attributes. A patch of a library's internals breaks with
any release of it; the live updates must survive an upgrade of the pinned versions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

LIBRARIES = {"engineio", "socketio", "flask_socketio", "simple_websocket"}
#: names the project gives the libraries' objects (a Socket.IO server or client, its Engine.IO
#: part, a websocket): a private attribute reached through one of them is the library's
HOLDERS = {"socketio", "engineio", "sio", "eio", "ws", "websocket", "simple_websocket", "flask_socketio"}
PACKAGES = ("server", "client", "kiosk", "display", "printer", "bench", "common", "jiaohao", "hall",
            "protocol", "tests")


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def chain(node: ast.AST) -> list[str]:
    """The dotted names an expression is made of: `self.sio.eio` → [self, sio, eio]; a call
    counts as what it calls (`SocketIO().server` → [SocketIO, server])."""
    names = []
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names[::-1]


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each private module, name or attribute of the libraries used."""
    found = []
    aliases = set(HOLDERS)   # `import socketio as sio_lib` makes sio_lib a holder too
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in LIBRARIES:
                    aliases.add(alias.asname or parts[0])
                    if any(private(p) for p in parts):
                        found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] in LIBRARIES:
                for alias in node.names:
                    aliases.add(alias.asname or alias.name)
                    if any(private(p) for p in parts) or private(alias.name):
                        found.append((node.lineno, f"from {node.module} import {alias.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr) and aliases & set(chain(node.value)):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("getattr", "setattr", "hasattr", "delattr") and len(node.args) >= 2 \
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str) \
                and private(node.args[1].value) and aliases & set(chain(node.args[0])):
            found.append((node.lineno, ast.unparse(node)))
    return found


def project_modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (REPO / package).rglob("*.py"))


@pytest.mark.parametrize("source, expected", [
    ("from engineio.async_drivers import _websocket_wsgi", 1),
    ("import engineio.async_drivers._websocket_wsgi as w", 1),
    ("from engineio import socket as s\ns._async['send'] = f", 1),
    ("import engineio\nengineio.async_drivers.threading._async['x'] = 1", 1),
    ("def f(self):\n    self.socketio.server._send_packet(1, 2)", 1),
    ("def f(self):\n    self.sio.eio._trigger_event('x')", 1),
    ("def f(self):\n    getattr(self.sio.eio, '_reconnect_task', None)", 1),
    ("from flask_socketio import SocketIO\nSocketIO()._handle_event", 1),
    # the public API, and the project's own private names, are fine
    ("from flask_socketio import SocketIO, join_room\nimport socketio\nsocketio.Client().eio.disconnect()", 0),
    ("def f(self):\n    self.socketio.server.enter_room('sid', 'room', namespace='/')", 0),
    ("def f(self):\n    self._lock.acquire()\n    self.live._kept = None", 0),
])
def test_the_check_tells_private_uses_from_public_ones(source: str, expected: int) -> None:
    assert len(private_uses(source)) == expected


def test_no_module_uses_a_private_part_of_the_socketio_stack() -> None:
    modules = project_modules()
    assert len(modules) > 100   # the whole project was read
    offences = [f"{path.relative_to(REPO)}:{line}: {what}" for path in modules
                for line, what in private_uses(path.read_text(encoding="utf-8"))
                if path.name != Path(__file__).name]
    assert offences == []
