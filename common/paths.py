"""Where a command finds its data directory, its database and its config.toml."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_DATA = "./var"
DEFAULT_CONFIG = "config.toml"


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR",
                        help="data directory (SQLite file, secrets); default $JIAOHAO_DATA or ./var")
    parser.add_argument("--config", metavar="FILE",
                        help="hall configuration; default $JIAOHAO_CONFIG or ./config.toml")
    parser.add_argument("--database", metavar="URL",
                        help="sqlite:///PATH or postgresql://user@host:port/db; default $JIAOHAO_DATABASE, "
                             "else the SQLite file in the data directory")


def data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data", None) or os.environ.get("JIAOHAO_DATA") or DEFAULT_DATA)


def database_url(args: argparse.Namespace) -> str | None:
    """--database as given; without it the server falls back to $JIAOHAO_DATABASE, then to the
    SQLite file in the data directory (server.datadir.database_url)."""
    return getattr(args, "database", None)


SYSTEM_CONFIG = Path("/etc/jiaohao/config.toml")


def config_path(args: argparse.Namespace) -> Path:
    """--config, else $JIAOHAO_CONFIG, else ./config.toml, else the checkout's own, else /etc/jiaohao."""
    explicit = getattr(args, "config", None) or os.environ.get("JIAOHAO_CONFIG")
    if explicit:
        return Path(explicit)
    checkout = Path(__file__).resolve().parent.parent / DEFAULT_CONFIG
    for candidate in (Path(DEFAULT_CONFIG), checkout, SYSTEM_CONFIG):
        if candidate.exists():
            return candidate
    return Path(DEFAULT_CONFIG)   # reported as "file not found" with its name
