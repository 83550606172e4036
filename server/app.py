"""The Flask application: `create_app` wires a data directory's halls to the web."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import Flask, appcontext_pushed, current_app, g, has_request_context, request
from flask_socketio import SocketIO

from . import headers, inbound
from .appointments import AppointmentService
from .remote import RemoteWalkIns
from .auth import LoginThrottle, login_throttle
from .city import City
from .clockwork import Clockwork
from .datadir import DataDir, open_data_dir
from .errors import register_error_handlers
from .halls import EVERY_HALL, HALL_PARAMETER, Halls
from .reports import DaySoFar
from .live import Live, PlainFrames
from .message_queue import client_manager
from .notify.service import Notifications
from .notify.settings import NotifySettings
from .protocol import SocketJSON
from .serving import async_mode
from .services import Clock, HallService, utcnow
from .supervision import Supervision
from .uploader import UploadSchedule, configured_uploader

log = logging.getLogger(__name__)

#: the Socket.IO extension, bound to the application in `create_app`; the parts that send live
#: messages are handed the hall's `Live`, never this object
socketio = SocketIO()


@dataclass
class ServerSettings:
    public_url: str = ""            # how phones reach the server, for the QR code; "" = as requested
    ratings_upload_url: str = ""    # the provincial 好差评 platform's address; "" = uploading is off
    ratings_upload_token: str = ""
    ratings_upload_every_minutes: float = 60   # how often the clockwork hands over the days not yet delivered

    @classmethod
    def from_config(cls, extra: dict[str, Any]) -> "ServerSettings":
        from hall.config import ConfigError, client_table
        section = client_table(extra.get("server", {}), "server",
                               ("public_url", "host", "port", "ratings_upload_url", "ratings_upload_token",
                                "ratings_upload_every_minutes"))
        for key in ("public_url", "ratings_upload_url"):
            url = section.get(key, "")
            if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
                raise ConfigError(f"server.{key} must be an http:// or https:// address")
        token = section.get("ratings_upload_token", "")
        if not isinstance(token, str):
            raise ConfigError("server.ratings_upload_token must be text")
        every = section.get("ratings_upload_every_minutes", 60)
        if isinstance(every, bool) or not isinstance(every, (int, float)) or not 5 <= every <= 1440:
            raise ConfigError("server.ratings_upload_every_minutes must be a number of minutes from 5 to 1440")
        return cls(public_url=section.get("public_url", "").rstrip("/"),
                   ratings_upload_url=section.get("ratings_upload_url", ""), ratings_upload_token=token,
                   ratings_upload_every_minutes=every)


class Hall:
    """Everything one running hall needs, shared by views and socket handlers."""

    def __init__(self, data: DataDir, live_socket: SocketIO, clock: Clock = utcnow,
                 tick_seconds: float = 2.0, publish_in_background: bool = False,
                 session_clock: Clock = utcnow, throttle: LoginThrottle | None = None,
                 message_queue: str | None = None):
        self.data = data
        #: sign-in sessions age by the wall clock even when a test moves the hall's clock
        self.session_clock = session_clock
        self.database = data.database
        self.service = HallService(data.database, data.hall_id, publish=self._publish,
                                   clock=clock, secret=data.secret_key, vault=data.vault,
                                   publish_in_background=publish_in_background)
        self.live = Live(live_socket, self.service, after_publish=self._after_publish,
                         session_clock=session_clock, shared=message_queue is not None)
        self.supervision = Supervision(self.service, emit=self.live.emit_to_hall,
                                       connected_devices=self.live.connected_devices)
        self.appointments = AppointmentService(self.service)
        self.remote = RemoteWalkIns(self.service)
        self.service.after_refusal.append(
            lambda service: self.live.broadcast_appointment("person_refused", {"service": service}))
        self.day_so_far = DaySoFar()   # the reports of today, kept added up as the log grows
        with self.database.checked_out():
            self.settings = ServerSettings.from_config(self.service.setup().extra)
            self.notifications = Notifications(self.service,
                                               NotifySettings.from_config(self.service.setup().extra))
        self.clockwork = Clockwork(self.service, self.live, self.supervision, self.appointments,
                                   interval=tick_seconds, uploads=self._upload_schedule(),
                                   notifications=self.notifications, remote=self.remote)
        #: the process's one throttle, shared by its halls: a name sprayed over the halls'
        #: sign-ins still counts against its address
        self.throttle = throttle or LoginThrottle()
        self.message_queue = message_queue   # the deployment's Redis, when it has one

    def _upload_schedule(self) -> UploadSchedule | None:
        """The provincial 好差评 uploads, when [server] ratings_upload_url turns them on."""
        uploader = configured_uploader(self.settings)
        if uploader is None:
            return None
        return UploadSchedule(self.service, uploader, self.settings.ratings_upload_every_minutes * 60)

    # the service is made before the live connections that publish for it
    def _publish(self, hall_id: int, batch: list) -> None:
        self.live.publish(hall_id, batch)

    def _after_publish(self, batch: list) -> None:
        self.supervision.after_publish(batch)


def current_hall() -> Hall:
    """The hall of the request or live message being handled (server/halls.py decides which),
    looked up once per request."""
    hall = g.get("jiaohao_hall")
    if hall is None:
        hall = g.jiaohao_hall = served_halls().for_request()
    return hall


def served_halls(app: Flask | None = None) -> Halls:
    """Every hall this process serves."""
    return (app or current_app).extensions["jiaohao.halls"]


def current_city() -> City:
    """Every hall of the deployment, read from the database (the city dashboard and reports)."""
    return current_app.extensions["jiaohao.city"]


def give_back_connections_at_teardown(app: Flask, database) -> None:
    """Every request and every live message (Flask-SocketIO runs each handler in an application
    context) gives back the database connection it checked out when it ends. A thread that
    held one before (a test calling the app on its own thread) keeps it."""
    def note(sender, **extra) -> None:
        g.held_connection = database.holds_connection()

    def give_back(exc) -> None:
        if not g.get("held_connection", False):
            database.release()

    appcontext_pushed.connect(note, app, weak=False)
    app.teardown_appcontext(give_back)


def create_app(data_dir: str | Path, config_path: str | Path, *, clock: Clock = utcnow,
               start_clockwork: bool = True, tick_seconds: float = 2.0,
               publish_in_background: bool = False, session_clock: Clock = utcnow,
               database: str | None = None, hall: str | None = None,
               message_queue: str | None = None) -> Flask:
    """`publish_in_background`: a request answers once its command committed, and a worker
    publishes the committed batches in commit order (what the servers run); without it the
    request publishes before it answers, which tests that read messages right after a
    request rely on. `database`: a URL (see datadir.database_url); the data directory's
    SQLite file when None. `hall`: the code of the one hall this app serves (`--hall CODE`);
    None (or "all") serves every hall of the database, each request its credential's hall (halls.py).
    `app.extensions["jiaohao"]` is the home hall: the pinned one, else the config's.
    `message_queue`: a redis:// URL shared by the deployment's server processes, so each one's
    clients hear every change (server/message_queue.py); None: this process is alone."""
    app = Flask(__name__)
    hall = None if hall == EVERY_HALL else hall
    data = open_data_dir(data_dir, config_path, database=database, hall=hall, home_of_several=hall is None)
    app.config.update(SECRET_KEY=data.secret_key, JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=64 * 1024)
    app.json.ensure_ascii = False

    throttle = login_throttle(data.database, data.secret_key)

    def build(hall_id: int) -> Hall:
        return Hall(replace(data, hall_id=hall_id), socketio, clock=clock, tick_seconds=tick_seconds,
                    publish_in_background=publish_in_background, session_clock=session_clock,
                    throttle=throttle, message_queue=message_queue)

    home = build(data.hall_id)
    halls = Halls(data.database, build, home, pinned=hall is not None)
    app.extensions["jiaohao"] = home
    app.extensions["jiaohao.halls"] = halls
    app.extensions["jiaohao.city"] = City(data.database, home.service.clock)

    inbound.install(app)
    headers.install(app)
    from .api import api
    from .health import health_blueprint
    from .openapi import openapi_blueprint
    from .pages import BLUEPRINT_MODULES
    app.register_blueprint(api)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(openapi_blueprint)
    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).blueprint)
    register_error_handlers(app)
    give_back_connections_at_teardown(app, data.database)
    app.context_processor(lambda: {"several_halls": halls.several(), "page_hall": request.args.get(
        HALL_PARAMETER, "") if has_request_context() else ""})

    # browsers only from the hall's own origin; device clients (python-socketio) send their
    # server URL as Origin, which is the same origin
    # gevent in a monkey-patched server process, threads elsewhere (serving.async_mode); both
    # with simple-websocket for real websockets
    # protocol.SocketJSON: a snapshot encoded once goes to every connecting board as it is
    # the client manager is always given: the module's one SocketIO keeps the options of its
    # last init_app, and an app without a queue must not inherit another's
    manager = client_manager(message_queue) if message_queue else None
    socketio.init_app(app, async_mode=async_mode(), logger=False, engineio_logger=False,
                      json=SocketJSON, client_manager=manager)
    app.wsgi_app = PlainFrames(app.wsgi_app)   # outside Socket.IO's own middleware: seen first
    halls.register_live_handlers(socketio)
    if start_clockwork:
        halls.on_every_hall(start_timed_work)
        # every hall's day rolls over, whether or not anyone of it asked yet, halls added later too
        halls.watch(tick_seconds)
    return app


def start_timed_work(hall: Hall) -> None:
    """A hall's clockwork and its notification courier, from the moment it is served."""
    hall.clockwork.start()
    hall.notifications.courier.start(socketio.start_background_task)
