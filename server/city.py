"""The city's view of its halls: the dashboard (halls side by side, now) and the reports
comparing halls (the 三率 per hall and per department across halls), read-only.

Every hall is read from the database, whether or not this process runs its queue, from the
very facts a hall's own report adds up: each hall's today is kept added up as its log grows
(`reports.DaySoFar`), so the dashboard (the lines people stand in, today's ratings; hall/city.py
decides what they mean) costs the same at 10 and at 5,000 waiting, and only the records
committed since the last look are read. The reports add up ranges (`reports.hall_tallies`,
`kpi.three_rates`). Nothing here writes.
"""

from __future__ import annotations

import io
import threading
from datetime import date, datetime
from typing import Any, Callable

from hall import city as city_rules, kpi
from hall.config import parse_config
from hall.setup import HallConfig

from . import db, protocol, repository as repo
from .reports import (NUMBER_FORMATS, THREE_RATES, DaySoFar, append_text_safe, cell, check_range,
                      hall_tallies)

#: the figures of each hall the city report shows beside its 三率 (field, 中文, English, unit)
HALL_FIGURES = (("issued", "取号数", "Issued", "count"), ("served", "办结数", "Served", "count"),
                ("accepted", "受理数", "Accepted", "count"), ("no_show_rate", "过号率", "No-show rate", "rate"),
                ("wait_mean", "平均等候(分钟)", "Mean wait (min)", "minutes"),
                ("ratings", "评价数", "Ratings", "count"), ("bad_ratings", "差评数", "Bad ratings", "count"),
                ("alerts", "告警数", "Alerts", "count"))
ALERT_LEVELS = ("red", "yellow")


class City:
    """The deployment's halls as one reader sees them; keeps each hall's setup parsed once per version."""

    def __init__(self, database: db.Database, clock: Callable[[], datetime]):
        self.database = database
        self.clock = clock
        self._setups: dict[tuple[int, int], HallConfig] = {}
        self._days: dict[int, DaySoFar] = {}   # each hall's today, kept added up as its log grows
        self._lock = threading.Lock()

    def _day_so_far(self, hall_id: int) -> DaySoFar:
        with self._lock:
            return self._days.setdefault(hall_id, DaySoFar())

    def _setup(self, conn, hall_id: int, version: int | None = None) -> HallConfig:
        version = repo.setup_version(conn, hall_id) if version is None else version
        with self._lock:
            found = self._setups.get((hall_id, version))
        if found is None:
            found = parse_config(repo.current_setup(conn, hall_id)[1])
            with self._lock:
                self._setups[(hall_id, version)] = found
        return found

    def _halls(self, conn) -> list[tuple[Any, HallConfig]]:
        return [(row, self._setup(conn, row["id"])) for row in repo.list_halls(conn)]

    # --- the dashboard --------------------------------------------------------------------------

    def dashboard(self) -> dict[str, Any]:
        now = self.clock()
        conn = self.database.connection()
        with db.read(conn):
            seen = [self._hall_now(conn, row, now) for row in repo.list_halls(conn)]
        return {"at": protocol.iso(now), "halls": seen, "city": _city_now(seen)}

    def _hall_now(self, conn, row, now: datetime) -> dict[str, Any]:
        """The hall's row: its lines and today's ratings from its day so far, its windows and
        open alerts as they stand (a few rows each, however many wait)."""
        hall_id = row["id"]
        version = repo.setup_version(conn, hall_id)
        setup = self._setup(conn, hall_id, version)
        info = setup.hall
        today = now.astimezone(info.tz).date()
        day, lines = self._day_so_far(hall_id).now(conn, hall_id, setup, version, today)
        figures = city_rules.hall_now(setup, repo.load_windows(conn, hall_id), lines, now)
        levels = repo.open_alert_levels(conn, hall_id)
        return {"code": row["code"], "name": info.name, "name_en": info.name_en, "timezone": info.timezone,
                "business_date": today.isoformat(), **figures,
                "alerts": {level: levels.get(level, 0) for level in ALERT_LEVELS},
                "satisfaction": kpi.satisfaction(day.ratings, day.satisfied, day.upheld)}

    # --- the reports ----------------------------------------------------------------------------

    def report(self, first: date, last: date) -> dict[str, Any]:
        """The 三率 and main figures per hall, and the 三率 per department in each hall and
        across them; `city` is every hall taken together."""
        check_range(first, last)
        now = self.clock()
        conn = self.database.connection()
        with db.read(conn):
            measured = [(row, setup, *self._tallies(conn, row["id"], first, last, now))
                        for row, setup in self._halls(conn)]
        halls = [_hall_row(row, setup, tallies.summary(setup, extra)) for row, setup, tallies, extra in measured]
        city_parts = [(tallies.summary(setup, extra), tallies.served_items, [s.code for s in setup.services])
                      for _, setup, tallies, extra in measured]
        return {"from": first.isoformat(), "to": last.isoformat(), "at": protocol.iso(now),
                "halls": halls, "city": {"three_rates": kpi.three_rates(city_parts)},
                "departments": _departments(measured),
                "columns": [{"field": f, "name": zh, "name_en": en, "unit": unit}
                            for f, zh, en, unit in HALL_FIGURES],
                "rates": [{"field": f, "name": zh, "name_en": en} for f, zh, en in THREE_RATES]}

    def _tallies(self, conn, hall_id: int, first: date, last: date, now: datetime) -> tuple[kpi.Tallies, list]:
        """The hall's added-up facts, as its own report adds them up."""
        version = repo.setup_version(conn, hall_id)
        setup = self._setup(conn, hall_id, version)
        today = now.astimezone(setup.hall.tz).date()
        return hall_tallies(conn, hall_id, setup, version, first, last, now, today, self._day_so_far(hall_id))


