"""The WSGI entry point for production servers: `gunicorn -c python:server.gunicorn_conf
server.wsgi:app` (one gevent worker, docs/deployment.md).

The data directory and the hall's configuration come from the environment, with the same
defaults as the `jiaohao` command: $JIAOHAO_DATA (else ./var) and $JIAOHAO_CONFIG (else
./config.toml); the process serves every hall of its database, or only the one $JIAOHAO_HALL
names (a hall's code). Run exactly one worker process: live updates are broadcast from the memory
of the process that committed the change, so a second process's clients would miss them.

$JIAOHAO_TRUSTED_PROXIES (default 1) is how many reverse proxies stand in front (nginx: 1).
Their X-Forwarded-For/-Proto/-Host are believed, so the citizen's address reaches the sign-in
throttle, a ticket's track_url starts with https:// and the websocket origin check sees the
browser's real origin. Set it to 0 when nothing is in front: the headers would be forgeable.
"""

from __future__ import annotations

import argparse
import os
import sys

from werkzeug.middleware.proxy_fix import ProxyFix

from common.paths import config_path, data_dir

from .app import create_app
from .serving import DataDirUnusable, claim, count_in_flight

#: the one hall this process serves, as `jiaohao server --hall CODE`; unset: every hall of the database
HALL_VARIABLE = "JIAOHAO_HALL"
#: a restarting worker waits this long for the one before it to let go of the data directory
CLAIM_WAIT_SECONDS = 30.0
#: gunicorn's exit status for a worker that cannot boot: the arbiter stops instead of retrying
WORKER_BOOT_ERROR = 3


def _trusted_proxies() -> int:
    value = os.environ.get("JIAOHAO_TRUSTED_PROXIES", "1")
    if not value.isdigit():
        raise ValueError(f"JIAOHAO_TRUSTED_PROXIES must be a whole number ≥ 0, not {value!r}")
    return int(value)


def _app_from_environment():
    # an empty namespace makes the paths helpers fall back to the environment, then the defaults
    no_options = argparse.Namespace(data=None, config=None)
    try:
        flask_app_claim = claim(data_dir(no_options), wait_seconds=CLAIM_WAIT_SECONDS)
    except DataDirUnusable as refused:
        print(f"jiaohao: {refused}", file=sys.stderr, flush=True)
        raise SystemExit(WORKER_BOOT_ERROR) from None
    flask_app = create_app(data_dir(no_options), config_path(no_options), publish_in_background=True,
                           hall=os.environ.get(HALL_VARIABLE) or None)
    flask_app.extensions["jiaohao_claim"] = flask_app_claim   # held for the process's life
    proxies = _trusted_proxies()
    if proxies:
        # outermost, so that Socket.IO's handshake and every view see the corrected request
        flask_app.wsgi_app = ProxyFix(flask_app.wsgi_app, x_for=proxies, x_proto=proxies,
                                      x_host=proxies)
    # outside ProxyFix: counted from the moment gunicorn hands the request over
    flask_app.extensions["jiaohao_in_flight"] = count_in_flight(flask_app)
    return flask_app


app = _app_from_environment()
