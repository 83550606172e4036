"""The Python client of the hall server, shared by the kiosk and the board: REST calls and
the live Socket.IO connection with sequence tracking, resync and reconnection.

It knows nothing of Qt: callbacks run on the client's own threads, and each Qt client wraps
them in signals.
"""

from .hall_client import ClientError, HallClient, ServerUnreachable

__all__ = ["ClientError", "HallClient", "ServerUnreachable"]
