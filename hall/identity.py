"""Tickets tied to a person: the 身份证 number, its check digit, and the per-person limits that
keep ticket scalpers (黄牛) from taking a day's scarce tickets.

Everything here is pure: a number in, a checked `IdNumber` out; what the person already took
today in, a refusal or a priority out. Where the ticket is stored and how the number is
sealed is the server's business; this module only says what the hall's rules are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any, Iterable

from hall.tickets import Priority, QueueError

#: GB 11643-1999: weights of the first 17 digits, and the check character for each remainder mod 11
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

#: the green-channel categories a hall may grant automatically (绿色通道)
MILITARY, DISABLED, ELDERLY = "军人", "残疾人", "老年人"
GREEN_CATEGORIES = (MILITARY, DISABLED, ELDERLY)
#: the categories a citizen declares at the kiosk with the card (the window checks the
#: certificate); 老年人 is never declared: the ID number's birth date says it
DECLARED_CATEGORIES = (MILITARY, DISABLED)


class IdentityMode(StrEnum):
    """Per item: whether the kiosk asks for the ID card."""
    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


def check_character(first17: str) -> str:
    """The 18th character GB 11643 derives from the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def bad_id_number() -> QueueError:
    return QueueError("bad_id_number", "身份证号码有误，请核对 / the ID card number is not valid "
                      "(18 characters, check digit per GB 11643)")


@dataclass(frozen=True)
class IdNumber:
    """A checked 18-character number. Its `repr` is masked, so a stray log line never shows it."""

    value: str

    def __repr__(self) -> str:
        return f"IdNumber({self.masked})"

    __str__ = __repr__

    @property
    def masked(self) -> str:
        return mask_id_number(self.value)

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def sex(self) -> str:
        """"男" or "女": the 17th digit is odd for men."""
        return "男" if int(self.value[16]) % 2 else "女"

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def parse_id_number(text: object) -> IdNumber:
    """A number as typed, read or scanned; spaces dropped and a lower-case x accepted."""
    if not isinstance(text, str):
        raise bad_id_number()
    value = re.sub(r"\s", "", text).upper()
    if not ID_SHAPE.match(value) or check_character(value[:17]) != value[17]:
        raise bad_id_number()
    number = IdNumber(value)
    try:
        number.birth_date
    except ValueError:
        raise bad_id_number() from None
    return number


@dataclass(frozen=True)
class Person:
    """Who asks for a ticket: the checked number, the name as read from the card (kept only
    where the hall asks for it) and a green-channel category the citizen declared."""

    number: IdNumber
    name: str = field(default="", repr=False)
    declared: str | None = None


def mask_id_number(value: str) -> str:
    """110***********1234: region's first three and the last four; the rest never shown."""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) > 7 else "*" * len(value)


@dataclass(frozen=True)
class IdentityRules:
    """The hall's [identity] table."""

    tickets_per_person_per_item: int = 1     # per business day
    one_open_ticket: bool = False            # a person may hold one open ticket in the hall at a time
    green_channel: tuple[str, ...] = ()      # categories given the green channel automatically
    elderly_age: int = 60                    # 老年人 from this age, worked out from the ID number
    keep_name: bool = False                  # the name read from the card is kept (else dropped at once)


@dataclass(frozen=True)
class PersonTicket:
    """One ticket the person already took today."""
    service: str
    open: bool


def person_may_take(rules: IdentityRules, service: str, service_name: str,
                    taken_today: Iterable[PersonTicket]) -> None:
    """Raise `person_limit_reached` when this person may take no more tickets now."""
    taken = list(taken_today)
    same_item = sum(1 for t in taken if t.service == service)
    if same_item >= rules.tickets_per_person_per_item:
        raise QueueError("person_limit_reached",
                         f"每人每天限取 {service_name} {rules.tickets_per_person_per_item} 个号，您今天已取满 / "
                         f"one person may take {rules.tickets_per_person_per_item} ticket(s) a day for this "
                         "item, and you already have")
    if rules.one_open_ticket and any(t.open for t in taken):
        raise QueueError("person_limit_reached",
                         "您已有一个号在排队，请办完后再取 / you already hold a ticket in the queue: "
                         "take another after it is handled")


def identity_for(mode: IdentityMode, text: object) -> IdNumber | None:
    """What an issue request gave, checked against the item's mode."""
    if text is None or text == "":
        if mode is IdentityMode.REQUIRED:
            raise QueueError("id_required", "此事项须刷身份证取号 / this item needs your ID card to take a ticket")
        return None
    return parse_id_number(text)


def green_category(rules: IdentityRules, person: IdNumber | None, declared: str | None, today: date) -> str | None:
    """The green-channel category the person gets automatically, if the hall grants one:
    老年人 from the ID number's birth date, 军人 / 残疾人 as declared at the kiosk (the window
    checks the certificate)."""
    if person is not None and ELDERLY in rules.green_channel and person.age_on(today) >= rules.elderly_age:
        return ELDERLY
    if declared in DECLARED_CATEGORIES and declared in rules.green_channel:
        return declared
    return None


def declarable(rules: IdentityRules) -> tuple[str, ...]:
    """The categories the kiosk offers to declare: those of the hall's green channel that the
    citizen has to say, in the hall's order."""
    return tuple(c for c in rules.green_channel if c in DECLARED_CATEGORIES)


def keeps_name(rules: IdentityRules, item_needs_name: bool) -> bool:
    """Whether the name read from the card is kept for a ticket of this item: only where the
    item needs it (its `identity_name`) or the hall keeps it for every item (`keep_name`)."""
    return rules.keep_name or item_needs_name


def count_refusals(refused: Iterable[tuple[str, datetime]], tz: tzinfo) -> dict[str, Any]:
    """Attempts the per-person limit refused (a scalping signal): the total, per item and per
    hour of the hall's day, from (item, when) pairs."""
    by_item: dict[str, int] = {}
    by_hour: dict[int, int] = {}
    total = 0
    for service, at in refused:
        total += 1
        by_item[service] = by_item.get(service, 0) + 1
        hour = at.astimezone(tz).hour
        by_hour[hour] = by_hour.get(hour, 0) + 1
    return {"total": total, "by_item": dict(sorted(by_item.items())),
            "by_hour": [{"hour": h, "refused": n} for h, n in sorted(by_hour.items())]}


def priority_for(asked: Priority, category: str | None) -> Priority:
    """A green-channel category lifts a normal ticket; an appointment keeps its own class."""
    return Priority.GREEN if category is not None and asked is Priority.NORMAL else asked
