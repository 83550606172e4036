"""How values are stored in SQLite: times and dates as ISO 8601 text.

The one place that knows the storage form of a value, so another database needs only this
module changed for its values (the SQL beside it keeps to `?` placeholders).
"""

from __future__ import annotations

from datetime import date, datetime


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
