"""Start a real hall server in a process of its own and wait until it answers: one launcher
for the tests, the simulator and the benchmarks.

The server runs as the command line runs it (`python -m jiaohao server|demo …`, or any other
command such as gunicorn) on a free 127.0.0.1 port, its output in a log file. `start` returns
once the server answers HTTP, and says why when it does not (the end of its log). `stop`
asks it to end and kills it when it does not; `kill` is a power cut (SIGKILL). A stopped or
killed server can be started again on the same port and data.

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

#: the checkout (or install) this package belongs to: `python -m jiaohao` finds the project here
ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
READY_PATH = "/api/openapi.json"   # answered by every hall server once its app is built
DEMO_PASSWORD = "demo-only-2026"


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jiaohao(*args: str) -> list[str]:
    """The command line for `jiaohao ARGS…` with this interpreter."""
    return [sys.executable, "-m", "jiaohao", *args]


class ServerProcess:
    """A server process on 127.0.0.1:`port`, its output appended to `log_path`."""

    def __init__(self, command: list[str], port: int, log_path: Path,
                 env: dict[str, str] | None = None, cwd: Path | None = None,
                 data: Path | None = None, config: Path | None = None):
        self.command, self.port, self.log_path = command, port, Path(log_path)
        self.data, self.config = data, config   # the server's data directory and config.toml
        self.url = f"http://127.0.0.1:{port}"
        self.extra_env = env or {}
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = START_TIMEOUT) -> "ServerProcess":
        self.launch()
        try:
            self.wait_ready(timeout)
        except BaseException:   # an interrupt while starting must not leave the process behind
            self.kill()
            raise
        return self

    def launch(self) -> None:
        """Start the process without waiting for it (see `wait_ready`)."""
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.extra_env, "PYTHONPATH": path}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:   # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                raise ServerDidNotStart(f"the server exited; the end of {self.log_path}:\n{self.log_tail()}")
            if self.answers():
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
    port = port or free_port()
    return ServerProcess(jiaohao("server", "--data", str(data), "--config", str(config),
                                 "--port", str(port), *(("--hall", hall) if hall else ()),
                                 *(("--message-queue", message_queue) if message_queue else ())),
                         port, log_path or Path(data).parent / f"server-{port}.log", data=data, config=config)


def demo_server(data: Path, config: Path | None = None, port: int | None = None,
                log_path: Path | None = None) -> ServerProcess:
    """`jiaohao demo --headless`: a fresh demo hall in `data`, its accounts and device tokens
    in demo-credentials.txt (see `read_credentials`). Not started yet."""
    port = port or free_port()
    command = jiaohao("demo", "--headless", "--host", "127.0.0.1", "--port", str(port), "--data", str(data))
    if config is not None:
        command += ["--config", str(config)]
    return ServerProcess(command, port, log_path or Path(data).parent / f"server-{port}.log",
                         data=data, config=config)


def read_credentials(data: Path) -> dict[str, str]:
    """A demo hall's `name = value` lines: server, kiosk token, board token, window N screen token."""
    found = {}
    for line in (Path(data) / "demo-credentials.txt").read_text(encoding="utf-8").splitlines():
        if " = " in line and not line.startswith("#"):
            name, value = line.split(" = ", 1)
            found[name.strip()] = value.strip()
    return found
