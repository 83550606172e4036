"""好差评 export: every rated visit of a range in the rating fields of GB/T 39046-2020, as the
provincial 好差评 platform reads them (JSON, CSV, XLSX), and the rows the uploader posts.

The standard counts satisfaction the other way round from the hall: its 1 is 非常满意 and its
5 非常不满意, while the queue core stores 5 for 非常满意. Only visits that were rated are rows:
a visit whose prompt timed out is "not rated" and never reaches the platform as satisfied.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timezone
from typing import Any

from hall import kpi
from hall.commands import user_of
from hall.queue import BAD_RATING_REASONS

from . import db, repository as repo
from .reports import MAX_DAYS, RangeError, append_text_safe, inert

STANDARD = "GB/T 39046-2020"

#: 评价渠道 codes of the national 好差评 interface: where the citizen gave the rating
CHANNEL_QR_CODE = "3"          # 二维码: the phone page opened from the ticket's QR code
CHANNEL_HALL_TABLET = "4"      # 政务大厅平板电脑: the window screen facing the citizen
CHANNEL_BY_RATER = {"ticket": CHANNEL_QR_CODE, "device": CHANNEL_HALL_TABLET}

#: (field, Chinese header): the order of the CSV and XLSX columns
FIELDS = (
    ("case_no", "办件编号"), ("channel", "评价渠道"), ("rated_at", "评价时间"),
    ("satisfaction", "评价等级"), ("reasons", "差评原因"), ("comment", "评价内容"),
    ("service_code", "事项实施编码"), ("department_code", "实施主体编码"), ("region_code", "行政区划代码"),
    ("window", "窗口"), ("staff_no", "工号"), ("ticket", "票号"),
)


def standard_satisfaction(rating: int) -> int:
    """The hall's 5 = 非常满意 … 1 = 非常不满意 as the standard's 1 = 非常满意 … 5 = 非常不满意."""
    return 6 - rating


def _row(visit: dict[str, Any], setup, staff: dict[int, tuple[str, str | None]]) -> dict[str, Any]:
    item = next((entry for entry in setup.services if entry.code == visit["service"]), None)
    finisher = visit["finished_by"] or ""
    clerk_id = user_of(finisher) or -1
    details = visit["details"]
    return {
        "case_no": visit["case_no"] or "",
        "channel": CHANNEL_BY_RATER.get(visit["rated_by"].split(":", 1)[0], CHANNEL_HALL_TABLET),
        "rated_at": visit["rated_at"].astimezone(setup.hall.tz).strftime("%Y%m%dT%H%M%S"),
        "satisfaction": standard_satisfaction(int(details["rating"])),
        "reasons": [{"code": code, "name": BAD_RATING_REASONS[code][0]}
                    for code in details.get("reasons") or () if code in BAD_RATING_REASONS],
        "comment": details.get("comment") or "",
        "service_code": (item.implementation_code or item.code) if item else visit["service"],
        "department_code": item.department_code if item else "",
        "region_code": setup.hall.region_code,
        "window": visit["window"],
        "staff_no": staff.get(clerk_id, ("", ""))[1] or "",
        "ticket": visit["number"],
    }


def rated_rows(service, first: date, last: date) -> dict[str, Any]:
    """{"standard", "from", "to", "rows"}: one row per rated visit, rated in the range's local days."""
    if last < first:
        raise RangeError("to 不能早于 from / to must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeError(f"最多 {MAX_DAYS} 天 / at most {MAX_DAYS} days")
    setup = service.setup()
    start, end = kpi.day_bounds(first, last, setup.hall.tz)
    conn = service.database.connection()
    with db.read(conn):
        visits = repo.rated_visits(conn, service.hall_id, start.astimezone(timezone.utc),
                                   end.astimezone(timezone.utc))
        staff = repo.clerk_names(conn, service.hall_id)
    return {"standard": STANDARD, "from": first.isoformat(), "to": last.isoformat(),
            "rows": [_row(visit, setup, staff) for visit in visits]}


def _flat(row: dict[str, Any]) -> list[Any]:
    return [" ".join(r["code"] for r in row[name]) if name == "reasons" else row[name] for name, _ in FIELDS]


def to_csv(data: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([name for name, _ in FIELDS])
    for row in data["rows"]:
        writer.writerow([inert(value) for value in _flat(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")   # the BOM: Excel reads it as UTF-8


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    sheet = book.active
    sheet.title = "好差评 Ratings"
    append_text_safe(sheet, [name for name, _ in FIELDS])
    append_text_safe(sheet, [header for _, header in FIELDS])
    for item in sheet[1]:
        item.font = Font(bold=True)
    for row in data["rows"]:
        append_text_safe(sheet, _flat(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
