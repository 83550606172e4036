"""`jiaohao server` and `jiaohao demo`."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from common.paths import add_data_options, config_path, data_dir, database_url

DEMO_PASSWORD = "demo-only-2026"
DEMO_DATA = "./var/demo"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ["芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "红梅", "文博",
         "雪", "慧"]


def register(sub: argparse._SubParsersAction) -> None:
    server = sub.add_parser("server", help="run the hall's central server")
    add_data_options(server)
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    server.add_argument("--hall", metavar="CODE",
                        help="serve this hall only; 'all' or left out: every hall of the deployment, "
                             "each request answered by its own hall")
    server.add_argument("--message-queue", metavar="URL",
                        help="redis://HOST:PORT/N shared by the deployment's server processes, so every "
                             "process's clients hear every change; default $JIAOHAO_MESSAGE_QUEUE, else none "
                             "(one process)")
    add_async_mode_option(server)
    server.set_defaults(func=run_server)

    demo = sub.add_parser("demo", help="start a fresh demo hall with demo accounts and devices")
    demo.add_argument("--data", metavar="DIR", help=f"demo data directory, recreated (default {DEMO_DATA})")
    demo.add_argument("--config", metavar="FILE", help="hall configuration (default ./config.toml)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--headless", action="store_true", help="do not open a kiosk and a board")
    add_async_mode_option(demo)
    demo.set_defaults(func=run_demo)


def add_async_mode_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--async-mode", choices=("gevent", "threading"), default="gevent",
                        help="gevent (default, by measurement: docs/performance.md): every connection "
                             "a greenlet on one event loop, thousands of live connections, half the CPU "
                             "time per message; threading: a thread per connection")


def start_model(args: argparse.Namespace) -> None:
    """Before anything of the application exists: gevent patches the standard library."""
    if args.async_mode == "gevent":
        from . import serving
        serving.use_gevent()


def serve(app, host: str, port: int) -> None:
    import logging

    from . import serving
    # docs/deployment.md runs the same under gunicorn's gevent worker behind nginx with TLS
    # no line per request: under load the werkzeug request log costs more than the request
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    serving.serve(app, host, port)


def claimed(path) -> "object | None":
    """This process's lock on the data directory, or None after saying in one line why not."""
    from .serving import DataDirUnusable, claim
    try:
        return claim(path)
    except DataDirUnusable as refused:
        print(f"jiaohao server: {refused}", file=sys.stderr, flush=True)
        return None


def message_queue_url(args: argparse.Namespace) -> str | None:
    """--message-queue, else $JIAOHAO_MESSAGE_QUEUE, else None; SystemExit with the reason
    when it names nothing usable."""
    from .message_queue import MessageQueueUnusable, checked_url
    url = getattr(args, "message_queue", None) or os.environ.get("JIAOHAO_MESSAGE_QUEUE") or None
    try:
        return url and checked_url(url)
    except MessageQueueUnusable as refused:
        raise SystemExit(f"jiaohao server: {refused}") from None


def run_server(args: argparse.Namespace) -> int:
    start_model(args)
    from .app import create_app
    from .message_queue import shown
    queue = message_queue_url(args)
    hold = claimed(data_dir(args))
    if hold is None:
        return 1
    try:
        app = create_app(data_dir(args), config_path(args), publish_in_background=True,
                         database=database_url(args), hall=args.hall, message_queue=queue)
        names = "、".join(hall.service.setup().hall.name for hall in app.extensions["jiaohao.halls"].served())
        shared = f" (message queue {shown(queue)})" if queue else ""
        print(f"{names}: serving on http://{args.host}:{args.port}/{shared}", flush=True)
        serve(app, args.host, args.port)
    finally:
        hold.release()
    return 0


def demo_people(window_numbers: list[int]) -> list[tuple[str, str, str, str]]:
    """(username, role, display name, staff number): a clerk per window, a supervisor, an admin."""
    people = []
    for i, number in enumerate(window_numbers):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        people.append((f"clerk{number:02d}", "clerk", name, f"G{1000 + number}"))
    people.append(("supervisor", "supervisor", "大厅主任 李红", "S0001"))
    people.append(("admin", "admin", "系统管理员", "S0002"))
    return people


def create_demo_hall(path: Path, config: Path) -> dict:
    """A fresh demo data directory with accounts and device tokens; returns what was created."""
    from . import accounts
    from .datadir import open_data_dir
    if path.exists():
        shutil.rmtree(path)
    from .security import hash_password
    data = open_data_dir(path, config, adapt=open_all_day)
    # every demo account has the one published password: one scrypt run for all of them, not
    # one each (33 runs were most of the demo's start)
    shared = hash_password(DEMO_PASSWORD)
    made = add_demo_people(data.database, data.hall_id, shared)
    # the city's account (/city): it reads every hall of the deployment, this one alone here
    accounts.add_user(data.database, data.hall_id, "city", accounts.CITY, DEMO_PASSWORD, "市政务服务管理局",
                      password_hash=shared, city=True)
    data.close()
    return made


def add_demo_people(database, hall_id: int, password_hash: str) -> dict:
    """One hall's demo accounts (`demo_people`, each with the stored `password_hash` of
    DEMO_PASSWORD) and device tokens: a kiosk, a board, a screen per window."""
    from . import accounts
    from .services import HallService
    setup_windows = [w.number for w in HallService(database, hall_id).setup().windows]
    for username, role, name, staff_no in demo_people(setup_windows):
        accounts.add_user(database, hall_id, username, role, DEMO_PASSWORD, name, staff_no,
                          password_hash=password_hash)
    devices = {"kiosk": accounts.add_device(database, hall_id, "kiosk-1", "kiosk").token,
               "display": accounts.add_device(database, hall_id, "board-1", "display").token}
    windows = {n: accounts.add_device(database, hall_id, f"window-{n:02d}", "window", n).token
               for n in setup_windows}
    return {"devices": devices, "windows": windows}


