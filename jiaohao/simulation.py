"""The simulated working day as a plan: who arrives when, for which item, how long each visit
takes and how it ends, when clerks take breaks. Pure and seeded: no clock, no I/O, so the same
seed gives the same day and the plan can be tested on its own.

Times are minutes after the hall opens (08:30 local in the demo hall's setup).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from hall.estimate import (
    WaitEstimate,
    WindowCapacity,
    accuracy,
    estimate_wait,
    learned_wait,
)

#: issuing 08:30–11:30 and 13:00–16:30, as minutes after 08:30
MORNING = (0.0, 180.0)
AFTERNOON = (270.0, 480.0)
#: the peaks citizens make: mid-morning and mid-afternoon
MORNING_PEAK, AFTERNOON_PEAK = 70.0, 330.0
LUNCH = (195.0, 270.0)


@dataclass(frozen=True)
class Settings:
    tickets: int = 150
    windows: int = 8
    seed: int = 1
    morning_share: float = 0.55
    no_show_rate: float = 0.06
    hold_rate: float = 0.04
    transfer_rate: float = 0.04
    rating_rate: float = 0.7
    lunch_share: float = 0.5     # share of windows whose clerk signs out for lunch
    notify_share: float = 0.3    # share of citizens who ask for text messages on their phone

    @classmethod
    def from_mapping(cls, data: dict) -> Settings:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown simulation settings: {', '.join(sorted(unknown))}")
        return cls(**data)


@dataclass(frozen=True)
class Arrival:
    index: int
    at: float            # minutes after opening
    service: str
    outcome: str         # serve | no_show | hold | transfer
    handling: float      # minutes at the window when served
    rating: int | None   # what the citizen presses on the window screen, None for no rating


@dataclass(frozen=True)
class Absence:
    start: float
    end: float
    kind: str            # pause (a break) | sign_out (lunch)


@dataclass
class Plan:
    arrivals: list[Arrival]
    absences: dict[int, list[Absence]] = field(default_factory=dict)


def _arrival_minute(rng: random.Random, morning_share: float) -> float:
    """A minute within issuing hours, clustered around the morning or the afternoon peak."""
    low, high, peak, spread = (*MORNING, MORNING_PEAK, 40.0) if rng.random() < morning_share \
        else (*AFTERNOON, AFTERNOON_PEAK, 50.0)
    return min(max(rng.gauss(peak, spread), low), high - 0.5)


def _outcome(rng: random.Random, s: Settings) -> str:
    roll = rng.random()
    for name, rate in (("no_show", s.no_show_rate), ("hold", s.hold_rate), ("transfer", s.transfer_rate)):
        if roll < rate:
            return name
        roll -= rate
    return "serve"


def _rating(rng: random.Random, s: Settings) -> int | None:
    if rng.random() >= s.rating_rate:
        return None
    # most citizens are satisfied; a few are not, so the dissatisfied count is exercised
    return rng.choices([5, 4, 3, 2, 1], weights=[60, 20, 10, 6, 4])[0]


def handling_minutes(rng: random.Random, configured: float) -> float:
    """A visit's length: around the configured time, skewed long, never under a minute."""
    return max(1.0, rng.lognormvariate(0, 0.45) * configured)


def make_plan(s: Settings, items: dict[str, float], weights: dict[str, float],
              windows: Sequence[int]) -> Plan:
    """The day for `items` (code → configured handling minutes) at `windows`."""
    rng = random.Random(s.seed)
    codes = sorted(items)
    minutes = sorted(_arrival_minute(rng, s.morning_share) for _ in range(s.tickets))
    arrivals = []
    for index, at in enumerate(minutes):
        code = rng.choices(codes, weights=[weights.get(c, 1.0) for c in codes])[0]
        arrivals.append(Arrival(index, at, code, _outcome(rng, s),
                                handling_minutes(rng, items[code]), _rating(rng, s)))
    return Plan(arrivals, _absences(rng, s, windows))


def _absences(rng: random.Random, s: Settings, windows: Sequence[int]) -> dict[int, list[Absence]]:
    """A short break for everyone, morning or afternoon; lunch sign-out for some windows."""
    plan: dict[int, list[Absence]] = {}
    for i, number in enumerate(windows):
        start = rng.uniform(80, 150) if i % 2 else rng.uniform(300, 400)
        breaks = [Absence(start, start + rng.uniform(10, 20), "pause")]
        if i < round(len(windows) * s.lunch_share):
            breaks.append(Absence(*LUNCH, "sign_out"))
        plan[number] = sorted(breaks, key=lambda a: a.start)
    return plan


# --- the wait estimate, judged on the simulated timeline ------------------------------------

@dataclass(frozen=True)
class EstimateInputs:
    """What the hall knew when a ticket was issued, in simulated minutes."""

    ahead: int
    configured: float
    windows_open: int
    windows_serving: int
    samples: tuple[float, ...]               # today's simulated handling times of the item
    capacities: tuple[WindowCapacity, ...]   # open windows for the item and when each is free


def both_estimates(x: EstimateInputs) -> tuple[WaitEstimate, WaitEstimate]:
    naive = estimate_wait(x.ahead, x.configured, x.windows_open, x.windows_serving)
    learned = learned_wait(x.ahead, x.samples, x.configured, x.capacities,
                           uncertain=x.windows_open == 0)
    return naive, learned


def compare(pairs: Sequence[tuple[EstimateInputs, float]]) -> dict[str, dict]:
    """Mean absolute error and share inside the range, naive against learned."""
    estimated = [(both_estimates(x), actual) for x, actual in pairs]
    return {"naive": accuracy((n, a) for (n, _), a in estimated).as_dict(),
            "learned": accuracy((l, a) for (_, l), a in estimated).as_dict()}
