"""A city deployment started for a run: N `jiaohao server` processes of the demo hall on one
PostgreSQL database and one Redis, each process in a data directory of its own that shares
the first one's secret. One home for the launching that `jiaohao bench city`
(bench/city_bench.py) and `jiaohao simulate --halls` (jiaohao/sim_city.py) both need."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from common.launcher import ServerProcess, free_port, jiaohao


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """These environment variables for the block, then as they were."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class City:
    """N server processes of the demo hall, sharing a PostgreSQL database and a Redis. Looks
    like sb.DemoServer to the server benchmark's measures: `url` is the next process in turn.
    Every process serves every hall of the database, so halls added while they run are
    served too (server/halls.py)."""

    def __init__(self, root: Path, config: Path, processes: int, database: str, queue: str):
        from server.cli import create_demo_hall
        from server.datadir import SECRET_FILENAME
        self.config, self.database = config, database
        self.data = root / "p0"
        with environment(JIAOHAO_DATABASE=database):   # the demo hall is seeded in the city's database
            made = create_demo_hall(self.data, config)
        self.tokens = {"kiosk": made["devices"]["kiosk"], "board": made["devices"]["display"]}
        self.servers: list[ServerProcess] = []
        for n in range(processes):
            data = root / f"p{n}"
            if n:
                data.mkdir()
                shutil.copy(self.data / SECRET_FILENAME, data / SECRET_FILENAME)
            port = free_port()
            self.servers.append(ServerProcess(
                jiaohao("server", "--data", str(data), "--config", str(config), "--port", str(port),
                        "--database", database, "--message-queue", queue),
                port, root / f"server-{port}.log", env={"JIAOHAO_DATABASE": database}))
        self.turn = 0

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    @property
    def url(self) -> str:
        """The next process in turn (each request of the issue phase goes to the next)."""
        self.turn += 1
        return self.servers[self.turn % len(self.servers)].url

    def url_of_window(self, window: int) -> str:
        return self.servers[window % len(self.servers)].url

    def __enter__(self) -> "City":
        try:
            with ThreadPoolExecutor(len(self.servers)) as pool:
                list(pool.map(lambda server: server.start(90), self.servers))
        except BaseException:   # one process that did not start: the others are not left running
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.stop()
