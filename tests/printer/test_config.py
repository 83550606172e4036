"""The [printer] table: defaults, overrides and messages that name the key."""

from __future__ import annotations

import pytest

from hall.config import ConfigError, load_config
from printer.config import PrinterSettings, parse_printer_table, printer_settings
from tests.printer.conftest import SHIPPED_CONFIG


def test_defaults_take_the_width_of_the_slip():
    assert parse_printer_table({}, default_width=58) == PrinterSettings(width=58)
    assert printer_settings(load_config(SHIPPED_CONFIG)) == PrinterSettings()


def test_a_full_table(cjk_font):
    settings = parse_printer_table({
        "url": "network://192.168.1.50:9100", "width": 58, "chinese": "raster",
        "qr": "raster", "timeout_seconds": 5, "font": str(cjk_font)})
    assert settings == PrinterSettings("network://192.168.1.50:9100", 58, "raster", "raster",
                                       5.0, str(cjk_font))


@pytest.mark.parametrize("table, message", [
    ({"adress": "dummy"}, "printer.adress: unknown key"),
    ({"url": 9100}, "printer.url must be text"),
    ({"url": "192.168.1.50"}, "printer.url: 打印机地址无效 / invalid printer URL"),
    ({"width": 76}, "printer.width = 76: expected 80 or 58"),
    ({"width": True}, "printer.width = True"),
    ({"chinese": "gbk"}, "printer.chinese = 'gbk': expected 'native' or 'raster'"),
    ({"qr": "image"}, "printer.qr = 'image'"),
    ({"timeout_seconds": 0}, "printer.timeout_seconds = 0: expected 0.5 to 30"),
    ({"timeout_seconds": "3"}, "printer.timeout_seconds must be a number"),
    ({"font": "/nowhere/wqy.ttc"}, "printer.font = '/nowhere/wqy.ttc': file not found"),
    ("dummy", "[printer] must be a table"),
])
def test_mistakes_name_the_key(table, message):
    with pytest.raises(ConfigError) as caught:
        parse_printer_table(table)
    assert message in str(caught.value)


def test_command_line_overrides_are_validated_too():
    settings = PrinterSettings().with_overrides(url="file:///tmp/slip.bin", width=58, qr=None)
    assert (settings.url, settings.width, settings.qr) == ("file:///tmp/slip.bin", 58, "native")
    with pytest.raises(ConfigError, match="printer.url"):
        PrinterSettings().with_overrides(url="lp0")
