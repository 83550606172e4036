"""Estimated waits, given as a range because a point promise is a lie.

`estimate_wait` is the first, naive estimate: people ahead × configured handling time ÷
windows open, widened by a quarter either way. `learned_wait` learns from the day (see
below). Both round to five minutes, which is how a citizen reads a wait anyway; `accuracy`
measures either against the waits that actually followed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from .wording import SOON_MINUTES, wait_phrase

STEP_MINUTES = SOON_MINUTES


@dataclass(frozen=True)
class WaitEstimate:
    low: int           # minutes
    high: int          # minutes
    windows: int       # windows the estimate assumed
    uncertain: bool    # no window for the item is open right now: its text says so

    def as_dict(self) -> dict[str, object]:
        return {"low": self.low, "high": self.high, "windows": self.windows,
                "uncertain": self.uncertain}

    def zh(self) -> str:
        return wait_phrase(self.low, self.high, self.uncertain).zh

    def en(self) -> str:
        return wait_phrase(self.low, self.high, self.uncertain).en


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


# --- the learned estimate ----------------------------------------------------------------
#
# The naive estimate trusts the configured handling time and counts every open window as
# serving the item full time. On a real day neither holds: clerks get faster or slower than
# the setup says, and a comprehensive window (综合窗口) divides its time among a dozen items.
# The learned estimate corrects both from the day's own log and from the queue as it stands.

#: below this many finished services today, the configured handling time is used as is
MIN_SAMPLES = 3
#: how strongly the configured time holds against the day's samples (in samples' worth)
PRIOR_SAMPLES = 3
#: weight of the newest sample in the moving average: the last dozen services dominate
RECENT_WEIGHT = 0.3
#: a service left unfinished for hours (a clerk forgot to press 办结) must not swamp the mean
SAMPLE_CAP = 4.0
#: a service already running longer than expected still has a little left, not nothing
LEFTOVER_SHARE = 0.2
#: the estimate looks this many calls ahead at most; beyond it the wait is simply "long"
MAX_AHEAD = 2000


@dataclass(frozen=True)
class WindowCapacity:
    """One window as the estimate sees it, for one item."""

    number: int
    free_in: float   # minutes until the window is free to call the item's next ticket


def recent_handling(samples: Sequence[float], configured: float) -> float:
    """Minutes one service of the item takes today: an exponentially weighted mean of the
    day's services (oldest first), blended with the configured time while samples are few."""
    if len(samples) < MIN_SAMPLES:
        return configured
    mean = None
    for sample in samples:
        sample = min(max(sample, 0.0), configured * SAMPLE_CAP)
        mean = sample if mean is None else RECENT_WEIGHT * sample + (1 - RECENT_WEIGHT) * mean
    learned = len(samples) / (len(samples) + PRIOR_SAMPLES)
    return learned * mean + (1 - learned) * configured


def variability(samples: Sequence[float]) -> float:
    """Coefficient of variation of the day's handling times (0.5 when there are too few)."""
    if len(samples) < MIN_SAMPLES:
        return 0.5
    mean = sum(samples) / len(samples)
    if mean <= 0:
        return 0.5
    spread = math.sqrt(sum((s - mean) ** 2 for s in samples) / (len(samples) - 1))
    return min(spread / mean, 1.5)


def minutes_until_called(ahead: int, handling: float, windows: Sequence[WindowCapacity]) -> float:
    """When the ticket with `ahead` people before it is called, if each window, once free,
    calls the item's next ticket every `handling` minutes: the tickets ahead go to whichever
    window frees first, as they do in the hall.

    Every window calls at its free time and then every `handling` minutes, so the answer is
    the `ahead`-th of those call times, counted rather than played out call by call: windows
    freeing far apart (one back from a long service, one idle) cost no more than windows in
    step, and a long queue no more than a short one."""
    if not windows:
        return float("inf")
    frees = sorted(max(w.free_in, 0.0) for w in windows)
    left = min(ahead, MAX_AHEAD)
    if handling <= 0:
        return frees[0]
    # the windows free by the time the ticket is called: those that take the calls before
    # the next window frees, found by counting each one's calls up to that moment
    active, before = 1, 0
    while active < len(frees):
        calls = sum(_calls_before(free, frees[active], handling) for free in frees[:active])
        if calls > left:
            break
        active, before = active + 1, calls
    return _in_step(frees[:active], frees[active - 1], handling, left - before)


def _calls_before(free: float, moment: float, handling: float) -> int:
    """How many calls a window free at `free` makes before `moment`, one every `handling`."""
    return max(0, math.ceil((moment - free) / handling))


def _in_step(frees: list[float], since: float, handling: float, left: int) -> float:
    """The `left`-th call from `since` on, of windows all free by then: each window's first
    call from `since` on falls within one service of the others', so from there every round
    of calls takes each window once, in the same order, and whole rounds go at once."""
    firsts = sorted(free + _calls_before(free, since, handling) * handling for free in frees)
    rounds, rest = divmod(left, len(firsts))
    return firsts[rest] + rounds * handling


def range_around(centre: float, spread: float, windows: int, uncertain: bool) -> WaitEstimate:
    """A range of whole five-minute steps around `centre`, ±`spread` of it."""
    low = STEP_MINUTES * math.floor(centre * (1 - spread) / STEP_MINUTES)
    high = STEP_MINUTES * math.ceil(centre * (1 + spread) / STEP_MINUTES)
    return WaitEstimate(low=max(low, 0), high=max(high, low + STEP_MINUTES), windows=windows,
                        uncertain=uncertain)


def learned_wait(ahead: int, samples: Sequence[float], configured: float,
                 windows: Sequence[WindowCapacity], uncertain: bool = False) -> WaitEstimate:
    """The range of minutes until a ticket with `ahead` people before it is called, learned
    from today's handling times of its item and the windows serving it now."""
    handling = recent_handling(samples, configured)
    centre = minutes_until_called(ahead, handling, windows)
    if math.isinf(centre):
        return WaitEstimate(low=0, high=STEP_MINUTES, windows=0, uncertain=True)
    # a sum of n services varies by about cv/√n of itself; few samples or no open window
    # make the guess itself shakier
    spread = 0.15 + variability(samples) / math.sqrt(ahead + 1)
    if len(samples) < MIN_SAMPLES:
        spread += 0.1
    if uncertain:
        spread += 0.25
    return range_around(centre, min(spread, 0.9), len(windows), uncertain)


# --- how good an estimate is ---------------------------------------------------------------

@dataclass(frozen=True)
class Accuracy:
    count: int
    mean_abs_error: float   # minutes between the actual wait and the range's midpoint
    inside: float           # share of actual waits that fell inside the range

    def as_dict(self) -> dict[str, float]:
        return {"count": self.count, "mean_abs_error": round(self.mean_abs_error, 2),
                "inside": round(self.inside, 3)}


def accuracy(pairs: Iterable[tuple[WaitEstimate, float]]) -> Accuracy:
    """How well estimates matched the waits that followed: (estimate, actual minutes) pairs."""
    pairs = list(pairs)
    if not pairs:
        return Accuracy(0, 0.0, 0.0)
    errors = [abs(actual - (est.low + est.high) / 2) for est, actual in pairs]
    inside = sum(1 for est, actual in pairs if est.low <= actual <= est.high)
    return Accuracy(len(pairs), sum(errors) / len(pairs), inside / len(pairs))
