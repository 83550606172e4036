"""A hall as the city sees it on its dashboard: how many wait and for how long, which windows
are open, which are empty (空岗) while people wait for them.

The city reads every hall without loading any hall's queue: what it gets is each line's size
and earliest issue time (`Line`), kept up as the hall's log grows (kpi.LiveDay), so its cost
does not grow with the people waiting. Which windows call from which line is order.py's
rule (`calls_from`) and when a window is empty is alerts.py's (`empty_since`): the city and
the hall's own supervision cannot disagree. No I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from . import alerts, order
from .setup import HallConfig
from .tickets import WindowState, WindowStatus


@dataclass(frozen=True)
class Line:
    """The tickets waiting in one line today: an item's own line, or the item's tickets sent
    to one window (`sent_to`)."""
    service: str
    sent_to: int | None
    waiting: int
    earliest: datetime   # the earliest issue time in the line


def _seconds(since: datetime | None, now: datetime) -> int:
    return 0 if since is None else max(0, round((now - since).total_seconds()))


def _people_since(setup: HallConfig, window: int, lines: Iterable[Line]) -> datetime | None:
    """The earliest issue time of anyone the window may call (alerts.waiting_since, from lines)."""
    return min((line.earliest for line in lines
                if order.calls_from(setup, window, line.service, line.sent_to)),
               default=None)


def empty_windows(setup: HallConfig, windows: dict[int, WindowState], lines: list[Line],
                  now: datetime) -> list[dict[str, Any]]:
    """The windows empty now while people wait for them, longest empty first."""
    out = []
    for spec in setup.windows:
        window = windows.get(spec.number)
        if window is None:
            continue
        since = alerts.empty_since(window, _people_since(setup, spec.number, lines))
        if since is not None:
            out.append({"window": spec.number, "name": spec.name, "name_en": spec.name_en,
                        "status": window.status.value, "seconds": _seconds(since, now)})
    return sorted(out, key=lambda row: (-row["seconds"], row["window"]))


def hall_now(setup: HallConfig, windows: dict[int, WindowState], lines: list[Line],
             now: datetime) -> dict[str, Any]:
    """Waiting, longest wait, windows open and paused, 空岗: one hall's row on the dashboard."""
    earliest = min((line.earliest for line in lines), default=None)
    configured = [windows.get(spec.number) for spec in setup.windows]
    empty = empty_windows(setup, windows, lines, now)
    return {
        "waiting": sum(line.waiting for line in lines),
        "longest_wait_seconds": _seconds(earliest, now),
        "windows": len(setup.windows),
        "windows_open": sum(1 for w in configured if w is not None and w.status is WindowStatus.OPEN),
        "windows_paused": sum(1 for w in configured if w is not None and w.status is WindowStatus.PAUSED),
        "empty_windows": len(empty),
        "empty": empty,
    }
