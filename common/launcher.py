"""Start a real hall server in a process of its own and wait until it answers: one launcher
for the tests, the simulator and the benchmarks.

The server runs as the command line runs it (`python -m jiaohao server|demo …`, or any other
command such as gunicorn) on a free 127.0.0.1 port, its output in a log file. `start` returns
once the server answers HTTP, and says why when it does not (the end of its log). `stop`
asks it to end and kills it when it does not; `kill` is a power cut (SIGKILL). A stopped or
killed server can be started again on the same port and data.

A free port is free only when it is chosen: until the server binds it, anyone else may, and
on a machine running several servers at once (the tests' workers) another one sometimes does.
So the answer waited for must come from the server that was started (its process holds the
listening socket), never from whichever server answers on its port; and a first start that
finds the port the launcher chose taken moves to another free port. Read `url` once started.

It uses only the standard library, so every part that starts servers may import it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

#: the checkout (or install) this package belongs to: `python -m jiaohao` finds the project here
ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
READY_PATH = "/api/openapi.json"   # answered by every hall server once its app is built
DEMO_PASSWORD = "demo-only-2026"
#: how many free ports a first start tries when each turns out taken by another server
PORT_ATTEMPTS = 3
LISTEN = "0A"   # a listening socket's state in /proc/net/tcp


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its log."""


class PortTaken(ServerDidNotStart):
    """Another server listens on the port: this one could not bind it and exited."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_sockets(port: int) -> set[str] | None:
    """The kernel's names ("socket:[inode]") of the TCP sockets listening on `port`, from
    /proc/net/tcp and tcp6; None without /proc (not Linux)."""
    found, tables = set(), 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as rows:
                lines = rows.readlines()[1:]
        except OSError:
            continue
        tables += 1
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(f"socket:[{inode}]")
    return found if tables else None


def holds_port(pid: int, port: int) -> bool | None:
    """Whether the socket listening on `port` is process `pid`'s (gunicorn's workers share
    their master's), not another server's; None where the system cannot tell."""
    listening = listening_sockets(port)
    return None if listening is None else bool(listening & open_sockets(pid))


def open_sockets(pid: int) -> set[str]:
    """The sockets process `pid` has open, by the same names."""
    found = set()
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:   # the process has ended
        return found
    for fd in descriptors:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:   # closed meanwhile
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def jiaohao(*args: str) -> list[str]:
    """The command line for `jiaohao ARGS…` with this interpreter."""
    return [sys.executable, "-m", "jiaohao", *args]


class ServerProcess:
    """A server process on 127.0.0.1:`port`, its output appended to `log_path`.
    `command_for(port)`: the command on another port, for a port the launcher chose itself; a
    first start that finds it taken by another server then moves to a free one."""

    def __init__(self, command: list[str], port: int, log_path: Path,
                 env: dict[str, str] | None = None, cwd: Path | None = None,
                 data: Path | None = None, config: Path | None = None,
                 command_for: Callable[[int], list[str]] | None = None):
        self.command, self.port, self.log_path = command, port, Path(log_path)
        self.data, self.config = data, config   # the server's data directory and config.toml
        self.extra_env = env or {}
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.command_for = command_for   # dropped once started: from then on clients know the port

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = START_TIMEOUT) -> "ServerProcess":
        for attempt in range(PORT_ATTEMPTS):
            self.launch()
            try:
                self.wait_ready(timeout)
                break
            except PortTaken:
                self.kill()
                if self.command_for is None or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.move_to(free_port())
            except BaseException:   # an interrupt while starting must not leave the process behind
                self.kill()
                raise
        self.command_for = None
        return self

    def move_to(self, port: int) -> None:
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"(launcher) port {self.port} is taken by another server: starting on {port}\n")
        self.port, self.command = port, self.command_for(port)

    def launch(self) -> None:
        """Start the process without waiting for it (see `wait_ready`)."""
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env, "PYTHONPATH": path}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:   # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Until this server answers; PortTaken when it exited while another answers on its port."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                if self.answers():
                    raise PortTaken(f"port {self.port} is taken by another server; the end of "
                                    f"{self.log_path}:\n{self.log_tail()}")
                raise ServerDidNotStart(f"the server exited; the end of {self.log_path}:\n{self.log_tail()}")
            if self.answers() and self.holds_port() is not False:
                return
            if time.monotonic() > deadline:
                raise ServerDidNotStart(f"no answer within {timeout:.0f} s; the end of "
                                        f"{self.log_path}:\n{self.log_tail()}")
            time.sleep(0.02)

    def answers(self) -> bool:
        """Whether the server answers HTTP (any status: the application is up)."""
        try:
            with urllib.request.urlopen(self.url + READY_PATH, timeout=2):
                return True
        except urllib.error.HTTPError as exc:
            exc.close()
            return True
        except OSError:
            return False

    def holds_port(self) -> bool | None:
        """Whether this server listens on its port (see `holds_port`)."""
        return None if self.process is None else holds_port(self.process.pid, self.port)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> None:
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """kill -9: no chance to clean up, as in a power cut of the process."""
        if self.running:
            self.process.kill()
            self.process.wait(timeout=10)


def hall_server(data: Path, config: Path, port: int | None = None,
                log_path: Path | None = None, hall: str | None = None,
                message_queue: str | None = None) -> ServerProcess:
    """`jiaohao server` on an existing or new data directory (not started yet); `hall`: the
    code of the deployment's hall it serves (`--hall`); `message_queue`: the redis:// URL the
    deployment's processes share (`--message-queue`)."""
    def command(port: int) -> list[str]:
        return jiaohao("server", "--data", str(data), "--config", str(config), "--port", str(port),
                       *(("--hall", hall) if hall else ()),
                       *(("--message-queue", message_queue) if message_queue else ()))
    chosen = port or free_port()
    return ServerProcess(command(chosen), chosen, log_path or Path(data).parent / f"server-{chosen}.log",
                         data=data, config=config, command_for=None if port else command)


def demo_server(data: Path, config: Path | None = None, port: int | None = None,
                log_path: Path | None = None) -> ServerProcess:
    """`jiaohao demo --headless`: a fresh demo hall in `data`, its accounts and device tokens
    in demo-credentials.txt (see `read_credentials`). Not started yet."""
    def command(port: int) -> list[str]:
        return jiaohao("demo", "--headless", "--host", "127.0.0.1", "--port", str(port), "--data", str(data),
                       *(("--config", str(config)) if config is not None else ()))
    chosen = port or free_port()
    return ServerProcess(command(chosen), chosen, log_path or Path(data).parent / f"server-{chosen}.log",
                         data=data, config=config, command_for=None if port else command)


def read_credentials(data: Path) -> dict[str, str]:
    """A demo hall's `name = value` lines: server, kiosk token, board token, window N screen token."""
    found = {}
    for line in (Path(data) / "demo-credentials.txt").read_text(encoding="utf-8").splitlines():
        if " = " in line and not line.startswith("#"):
            name, value = line.split(" = ", 1)
            found[name.strip()] = value.strip()
    return found
