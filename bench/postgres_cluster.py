"""A throwaway PostgreSQL cluster for the tests and the benchmarks: made in a temporary
directory, listening on 127.0.0.1 at a free port, removed when stopped. Nothing is assumed to
be running, and nothing is left behind.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` user (which
the Debian package creates) and its commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common.launcher import free_port


#: the watcher's program: argv is the owner's pid, the cluster's directory, the stop command
_REAPER = """
import os, shutil, subprocess, sys, time
owner, root, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while os.path.exists(root):
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        time.sleep(2)   # a start the owner was waiting for finishes first
        subprocess.run(stop, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        break
    time.sleep(1)
"""


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries here (Debian: apt-get install postgresql)."""


def server_binaries() -> Path:
    """The directory of initdb and pg_ctl: Debian keeps them out of PATH, by major version."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresMissing("PostgreSQL is not installed: as root run apt-get install -y postgresql")


class ThrowawayPostgres:
    """`durable=False` (tests) turns fsync off: the cluster dies with the run anyway, and a
    test kills server processes, never PostgreSQL. The benchmarks keep fsync on, as a hall's
    database would, so the figures compare with SQLite's synchronous=FULL."""

    def __init__(self, durable: bool = False):
        self.durable = durable
        self.bin = server_binaries()
        self.port = 0
        self.root: Path | None = None
        self._reaper: subprocess.Popen | None = None
        self._owner: str | None = "postgres" if os.geteuid() == 0 else None
        self.up = False   # whether its server runs now

    # --- lifetime -----------------------------------------------------------------------------

    def start(self) -> "ThrowawayPostgres":
        self.root = Path(tempfile.mkdtemp(prefix="jiaohao-pg-"))
        if self._owner is not None:
            account = pwd.getpwnam(self._owner)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self._reaper = self._reap_if_orphaned()   # from here on, a killed run leaves nothing behind
        try:
            self._initdb_and_start(self.root / "data")
        except BaseException:
            self._run_quietly("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
            self._forget()
            raise
        return self

    def _initdb_and_start(self, data: Path) -> None:
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")
        self.port = free_port()
        self.launch()

    def launch(self) -> None:
        """Start the cluster's server (again, after `kill`: same port, same data)."""
        settings = (f"-k {self.root} -h 127.0.0.1 -p {self.port} -c max_connections=200 "
                    "-c shared_buffers=32MB")
        if not self.durable:
            settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", settings, "-l", str(self.root / "log"),
                  "-w", "start")
        self.up = True

    def kill(self) -> None:
        """The server gone at once, its data kept (what a crash of PostgreSQL is to its clients:
        every connection dropped, nothing answers until `launch`)."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        self.up = False

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if self.up:
                self.kill()
        finally:
            self._forget()

    def _forget(self) -> None:
        """The directory removed and the watcher ended: nothing of the cluster stays."""
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
        if self._reaper is not None:
            self._reaper.terminate()
            self._reaper.wait()
            self._reaper = None

    def _reap_if_orphaned(self) -> subprocess.Popen:
        """A small watcher in its own session: if this process dies without stopping the cluster
        (kill -9, a `timeout` running out), it stops the cluster and removes its directory."""
        stop = self._command("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        return subprocess.Popen([sys.executable, "-c", _REAPER, str(os.getpid()), str(self.root), *stop],
                                start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd="/")

    def __enter__(self) -> "ThrowawayPostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- databases ----------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of `template` when given); returns its URL."""
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            clause = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def server_version(self) -> str:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def drop_database(self, name: str) -> None:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner, "--", *command]
        return command

    def _run_quietly(self, program: str, *args: str) -> None:
        subprocess.run(self._command(program, *args), capture_output=True, cwd="/")

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(self._command(program, *args), capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            log = ""
            if self.root is not None and (self.root / "log").exists():
                log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{log}")
