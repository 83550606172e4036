"""gunicorn settings for the hall server: `gunicorn -c python:server.gunicorn_conf server.wsgi:app`.

On SIGTERM gunicorn stops accepting and lets requests in flight finish within
`graceful_timeout`; `worker_exit` then publishes what was committed and closes the database,
so no ticket is committed without its boards hearing of it."""

from __future__ import annotations

workers = 1                 # live updates go out from the process that committed (docs/deployment.md)
threads = 200
graceful_timeout = 20
bind = "127.0.0.1:8080"


def worker_exit(server, worker) -> None:
    from server.serving import finish
    from server.wsgi import app
    finish(app, None, 0)
    app.extensions["jiaohao_claim"].release()
