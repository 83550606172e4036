"""Reports: the KPIs of a day or a range read from the event log, as JSON, CSV and XLSX.

The figures are computed by hall/kpi.py from the same log that runs the queue; this module
only reads the log, attaches names, and writes the tables people open in a spreadsheet.
A range replays its log; the day so far (today alone, what the daily report and the
supervisors ask all day) is kept added up as the log grows (`DaySoFar`), so asking for it
costs the same however many tickets the day has.
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, datetime, timezone
from typing import Any

from hall import identity, kpi

from . import db, repository as repo

MAX_DAYS = 366

#: (field, Chinese header, English header, how to show it): one list for the page, CSV and XLSX
COLUMNS = (
    ("issued", "取号数", "Issued", "count"), ("served", "办结数", "Served", "count"),
    ("called", "呼叫数", "Calls", "count"), ("no_show", "过号数", "No-shows", "count"),
    ("no_show_rate", "过号率", "No-show rate", "rate"),
    ("wait_mean", "平均等候(分钟)", "Mean wait (min)", "minutes"),
    ("wait_p90", "90%等候(分钟)", "90th pct wait (min)", "minutes"),
    ("handling_mean", "平均办理(分钟)", "Mean handling (min)", "minutes"),
    ("ratings", "评价数", "Ratings", "count"), ("satisfaction_rate", "满意率", "Satisfaction", "rate"),
    ("bad_ratings", "差评数", "Bad ratings", "count"),
    # 差评 set aside by an upheld appeal (申诉成立): in the ratings, not in 差评 or the rate (hall/kpi.py)
    ("appeals_upheld", "申诉成立", "Appeals upheld", "count"),
    ("rating_coverage", "评价覆盖率", "Rating coverage", "rate"),
    ("utilisation", "窗口利用率", "Window utilisation", "rate"),
    ("paused_seconds", "暂停时长(分钟)", "Paused (min)", "minutes"),
    ("empty_seconds", "空岗时长(分钟)", "Empty-window (min)", "minutes"),
    ("alerts", "告警数", "Alerts", "count"),
)
GROUP_NAMES = {"item": ("事项", "Item"), "department": ("部门", "Department"), "window": ("窗口", "Window"),
               "clerk": ("工作人员", "Clerk"), "hour": ("时段", "Hour"), "day": ("日期", "Day")}
THREE_RATES = (("item_presence_rate", "项目进驻率", "Items served in the hall"),
               ("window_completion_rate", "窗口办结率", "Finished at the window"),
               ("satisfaction_rate", "群众满意率", "Citizen satisfaction"))


class RangeError(ValueError):
    """A range the report cannot cover (backwards, or longer than MAX_DAYS)."""


def check_range(first: date, last: date) -> None:
    if last < first:
        raise RangeError("to 不能早于 from / to must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeError(f"最多 {MAX_DAYS} 天 / at most {MAX_DAYS} days")


def hall_tallies(conn, hall_id: int, setup, setup_version: int, first: date, last: date, now: datetime,
                 today: date, day_so_far: "DaySoFar") -> tuple[kpi.Tallies, list]:
    """A hall's added-up facts of its days `first` to `last` and those of the moment, in the
    caller's read transaction: what the hall's own report and the city's comparison of halls
    both show. The hall's `today` alone comes from `day_so_far`, kept added up as the log grows;
    a range replays its log."""
    alert_rows = [dict(row) for row in repo.alerts_between(conn, hall_id, first, last)]
    if first == last == today:
        return day_so_far.figures(conn, hall_id, setup, setup_version, first, now, alert_rows)
    start, end = kpi.day_bounds(first, last, setup.hall.tz)
    utc = (start.astimezone(timezone.utc), end.astimezone(timezone.utc))
    records = repo.event_records_between(conn, hall_id, *utc)
    return kpi.Tallies.of(kpi.measure(records, setup, start, end, now, alert_rows,
                                      repo.upheld_appeals(conn, hall_id, *utc))), []


def report(hall, first: date, last: date, by: str) -> dict[str, Any]:
    """The report JSON: the hall's figures and 三率, rows per group, and the charts' series."""
    check_range(first, last)
    service = hall.service
    conn = service.database.connection()
    with db.read(conn):
        setup_version = repo.log_and_setup_versions(conn, service.hall_id)[1]
        setup = service.setup(conn)
        clerks = repo.clerk_names(conn, service.hall_id)
        refused = [(r["service"], datetime.fromisoformat(r["refused_at"]))
                   for r in repo.person_refusals(conn, service.hall_id, first, last)]
        tallies, extra = hall_tallies(conn, service.hall_id, setup, setup_version, first, last,
                                      service.clock(), service.today(), hall.day_so_far)
    return shaped(hall, setup, clerks, refused, tallies, extra, first, last, by)


def shaped(hall, setup, clerks, refused, tallies: kpi.Tallies, extra: list, first: date, last: date,
           by: str) -> dict[str, Any]:
    """The report JSON from the range's added-up facts and those of the moment (`extra`)."""
    names = Labels(setup, clerks)
    return {
        "from": first.isoformat(), "to": last.isoformat(), "by": by,
        "hall": {"name": setup.hall.name, "name_en": setup.hall.name_en, "timezone": setup.hall.timezone},
        "summary": tallies.summary(setup, extra),
        "rows": names.rows(by, tallies.group(by, extra)),
        "columns": [{"field": f, "name": zh, "name_en": en, "unit": unit} for f, zh, en, unit in COLUMNS],
        "appointments": hall.appointments.figures(first, last),
        # text messages and WeChat notices: attempts per provider, sent / failed / dropped
        "notifications": hall.notifications.counts(first, last),
        # tickets the per-person limit refused (身份证): a scalping (黄牛) signal
        "person_limit_refusals": identity.count_refusals(refused, setup.hall.tz),
        # 远程取号: taken, activated (at the kiosk / the entrance), lapsed
        "remote_tickets": hall.remote.figures(first, last),
        "charts": {
            # hours with citizens in them: not the evening when only expired tickets "wait"
            "by_hour": [{"hour": h, "issued": r["issued"], "served": r["served"]}
                        for h, r in tallies.group("hour", extra).items() if r["issued"] or r["served"]],
            "wait_histogram": tallies.wait_histogram(),
            "utilisation": [{"window": n, "label": names.label("window", n)[0], "utilisation": r["utilisation"],
                             "signed_in_seconds": r["signed_in_seconds"]}
                            for n, r in tallies.group("window", extra).items()],
            "satisfaction_by_day": [{"day": d.isoformat(), "satisfaction_rate": r["satisfaction_rate"],
                                     "ratings": r["ratings"], "bad_ratings": r["bad_ratings"]}
                                    for d, r in tallies.group("day", extra).items()],
        },
    }


