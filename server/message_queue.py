"""The message queue that lets several server processes share their live clients: with
`--message-queue redis://HOST:PORT/N` every emit is delivered to this process's own clients
and published once on Redis, where every other process's listener hears it and delivers it to
its own. Without it a process is alone (one hall, no service to run) and nothing here is used.

Redis pub/sub delivers at most once: a message published while Redis restarts is lost. The
live messages carry the hall's seq, so a client that misses one sees a gap in the next and
resyncs; the queue never has to be reliable for a board to be right.

The Redis client is built here rather than from Flask-SocketIO's `message_queue=` so its
options can be given: a connect timeout (a Redis that does not answer fails a publish in
seconds, not minutes), keepalive and periodic health checks so a dead connection is noticed
and replaced, and no read timeout on the listener, which waits for messages for as long as
the hall is quiet.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: what the listener and the publisher connect with (no socket_timeout: see above)
REDIS_OPTIONS = {"socket_connect_timeout": 5, "health_check_interval": 30, "socket_keepalive": True}
#: every process of a deployment publishes and listens on this one channel
CHANNEL = "jiaohao"
SCHEMES = ("redis", "rediss")
#: how long the health check waits for Redis to answer
CHECK_SECONDS = 2.0


class MessageQueueUnusable(ValueError):
    """The message queue URL names nothing this server can use."""


def checked_url(url: str) -> str:
    """The URL as given when it names a Redis server; MessageQueueUnusable with a bilingual
    reason otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise MessageQueueUnusable(f"消息队列地址无效 / unknown message queue URL {shown(url)!r}: use "
                                   "redis://HOST:PORT/N (or rediss:// for TLS)")
    try:
        parts.port
    except ValueError:
        raise MessageQueueUnusable(f"消息队列端口无效 / bad port in {shown(url)!r}") from None
    return url


def shown(url: str) -> str:
    """The URL without its password, for logs, messages and the health report."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def client_manager(url: str):
    """python-socketio's Redis client manager for `url`, with the options above."""
    import socketio
    return socketio.RedisManager(checked_url(url), channel=CHANNEL, redis_options=dict(REDIS_OPTIONS))


def problem(url: str) -> str | None:
    """None when Redis answers a PING now; otherwise what went wrong, in one line."""
    import redis
    client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS)
    try:
        client.ping()
        return None
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}".replace(url, shown(url))
    finally:
        client.close()
