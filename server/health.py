"""GET /api/v1/health: is this server process fit to serve? For nginx, systemd, a monitoring
probe and the operator after a restart (docs/deployment.md).

It asks the three things a process depends on, now: the database answers a query, the message
queue (when the deployment has one) answers a PING, and the clockwork has ticked recently. 200
when all three are well, 503 naming what failed. Nothing secret is in the reply: no address,
user or password of the database or the queue, only whether each answered and how fast.
Anyone may ask (a probe holds no token), so the reply says nothing about the hall's people.

A blueprint of its own, outside /api/v1's views: those read the hall's seq before each request,
which fails while the database is down, and this route must answer exactly then.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Blueprint, jsonify

from . import message_queue
from .app import current_hall
from .live import this_process
from .permissions import PUBLIC, permit

health_blueprint = Blueprint("health", __name__, url_prefix="/api/v1")

#: how long the database may take to hand out a connection and answer
DATABASE_SECONDS = 3.0
#: a running clockwork whose last tick ended longer ago than this many intervals is stuck
#: (and never less than STUCK_SECONDS: a loaded machine slows a tick down)
STUCK_INTERVALS = 5
STUCK_SECONDS = 30.0


def timed(check: Callable[[], None]) -> dict[str, Any]:
    """{ok, ms} when `check` returned, {ok: false, ms, error} with the error's kind and text
    when it raised."""
    started = time.monotonic()
    try:
        check()
    except Exception as exc:   # whatever the driver raises is the answer
        return {"ok": False, "ms": _ms(started), "error": type(exc).__name__}
    return {"ok": True, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def database_check(hall) -> dict[str, Any]:
    """The database answers; and, read from it, how many server processes of the deployment
    beat lately (a process killed drops out of this count within live.PROCESS_TIMEOUT)."""
    answer = {"backend": hall.database.dialect.name} | timed(lambda: hall.database.ping(DATABASE_SECONDS))
    if answer["ok"]:
        answer["live_processes"] = len(hall.live.live_processes())
    return answer


def message_queue_check(hall) -> dict[str, Any]:
    url = hall.message_queue
    if not url:
        return {"ok": True, "configured": False}

    def ping() -> None:
        problem = message_queue.problem(url)
        if problem is not None:
            raise ConnectionError(problem)
    answer = timed(ping)
    return {"configured": True, "kind": "redis"} | answer


def clockwork_check(hall) -> dict[str, Any]:
    clockwork = hall.clockwork
    if not clockwork.running:   # a tool or a test that ticks by hand
        return {"ok": True, "running": False}
    last = clockwork.last_tick_at
    stuck_after = max(STUCK_INTERVALS * clockwork.interval, STUCK_SECONDS)
    if last is None:   # starting: its first tick is under way
        ago, ok = None, time.monotonic() - clockwork.started_at <= stuck_after
    else:
        ago = (datetime.now(timezone.utc) - last).total_seconds()
        ok = ago <= stuck_after
    return {"ok": ok, "running": True, "last_tick_at": last.isoformat() if last else None,
            "seconds_since_tick": None if ago is None else round(ago, 1), "interval": clockwork.interval,
            "leading": clockwork.leading}


@health_blueprint.get("/health")
@permit(PUBLIC)
def health():
    hall = current_hall()
    checks = {"database": database_check(hall), "message_queue": message_queue_check(hall),
              "clockwork": clockwork_check(hall)}
    failed = sorted(name for name, check in checks.items() if not check["ok"])
    reply = {"ok": not failed, "failed": failed, **checks, "process": this_process(),
             "at": datetime.now(timezone.utc).isoformat()}
    return jsonify(reply), (503 if failed else 200)
