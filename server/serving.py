"""What a serving process owns beyond the app: its claim on the data directory, and how it
stops.

One process serves one data directory: live updates are broadcast from the memory of the
process that committed the change, so a second server on the same directory would call
citizens its boards never show. The claim is an exclusive lock on `server.lock`, released by
the operating system when the process ends however it ends. A data directory the process
cannot write is refused at start, not discovered at the first ticket.

How a process holds its connections (docs/deployment.md): `jiaohao server` and gunicorn's
gevent worker run every request and every live connection as a greenlet on one event loop, so
an idle board costs a few small objects instead of threads. `use_gevent` monkey-patches the
standard library before the application is built (gunicorn's gevent worker does the same
itself), and then `async_mode` tells Flask-SocketIO to run on gevent and sends SQLite's calls
that can wait on the disk to gevent's pool of native threads (db.wait_on_disk). Without it
(the tests' own process, a benchmark's in-process server) everything stays on threads.

SIGTERM (and Ctrl+C) stop the server gracefully: stop accepting, let the requests in flight
finish and answer (bounded), publish what was committed, then exit.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import resource
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

log = logging.getLogger(__name__)

LOCK_FILENAME = "server.lock"
DRAIN_SECONDS = 10.0   # how long requests in flight may take to finish after SIGTERM
#: connections the listening socket queues while the loop is busy: a thousand boards
#: reconnecting at once after a restart must not find the door shut
BACKLOG = 4096
#: the server models `jiaohao server --async-mode` offers
ASYNC_MODES = ("gevent", "threading")


# --- the concurrency model -------------------------------------------------------------------

def use_gevent() -> None:
    """Make this process a gevent one: called first thing by `jiaohao server`, before the
    application and its locks exist. Never in a process that runs Qt or the tests."""
    from gevent import monkey
    monkey.patch_all()
    allow_many_connections()


def gevent_in_effect() -> bool:
    """Whether this process was monkey-patched (by `use_gevent` or gunicorn's gevent worker)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def async_mode() -> str:
    """Flask-SocketIO's async mode for this process; under gevent, SQLite's waits on the disk
    and the passwords' scrypt go to native threads so that the event loop keeps serving meanwhile."""
    if not gevent_in_effect():
        return "threading"
    from . import db, security
    db.wait_on_disk_with(on_native_thread)
    security.scrypt_with(on_native_thread)
    return "gevent"


def on_native_thread(call: Callable[..., Any], *args: Any) -> Any:
    """`call(*args)` on one of gevent's native threads while this greenlet waits; its error is
    raised here, in the caller (a full disk is the caller's to report, not the pool's)."""
    import gevent
    ok, result = gevent.get_hub().threadpool.apply(_outcome, (call, args))
    if not ok:
        raise result
    return result


def _outcome(call: Callable[..., Any], args: tuple) -> tuple[bool, Any]:
    try:
        return True, call(*args)
    except Exception as exc:
        return False, exc


def allow_many_connections() -> None:
    """Every live connection is an open file: raise the soft limit to what the system allows
    (the systemd unit sets it with LimitNOFILE)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open files limit above %d", soft)


class DataDirUnusable(Exception):
    """The data directory cannot be served: read-only, or another server holds it."""


class Claim:
    """The open, locked `server.lock`; the lock lasts as long as the file stays open."""

    def __init__(self, path: Path, handle: int):
        self.path, self.handle = path, handle

    def release(self) -> None:
        if self.handle >= 0:
            os.close(self.handle)
            self.handle = -1


def check_writable(path: Path) -> None:
    """Write, sync and remove a probe file: a read-only mount or a full disk shows here."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe-{os.getpid()}"
        with open(probe, "wb") as out:
            out.write(b"jiaohao")
            out.flush()
            os.fsync(out.fileno())
        probe.unlink()
    except OSError as exc:
        what = "只读 / read-only" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else \
            "存储已满 / storage full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
        raise DataDirUnusable(f"数据目录 {path} 不可写（{what}）/ the data directory {path} cannot be "
                              f"written ({exc.strerror}): the server would accept no ticket") from None


def claim(path: str | Path, wait_seconds: float = 0.0) -> Claim:
    """Check the directory is writable and lock it for this process; `wait_seconds` lets a
    restarting worker wait for the old one to let go."""
    path = Path(path)
    check_writable(path)
    handle = os.open(path / LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip() or "?"
                os.close(handle)
                raise DataDirUnusable(
                    f"另一个 jiaohao 服务器（进程 {holder}）正在使用数据目录 {path} / another jiaohao server "
                    f"(pid {holder}) is serving the data directory {path}: stop it first, or give this "
                    "one its own --data") from None
            time.sleep(0.2)
    os.ftruncate(handle, 0)
    os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
    return Claim(path, handle)


# --- stopping gracefully ---------------------------------------------------------------------

class InFlight:
    """WSGI middleware counting requests until their answer is written. Live connections
    (/socket.io/) are not counted: a websocket lasts for hours, and its client reconnects."""

    def __init__(self, app: Callable):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/socket.io/"):
            return self.app(environ, start_response)
        with self.idle:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Answer(body, self._done)

    def _done(self) -> None:
        with self.idle:
            self.count -= 1
            self.idle.notify_all()

    def wait(self, seconds: float) -> bool:
        """True when every counted request answered within `seconds`."""
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, seconds)


class _Answer:
    """A response body that reports when it is answered: written to its end, or closed.
    Both count, because Werkzeug skips close() when the client resets the connection once it
    has read what it wanted (a reset while the server drains the request socket)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]):
        self.body, self.done, self.closed = body, done, False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.body
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


def count_in_flight(app: Any) -> InFlight:
    """Count the app's requests in flight, for a graceful stop."""
    in_flight = InFlight(app.wsgi_app)
    app.wsgi_app = in_flight
    return in_flight


def serve(app: Any, host: str, port: int, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Serve until SIGTERM or Ctrl+C, then stop gracefully: on gevent's WSGI server when this
    process runs on gevent, else on Werkzeug's threaded server."""
    from .collector import keep_long_lived
    keep_long_lived()   # thousands of live connections: full collections walk only the new
    if gevent_in_effect():
        serve_gevent(app, host, port, drain_seconds)
    else:
        serve_threads(app, host, port, drain_seconds)


def serve_gevent(app: Any, host: str, port: int, drain_seconds: float) -> None:
    """gevent's WSGI server: a greenlet per connection; websockets through simple-websocket,
    as Flask-SocketIO's gevent mode does without gevent-websocket."""
    from gevent import pywsgi, signal_handler
    from gevent.event import Event
    in_flight = count_in_flight(app)
    server = pywsgi.WSGIServer(listener_without_delay(host, port), app, log=None)
    stopping = Event()
    handlers = [signal_handler(sig, stopping.set) for sig in (signal.SIGTERM, signal.SIGINT)]
    server.start()
    try:
        stopping.wait()
    finally:
        for handler in handlers:
            handler.cancel()
    server.close()   # stop accepting: new connections are refused from here on
    finish(app, in_flight, drain_seconds)


def listener_without_delay(host: str, port: int) -> socket.socket:
    """The listening socket, with Nagle's algorithm off for every connection it accepts
    (Linux hands TCP_NODELAY on to them, as gunicorn relies on too). gevent's server writes a
    reply's headers and its body in two sends, and a websocket's messages one send each: with
    Nagle on, the second small send waits for the client's ACK of the first, which a client
    delays by 40 ms, so every request on a kept-alive connection took 44 ms instead of 2."""
    from gevent import socket as green_socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = green_socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.listen(BACKLOG)
    return listener


def serve_threads(app: Any, host: str, port: int, drain_seconds: float) -> None:
    """Werkzeug's threaded server: a thread per connection (a benchmark's in-process server)."""
    from werkzeug.serving import make_server
    in_flight = count_in_flight(app)
    server = make_server(host, port, app, threaded=True)
    stopping = threading.Event()

    def stop(signum, frame) -> None:
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever to return: not from inside it
            threading.Thread(target=server.shutdown, name="stop", daemon=True).start()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.serve_forever()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    server.socket.close()   # stop accepting: new connections are refused from here on
    finish(app, in_flight, drain_seconds)


def finish(app: Any, in_flight: InFlight | None, drain_seconds: float) -> None:
    """Let the requests in flight answer, publish what was committed, let the live clients go,
    close the database."""
    drain(app, in_flight, drain_seconds)
    app.extensions["jiaohao.halls"].stop()
    let_live_clients_go(app)
    app.extensions["jiaohao"].data.close()   # the one database every hall shares
    log.info("stopped")


def drain(app: Any, in_flight: InFlight | None, drain_seconds: float) -> None:
    """Wait (bounded) for the requests in flight to answer and for their news to go out."""
    if in_flight is not None and not in_flight.wait(drain_seconds):
        log.warning("stopping with %d requests still unanswered after %.0f s", in_flight.count,
                    drain_seconds)
    for hall in app.extensions["jiaohao.halls"].served():
        publications = getattr(hall.service, "publications", None)
        if publications is not None:
            publications.wait()


def let_live_clients_go(app: Any) -> None:
    with app.app_context():
        gone = sum(hall.live.let_everyone_go() for hall in app.extensions["jiaohao.halls"].served())
    if gone:
        log.info("let %d live clients go", gone)


def stop_live_after_drain(app: Any, in_flight: InFlight | None, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Under gunicorn, on SIGTERM: the worker stops accepting and waits for every connection,
    websockets too, until graceful_timeout. Once the requests in flight have answered and
    their news went out, the live clients are let go, so the worker exits in moments."""
    def run() -> None:
        drain(app, in_flight, drain_seconds)
        let_live_clients_go(app)
    if gevent_in_effect():
        # a signal handler runs inside gevent's loop there, where starting a thread would
        # wait for it: a greenlet is only scheduled
        import gevent
        gevent.spawn(run)
    else:
        threading.Thread(target=run, name="let-live-go", daemon=True).start()
