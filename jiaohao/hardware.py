"""`jiaohao bridge`: the hall's RS-485 keypads, strips and raters, driven by a process of their
own (bridge/); `jiaohao bridge emulate ff68|a090` plays the devices for demos and tests."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from common.errors import CommandError

log = logging.getLogger("jiaohao.bridge")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bridge", help="drive the hall's RS-485 caller keypads, LED strips and raters",
                            description="Connect the hall's RS-485 devices (bridge.toml) to the server.")
    parser.add_argument("--server", metavar="URL", help="the hall server, e.g. http://10.0.0.2:8080")
    parser.add_argument("--token", metavar="TOKEN",
                        help="a bridge device token (jiaohao admin device add NAME --kind bridge --windows 3,5); "
                             "default $JIAOHAO_BRIDGE_TOKEN")
    parser.add_argument("--config", metavar="FILE", default="bridge.toml", help="ports and devices (bridge.toml)")
    parser.set_defaults(func=_run_bridge)
    emulators = parser.add_subparsers(dest="bridge_command", metavar="emulate")
    emulate = emulators.add_parser("emulate", help="emulated devices on a TCP port (socket://HOST:PORT)")
    emulate.add_argument("protocol", choices=("ff68", "a090"), help="ff68: keypads and raters; a090: strips")
    emulate.add_argument("--listen", metavar="HOST:PORT", required=True, type=_address)
    emulate.set_defaults(func=_run_emulator)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"应为 HOST:PORT，如 127.0.0.1:4001 / expected HOST:PORT such as "
                                         f"127.0.0.1:4001 (got {text!r})")
    return host, int(port)


# --- the bridge ------------------------------------------------------------------------------------

def _run_bridge(args: argparse.Namespace) -> int:
    from bridge.app import Bridge
    from bridge.bus import check_url
    from bridge.config import BridgeConfigError, load

    token = args.token or os.environ.get("JIAOHAO_BRIDGE_TOKEN")
    if not args.server or not token:
        raise CommandError("需要 --server URL 和 --token TOKEN / --server URL and --token TOKEN are required")
    try:
        config = load(args.config)
    except BridgeConfigError as exc:
        raise CommandError(f"{args.config}: {exc}") from None
    for port in config.ports:
        try:
            check_url(port.url)
        except ValueError as exc:
            raise CommandError(f"{args.config}: 端口 {port.name} 的 url 无效 / port {port.name}: url "
                               f"{port.url!r} is not a pyserial URL ({exc})") from None
    bridge = Bridge(config, args.server, token)
    _check_token(bridge, config)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    bridge.start()
    log.info("bridge running: %d ports, %d keypads, %d raters, %d strips", len(config.ports),
             len(config.keypads), len(config.raters), len(config.strips))
    try:
        # a wait that wakes up: Python runs the SIGTERM handler in this thread only, and the
        # kernel may hand the signal to any thread, which would leave an endless wait asleep
        while not stopping.wait(SIGNAL_CHECK_SECONDS):
            pass
    except KeyboardInterrupt:
        pass
    _stop_within(bridge, STOP_SECONDS)
    return 0


#: how long stopping may take: the live connection's close can wait for the server's answer
STOP_SECONDS = 10.0
#: how often the main thread looks whether SIGTERM came
SIGNAL_CHECK_SECONDS = 0.5


def _stop_within(bridge, seconds: float) -> None:
    """Stop the bridge, but never hang the service manager on a close the server never answers:
    what is left is daemon threads, which end with the process."""
    stopper = threading.Thread(target=bridge.stop, name="bridge-stop", daemon=True)
    stopper.start()
    stopper.join(seconds)
    if stopper.is_alive():
        log.warning("the bridge did not stop within %.0f s; exiting anyway", seconds)


def _check_token(bridge, config) -> None:
    """Refuse to start with a token that is not a bridge's, or lacks a window bridge.toml uses;
    a server that does not answer yet is waited for (the bridge reconnects)."""
    from client.hall_client import ClientError, ServerUnreachable
    try:
        me = bridge.client.get("/api/v1/me")
    except ServerUnreachable as exc:
        log.warning("%s; the bridge keeps trying", exc)
        return
    except ClientError as exc:
        raise CommandError(f"服务器拒绝了此凭证 / the server refused the token: {exc.message}") from None
    if me.get("role") != "bridge":
        raise CommandError(f"此凭证不是桥接器凭证（是 {me.get('role')}）/ the token is not a bridge's "
                           f"(it is a {me.get('role')}'s): jiaohao admin device add NAME --kind bridge --windows …")
    missing = sorted(config.windows - set(me.get("windows") or ()))
    if missing:
        raise CommandError(f"此凭证未获准操作 bridge.toml 中的窗口 {missing} / the token was not given "
                           f"window(s) {missing} that bridge.toml uses")


# --- the emulators ---------------------------------------------------------------------------------

def _run_emulator(args: argparse.Namespace) -> int:
    from bridge.emulate import KeypadBus, StripBus, describe, run_keypad
    host, port = args.listen
    server = KeypadBus(host, port) if args.protocol == "ff68" else StripBus(host, port)
    server.on_item = lambda item: print(describe(item), flush=True)
    print(f"{args.protocol} devices on socket://{server.host}:{server.port}", flush=True)
    with server:
        try:
            if args.protocol == "ff68":
                print("type: ADDRESS KEYS (digits, c call, r recall, s start, f function), or rate ADDRESS VALUE",
                      flush=True)
                run_keypad(server, sys.stdin, sys.stdout)
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0