class DaySoFar:
    """Today's facts of one hall, added up as its log grows (hall/kpi.py's LiveDay).

    Asked for the figures inside a read transaction, it first takes the log's records after
    the last one it saw (one range of the (hall, seq) index: those committed since, by this
    process or any other), then answers from its sums. A new day or a new setup starts it
    again from that day's log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: kpi.LiveDay | None = None
        self._key: tuple | None = None
        self._seq = 0

    def figures(self, conn, hall_id: int, setup, setup_version: int, day: date, now: datetime,
                alert_rows: list[dict]) -> tuple[kpi.Tallies, list]:
        with self._lock:
            live = self._caught_up(conn, hall_id, setup, setup_version, day)
            return live.tallies, live.running(now, alert_rows) + self._upheld(conn, hall_id, live)

    def now(self, conn, hall_id: int, setup, setup_version: int, day: date) -> tuple[kpi.Tally, list]:
        """The day's added-up facts so far and the lines people stand in now (the city dashboard)."""
        with self._lock:
            live = self._caught_up(conn, hall_id, setup, setup_version, day)
            return live.tallies.total.plus(self._upheld(conn, hall_id, live)), live.waiting_lines()

    @staticmethod
    def _upheld(conn, hall_id: int, live: kpi.LiveDay) -> list[kpi.Fact]:
        """The day's ratings set aside by upheld appeals: decided outside the log, so read each time."""
        return live.upheld(repo.upheld_appeals(conn, hall_id, live.start.astimezone(timezone.utc),
                                               live.end.astimezone(timezone.utc)))

    def _caught_up(self, conn, hall_id: int, setup, setup_version: int, day: date) -> kpi.LiveDay:
        if self._key != (day, setup_version):
            self._start(conn, hall_id, setup, setup_version, day)
        else:
            self._feed(repo.event_records(conn, hall_id, after=self._seq))
        return self._live

    def _start(self, conn, hall_id: int, setup, setup_version: int, day: date) -> None:
        self._live, self._key, self._seq = kpi.LiveDay(setup, day), (day, setup_version), 0
        start, end = self._live.start, self._live.end
        self._seq = repo.last_seq(conn, hall_id)   # the day's log below is read in this transaction
        self._feed(repo.event_records_between(conn, hall_id, start.astimezone(timezone.utc),
                                              end.astimezone(timezone.utc)))

    def _feed(self, records: list[dict]) -> None:
        for record in records:
            self._live.feed(record)
            self._seq = max(self._seq, int(record["seq"]))


