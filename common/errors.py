"""Errors shared by every part's command line."""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report in one plain line, without a traceback (exit status 2)."""
