"""Fixtures of the printer tests: a fixed ticket and hall, the CJK font, a loopback printer."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from printer.slip import SlipHall, SlipTicket
from printer.loopback import LoopbackPrinter

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = REPO / "config.toml"

#: Written out here rather than taken from config.toml, so that editing the demo hall
#: never changes the golden files.
GOLDEN_HALL = SlipHall(
    name="新抚区行政审批服务局",
    name_en="Xinfu District Administrative Approval Service Center",
    tz="Asia/Shanghai",
    footer="请在休息区等候，留意叫号屏幕及语音提示。过号请到服务台咨询。",
    footer_en="Please wait in the seating area and watch the screens for your number.",
)
GOLDEN_TICKET = SlipTicket(
    number="B023",
    service_code="B03",
    service_name="社会保障卡补办",
    service_name_en="Social security card replacement",
    department_name="人力资源和社会保障局",
    department_name_en="Human Resources and Social Security Bureau",
    waiting_ahead=7,
    wait_low=10,
    wait_high=20,
    windows=(3, 5, 7),
    track_url="https://jiaohao.example/q/xinfu/20260512/B023",
    issued_at=datetime(2026, 5, 12, 1, 41, 7, tzinfo=timezone.utc),   # 09:41 in Shanghai
)


@pytest.fixture
def ticket() -> SlipTicket:
    return GOLDEN_TICKET


@pytest.fixture
def hall() -> SlipHall:
    return GOLDEN_HALL


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    """The installed CJK font; its absence is a setup error (install fonts-wqy-microhei),
    not a reason to skip: the raster mode and the preview are what halls rely on."""
    from printer.errors import PrinterError
    from printer.raster import find_cjk_font

    try:
        return find_cjk_font()
    except PrinterError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def loopback():
    printers: list[LoopbackPrinter] = []

    def start(**options) -> LoopbackPrinter:
        printer = LoopbackPrinter(**options)
        printer.start()
        printers.append(printer)
        return printer

    yield start
    for printer in printers:
        printer.stop()
