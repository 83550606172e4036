"""The report-of-the-day bench runs, and its two ways give the same report (it stops otherwise)."""

from __future__ import annotations

from bench import reports_today
from bench.cli import DEFAULT_CONFIG


def test_the_kept_and_the_replayed_report_are_measured_at_each_level() -> None:
    levels = reports_today.run([3, 12], DEFAULT_CONFIG)
    assert [level["waiting"] for level in levels] == [3, 12]
    assert all(level["kept_cpu_ms"] >= 0 and level["replayed_cpu_ms"] > 0 for level in levels)
