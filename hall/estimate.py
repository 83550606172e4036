"""A first estimated-wait function, given as a range because a point promise is a lie.

People ahead × expected handling time ÷ windows serving the item, widened by a quarter
either way and rounded to five minutes, which is how a citizen reads a wait anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

STEP_MINUTES = 5


@dataclass(frozen=True)
class WaitEstimate:
    low: int           # minutes
    high: int          # minutes
    windows: int       # windows the estimate assumed
    uncertain: bool    # no window for the item is open right now

    def as_dict(self) -> dict[str, object]:
        return {"low": self.low, "high": self.high, "windows": self.windows,
                "uncertain": self.uncertain}

    def zh(self) -> str:
        if self.high <= STEP_MINUTES:
            return "即将叫号"
        return f"约 {self.low}–{self.high} 分钟"

    def en(self) -> str:
        if self.high <= STEP_MINUTES:
            return "Very soon"
        return f"About {self.low}–{self.high} min"


def estimate_wait(ahead: int, handling_minutes: float, windows_open: int,
                  windows_serving: int) -> WaitEstimate:
    """Range of minutes until a ticket with `ahead` people before it is called."""
    uncertain = windows_open == 0
    windows = max(1, windows_open if windows_open else windows_serving)
    # the +0.5 stands for the citizens already at the windows, half done on average
    centre = (ahead + 0.5) * handling_minutes / windows
    low = STEP_MINUTES * math.floor(centre * 0.75 / STEP_MINUTES)
    high = STEP_MINUTES * math.ceil(centre * 1.25 / STEP_MINUTES)
    return WaitEstimate(low=low, high=max(high, low + STEP_MINUTES), windows=windows,
                        uncertain=uncertain)
