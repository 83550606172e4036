"""`jiaohao`: one command, a subcommand per part of the hall.

Each part registers its own subcommand from a light `cli` module (argparse only at
import time) so that `jiaohao --help` works on a server-only install without PyQt6.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from common.errors import CommandError
from hall.config import ConfigError

#: Modules that each provide `register(subparsers)`; listed in --help order.
SUBCOMMAND_MODULES = (
    "server.cli",
    "kiosk.cli",
    "display.cli",
    "printer.cli",
    "jiaohao.admin",
    "jiaohao.hardware",
    "jiaohao.simulate",
    "bench.cli",
)


#: the install extra each subcommand needs beyond the core
EXTRA_FOR = {"server": "server", "demo": "server", "kiosk": "kiosk", "display": "display",
             "print-test": "printer", "bridge": "client", "admin": "server", "bench": "all", "simulate": "all"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jiaohao",
        description="Jiaohao (叫号): queue management for government service halls.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that part is not built or not installed here
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CommandError, ConfigError) as exc:
        print(f"jiaohao {args.command}: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        # a part run on an install without its extra (a server-only machine asked to print)
        extra = EXTRA_FOR.get(args.command, "all")
        print(f"jiaohao {args.command}: needs the Python package {exc.name!r}, which is not installed "
              f"here: pip install 'jiaohao[{extra}]'", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
