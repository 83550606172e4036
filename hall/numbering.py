"""Ticket numbers and the hall's business day.

The business day is the calendar date in the hall's own time zone: a hall in Asia/Shanghai
starts a new day at 16:00 UTC, never at UTC midnight (a known cause of corrupt tickets
in other systems).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def business_date(now: datetime, tz: ZoneInfo) -> date:
    """The hall's local date at the instant `now` (which must be time-zone aware)."""
    if now.tzinfo is None:
        raise ValueError("business_date needs an aware datetime")
    return now.astimezone(tz).date()


def format_number(prefix: str, serial: int, digits: int = 3) -> str:
    """A001 … A999; past the width the number grows (A1000) rather than repeat."""
    return f"{prefix}{serial:0{digits}d}"


def spoken_number(number: str) -> str:
    """Digits read one by one, as halls announce them: A001 → "A 零 零 一"."""
    words = "零一二三四五六七八九"
    return " ".join(words[int(ch)] if ch.isdigit() else ch for ch in number)
