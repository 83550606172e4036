"""The slip layout as ESC/POS bytes, drawn onto python-escpos's `Dummy` printer.

Two ways to print Chinese, chosen per printer in [printer] chinese:
- "native": GB18030 bytes inside the printer's Chinese mode (FS & … FS .). python-escpos'
  own `text()` sends GB18030 without entering that mode, and Chinese punctuation then
  prints as "???", so Chinese lines go out through `_raw` here.
- "raster": for printers without a resident Chinese font, every line with a Chinese
  character is drawn with Pillow and sent as a GS v 0 bit image; ASCII lines and the
  number stay printer text, which is sharper and much shorter.
The QR code likewise: the printer's own GS ( k command, or a raster image.
"""

from __future__ import annotations

import copy
from pathlib import Path

from escpos.capabilities import Profile, get_profile_class
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from printer import raster
from printer.layout import Cut, Feed, Logo, Number, Qr, Rule, SlipLayout, Text, printable

CHINESE_MODES = ("native", "raster")
QR_MODES = ("native", "raster")

FS = b"\x1c"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
#: FS ! n, the Chinese character mode: bit 2 double width, bit 3 double height.
CHINESE_DOUBLE = 0x0C


def slip_profile(layout: SlipLayout) -> Profile:
    """A printer profile of the slip's paper: python-escpos needs the width in dots to
    check raster images, and the default profile knows none."""
    base = copy.deepcopy(get_profile_class("default").profile_data)
    profile = Profile(columns=layout.columns, features=dict(base["features"]))
    base["media"] = {"dpi": 203, "width": {"mm": layout.width_mm, "pixels": layout.dots}}
    base["fonts"]["0"]["columns"] = layout.columns
    profile.profile_data = base
    return profile


def slip_bytes(layout: SlipLayout, *, chinese: str = "native", qr: str = "native",
               font_path: Path | None = None) -> bytes:
    """The print job for one slip. Raster modes need `font_path` (see raster.find_cjk_font)."""
    if chinese not in CHINESE_MODES or qr not in QR_MODES:
        raise ValueError(f"chinese={chinese!r}, qr={qr!r}: expected native or raster")
    if chinese == "raster" and font_path is None:
        raise ValueError("raster Chinese needs a CJK font_path")
    printer = Dummy(profile=slip_profile(layout))
    printer.hw("INIT")
    pending: list[Text] = []   # Chinese lines waiting to become one raster image
    for element in layout.elements:
        if chinese == "raster" and isinstance(element, Text) and not element.text.isascii():
            pending.append(element)
            continue
        if pending:
            _raster_lines(printer, pending, layout.dots, font_path)
            pending = []
        _element(printer, element, layout, chinese=chinese, qr=qr)
    if pending:
        _raster_lines(printer, pending, layout.dots, font_path)
    return printer.output


def _element(printer: Dummy, element, layout: SlipLayout, *, chinese: str, qr: str) -> None:
    if isinstance(element, Text):
        _text_line(printer, element.text, element.scale, element.bold, element.align)
    elif isinstance(element, Number):
        _text_line(printer, element.text, element.scale, True, "center")
    elif isinstance(element, Rule):
        _text_line(printer, "-" * layout.columns, 1, False, "left")
    elif isinstance(element, Feed):
        _style(printer, 1, False, "left")
        printer._raw(b"\n" * element.lines)
    elif isinstance(element, Qr):
        _qr(printer, element, layout.dots, native=qr == "native")
    elif isinstance(element, Logo):
        logo = raster.logo_image(element.path, layout.dots)
        if logo is not None:
            printer.image(raster.to_ink(logo))
    elif isinstance(element, Cut):
        _style(printer, 1, False, "left")
        printer.cut(mode="PART")
    else:
        raise TypeError(f"unknown slip element {element!r}")


def _style(printer: Dummy, scale: int, bold: bool, align: str) -> None:
    # every line states its whole style, so a line never inherits a 4× size by accident
    printer.set(align=align, bold=bold, custom_size=True, width=scale, height=scale)


def _text_line(printer: Dummy, text: str, scale: int, bold: bool, align: str) -> None:
    _style(printer, scale, bold, align)
    text = printable(text)
    if text.isascii():
        printer._raw(text.encode("ascii") + b"\n")
        return
    mode = CHINESE_DOUBLE if scale >= 2 else 0
    printer._raw(FS + b"!" + bytes((mode,)) + CHINESE_ON + text.encode("gb18030")
                 + CHINESE_OFF + b"\n")


def _qr(printer: Dummy, element: Qr, dots: int, *, native: bool) -> None:
    if native:
        # GS ( k has no centring of its own: the printer's justification (ESC a) applies
        _style(printer, 1, False, "center")
        printer.qr(element.payload, ec=QR_ECLEVEL_M, size=element.module_dots, native=True)
        printer._raw(b"\n")
        return
    image = raster.centred(raster.qr_image(element.payload, element.module_dots), dots)
    printer.image(raster.to_ink(image))


def _raster_lines(printer: Dummy, lines: list[Text], dots: int, font_path) -> None:
    printer.image(raster.lines_image(lines, dots, font_path))
