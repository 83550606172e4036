"""Waiting for a condition while Qt keeps delivering signals, bounded in time."""

from __future__ import annotations

import time
from typing import Callable

from PyQt6.QtCore import QCoreApplication, QEventLoop


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)
    return predicate()