class Labels:
    """What people call each group: an item's name, a window's number and name, a clerk's 工号."""

    def __init__(self, setup, clerks):
        self.setup, self.clerks = setup, clerks

    def label(self, by: str, key: Any) -> tuple[str, str]:
        try:
            return self._label(by, key)
        except KeyError:   # retired from the setup since: the code still says what it was
            return str(key), str(key)

    def _label(self, by: str, key: Any) -> tuple[str, str]:
        if by == "item":
            item = self.setup.service(key)
            return f"{item.name} ({key})", f"{item.name_en} ({key})"
        if by == "department":
            dept = self.setup.department(key)
            return dept.name, dept.name_en
        if by == "window":
            spec = self.setup.window(key)
            return f"{key} 号窗口 {spec.name}", f"Window {key} {spec.name_en}"
        if by == "clerk":
            name, staff_no = self.clerks[key]
            return (f"{name} ({staff_no})" if staff_no else name,) * 2
        if by == "hour":
            return (f"{key:02d}:00–{key + 1:02d}:00",) * 2
        return (key.isoformat(),) * 2

    def rows(self, by: str, grouped: dict) -> list[dict[str, Any]]:
        out = []
        for key, row in grouped.items():
            zh, en = self.label(by, key)
            out.append({"key": key.isoformat() if isinstance(key, date) else key,
                        "label": zh, "label_en": en} | row)
        return out


# --- exports -------------------------------------------------------------------------------------

def cell(value: Any, unit: str) -> Any:
    """A figure as a spreadsheet shows it: minutes for durations, fractions rounded, blank if none."""
    if value is None:
        return ""
    if unit == "minutes":
        return round(value / 60, 1)
    if unit == "rate":
        return round(value, 4)
    return value


def table(data: dict[str, Any]) -> list[list[Any]]:
    """Header row and one row per group, then the hall's total: what CSV and XLSX both hold."""
    zh, en = GROUP_NAMES[data["by"]]
    header = [f"{zh} {en}"] + [f"{name} {name_en}" for _, name, name_en, _ in COLUMNS]
    rows = [[row["label"]] + [cell(row.get(f), unit) for f, _, _, unit in COLUMNS] for row in data["rows"]]
    total = ["合计 Total"] + [cell(data["summary"].get(f), unit) for f, _, _, unit in COLUMNS]
    return [header] + rows + [total]


def three_rates_rows(data: dict[str, Any]) -> list[list[Any]]:
    rates = data["summary"]["three_rates"]
    return [["三率 Three rates", ""]] + [[f"{zh} {en}", cell(rates[f], "rate")] for f, zh, en in THREE_RATES]


APPOINTMENT_FIGURES = (("booked", "预约", "Booked"), ("checked_in", "已签到", "Checked in"),
                       ("on_time", "准时签到", "On time"), ("no_show", "爽约", "No-show"),
                       ("cancelled", "已取消", "Cancelled"))


def appointment_rows(data: dict[str, Any]) -> list[list[Any]]:
    figures = data["appointments"]
    return [["预约 Appointments", ""]] + [[f"{zh} {en}", figures[f]] for f, zh, en in APPOINTMENT_FIGURES]


REMOTE_FIGURES = (("taken", "远程取号", "Taken remotely"), ("activated", "到场激活", "Activated on site"),
                  ("lapsed", "逾期未激活", "Lapsed"))


