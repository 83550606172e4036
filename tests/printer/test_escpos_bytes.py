"""The byte layer: exact golden jobs, and the job read back by an independent decoder.

Golden files live in tests/printer/golden/. After an intended change of the slip,
regenerate them with

    JIAOHAO_REGEN_GOLDEN=1 python -m pytest tests/printer/test_escpos_bytes.py

then decode and look at the new slip (docs/printing.md) before committing them.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from printer.escpos_bytes import slip_bytes
from printer.layout import REPLACEMENT, slip_layout
from tests.printer.escpos_decoder import decode

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("JIAOHAO_REGEN_GOLDEN") == "1"
GOLDEN_FONT = "wqy-microhei.ttc"
MODES = [(80, "native"), (58, "native"), (80, "raster"), (58, "raster")]


def job(ticket, hall, width, mode, font):
    """Both Chinese and QR in the same mode: native for printers with a Chinese font and
    GS ( k, raster for the bare ones."""
    return slip_bytes(slip_layout(ticket, hall, width), chinese=mode, qr=mode,
                      font_path=font if mode == "raster" else None)


@pytest.mark.parametrize("width, mode", MODES)
def test_job_matches_golden_bytes(ticket, hall, cjk_font, width, mode):
    if mode == "raster" and cjk_font.name != GOLDEN_FONT:
        pytest.fail(f"the raster golden files are drawn with {GOLDEN_FONT} (fonts-wqy-microhei); "
                    f"found {cjk_font} first")
    data = job(ticket, hall, width, mode, cjk_font)
    golden = GOLDEN / f"slip-{width}mm-{mode}.bin"
    if REGENERATE:
        golden.write_bytes(data)
    assert golden.exists(), f"{golden.name} missing: run with JIAOHAO_REGEN_GOLDEN=1"
    expected = golden.read_bytes()
    if data != expected:
        first = next((i for i, (a, b) in enumerate(zip(data, expected)) if a != b),
                     min(len(data), len(expected)))
        pytest.fail(f"{golden.name}: differs from byte {first} "
                    f"(got {data[first:first + 24]!r}, golden {expected[first:first + 24]!r}; "
                    f"lengths {len(data)} vs {len(expected)})")


@pytest.mark.parametrize("width", [80, 58])
def test_native_job_reads_back_as_the_slip(ticket, hall, width):
    slip = decode(job(ticket, hall, width, "native", None))
    words = slip.joined()
    assert "社会保障卡补办" in words and "Socialsecuritycardreplacement" in words
    assert "您前面还有7人等候" in words and "7peopleaheadofyou" in words
    assert "约10–20分钟" in words and "请留意3、5、7号窗口" in words
    assert slip.qr_printed == [ticket.track_url]
    assert slip.qr_settings == {"model": 2, "module": 6 if width == 80 else 5, "ec": 1}
    assert slip.commands[0] == "init"
    assert slip.cuts == ["partial"] and slip.commands[-1] == "cut partial"
    assert slip.rasters == []


@pytest.mark.parametrize("width", [80, 58])
def test_number_prints_four_times_size_bold_centred(ticket, hall, width):
    slip = decode(job(ticket, hall, width, "native", None))
    number = [line for line in slip.lines if line.text == "B023"]
    assert len(number) == 1
    assert (number[0].width, number[0].height, number[0].bold, number[0].align) == (4, 4, True, "center")
    assert all(line.width < 4 for line in slip.lines if line.text != "B023")


def test_chinese_goes_inside_chinese_mode_and_headings_double(ticket, hall):
    slip = decode(job(ticket, hall, 80, "native", None))
    for line in slip.lines:
        assert line.chinese == (not line.text.isascii()), line
    heading = next(line for line in slip.lines if line.text == "社会保障卡补办")
    assert (heading.width, heading.height, heading.kanji_double, heading.bold) == (2, 2, True, True)
    ahead = next(line for line in slip.lines if line.text == "您前面还有 7 人等候")
    assert ahead.width == 2 and ahead.kanji_double
    on, off = slip.commands.count("chinese on"), slip.commands.count("chinese off")
    assert on == off == sum(line.chinese for line in slip.lines)


@pytest.mark.parametrize("width", [80, 58])
def test_raster_job_has_no_chinese_bytes_and_a_raster_qr(ticket, hall, cjk_font, width):
    slip = decode(job(ticket, hall, width, "raster", cjk_font))
    assert "chinese on" not in slip.commands and slip.qr_printed == []
    assert all(line.text.isascii() for line in slip.lines)
    words = slip.joined()
    assert "B023" in words and "7peopleaheadofyou" in words
    assert "Socialsecuritycardreplacement" in words
    dots = 576 if width == 80 else 384
    assert slip.rasters and all(r.width_dots == dots for r in slip.rasters)
    assert all(r.ink() > 0 for r in slip.rasters)
    assert slip.cuts == ["partial"]


def test_raster_qr_decodes_to_the_tracking_url(ticket, hall, cjk_font):
    """The raster QR image is the qrcode library's own matrix for the tracking URL."""
    import qrcode

    slip = decode(slip_bytes(slip_layout(ticket, hall, 80), chinese="native", qr="raster"))
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(ticket.track_url)
    code.make(fit=True)
    modules = code.get_matrix()
    (qr,) = slip.rasters
    module_dots = 6
    assert qr.height == len(modules) * module_dots
    # sample the centre of every module row by row: dark module ⇔ ink in the raster
    width_bytes = qr.width_dots // 8
    left = (576 - len(modules) * module_dots) // 2
    for row, cells in enumerate(modules):
        y = row * module_dots + module_dots // 2
        for col, dark in enumerate(cells):
            x = left + col * module_dots + module_dots // 2
            bit = qr.data[y * width_bytes + x // 8] >> (7 - x % 8) & 1
            assert bit == dark, (row, col)


def test_characters_gb18030_cannot_print_do_not_break_the_job(ticket, hall, cjk_font):
    odd = replace(ticket, service_name="社保卡😀补办𠀀", department_name="人社\u0007局")
    for mode in ("native", "raster"):
        slip = decode(job(odd, hall, 80, mode, cjk_font))
        assert slip.cuts == ["partial"]
    words = decode(job(odd, hall, 80, "native", None)).joined()
    assert f"社保卡{REPLACEMENT}补办{REPLACEMENT}" in words and "人社局" in words


def test_unknown_mode_is_refused(ticket, hall):
    with pytest.raises(ValueError):
        slip_bytes(slip_layout(ticket, hall), chinese="bitmap")
    with pytest.raises(ValueError, match="font"):
        slip_bytes(slip_layout(ticket, hall), chinese="raster")
