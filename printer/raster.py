"""Drawing the slip with Pillow: raster text for printers without a Chinese font, and
the PNG preview shown on the kiosk, the admin pages and in the docs.

Geometry follows the printer's resident 12×24 font, so a raster line and a native line
take the same room: a text line of scale s is 24·s dots of glyph in a 30·s dot line.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from printer.errors import PrinterError
from printer.layout import Cut, Element, Feed, Logo, Number, Qr, Rule, SlipLayout, Text

log = logging.getLogger(__name__)

GLYPH_DOTS = 24
LINE_DOTS = 30
#: Where Debian (fonts-wqy-microhei, fonts-noto-cjk), Fedora, Arch, macOS and Windows put
#: a CJK font; the first one found is used unless [printer] font names another.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
#: Logos are kept small: the number, not the logo, must dominate the slip.
LOGO_MAX_HEIGHT = 120
LOGO_MAX_WIDTH_SHARE = 0.6
#: Grey below which a raster dot is printed black (thermal dots are on or off).
INK_THRESHOLD = 128


def find_cjk_font(explicit: str | None = None) -> Path:
    """The CJK font to draw with: the configured one, else the first installed candidate."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise PrinterError("找不到中文字体", "Chinese (CJK) font not found", where=str(path),
                               detail="check [printer] font", kind="font")
        return path
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise PrinterError("找不到中文字体", "no Chinese (CJK) font installed",
                       detail="install the package fonts-wqy-microhei or set [printer] font",
                       kind="font")


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size, index=0)
    except OSError as exc:
        raise PrinterError("中文字体无法读取", "the CJK font cannot be read", where=path,
                           detail=str(exc), kind="font") from None


# --- elements as images (mode "L", white paper, black ink) --------------------------

def text_image(line: Text | Number, dots: int, font_path: Path) -> Image.Image:
    scale = line.scale
    font = _font(str(font_path), GLYPH_DOTS * scale)
    height = LINE_DOTS * scale
    image = Image.new("L", (dots, height), 255)
    bold = isinstance(line, Number) or line.bold
    # a stroke thickens big glyphs evenly but clogs 24-dot Chinese; those get a second
    # pass one dot to the right, which is how printers embolden their own font
    stroke = scale // 2 if bold else 0
    smear = 1 if bold and not stroke else 0
    width = font.getlength(line.text) + 2 * stroke + smear
    align = "center" if isinstance(line, Number) else line.align
    x = max(0, (dots - width) / 2) if align == "center" else 0
    ascent, descent = font.getmetrics()
    baseline = (height - (ascent + descent)) / 2 + ascent
    draw = ImageDraw.Draw(image)
    for dx in range(smear + 1):
        draw.text((x + stroke + dx, baseline), line.text, font=font, fill=0, anchor="ls",
                  stroke_width=stroke, stroke_fill=0)
    return image


def rule_image(dots: int) -> Image.Image:
    image = Image.new("L", (dots, GLYPH_DOTS), 255)
    draw = ImageDraw.Draw(image)
    for x in range(0, dots, 12):
        draw.line((x, GLYPH_DOTS // 2, x + 6, GLYPH_DOTS // 2), fill=0, width=2)
    return image


def qr_image(payload: str, module_dots: int) -> Image.Image:
    """Medium error correction and the standard quiet zone of four modules, so phones
    read it even off a curled or smudged slip."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                         box_size=module_dots, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def logo_image(path: str, dots: int) -> Image.Image | None:
    """The hall's logo scaled to fit, or None (logged) when it cannot be read: a slip
    without a logo is better than no slip."""
    try:
        with Image.open(path) as source:
            source.load()
            logo = source.convert("RGBA")
    except (OSError, UnidentifiedImageError) as exc:
        log.warning("slip logo %s cannot be read, printing without it: %s", path, exc)
        return None
    paper = Image.new("RGBA", logo.size, (255, 255, 255, 255))
    logo = Image.alpha_composite(paper, logo).convert("L")
    logo.thumbnail((int(dots * LOGO_MAX_WIDTH_SHARE), LOGO_MAX_HEIGHT))
    return centred(logo, dots)


def centred(image: Image.Image, dots: int) -> Image.Image:
    canvas = Image.new("L", (dots, image.height), 255)
    canvas.paste(image, ((dots - image.width) // 2, 0))
    return canvas


def stack(images: Iterable[Image.Image], dots: int) -> Image.Image:
    images = list(images)
    canvas = Image.new("L", (dots, sum(i.height for i in images) or 1), 255)
    y = 0
    for image in images:
        canvas.paste(image, (0, y))
        y += image.height
    return canvas


def lines_image(lines: Sequence[Text | Number], dots: int, font_path: Path) -> Image.Image:
    """Consecutive text lines as one black-and-white image, ready for GS v 0."""
    image = stack((text_image(line, dots, font_path) for line in lines), dots)
    return to_ink(image)


def to_ink(image: Image.Image) -> Image.Image:
    """Threshold rather than dither: dithered glyph edges print as speckles."""
    return image.point(lambda v: 0 if v < INK_THRESHOLD else 255, mode="1")


# --- the preview ----------------------------------------------------------------------

PREVIEW_MARGIN = 16


def preview_image(layout: SlipLayout, font_path: Path) -> Image.Image:
    """The whole slip as it comes out of the printer, on a strip of paper."""
    dots = layout.dots
    parts = [Image.new("L", (dots, PREVIEW_MARGIN), 255)]
    for element in layout.elements:
        part = _preview_part(element, dots, font_path)
        if part is not None:
            parts.append(part)
    slip = stack(parts, dots)
    framed = ImageOps.expand(slip, border=PREVIEW_MARGIN, fill=255)
    return ImageOps.expand(framed, border=1, fill=160)


def _preview_part(element: Element, dots: int, font_path: Path) -> Image.Image | None:
    if isinstance(element, (Text, Number)):
        return text_image(element, dots, font_path)
    if isinstance(element, Rule):
        return rule_image(dots)
    if isinstance(element, Feed):
        return Image.new("L", (dots, LINE_DOTS * element.lines), 255)
    if isinstance(element, Qr):
        return centred(qr_image(element.payload, element.module_dots), dots)
    if isinstance(element, Logo):
        return logo_image(element.path, dots)
    if isinstance(element, Cut):
        return _cut_mark(dots)
    raise TypeError(f"unknown slip element {element!r}")


def _cut_mark(dots: int) -> Image.Image:
    """The feed before the cut, then a grey dashed line where the cutter bites."""
    image = Image.new("L", (dots, LINE_DOTS * 3), 255)
    draw = ImageDraw.Draw(image)
    for x in range(0, dots, 16):
        draw.line((x, image.height - 2, x + 8, image.height - 2), fill=170, width=1)
    return image


def write_preview(layout: SlipLayout, font_path: Path, target: str | Path) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    preview_image(layout, font_path).save(target, format="PNG", optimize=True)
    return target