def remote_rows(data: dict[str, Any]) -> list[list[Any]]:
    """远程取号 per item, and the attempts the per-person limit refused (a scalping signal) per
    item and per hour."""
    figures = data["remote_tickets"]
    rows: list[list[Any]] = [["远程取号 Remote tickets", *(f"{zh} {en}" for _, zh, en in REMOTE_FIGURES)],
                             ["合计 Total", *(figures[f] for f, _, _ in REMOTE_FIGURES)]]
    rows += [[code, *(item[f] for f, _, _ in REMOTE_FIGURES)] for code, item in figures["by_item"].items()]
    refused = data["person_limit_refusals"]
    rows += [[], ["每人限号拒绝 Refused by the per-person limit", refused["total"]]]
    rows += [[f"事项 Item {code}", count] for code, count in refused["by_item"].items()]
    rows += [[f"{h['hour']:02d}:00", h["refused"]] for h in refused["by_hour"]]
    return rows


NOTIFICATION_RESULTS = (("sent", "已发送", "Sent"), ("failed", "发送失败", "Failed"),
                        ("dropped", "未发送（过时或限频）", "Dropped (out of date or rate limit)"))


def notification_rows(data: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["通知 Notifications", *(f"{zh} {en}" for _, zh, en in NOTIFICATION_RESULTS)]]
    for provider, figures in sorted(data["notifications"].items()):
        rows.append([provider, *(figures.get(result, 0) for result, _, _ in NOTIFICATION_RESULTS)])
    return rows


#: what a spreadsheet reads as the start of a formula (a name set by an admin, or a clerk's
#: own display name, must stay text: "=HYPERLINK(…)" in a report is an attack on whoever opens it)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def inert(value: Any) -> Any:
    """Text that would start a formula gets a leading apostrophe, which spreadsheets show as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_rows(rows: list[list[Any]]) -> list[list[Any]]:
    return [[inert(value) for value in row] for row in rows]


def to_csv(data: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_csv_rows([[f"{data['hall']['name']} {data['from']} — {data['to']}"]])[0])
    writer.writerows(_csv_rows(table(data)))
    writer.writerow([])
    writer.writerows(_csv_rows(three_rates_rows(data)))
    writer.writerow([])
    writer.writerows(_csv_rows(appointment_rows(data)))
    writer.writerow([])
    writer.writerows(_csv_rows(notification_rows(data)))
    writer.writerow([])
    writer.writerows(_csv_rows(remote_rows(data)))
    # with a BOM, so Excel on a Chinese Windows PC opens the UTF-8 as UTF-8
    return ("\ufeff" + out.getvalue()).encode("utf-8")


#: how a spreadsheet shows each kind of figure
NUMBER_FORMATS = {"rate": "0.0%", "minutes": "0.0", "count": "0"}


def append_text_safe(sheet, row: list[Any]) -> None:
    """A row whose text stays text: openpyxl would store "=…" as a live formula."""
    sheet.append(row)
    for item in sheet[sheet.max_row]:
        if isinstance(item.value, str):
            item.data_type = "s"


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    book = Workbook()
    sheet = book.active
    sheet.title = "报表 Report"
    append_text_safe(sheet, [f"{data['hall']['name']} {data['from']} — {data['to']}"])
    sheet["A1"].font = Font(bold=True, size=13)
    for row in table(data):
        append_text_safe(sheet, row)
    for item in sheet[2]:
        item.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 34
    for i, (_, name, name_en, unit) in enumerate(COLUMNS, start=2):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(12, len(name) * 2 + len(name_en) // 2 + 2)
        for item in sheet[letter][2:]:
            item.number_format = NUMBER_FORMATS[unit]
    rates = book.create_sheet("三率 Three rates")
    for row in three_rates_rows(data):
        append_text_safe(rates, row)
    for item in rates["B"][1:]:
        item.number_format = NUMBER_FORMATS["rate"]
    rates.column_dimensions["A"].width = 40
    rates.column_dimensions["B"].width = 12
    booked = book.create_sheet("预约 Appointments")
    for row in appointment_rows(data):
        append_text_safe(booked, row)
    booked.column_dimensions["A"].width = 30
    booked.column_dimensions["B"].width = 12
    told = book.create_sheet("通知 Notifications")
    for row in notification_rows(data):
        append_text_safe(told, row)
    told.column_dimensions["A"].width = 16
    remote = book.create_sheet("远程取号 Remote")
    for row in remote_rows(data):
        append_text_safe(remote, row)
    remote.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