def _city_now(halls: list[dict[str, Any]]) -> dict[str, Any]:
    """Every hall taken together (the city's satisfaction pools the halls' ratings)."""
    return {"waiting": sum(h["waiting"] for h in halls),
            "longest_wait_seconds": max((h["longest_wait_seconds"] for h in halls), default=0),
            "windows_open": sum(h["windows_open"] for h in halls),
            "empty_windows": sum(h["empty_windows"] for h in halls),
            "alerts": {level: sum(h["alerts"][level] for h in halls) for level in ALERT_LEVELS},
            "satisfaction": kpi.satisfaction(*(sum(h["satisfaction"][key] for h in halls)
                                               for key in ("ratings", "satisfied", "appeals_upheld")))}


def _hall_row(row, setup: HallConfig, summary: dict[str, Any]) -> dict[str, Any]:
    return {"code": row["code"], "name": setup.hall.name, "name_en": setup.hall.name_en,
            "three_rates": summary["three_rates"], **{f: summary[f] for f, *_ in HALL_FIGURES}}


def _departments(measured) -> list[dict[str, Any]]:
    """Each department code any hall has, with its 三率 in every hall that has it and across them."""
    named: dict[str, Any] = {}
    for _, setup, _, _ in measured:
        for dept in setup.departments:
            named.setdefault(dept.code, dept)
    nobody = kpi.Tally().row(False)   # a department nobody came for
    grouped = [tallies.group("department", extra) for _, _, tallies, extra in measured]
    out = []
    for code, dept in sorted(named.items()):
        parts, halls = [], []
        for (row, setup, tallies, _), by_department in zip(measured, grouped):
            if any(d.code == code for d in setup.departments):
                figures = by_department.get(code, nobody)
                part = (figures, tallies.served_items, [s.code for s in setup.services if s.department == code])
                parts.append(part)
                halls.append({"code": row["code"], "name": setup.hall.name, "name_en": setup.hall.name_en,
                              "three_rates": kpi.three_rates([part])})
        out.append({"code": code, "name": dept.name, "name_en": dept.name_en, "halls": halls,
                    "city": {"three_rates": kpi.three_rates(parts)}})
    return out


# --- the workbook -----------------------------------------------------------------------------------

def _rate_headers() -> list[str]:
    return [f"{zh} {en}" for _, zh, en in THREE_RATES]


def hall_table(data: dict[str, Any]) -> list[list[Any]]:
    """Header, one row per hall, then the city: the 三率 and the main figures."""
    header = ["大厅 Hall", "代码 Code", *_rate_headers(), *(f"{zh} {en}" for _, zh, en, _ in HALL_FIGURES)]
    rows = [[hall["name"], hall["code"], *(cell(hall["three_rates"][f], "rate") for f, _, _ in THREE_RATES),
             *(cell(hall[f], unit) for f, _, _, unit in HALL_FIGURES)] for hall in data["halls"]]
    city = ["全市 City", "", *(cell(data["city"]["three_rates"][f], "rate") for f, _, _ in THREE_RATES)]
    return [header, *rows, city]


def department_table(data: dict[str, Any]) -> list[list[Any]]:
    """Header, then per department a row per hall that has it and one for the city."""
    rows: list[list[Any]] = [["部门 Department", "大厅 Hall", *_rate_headers()]]
    for dept in data["departments"]:
        for hall in dept["halls"]:
            rows.append([dept["name"], hall["name"],
                         *(cell(hall["three_rates"][f], "rate") for f, _, _ in THREE_RATES)])
        rows.append([dept["name"], "全市 City", *(cell(dept["city"]["three_rates"][f], "rate")
                                                  for f, _, _ in THREE_RATES)])
    return rows


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    halls = book.active
    halls.title = "各大厅 Halls"
    departments = book.create_sheet("各部门 Departments")
    title = f"全市大厅对比 City halls compared {data['from']} — {data['to']}"
    for sheet, rows, first_figure in ((halls, hall_table(data), 3), (departments, department_table(data), 3)):
        append_text_safe(sheet, [title])
        sheet["A1"].font = Font(bold=True, size=13)
        for row in rows:
            append_text_safe(sheet, row)
        for item in sheet[2]:
            item.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 24
        for number, (_, _, unit) in enumerate(_units(sheet is halls), start=first_figure):
            for item in list(sheet.iter_cols(min_col=number, max_col=number, min_row=3))[0]:
                item.number_format = NUMBER_FORMATS[unit]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _units(with_figures: bool) -> list[tuple[str, str, str]]:
    rates = [(f, "", "rate") for f, _, _ in THREE_RATES]
    return rates + ([(f, "", unit) for f, _, _, unit in HALL_FIGURES] if with_figures else [])
