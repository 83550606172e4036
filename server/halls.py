"""Which hall a request, a live connection or a background tick belongs to.

A server process serves every hall of its database (or the one `--hall CODE` pins it to).
`Halls` keeps one `Hall` (app.py: the hall's service, live connections, supervision, clockwork)
per hall. A started server builds every hall at once, and then looks for halls added with
`jiaohao admin hall add` every few seconds (`watch`), so each hall's timed work (day rollover,
hold returns, no-shows, alerts) runs from the start, whether or not anyone of it asked yet;
a hall is also built the first time something of it arrives, if that comes sooner.

The seam is `Halls.for_request()` (reached through `app.current_hall()`) and
`Halls.for_token()` (the live connection's): a credential names its hall — a staff session,
a device token, a ticket's track token or a booking's manage token belong to exactly one
hall —; a request without one names it with `?hall=CODE` (the public pages) or falls to the
home hall, the hall of the server's config.toml. A credential of another hall is therefore
always answered by its own hall: another hall's ids are unknown to it (404), never forbidden.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Callable, Iterable

from flask import g, has_request_context, request

from protocol import live as wire

from hall.config import EVERY_HALL

from . import repository as repo
from .auth import bearer_token
from .errors import ApiError
from .security import hash_token

if TYPE_CHECKING:
    from .app import Hall

log = logging.getLogger(__name__)

#: the query parameter that names the hall of a request without a credential (/book?hall=CODE)
HALL_PARAMETER = "hall"
#: a credential longer than this is no token of ours: not worth a lookup
MAX_TOKEN = 200
#: how many tokens' halls are kept in memory (each entry is a hash and an id)
KEPT_TOKENS = 20_000


class Halls:
    """The halls this process serves, each built once, on first use."""

    def __init__(self, database, build: Callable[[int], "Hall"], home: "Hall", pinned: bool):
        self.database = database
        self._build = build
        self.home = home
        #: `--hall CODE`: this process serves that hall only; every other hall's credential is unknown
        self.pinned = pinned
        self._by_id: dict[int, Hall] = {home.service.hall_id: home}
        self._lock = threading.Lock()
        self._started: list[Callable[[Hall], None]] = []
        self._connections: dict[str, Hall] = {}   # a live connection's sid → its hall
        #: token hash → its hall id: a token never changes hall, so what was found once is kept
        #: (a bounded number; tokens found in no hall are not kept, they cost a lookup each time)
        self._token_halls: OrderedDict[str, int] = OrderedDict()
        self._tokens_lock = threading.Lock()   # not the builders' lock: a hall being built holds no lookup up
        self._watching = threading.Event()     # set: stop looking for new halls
        self._watcher: threading.Thread | None = None
        #: the process's loops of timed work (app.start_timed_work), stopped with it
        self.timekeepers: list = []

    # --- the halls -------------------------------------------------------------------------------

    def served(self) -> list["Hall"]:
        """The halls built so far, home first."""
        with self._lock:
            return list(self._by_id.values())

    def get(self, hall_id: int) -> "Hall | None":
        """The hall with this id, built now if the database has it and this process serves it."""
        hall = self._by_id.get(hall_id)
        if hall is not None or self.pinned:
            return hall
        with self.database.checked_out() as conn:
            if repo.hall_by_id(conn, hall_id) is None:
                return None
        return self._built(hall_id)

    def by_code(self, code: str) -> "Hall | None":
        if self.pinned:
            return self.home if code == self.home.service.setup().hall.code else None
        with self.database.checked_out() as conn:
            row = repo.find_hall(conn, code)
        return None if row is None else self._built(int(row["id"]))

    def several(self) -> bool:
        """Whether requests must say which hall they are for (the sign-in pages ask for its code)."""
        if self.pinned:
            return False
        with self.database.checked_out() as conn:
            return len(repo.list_halls(conn)) > 1

    def refresh(self) -> list["Hall"]:
        """Build every hall of the database not built yet (the halls added since); returns them."""
        if self.pinned:
            return []
        with self.database.checked_out() as conn:
            ids = [int(row["id"]) for row in repo.list_halls(conn)]
        fresh = [hall_id for hall_id in ids if hall_id not in self._by_id]
        return [self._built(hall_id) for hall_id in fresh]

    def watch(self, interval: float) -> None:
        """Build every hall of the database now, then each hall added later within `interval`
        seconds, on a thread of its own until `stop` (with its timed work, see `on_every_hall`)."""
        self.refresh()
        if self.pinned:
            return
        self._watcher = threading.Thread(target=self._keep_watching, args=(interval,),
                                         name="jiaohao-halls", daemon=True)
        self._watcher.start()

    def _keep_watching(self, interval: float) -> None:
        while not self._watching.wait(interval) and not self.database.closed:
            try:
                self.refresh()
            except Exception as exc:   # the database away for a while: look again next time
                log.warning("new halls not looked for: %s", exc)

    def _built(self, hall_id: int) -> "Hall":
        with self._lock:
            hall = self._by_id.get(hall_id)
            if hall is not None:
                return hall
            hall = self._by_id[hall_id] = self._build(hall_id)
            starts = list(self._started)
        log.info("serving hall %s", hall.service.setup().hall.code)
        for start in starts:
            start(hall)
        return hall

    def on_every_hall(self, start: Callable[["Hall"], None]) -> None:
        """Run `start` for every hall served now and for each one built later (its clockwork)."""
        with self._lock:
            self._started.append(start)
            present = list(self._by_id.values())
        for hall in present:
            start(hall)

    # --- the seam: from a credential or a request to its hall -------------------------------------

    def for_token(self, token: str | None) -> "Hall | None":
        """The hall whose staff session, device, ticket or booking this token is; None when it is
        no token of a hall this process serves."""
        if not token or len(token) > MAX_TOKEN:
            return None
        if self.pinned:
            return self.home
        hall_id = self._hall_id_of(hash_token(token))
        return None if hall_id is None else self.get(hall_id)

    def _hall_id_of(self, token_hash: str) -> int | None:
        with self._tokens_lock:
            hall_id = self._token_halls.get(token_hash)
            if hall_id is not None:
                self._token_halls.move_to_end(token_hash)
                return hall_id
        with self.database.checked_out() as conn:
            hall_id = repo.hall_of_token(conn, token_hash)
        if hall_id is not None:
            with self._tokens_lock:
                self._token_halls[token_hash] = hall_id
                if len(self._token_halls) > KEPT_TOKENS:
                    self._token_halls.popitem(last=False)
        return hall_id

    def for_code(self, code: str) -> "Hall":
        """The hall a request names with ?hall=CODE, or the 404 that says there is none."""
        hall = self.by_code(code) if len(code) <= 64 else None
        if hall is None:
            raise ApiError(404, "hall_not_found", f"没有代码为 {code} 的大厅 / no hall has the code {code!r}")
        return hall

    def for_request(self) -> "Hall":
        """The hall of the request being served: its credential's (a bearer token, a token in the
        path or in ?token=), else the one ?hall=CODE names, else the home hall. A process pinned
        to one hall answers everything as that hall's, and a request naming another with 404."""
        if not has_request_context():
            return self.home
        for token in () if self.pinned else _credentials():
            hall = self.for_token(token)
            if hall is not None:
                return hall
        code = request.args.get(HALL_PARAMETER)
        return self.for_code(code) if code else self.home

    def for_sign_in(self, code: object) -> "Hall":
        """The hall a sign-in names in its body (`hall`: the hall's code); the request's hall
        when it names none (a deployment of one hall needs no code)."""
        from .app import current_hall
        if code is None or code == "":
            return current_hall()
        if not isinstance(code, str):
            raise ApiError(422, "bad_field", "hall 应为大厅代码 / hall must be a hall's code")
        return self.for_code(code)

    # --- live connections: each is its token's hall's -------------------------------------------

    def register_live_handlers(self, socketio) -> None:
        """One set of Socket.IO handlers for every hall: a connection is handed to its token's
        hall, which joins it to that hall's rooms (live.hall_room carries the hall id)."""
        socketio.on_event("connect", self._on_connect)
        socketio.on_event("disconnect", self._on_disconnect)
        socketio.on_event(wire.RESYNC, self._on_resync)

    def for_connection(self, sid: str) -> "Hall":
        """The hall of a live connection (the home hall's refusal for one never admitted)."""
        return self._connections.get(sid, self.home)

    def _on_connect(self, auth: dict | None = None):
        token = auth.get("token") if isinstance(auth, dict) else None
        hall = g.jiaohao_hall = self.for_token(token if isinstance(token, str) else None) or self.home
        self._connections[request.sid] = hall
        try:
            return hall.live.on_connect(auth)
        except BaseException:
            self._connections.pop(request.sid, None)
            raise

    def _on_disconnect(self, reason=None) -> None:
        hall = self._connections.pop(request.sid, None)
        if hall is not None:
            g.jiaohao_hall = hall
            hall.live.on_disconnect_sid(request.sid)

    def _on_resync(self, data=None):
        hall = g.jiaohao_hall = self.for_connection(request.sid)
        return hall.live.on_resync(data)

    def stop(self) -> None:
        """Stop looking for new halls and every hall's timed work (the server is stopping)."""
        self._watching.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
        for keeper in self.timekeepers:
            keeper.stop()   # waits for a turn under way
        for hall in self.served():
            hall.clockwork.stop()
            hall.notifications.courier.stop()


def _credentials() -> Iterable[str]:
    """The tokens a request carries, in the order they decide its hall."""
    header = bearer_token()
    if header:
        yield header
    in_path = (request.view_args or {}).get("token")
    if isinstance(in_path, str):
        yield in_path
    in_query = request.args.get("token")
    if in_query:
        yield in_query
