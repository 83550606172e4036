"""The slip's layout: a ticket and its hall become a list of printable elements.

Pure: no printer, no font, no clock. The byte layer (escpos_bytes) and the PNG
preview (raster) both draw exactly this list, so the preview shows what prints.

Widths are counted in printer columns of the resident 12×24 font: an ASCII character
takes one column, any other character two, because inside the printer's Chinese mode
every two-byte GB18030 character is printed full width (24 dots), punctuation included.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Union
from zoneinfo import ZoneInfo

from hall import wording
from printer.slip import SlipHall, SlipTicket

#: Paper width (mm) → (columns of the 12×24 font, printable dots).
PAPER = {80: (48, 576), 58: (32, 384)}

#: Scale of the ticket number: four times the normal width and height, bold.
NUMBER_SCALE = 4
#: Printed instead of a character the printer's resident font cannot have (see printable).
REPLACEMENT = "?"

#: Closing punctuation a line must not begin with (避头): it stays with the character before.
NO_LINE_START = set("，。、；：？！）》」』】〉”’,.;:?!)]}%")


@dataclass(frozen=True)
class Text:
    """One printed line, already wrapped to fit; scale 1 or 2 (double width and height)."""

    text: str
    scale: int = 1
    bold: bool = False
    align: str = "center"


@dataclass(frozen=True)
class Number:
    """The ticket number, the thing a citizen must be able to read from across the hall."""

    text: str
    scale: int = NUMBER_SCALE


@dataclass(frozen=True)
class Rule:
    """A dashed separator across the paper."""


@dataclass(frozen=True)
class Qr:
    payload: str
    module_dots: int     # size of one QR module in printer dots


@dataclass(frozen=True)
class Logo:
    path: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """A partial cut, so the slip stays on the roll until the citizen tears it off."""


Element = Union[Text, Number, Rule, Qr, Logo, Feed, Cut]


@dataclass(frozen=True)
class SlipLayout:
    width_mm: int
    columns: int
    dots: int
    elements: tuple[Element, ...]


# --- text measures -----------------------------------------------------------------

def printable(text: str) -> str:
    """The text as the printer can print it: ASCII and two-byte GB18030 characters.

    Four-byte GB18030 sequences (emoji, rare characters of the extension planes) are
    beyond the resident fonts of hall printers and could desynchronise some of them,
    so they become REPLACEMENT; control characters become spaces.
    """
    out = []
    for ch in text:
        if ch < " " or ch == "\x7f" or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(" " if ch in "\t\n\r" else "")
        elif ch.isascii() or _gb18030_width(ch) == 2:
            out.append(ch)
        else:
            out.append(REPLACEMENT)
    return "".join(out)


def _gb18030_width(ch: str) -> int:
    try:
        return len(ch.encode("gb18030"))
    except UnicodeEncodeError:
        return 0


def columns_of(text: str) -> int:
    return sum(1 if ch.isascii() else 2 for ch in text)


def _tokens(text: str) -> list[str]:
    """Break opportunities: an ASCII word stays whole, each Chinese character stands alone."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        if ch in NO_LINE_START and tokens and not tokens[-1].isspace():
            tokens[-1] += ch
        else:
            tokens.append(" " if ch.isspace() else ch)
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, columns: int) -> list[str]:
    """Greedy wrap by printer columns; a token longer than a line is cut where it must."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if columns_of(line + token) <= columns:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = "" if token == " " else token
        while columns_of(line) > columns:
            head = _longest_prefix(line, columns)
            lines.append(head)
            line = line[len(head):]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def wrap_balanced(text: str, columns: int) -> list[str]:
    """As few lines as `wrap`, but as even as possible: a centred heading that needs two
    lines reads "新抚区行政 / 审批服务局", not "新抚区行政审批服 / 务局"."""
    greedy = wrap(text, columns)
    if len(greedy) <= 1:
        return greedy
    for narrower in range(-(-columns_of(text) // len(greedy)), columns):
        lines = wrap(text, narrower)
        if len(lines) == len(greedy):
            return lines
    return greedy


def _longest_prefix(text: str, columns: int) -> str:
    end = 0
    while end < len(text) and columns_of(text[:end + 1]) <= columns:
        end += 1
    return text[:max(end, 1)]


# --- the slip's wording ---------------------------------------------------------------

def people_ahead(ticket: SlipTicket) -> tuple[str, str]:
    words = wording.ahead_sentence(ticket.waiting_ahead, ticket.no_window)
    return words.zh, words.en


def wait_range(ticket: SlipTicket) -> tuple[str, str]:
    words = wording.wait_sentence(ticket.wait_low, ticket.wait_high, ticket.no_window)
    return words.zh, words.en


def windows_line(ticket: SlipTicket) -> tuple[str, str]:
    words = wording.windows_sentence(ticket.windows)
    return words.zh, words.en


def issued_line(ticket: SlipTicket, hall: SlipHall) -> str:
    local = ticket.issued_at.astimezone(ZoneInfo(hall.tz))
    return f"取号时间 Issued {local:%Y-%m-%d %H:%M}"


# --- the layout -------------------------------------------------------------------------

def slip_layout(ticket: SlipTicket, hall: SlipHall, width_mm: int = 80) -> SlipLayout:
    """The slip from top to bottom, every text line wrapped to the paper width."""
    if width_mm not in PAPER:
        raise ValueError(f"paper width {width_mm} mm: expected 80 or 58")
    columns, dots = PAPER[width_mm]
    out: list[Element] = []

    def lines(text: str, scale: int = 1, bold: bool = False, align: str = "center") -> None:
        fit = wrap_balanced if align == "center" else wrap
        for line in fit(printable(text), columns // scale):
            out.append(Text(line, scale, bold, align))

    if hall.logo:
        out.append(Logo(hall.logo))
    lines(hall.name, scale=2, bold=True)
    lines(hall.name_en)
    out.append(Rule())
    lines(ticket.department_name)
    lines(ticket.service_name, scale=2, bold=True)
    lines(ticket.service_name_en)
    out.append(Feed())
    out.append(Number(printable(ticket.number)))
    out.append(Feed())
    ahead_zh, ahead_en = people_ahead(ticket)
    lines(ahead_zh, scale=2, bold=True)
    lines(ahead_en)
    out.append(Feed())
    for zh, en in (wait_range(ticket), windows_line(ticket)):
        lines(zh, bold=True)
        lines(en)
    out.append(Qr(ticket.track_url, module_dots=6 if width_mm == 80 else 5))
    lines("扫码查看排队进度、评价服务")
    lines("Scan to follow the queue and rate the service")
    lines(issued_line(ticket, hall))
    out.append(Rule())
    lines(hall.footer, align="left")
    lines(hall.footer_en, align="left")
    out.append(Cut())
    return SlipLayout(width_mm, columns, dots, tuple(out))


def slip_text(layout: SlipLayout) -> list[str]:
    """The slip's words, line by line, as a citizen reads them (for logs and tests)."""
    return [el.text for el in layout.elements if isinstance(el, (Text, Number))]
