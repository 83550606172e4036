"""Pillow drawing: real Chinese glyphs (not boxes), the preview, the logo, the font search."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image, ImageChops

from printer.errors import PrinterError
from printer.layout import Logo, Number, Text, slip_layout
from printer.raster import find_cjk_font, preview_image, text_image

NOT_A_GLYPH = "\U0010FFFD"   # a private-use code point no CJK font draws: its notdef box


def ink(image: Image.Image) -> int:
    return image.point(lambda v: 255 if v < 128 else 0).histogram()[255]


def test_chinese_characters_are_real_glyphs_not_boxes(cjk_font):
    """Boxes (notdef) all look alike; real glyphs differ from each other and from notdef."""
    characters = "社保卡窗口号等候"
    images = {ch: text_image(Text(ch), 576, cjk_font) for ch in characters}
    box = text_image(Text(NOT_A_GLYPH), 576, cjk_font)
    for ch, image in images.items():
        assert ink(image) > 40, ch
        assert ImageChops.difference(image, box).getbbox() is not None, ch
    distinct = {image.tobytes() for image in images.values()}
    assert len(distinct) == len(characters)
    # a complex character has much more ink than a simple one, as in print
    assert ink(images["窗"]) > ink(images["口"])


def test_preview_shows_the_slip_with_a_dominant_number(ticket, hall, cjk_font):
    for width, dots in ((80, 576), (58, 384)):
        preview = preview_image(slip_layout(ticket, hall, width), cjk_font)
        assert preview.width == dots + 2 * 16 + 2
        assert preview.height > 900
    number = text_image(Number("B023"), 576, cjk_font)
    heading = text_image(Text("社会保障卡补办", scale=2, bold=True), 576, cjk_font)
    assert _ink_height(number) > 1.5 * _ink_height(heading)


def _ink_height(image: Image.Image) -> int:
    box = Image.eval(image, lambda v: 255 - v).getbbox()
    return box[3] - box[1]


def test_nothing_is_cut_off_at_58mm(ticket, hall, cjk_font):
    """Every line's ink stays inside the 384 printable dots, away from both edges."""
    layout = slip_layout(ticket, hall, 58)
    for element in layout.elements:
        if isinstance(element, (Text, Number)):
            image = text_image(element, layout.dots, cjk_font)
            left, _, right, _ = Image.eval(image, lambda v: 255 - v).getbbox()
            assert left >= 0 and right <= layout.dots - 1, element


def test_logo_is_drawn_small_and_a_broken_logo_is_skipped(ticket, hall, cjk_font, tmp_path, caplog):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (1000, 400), "navy").save(logo)
    with_logo = preview_image(slip_layout(ticket, replace(hall, logo=str(logo)), 80), cjk_font)
    without = preview_image(slip_layout(ticket, hall, 80), cjk_font)
    assert 0 < with_logo.height - without.height <= 120

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    layout = slip_layout(ticket, replace(hall, logo=str(broken)), 80)
    assert isinstance(layout.elements[0], Logo)
    assert preview_image(layout, cjk_font).height == without.height
    assert "printing without it" in caplog.text


def test_configured_font_must_exist(tmp_path):
    with pytest.raises(PrinterError) as caught:
        find_cjk_font(str(tmp_path / "missing.ttc"))
    assert caught.value.kind == "font" and "找不到中文字体" in str(caught.value)


def test_configured_font_is_used(cjk_font):
    assert find_cjk_font(str(cjk_font)) == cjk_font


def test_no_font_anywhere_says_which_package_to_install(monkeypatch):
    monkeypatch.setattr("printer.raster.CJK_FONT_CANDIDATES", ("/nonexistent/font.ttc",))
    with pytest.raises(PrinterError, match="fonts-wqy-microhei"):
        find_cjk_font()
