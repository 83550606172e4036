"""A throwaway Redis for the tests and the benchmarks: `redis-server` on 127.0.0.1 at a free
port, keeping nothing on disk (`--save '' --appendonly no`), its working directory a temporary
one, removed when stopped. Nothing is assumed to be running, and nothing is left behind: a
small watcher ends the server if the process that started it dies without stopping it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common.launcher import free_port, holds_port

#: the watcher's program: argv is the owner's pid, the server's pid, its directory
_REAPER = """
import os, shutil, signal, sys, time
owner, server, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
while os.path.exists(root):
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        try:
            os.kill(server, signal.SIGKILL)
        except ProcessLookupError:
            pass
        shutil.rmtree(root, ignore_errors=True)
        break
    time.sleep(1)
"""

START_SECONDS = 20.0


class RedisMissing(RuntimeError):
    """No redis-server here (Debian: apt-get install redis-server)."""


def server_binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                             else None)
    if found is None:
        raise RedisMissing("redis-server is not installed: as root run apt-get install -y redis-server")
    return found


class ThrowawayRedis:
    """`start()`, `url(n)`, `stop()`; `kill()` then `launch()` (or `restart()`) brings it back
    on the same port, empty: what a Redis restart is to its clients (every connection and
    subscription dropped, messages published meanwhile lost)."""

    def __init__(self) -> None:
        self.binary = server_binary()
        self.port = 0
        self.root: Path | None = None
        self.process: subprocess.Popen | None = None
        self._reaper: subprocess.Popen | None = None

    def start(self) -> "ThrowawayRedis":
        self.root = Path(tempfile.mkdtemp(prefix="jiaohao-redis-"))
        self.port = free_port()
        try:
            self.launch()
        except BaseException:
            self.stop()
            raise
        return self

    def launch(self) -> None:
        log = open(self.root / "log", "ab")
        with log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        self._reaper = self._reap_if_orphaned()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        # another worker's Redis may have taken the port since it was chosen: its PONG is not ours
        while not (self.answers() and holds_port(self.process.pid, self.port) is not False):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = (self.root / "log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{tail}")
            time.sleep(0.02)

    def answers(self) -> bool:
        """Whether the server answers a PING now (plain RESP over a socket: no client needed)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def kill(self) -> None:
        """Redis gone at once (its clients see their connections drop)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._end_reaper()

    def restart(self) -> None:
        self.kill()
        self.launch()

    def stop(self) -> None:
        self.kill()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def _end_reaper(self) -> None:
        if self._reaper is not None:
            self._reaper.terminate()
            self._reaper.wait()
            self._reaper = None

    def _reap_if_orphaned(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", _REAPER, str(os.getpid()), str(self.process.pid),
                                 str(self.root)], start_new_session=True, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")

    def __enter__(self) -> "ThrowawayRedis":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
