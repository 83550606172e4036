"""远程取号: a remote walk-in ticket for today, taken from a phone before the citizen arrives.

A remote ticket holds a place among the item's remote share of the day; it joins the queue
only when activated on site (the code at the kiosk, or the hall's entrance QR code on the
phone), and lapses if not activated by its deadline. Everything here is pure: counts, times
and the ticket's state in, a refusal, a deadline or the words of an estimate out. Storage,
the clock and the ID number's sealing are the server's business.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from hall.estimate import WaitEstimate
from hall.tickets import QueueError
from hall.wording import Words, wait_phrase

if TYPE_CHECKING:   # hall/setup.py holds RemoteRules in the hall's setup
    from hall.setup import Service


class RemoteState(StrEnum):
    TAKEN = "taken"          # holds a place; not in the queue yet
    ACTIVATED = "activated"  # on site: it became a ticket in the queue
    LAPSED = "lapsed"        # not activated by its deadline


class Activation(StrEnum):
    KIOSK = "kiosk"          # the code typed or scanned at the kiosk
    ENTRANCE = "entrance"    # the hall's entrance QR code scanned with the citizen's phone


@dataclass(frozen=True)
class RemoteItemRules:
    """Per item: a share of the day's cap other than the hall's, or a number of places."""
    daily_share: float | None = None
    daily_tickets: int | None = None


@dataclass(frozen=True)
class RemoteRules:
    """The hall's [remote] table."""

    enabled: bool = False
    services: tuple[str, ...] = ()          # the items offered remotely; empty means every item
    daily_share: float = 0.2                # of an item's daily_cap that remote tickets may hold
    daily_tickets: int = 20                 # remote places a day for an item without a daily_cap
    items: tuple[tuple[str, RemoteItemRules], ...] = ()
    activate_minutes: float = 60            # from taking to the deadline (never past the item's hours)
    max_per_mobile_per_day: int = 2

    def offered(self, service: str) -> bool:
        return self.enabled and (not self.services or service in self.services)

    def item_rules(self, service: str) -> RemoteItemRules:
        return dict(self.items).get(service, RemoteItemRules())


def remote_places(rules: RemoteRules, item: "Service") -> int:
    """How many remote tickets the item gives a day: its share of the daily cap (rounded down,
    so walk-ins always keep the rest), or a number of places for an item without a cap."""
    own = rules.item_rules(item.code)
    if item.daily_cap is None:
        return own.daily_tickets if own.daily_tickets is not None else rules.daily_tickets
    share = own.daily_share if own.daily_share is not None else rules.daily_share
    return math.floor(item.daily_cap * share)


def held_for_others(held_today: Mapping[str, int], service: str, own_place: bool = False) -> int:
    """The places of the item's day that remote tickets not yet activated keep from whoever asks
    now (hall/queue.py's `issuing_refusal` takes them as `reserved`): all of them from a walk-in,
    all but its own from a remote ticket being activated. The server's refusal and every
    client's list of items (the kiosk greys an item with none left) count them so."""
    return max(0, held_today.get(service, 0) - (1 if own_place else 0))


def not_offered(service: str) -> QueueError:
    return QueueError("remote_not_offered", f"事项 {service} 不提供远程取号 / item {service} does not "
                      "offer remote tickets")


def check_take(rules: RemoteRules, item: "Service", issuing: QueueError | None, taken_for_item: int,
               held_against_cap: int, taken_by_mobile: int) -> None:
    """Refuse a remote ticket the rules do not allow now.

    `issuing` is the core's refusal of a ticket for the item at this moment (hours, closed day,
    cap reached: hall/queue.py's `issuing_refusal`); `taken_for_item` counts today's remote
    tickets of the item that hold or held a place (lapsed ones gave theirs back);
    `held_against_cap` is tickets issued today plus remote tickets not yet activated;
    `taken_by_mobile` counts today's remote tickets of the mobile number, whatever became of them.
    """
    if not rules.offered(item.code):
        raise not_offered(item.code)
    if issuing is not None:
        raise issuing
    if item.daily_cap is not None and held_against_cap >= item.daily_cap:
        raise QueueError("daily_cap_reached", f"{item.name} 今日号源已发完 / today's tickets for this "
                         "item have all been issued")
    places = remote_places(rules, item)
    if taken_for_item >= places:
        raise QueueError("remote_full", f"{item.name} 今日远程号已取完，请到大厅现场取号 / today's remote "
                         "tickets for this item are gone: take one at the hall's kiosk")
    if taken_by_mobile >= rules.max_per_mobile_per_day:
        raise QueueError("remote_limit_per_mobile",
                         f"同一手机号每天最多远程取号 {rules.max_per_mobile_per_day} 次 / at most "
                         f"{rules.max_per_mobile_per_day} remote tickets per mobile number a day")


def deadline(rules: RemoteRules, taken_at: datetime, hours_end: datetime) -> datetime:
    """By when the ticket must be activated: `activate_minutes` after taking, and never after
    the item stops issuing (`hours_end`, the end of the issuing hours it was taken in)."""
    return min(taken_at + timedelta(minutes=rules.activate_minutes), hours_end)


def hours_end(item: "Service", now: datetime, tz) -> datetime | None:
    """The end of the item's issuing hours that `now` falls in, or None outside them."""
    local = now.astimezone(tz)
    for hours in item.hours:
        if hours.contains(local.time()):
            return datetime.combine(local.date(), hours.end, tz)
    return None


def activation_refusal(state: RemoteState, due: datetime, now: datetime) -> QueueError | None:
    """Why the remote ticket cannot join the queue now, or None if it can."""
    if state is RemoteState.ACTIVATED:
        return QueueError("remote_already_activated", "该远程号已激活 / this remote ticket is already "
                          "in the queue")
    if state is RemoteState.LAPSED or now > due:
        return QueueError("remote_lapsed", "该远程号已过激活时间，请重新取号 / this remote ticket was "
                          "not activated in time: take a new one")
    return None


def lapsed(state: RemoteState, due: datetime, now: datetime) -> bool:
    """A remote ticket still waiting to be activated after its deadline lapses."""
    return state is RemoteState.TAKEN and now > due


#: said with every remote estimate: the queue the citizen joins is the one at activation
REMOTE_CAVEAT = Words("远程预计仅供参考，以到场激活时的排队为准",
                      "a remote estimate is only a guide: your place is set when you activate on site")
NO_ESTIMATE = Words("现在无法估计等候时间", "no wait can be estimated now")


def remote_wait_words(estimate: WaitEstimate) -> Words:
    """The wait a remote citizen is shown: the estimate's own range (or that no window serves
    the item now, when it is `uncertain`), always with the caveat that it is only a guide."""
    phrase = wait_phrase(estimate.low, estimate.high, estimate.uncertain)
    if estimate.uncertain:
        return Words(f"{phrase.zh}，{NO_ESTIMATE.zh}。{REMOTE_CAVEAT.zh}",
                     f"{phrase.en}: {NO_ESTIMATE.en}. {REMOTE_CAVEAT.en[:1].upper()}{REMOTE_CAVEAT.en[1:]}.")
    return Words(f"若现在激活，预计等候{phrase.zh}。{REMOTE_CAVEAT.zh}",
                 f"If activated now, the wait would be {phrase.en[:1].lower()}{phrase.en[1:]}. "
                 f"{REMOTE_CAVEAT.en[:1].upper()}{REMOTE_CAVEAT.en[1:]}.")
