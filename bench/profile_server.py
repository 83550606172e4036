"""Where a request's time goes: the demo hall served in this process with every thread under
cProfile, while a child process runs the benchmark's issue and call-next phases against it.

    python -m bench.profile_server [--server demo|gunicorn-like] [--clients 8] [--clerks 30]

Prints the functions with the most cumulative time over all request threads, and per phase
the wall time each request spent in the parts we care about (see SECTIONS).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench.cli import DEFAULT_CONFIG, REPO
from common.launcher import free_port

#: Named parts of the request path, by the function whose cumulative time measures them.
SECTIONS = {
    "whole request (Flask wsgi_app)": ("flask/app.py", "wsgi_app"),
    "auth: permissions.admit": ("server/permissions.py", "admit"),
    "service.issue": ("server/services.py", "issue"),
    "service.execute": ("server/services.py", "execute"),
    "waiting for the in-order lock": ("~", "<method 'acquire' of '_thread.lock' objects>"),
    "SQLite COMMIT (fsync)": ("server/db.py", "write"),
    "publish (Live.publish)": ("server/live.py", "publish"),
    "supervision after publish": ("server/supervision.py", "after_publish"),
    "socketio.emit": ("flask_socketio/__init__.py", "emit"),
    "jsonify": ("flask/json/__init__.py", "jsonify"),
}

LOAD = """
import json, sys
from types import SimpleNamespace
from pathlib import Path
from bench import server_bench as sb
from hall.config import load_config
url, data, kiosk, clients, clerks, tickets, calls = sys.argv[1:8]
server = SimpleNamespace(url=url, data=Path(data), tokens={"kiosk": kiosk})
setup = load_config(sys.argv[8])
opts = sb.Options(clients=int(clients), clerks=int(clerks), tickets=int(tickets), calls=int(calls))
print(json.dumps({"issue": sb.measure_issue(server, opts, sb.open_items(setup)),
                  "call_next": sb.measure_call_next(server, opts, setup)}))
"""


class ThreadProfiles:
    """One cProfile.Profile per thread started after `install`."""

    def __init__(self):
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def install(self) -> None:
        threading.setprofile(self._start)

    def _start(self, frame, event, arg) -> None:
        profile = cProfile.Profile()
        with self.lock:
            self.profiles.append(profile)
        profile.enable()   # replaces this hook for the thread

    def stats(self) -> pstats.Stats:
        threading.setprofile(None)
        with self.lock:
            profiles = list(self.profiles)
        stats = None
        for profile in profiles:
            profile.create_stats()
            if not profile.stats:
                continue
            stats = pstats.Stats(profile) if stats is None else stats.add(profile) or stats
        return stats


def section_totals(stats: pstats.Stats) -> dict[str, tuple[int, float]]:
    """(calls, cumulative seconds) of each named section."""
    found = {}
    for name, (path, function) in SECTIONS.items():
        calls, total = 0, 0.0
        for (file, _, func), (_, ncalls, _, cumulative, _) in stats.stats.items():
            if func == function and file.endswith(path) or (path == "~" and func == function):
                calls, total = calls + ncalls, total + cumulative
        found[name] = (calls, total)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--clerks", type=int, default=30)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    args = parser.parse_args(argv)

    from server.app import create_app
    from server.cli import create_demo_hall, serve
    with tempfile.TemporaryDirectory(prefix="jiaohao-profile-") as root:
        data = Path(root) / "demo"
        made = create_demo_hall(data, args.config)
        app = create_app(data, args.config, publish_in_background=True)
        port = free_port()
        profiles = ThreadProfiles()
        profiles.install()
        threading.Thread(target=serve, args=(app, "127.0.0.1", port), daemon=True).start()
        load = subprocess.run(
            [sys.executable, "-c", LOAD, f"http://127.0.0.1:{port}", str(data), made["devices"]["kiosk"],
             str(args.clients), str(args.clerks), str(args.tickets), str(args.calls), str(args.config)],
            cwd=REPO, capture_output=True, text=True, timeout=600)
        if load.returncode:
            print(load.stderr, file=sys.stderr)
            return 1
        figures = json.loads(load.stdout.strip().splitlines()[-1])
        stats = profiles.stats()
    print(json.dumps(figures, indent=1))
    for name, (calls, total) in section_totals(stats).items():
        print(f"{name:<36} {calls:>7} calls {total:9.2f} s  {1000 * total / max(calls, 1):8.2f} ms each")
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
