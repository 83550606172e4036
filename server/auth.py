"""Who is asking: a staff session, a device, or a ticket's own tracking token.

Every request looks its token up in the database, so a revoked device or a disabled
account stops working at once; what each may do is server/permissions.py. Repeated failed
logins are slowed down by `LoginThrottle`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import timedelta

from flask import request

from hall.tickets import WindowStatus

from . import accounts, db, repository as repo
from .security import hash_token

SUPERVISING = ("supervisor", "admin")
#: who reads reports and the 好差评 export: the supervisors, and the read-only auditor (等保)
REPORT_READERS = ("supervisor", "admin", "auditor")
#: who reads the audit trail: the admin, and the auditor who checks the admin
AUDIT_READERS = ("admin", "auditor")


@dataclass(frozen=True)
class Identity:
    kind: str                  # "user", "device" or "ticket"
    id: int                    # user id, device id or ticket id
    name: str
    role: str                  # clerk/supervisor/admin, kiosk/display/window, or "ticket"
    session_id: int | None = None
    window: int | None = None  # a window screen's window
    windows: tuple[int, ...] = ()   # a bridge's windows
    staff_no: str | None = None
    hall_id: int | None = None      # the hall whose token this is

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def supervises(self) -> bool:
        return self.kind == "user" and self.role in SUPERVISING

    def public(self) -> dict:
        mine = {"kind": self.kind, "id": self.id, "name": self.name, "role": self.role,
                "window": self.window, "staff_no": self.staff_no}
        return mine | ({"windows": list(self.windows)} if self.role == "bridge" else {})


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


def _idle_limit(service, user) -> timedelta | None:
    """How long a staff session may sit unused: longer while its clerk is signed in at a window
    (a quiet afternoon at the desk), the hall's idle timeout otherwise. Another hall's session
    is judged by its own hall (None here)."""
    if user["hall_id"] != service.hall_id:
        return None
    policy = service.setup().security
    at_window = any(window.clerk == user["id"] and window.status is not WindowStatus.CLOSED
                    for window in service.snapshot().windows.values())
    return timedelta(minutes=policy.window_idle_minutes if at_window else policy.idle_minutes)


def identify(database, token: str | None, allow_ticket: bool = False, *, service=None,
             session_clock=None) -> Identity | None:
    """Who a token proves. Given the hall's `service` (and the clock its sessions age by), a
    staff session left idle too long by that hall's policy ends here."""
    if not token or len(token) > 200:
        return None
    if service is not None:
        user = accounts.user_for_token(database, token, (session_clock or service.clock)(),
                                       idle=lambda row: _idle_limit(service, row))
    else:
        user = accounts.user_for_token(database, token)
    if user is not None:
        return Identity("user", user["id"], user["display_name"], user["role"], user["session_id"],
                        staff_no=user["staff_no"], hall_id=user["hall_id"])
    device = accounts.device_for_token(database, token)
    if device is not None:
        windows = repo.device_windows(database.connection(), device["id"]) if device["kind"] == "bridge" else ()
        return Identity("device", device["id"], device["name"], device["kind"],
                        window=device["window_number"], windows=windows, hall_id=device["hall_id"])
    if allow_ticket:
        found = repo.ticket_by_track_hash(database.connection(), hash_token(token))
        if found is not None:
            return Identity("ticket", found[1].id, found[1].number, "ticket", hall_id=found[0])
    return None


class LoginThrottle:
    """After a few failures for one name from one address, refuse for a growing while; and
    after many failures from one address over any names (one password sprayed over a list of
    names), refuse that address too. The address-wide allowance is larger: a hall's terminals
    may share one address behind its router."""

    FREE_FAILURES = 5
    FREE_ADDRESS_FAILURES = 30
    WINDOW_SECONDS = 15 * 60
    MAX_LOCK_SECONDS = 15 * 60
    ANY_NAME = "\0any"   # no user name can be this

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        stamps = self.failures[key]
        while stamps and stamps[0] < self.clock() - self.WINDOW_SECONDS:
            stamps.popleft()
        return stamps

    def _wait(self, key: tuple[str, str], free: int) -> int:
        stamps = self._recent(key)
        return self.locked_for(len(stamps), stamps[-1] if stamps else None, self.clock(), free)

    @classmethod
    def locked_for(cls, failures: int, last: float | None, now: float, free: int) -> int:
        """The rule: seconds to wait after `failures` recent failures, the last at `last`, when
        `free` of them cost nothing; each one beyond doubles the wait, up to MAX_LOCK_SECONDS."""
        extra = failures - free
        if extra < 0 or last is None:
            return 0
        lock = min(2 ** min(extra, 20) * 5, cls.MAX_LOCK_SECONDS)
        left = last + lock - now
        # whole seconds, rounded up; none once the wait is over (not "1 s" for its last second)
        return int(left) + 1 if left > 0 else 0

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this name may try again from this address (0 = now)."""
        with self.lock:
            return max(self._wait((username.lower(), address), self.FREE_FAILURES),
                       self._wait((self.ANY_NAME, address), self.FREE_ADDRESS_FAILURES))

    def failed(self, username: str, address: str) -> None:
        with self.lock:
            self._recent((username.lower(), address)).append(self.clock())
            self._recent((self.ANY_NAME, address)).append(self.clock())

    def succeeded(self, username: str, address: str) -> None:
        """The name's own count is forgiven; the address's is not, or one known password would
        let a sprayer go on."""
        with self.lock:
            self.failures.pop((username.lower(), address), None)


class SharedLoginThrottle(LoginThrottle):
    """The same throttle for the processes of a city: the failures are rows in the database
    they share (under keyed hashes: no name or address is written down), so a sprayer who
    goes round the processes meets one count. Times are the wall clock."""

    def __init__(self, database, secret: str, clock=time.time):
        super().__init__(clock)
        self.database, self.secret = database, secret

    def _key(self, name: str, address: str) -> str:
        from .ratelimit import keyed_name
        return keyed_name(self.secret, "sign-in", (name, address))

    def retry_after(self, username: str, address: str) -> int:
        now, conn = self.clock(), self.database.connection()
        waits = []
        with db.read(conn):
            for name, free in ((username.lower(), self.FREE_FAILURES), (self.ANY_NAME, self.FREE_ADDRESS_FAILURES)):
                count, last = repo.recent_attempts(conn, self._key(name, address), now - self.WINDOW_SECONDS)
                waits.append(self.locked_for(count, last, now, free))
        return max(waits)

    def failed(self, username: str, address: str) -> None:
        now, conn = self.clock(), self.database.connection()
        with db.write(conn):
            repo.add_attempts(conn, [self._key(username.lower(), address), self._key(self.ANY_NAME, address)], now)
            repo.forget_attempts(conn, before=now - self.WINDOW_SECONDS)

    def succeeded(self, username: str, address: str) -> None:
        conn = self.database.connection()
        with db.write(conn):
            repo.forget_attempts(conn, key=self._key(username.lower(), address))


def login_throttle(database, secret: str) -> LoginThrottle:
    """In memory for a deployment served by one process; in the database its processes share."""
    return SharedLoginThrottle(database, secret) if database.shared else LoginThrottle()
