"""gunicorn settings for the hall server: `gunicorn -c python:server.gunicorn_conf server.wsgi:app`.

One gevent worker: gunicorn monkey-patches the worker before it loads the application, every
request and every live connection is a greenlet, and the application runs Flask-SocketIO on
gevent with SQLite's waits on the disk on native threads (server/serving.py). A connected
board costs a few small objects, not threads, so `worker_connections` bounds the connections.

On SIGTERM gunicorn stops accepting and lets requests in flight finish within
`graceful_timeout`; the live clients (websockets, which gunicorn would wait for too) are let go
as soon as those requests have answered and their news went out, so the worker exits in
moments; `worker_exit` then closes the database."""

from __future__ import annotations

import signal

workers = 1                 # live updates go out from the process that committed (docs/deployment.md)
worker_class = "gevent"
worker_connections = 10000  # boards, window screens, clerk terminals, phones and requests together
backlog = 4096              # a thousand boards reconnecting at once after a restart
graceful_timeout = 20
bind = "127.0.0.1:8080"


def worker_exit(server, worker) -> None:
    from server.serving import finish
    from server.wsgi import app
    finish(app, None, 0)
    app.extensions["jiaohao_claim"].release()


def post_worker_init(worker) -> None:
    """After gunicorn installed its own SIGTERM handler in the worker: chain ours to it."""
    from server.collector import keep_long_lived
    from server.serving import stop_live_after_drain
    from server.wsgi import app
    keep_long_lived()   # thousands of live connections: full collections walk only the new
    gunicorn_stop = signal.getsignal(signal.SIGTERM)

    def stop(signum, frame) -> None:
        gunicorn_stop(signum, frame)
        stop_live_after_drain(app, app.extensions["jiaohao_in_flight"])
    signal.signal(signal.SIGTERM, stop)
    signal.siginterrupt(signal.SIGTERM, False)   # as gunicorn set it: requests are not disturbed