def open_all_day(document: dict) -> dict:
    """The demo hall issues tickets at any hour on any day, so it can be tried whenever."""
    document = dict(document)
    document["hall"] = dict(document["hall"], issuing_hours="00:00-24:00",
                            working_days=[1, 2, 3, 4, 5, 6, 7], holidays=[])
    document["services"] = [{k: v for k, v in item.items() if k != "hours"}
                            for item in document["services"]]
    return document


def _write_credentials(path: Path, base: str, made: dict) -> Path:
    lines = ["# DEMO ONLY: these accounts and tokens are for trying Jiaohao out, never for a real hall.",
             f"server = {base}", f"password (every account) = {DEMO_PASSWORD}",
             f"kiosk token = {made['devices']['kiosk']}", f"board token = {made['devices']['display']}"]
    lines += [f"window {n} screen token = {token}" for n, token in made["windows"].items()]
    lines += [f"kiosk command = jiaohao kiosk --server {base} --token {made['devices']['kiosk']}",
              f"board command = jiaohao display --server {base} --token {made['devices']['display']}",
              f"board page = {base}/board?token={made['devices']['display']}"]
    file = path / "demo-credentials.txt"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    file.chmod(0o600)
    return file


def print_devices(base: str, made: dict) -> None:
    """The commands and addresses that open each device with its token, ready to paste."""
    print("\nDevices (each with its own token; see also demo-credentials.txt):")
    print(f"  kiosk             jiaohao kiosk --server {base} --token {made['devices']['kiosk']}")
    print(f"  hall board        jiaohao display --server {base} --token {made['devices']['display']}")
    print(f"  hall board (web)  {base}/board?token={made['devices']['display']}   (&zone=1F, &portrait=1)")
    for number, token in made["windows"].items():
        print(f"  window {number:<2} screen  {base}/window/{number}?token={token}")
        print(f"  window {number:<2} strip   {base}/strip/{number}?token={token}")


def _screen_available() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_clients(base: str, made: dict, data: Path) -> list[subprocess.Popen]:
    """Open one kiosk and one board, for the parts that are installed, when a screen exists."""
    opened = []
    for part, token in (("kiosk", made["devices"]["kiosk"]), ("display", made["devices"]["display"])):
        if importlib.util.find_spec(f"{part}.cli") is None:
            continue
        log = open(data / f"{part}.log", "w")
        opened.append(subprocess.Popen([sys.executable, "-m", "jiaohao", part, "--server", base,
                                        "--token", token], stdout=log, stderr=subprocess.STDOUT))
        print(f"  opened the {part} (log: {data / (part + '.log')})")
    return opened


def run_demo(args: argparse.Namespace) -> int:
    start_model(args)
    from .app import create_app
    path = Path(args.data or os.environ.get("JIAOHAO_DATA_DEMO") or DEMO_DATA)
    config = config_path(args)
    if path.exists():   # another demo may be serving it: never wipe a hall in use
        earlier = claimed(path)
        if earlier is None:
            return 1
        earlier.release()
    made = create_demo_hall(path, config)
    hold = claimed(path)
    if hold is None:
        return 1
    base = f"http://{args.host}:{args.port}"
    app = create_app(path, config, publish_in_background=True)
    setup = app.extensions["jiaohao"].service.setup()
    credentials = _write_credentials(path, base, made)
    print(f"\n{setup.hall.name} — demo hall / 演示大厅")
    print(f"  {len(setup.departments)} departments, {len(setup.services)} items, {len(setup.windows)} windows")
    print("\nDEMO ONLY — 仅供演示: every account's password is " + DEMO_PASSWORD)
    print("  clerks: clerk01 … clerk30 (one per window), supervisor, admin")
    print("  the demo hall issues tickets around the clock, every day")
    print(f"  device tokens: {credentials}")
    print("\nAddresses:")
    print(f"  REST API          {base}/api/v1/hall   (Authorization: Bearer <token>)")
    print(f"  API description   {base}/api/openapi.json")
    print(f"  live updates      Socket.IO at {base}/socket.io/")
    for name, route in page_routes(app):
        print(f"  {name:<17} {base}{route}")
    print_devices(base, made)
    print(f"\nThis demo hall was created fresh in {path}: `jiaohao demo` wipes and recreates it on every "
          "start.\n  To restart it with its data (tickets, accounts, tokens kept):\n"
          f"    jiaohao server --data {path} --config {config} --host {args.host} --port {args.port}")
    clients: list[subprocess.Popen] = []
    if not args.headless and _screen_available():
        clients = _open_clients(base, made, path)
    elif not args.headless:
        print("\n  (no screen here: kiosk and board not opened; use --headless to silence this)")
    print("\nPress Ctrl+C to stop.", flush=True)
    try:
        serve(app, args.host, args.port)
    finally:
        for client in clients:
            client.terminate()
        hold.release()
    return 0


PAGES = (("clerk terminal", "/clerk"), ("window screen", "/window/1"), ("supervisor", "/supervisor"),
         ("reports", "/reports"), ("administration", "/admin"), ("booking", "/book"),
         ("service desk booking", "/desk"), ("city dashboard (account city)", "/city"),
         ("city reports", "/city/reports"))


def page_routes(app) -> list[tuple[str, str]]:
    """The web pages this server has, for the demo's list of addresses."""
    rules = {rule.rule.split("<")[0] for rule in app.url_map.iter_rules()}
    return [(name, route) for name, route in PAGES if route in rules or route.rsplit("/", 1)[0] + "/" in rules]
