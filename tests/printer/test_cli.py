"""`jiaohao print-test` end to end, through the real command line."""

from __future__ import annotations

import pytest
from PIL import Image

from jiaohao.cli import main
from tests.printer.conftest import SHIPPED_CONFIG
from tests.printer.escpos_decoder import decode


def test_print_test_prints_to_a_file_and_writes_a_preview(tmp_path, capsys, cjk_font):
    job, preview = tmp_path / "x.bin", tmp_path / "slip.png"
    code = main(["print-test", "--config", str(SHIPPED_CONFIG), "--printer", f"file://{job}",
                 "--width", "58", "--preview", str(preview), "--at", "2026-05-12T09:41"])
    assert code == 0
    out = capsys.readouterr().out
    assert f"on file://{job}" in out and "58 mm" in out
    slip = decode(job.read_bytes())
    words = slip.joined()
    assert "新抚区行政审批服务局" in words and "取号时间Issued2026-05-1209:41" in words
    assert slip.qr_printed and slip.qr_printed[0].startswith("https://jiaohao.example/q/xinfu/20260512/")
    assert slip.cuts == ["partial"]
    with Image.open(preview) as image:
        assert image.width == 384 + 34


def test_print_test_of_a_chosen_item_in_raster_mode(tmp_path, capsys, cjk_font):
    job = tmp_path / "x.bin"
    assert main(["print-test", "--config", str(SHIPPED_CONFIG), "--printer", f"file://{job}",
                 "--chinese", "raster", "--qr", "raster", "--service", "A01"]) == 0
    slip = decode(job.read_bytes())
    assert slip.rasters and slip.texts and "A023" in slip.texts


def test_print_test_reports_an_unreachable_printer_in_one_line(capsys):
    assert main(["print-test", "--config", str(SHIPPED_CONFIG),
                 "--printer", "file:///dev/usb/lp9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("jiaohao print-test: 打印机未连接 / printer not reachable at file:///dev/usb/lp9")
    assert "\n" not in err


@pytest.mark.parametrize("argv, message", [
    (["--printer", "lp0"], "printer.url"),
    (["--service", "ZZ9"], "--service 'ZZ9' is not a service code"),
    (["--at", "tomorrow"], "--at 'tomorrow'"),
])
def test_print_test_mistakes(argv, message, capsys):
    assert main(["print-test", "--config", str(SHIPPED_CONFIG), *argv]) == 2
    assert message in capsys.readouterr().err


def test_print_test_status(capsys, loopback):
    printer = loopback(answers={1: 0x12, 4: 0x72})
    assert main(["print-test", "--config", str(SHIPPED_CONFIG), "--printer", printer.url,
                 "--status"]) == 1
    assert "online, paper OUT — 缺纸 / out of paper" in capsys.readouterr().out
    assert main(["print-test", "--config", str(SHIPPED_CONFIG), "--status"]) == 0
