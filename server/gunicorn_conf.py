"""gunicorn settings for the hall server: `gunicorn -c python:server.gunicorn_conf server.wsgi:app`.

One gevent worker: gunicorn monkey-patches the worker before it loads the application, every
request and every live connection is a greenlet, and the application runs Flask-SocketIO on
gevent with SQLite's waits on the disk on native threads (server/serving.py). A connected
board costs a few small objects, not threads, so `worker_connections` bounds the connections.

On SIGTERM gunicorn stops accepting and lets requests in flight finish within
`graceful_timeout` (live connections, which never finish, are closed at its end and their
clients reconnect); `worker_exit` then publishes what was committed and closes the database,
so no ticket is committed without its boards hearing of it."""

from __future__ import annotations

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
