"""Where a command finds its data directory and its config.toml."""

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


def data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data", None) or os.environ.get("JIAOHAO_DATA") or DEFAULT_DATA)


def config_path(args: argparse.Namespace) -> Path:
    explicit = getattr(args, "config", None) or os.environ.get("JIAOHAO_CONFIG")
    if explicit:
        return Path(explicit)
    local = Path(DEFAULT_CONFIG)
    if local.exists():
        return local
    # an installed copy run from elsewhere falls back to the demo hall shipped beside the code
    return Path(__file__).resolve().parent.parent / DEFAULT_CONFIG
