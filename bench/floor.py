"""The stack's floor for issuing: a bare Flask-SocketIO route doing one SQLite insert.

Served by server.cli.serve in this process, which is not monkey-patched: Werkzeug's threaded
server with Flask-SocketIO's threading mode (`jiaohao server --async-mode threading`), with
the hall's database settings (WAL, synchronous=FULL), so the ratio of the hall's issuing rate
to this one says what the hall's own work costs above the stack.

    python -m bench.floor --port 8090 --db /tmp/floor.sqlite
"""

from __future__ import annotations

import argparse
import sqlite3
import threading
from pathlib import Path

from flask import Flask, jsonify


def floor_app(path: Path) -> Flask:
    app = Flask("floor")
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if getattr(local, "conn", None) is None:   # one per server thread, as the hall's
            local.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            local.conn.execute("PRAGMA synchronous=FULL")
        return local.conn

    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    setup.close()

    @app.post("/floor")
    def insert():
        conn = connection()
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("INSERT INTO floor (body) VALUES ('ticket')").lastrowid
        conn.execute("COMMIT")
        return jsonify(id=row), 201

    @app.get("/ready")
    def ready():
        return jsonify(ok=True)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    from server.app import socketio
    from server.cli import serve
    app = floor_app(args.db)
    socketio.init_app(app, async_mode="threading")
    serve(app, "127.0.0.1", args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
