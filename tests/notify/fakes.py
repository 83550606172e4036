"""A local HTTP server standing in for a provider: it records each request as received and
answers as the test tells it. Bound to 127.0.0.1 on a free port; nothing leaves the machine."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0      # seconds to wait before answering (a slow provider)


@dataclass
class FakeProvider:
    answer: Callable[[Received], Reply]
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


def start_fake(answer: Callable[[Received], Reply]) -> FakeProvider:
    fake = FakeProvider(answer)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            got = Received(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                           {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            fake.received.append(got)
            reply = fake.answer(got)
            if reply.delay:
                fake.release.wait(reply.delay)
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = _handle

        def log_message(self, *args) -> None:
            pass

    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.server.daemon_threads = True
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
    return fake


def stop_fake(fake: FakeProvider) -> None:
    fake.release.set()
    fake.server.shutdown()
    fake.server.server_close()
