"""The board's widgets: they only draw a `BoardView`; every decision is the presenter's.

Everything is painted in proportion to the widget's size, designed on 1920×1080 (landscape)
and 1080×1920 (portrait), so the same board fills any monitor. Type is large and
high-contrast for citizens ten metres away: yellow numbers on a near-black background,
window states as coloured cells. Each panel remembers the texts it last drew (`texts`) so
tests can check what is on screen without reading pixels.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QRect, Qt, QTimer
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QResizeEvent
from PyQt6.QtWidgets import QWidget

from .presenter import BoardView, ItemRow, WindowRow

FONT_FAMILY = "WenQuanYi Micro Hei"
#: ticket numbers: narrow letters let the number be taller in the same width (Qt falls back when missing)
NUMBER_FAMILY = "DejaVu Sans Condensed"
BACKGROUND = QColor("#070b14")
PANEL = QColor("#0f1a2e")
TITLE = QColor("#8fb3ff")
TEXT = QColor("#ffffff")
DIM = QColor("#9aa6bd")
NUMBER = QColor("#ffd400")
ALERT = QColor("#ff4d4d")
REFUSED = QColor("#5c0a0a")
REFUSED_TEXT = QColor("#ffd9d9")
STATUS_COLOURS = {   # cell background, label colour
    "called": (QColor("#5c4a00"), QColor("#ffd400")),
    "serving": (QColor("#0f5132"), QColor("#5cf29a")),
    "idle": (QColor("#123a66"), QColor("#9cd0ff")),
    "paused": (QColor("#7a2e0b"), QColor("#ffb366")),
    "closed": (QColor("#1c2230"), QColor("#7d8799")),
}
ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter


def board_font(px: int, bold: bool = False, family: str = FONT_FAMILY) -> QFont:
    font = QFont(family)
    font.setPixelSize(max(1, px))
    font.setBold(bold)
    return font


class Panel(QWidget):
    """A painted area of the board holding the current view."""

    title = ""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view: BoardView | None = None
        self.texts: list[str] = []
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def show_view(self, view: BoardView) -> None:
        self.view = view
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.texts = []
        painter.fillRect(self.rect(), BACKGROUND)
        try:
            self.paint(painter)
        finally:
            painter.end()

    def paint(self, painter: QPainter) -> None:
        raise NotImplementedError

    # --- drawing helpers ---------------------------------------------------------------------

    def unit(self) -> float:
        """One design pixel in real pixels, from the board's size."""
        board = self.window()
        base = 1080 if board.width() < board.height() else 1920
        return board.width() / base

    def text(self, painter: QPainter, rect: QRect, text: str, px: float, colour: QColor,
             align=ALIGN_LEFT, bold: bool = False, min_px: float = 14, family: str = FONT_FAMILY) -> None:
        """Draw text in rect, shrinking it to fit the width (names vary in length), then eliding."""
        if not text:
            return
        self.texts.append(text)
        size = int(px)
        font = board_font(size, bold, family)
        while size > min_px and QFontMetrics(font).horizontalAdvance(text) > rect.width():
            size = max(int(min_px), int(size * 0.95))
            font = board_font(size, bold, family)
        painter.setFont(font)
        painter.setPen(colour)
        shown = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, align, shown)

    def panel_frame(self, painter: QPainter, title: str, title_en: str) -> QRect:
        """The panel's background and bilingual title; returns the area left for content."""
        u = self.unit()
        outer = self.rect().adjusted(int(6 * u), int(6 * u), -int(6 * u), -int(6 * u))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PANEL)
        painter.drawRoundedRect(outer, 12 * u, 12 * u)
        bar = QRect(outer.left() + int(20 * u), outer.top() + int(8 * u), outer.width() - int(40 * u),
                    int(50 * u))
        self.text(painter, bar, f"{title}  {title_en}", 34 * u, TITLE, bold=True)
        return outer.adjusted(int(20 * u), int(62 * u), -int(20 * u), -int(10 * u))


class HeaderBar(Panel):
    """Hall name, the link mark, date and clock."""

    def paint(self, painter: QPainter) -> None:
        view, u = self.view, self.unit()
        if view is None:
            return
        r = self.rect().adjusted(int(24 * u), int(6 * u), -int(24 * u), -int(6 * u))
        clock_w = int(300 * u)
        name_w = r.width() - clock_w - int(340 * u)
        half = r.height() // 2
        self.text(painter, QRect(r.left(), r.top(), name_w, int(half * 1.15)), view.hall_name, 46 * u,
                  TEXT, bold=True)
        self.text(painter, QRect(r.left(), r.top() + int(half * 1.15), name_w, half - int(half * 0.15)),
                  view.hall_name_en, 22 * u, DIM)
        if not view.connected:
            mark = QRect(r.left() + name_w, r.top(), int(320 * u), r.height())
            self.text(painter, mark, "● 连接中断 Reconnecting", 24 * u, ALERT, ALIGN_CENTER, bold=True)
        right = QRect(r.right() - clock_w, r.top(), clock_w, r.height())
        self.text(painter, QRect(right.left(), right.top(), right.width(), int(half * 1.2)), view.clock_text,
                  56 * u, TEXT, ALIGN_RIGHT, bold=True)
        self.text(painter, QRect(right.left() - int(60 * u), right.top() + int(half * 1.2),
                                 right.width() + int(60 * u), half - int(half * 0.2)),
                  view.date_text, 24 * u, DIM, ALIGN_RIGHT)


class NowCalling(Panel):
    """The newest call, very large; it blinks (colours swap) for the first seconds."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.flash = False   # the blink phase, set by the board

    def paint(self, painter: QPainter) -> None:
        view, u = self.view, self.unit()
        if view is None:
            return
        area = self.panel_frame(painter, "正在呼叫", "Now calling")
        call = view.newest
        if call is None:
            self.text(painter, area, "等候叫号  Waiting for the first call", 44 * u, DIM, ALIGN_CENTER)
            return
        flash = view.blinking and self.flash
        if flash:
            painter.setBrush(NUMBER)
            painter.drawRoundedRect(area, 16 * u, 16 * u)
        fg = BACKGROUND if flash else NUMBER
        line = TEXT if not flash else BACKGROUND
        h = area.height()
        number_h, window_h = int(h * 0.62), int(h * 0.22)
        # a font's pixel size includes room above and below the digits: 1.2 × fills the box
        number_px = min(number_h * 1.25, area.width() / max(2.6, len(call.number) * 0.62))
        self.text(painter, QRect(area.left(), area.top() - int(number_h * 0.1), area.width(),
                                 int(number_h * 1.2)), call.number, number_px, fg, ALIGN_CENTER, bold=True,
                  family=NUMBER_FAMILY)
        top = area.top() + number_h
        prefix = "再次呼叫 · " if call.recall else ""
        self.text(painter, QRect(area.left(), top, area.width(), window_h),
                  f"{prefix}请到 {call.window} 号窗口", window_h * 0.72, line, ALIGN_CENTER, bold=True)
        english = f"Number {call.number}, please go to window {call.window}"
        self.text(painter, QRect(area.left(), top + window_h, area.width(), h - number_h - window_h),
                  ("Calling again: " if call.recall else "") + english, 30 * u, line if flash else DIM,
                  ALIGN_CENTER)


def recent_place(i: int, columns: int, rows: int) -> tuple[int, int] | None:
    """(column, row) of the i-th most recent call: across the rows, as the hall reads (left to
    right, then the next line), newest first; None when the panel is full."""
    row, col = divmod(i, columns)
    return None if row >= rows else (col, row)


class RecentCalls(Panel):
    """The calls before the newest: number → window."""

    def __init__(self, columns: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.columns = columns

    def paint(self, painter: QPainter) -> None:
        view, u = self.view, self.unit()
        if view is None:
            return
        area = self.panel_frame(painter, "最近呼叫", "Recent calls")
        if not view.recent:
            self.text(painter, area, "—", 40 * u, DIM, ALIGN_CENTER)
            return
        rows = math.ceil(max(len(view.recent), 1) / self.columns)
        rows = max(rows, 2)
        cell_w, cell_h = area.width() // self.columns, area.height() // rows
        px = min(cell_h * 0.62, cell_w * 0.2)
        for i, call in enumerate(view.recent):
            place = recent_place(i, self.columns, rows)
            if place is None:
                break
            col, row = place
            cell = QRect(area.left() + col * cell_w, area.top() + row * cell_h, cell_w, cell_h)
            half = int(cell_w * 0.48)
            self.text(painter, QRect(cell.left(), cell.top(), half, cell_h), call.number, px, NUMBER,
                      bold=True, family=NUMBER_FAMILY)
            self.text(painter, QRect(cell.left() + half, cell.top(), cell_w - half - int(10 * u), cell_h),
                      f"→ {call.window} 号窗口", px * 0.8, TEXT)


class WindowGrid(Panel):
    """Every window of the zone: number, state, and the number being served there."""

    def paint(self, painter: QPainter) -> None:
        view, u = self.view, self.unit()
        if view is None:
            return
        area = self.panel_frame(painter, "窗口", "Windows")
        rows_of = view.windows
        if not rows_of:
            self.text(painter, area, "—", 40 * u, DIM, ALIGN_CENTER)
            return
        cols, rows = grid_shape(len(rows_of), area.width(), area.height(), aspect=1.7)
        cell_w, cell_h = area.width() // cols, area.height() // rows
        for i, row in enumerate(rows_of):
            cell = QRect(area.left() + (i % cols) * cell_w, area.top() + (i // cols) * cell_h,
                         cell_w, cell_h)
            self.cell(painter, cell.adjusted(int(4 * u), int(4 * u), -int(4 * u), -int(4 * u)), row)

    def cell(self, painter: QPainter, r: QRect, row: WindowRow) -> None:
        fill, label = STATUS_COLOURS[row.status]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(r, r.height() * 0.08, r.height() * 0.08)
        pad = int(r.height() * 0.06)
        top = QRect(r.left() + pad, r.top() + pad // 2, r.width() - 2 * pad, int(r.height() * 0.44))
        self.text(painter, QRect(top.left(), top.top(), top.width() // 2, top.height()),
                  f"{row.number}号", top.height() * 0.8, TEXT, bold=True)
        self.text(painter, QRect(top.center().x(), top.top(), top.width() // 2, top.height()),
                  row.label, top.height() * 0.56, label, ALIGN_RIGHT, bold=True)
        bottom = QRect(r.left() + pad, top.bottom(), r.width() - 2 * pad, r.bottom() - top.bottom() - pad // 2)
        if row.current:
            self.text(painter, bottom, row.current, bottom.height() * 0.95, NUMBER, ALIGN_CENTER, bold=True,
                      family=NUMBER_FAMILY)
        elif row.hint:
            self.text(painter, bottom, row.hint, bottom.height() * 0.5, TEXT, ALIGN_CENTER, bold=True)
        else:
            self.text(painter, bottom, row.label_en, bottom.height() * 0.42, label, ALIGN_CENTER)


class ItemsTable(Panel):
    """Waiting count and estimated wait of each item people are waiting for."""

    def __init__(self, columns: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.columns = columns

    def paint(self, painter: QPainter) -> None:
        view, u = self.view, self.unit()
        if view is None:
            return
        area = self.panel_frame(painter, "等候情况", "Waiting")
        if not view.items:
            self.text(painter, area, "目前无人等候  No one waiting", 40 * u, DIM, ALIGN_CENTER)
            return
        row_h = int(74 * u)
        rows = max(1, area.height() // row_h)
        col_w = area.width() // self.columns
        for i, item in enumerate(view.items[:rows * self.columns]):
            cell = QRect(area.left() + (i // rows) * col_w, area.top() + (i % rows) * row_h,
                         col_w - int(24 * u), row_h)
            self.item(painter, cell, item, u)

    def item(self, painter: QPainter, r: QRect, item: ItemRow, u: float) -> None:
        name_w, count_w = int(r.width() * 0.50), int(r.width() * 0.15)
        self.text(painter, QRect(r.left(), r.top(), name_w, int(r.height() * 0.62)), item.name,
                  34 * u, TEXT, bold=True, min_px=22 * u)
        self.text(painter, QRect(r.left(), r.top() + int(r.height() * 0.6), name_w, int(r.height() * 0.38)),
                  item.name_en, 18 * u, DIM)
        self.text(painter, QRect(r.left() + name_w, r.top(), count_w, r.height()), f"{item.waiting} 人",
                  38 * u, NUMBER, ALIGN_RIGHT, bold=True)
        gap = int(18 * u)   # keeps "3 人" and "约 …" apart: read together they blur into one figure
        rest = QRect(r.left() + name_w + count_w + gap, r.top(), r.width() - name_w - count_w - gap, r.height())
        self.text(painter, rest.adjusted(0, 0, 0, -int(r.height() * 0.38)), item.estimate, 28 * u, TEXT,
                  ALIGN_RIGHT)
        self.text(painter, QRect(rest.left(), rest.top() + int(r.height() * 0.6), rest.width(),
                                 int(r.height() * 0.38)), item.estimate_en, 18 * u, DIM, ALIGN_RIGHT)


class Marquee(Panel):
    """The hall's notice line, scrolling right to left."""

    STEP = 3   # design pixels per tick of 30 ms: about 100 px/s, easy to read while walking by

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.offset: float | None = None   # the first paint starts the text at the left edge
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.advance)
        self.timer.start(30)

    def advance(self) -> None:
        if self.offset is not None:
            self.offset += self.STEP * self.unit()
        self.update()

    def paint(self, painter: QPainter) -> None:
        view, u = self.view, self.unit()
        if view is None or not view.notice:
            return
        painter.fillRect(self.rect(), PANEL)
        font = board_font(int(40 * u))
        width = QFontMetrics(font).horizontalAdvance(view.notice) + int(200 * u)
        if self.offset is None:
            self.offset = self.width() - 24 * u
        x = self.width() - (self.offset % (width + self.width()))
        painter.setFont(font)
        painter.setPen(TEXT)
        self.texts.append(view.notice)
        painter.drawText(QRect(int(x), 0, width, self.height()), ALIGN_LEFT, view.notice)


class RefusedScreen(Panel):
    """The whole board when the server refused its token: said plainly, never a stale hall."""

    def paint(self, painter: QPainter) -> None:
        u = self.unit()
        painter.fillRect(self.rect(), REFUSED)
        h = self.height()
        self.text(painter, QRect(0, int(h * 0.28), self.width(), int(h * 0.16)), "未授权  Not authorised",
                  110 * u, TEXT, ALIGN_CENTER, bold=True)
        self.text(painter, QRect(0, int(h * 0.48), self.width(), int(h * 0.08)),
                  "服务器拒绝了本综合屏的凭证，请联系管理员", 48 * u, TEXT, ALIGN_CENTER)
        self.text(painter, QRect(0, int(h * 0.57), self.width(), int(h * 0.07)),
                  "The server refused this board's token: ask the administrator (display.token)",
                  32 * u, REFUSED_TEXT, ALIGN_CENTER)


def grid_shape(count: int, width: int, height: int, aspect: float) -> tuple[int, int]:
    """Columns and rows giving the largest cells of about the given width:height."""
    best, best_size = (1, count), 0.0
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        size = min(width / cols / aspect, height / rows)
        if size > best_size:
            best, best_size = (cols, rows), size
    return best


class BoardWidget(QWidget):
    """The whole board: header, calls, windows, items and the notice line."""

    def __init__(self, portrait: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.portrait = portrait
        self.setWindowTitle("叫号 综合屏 Hall board")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), BACKGROUND)
        self.setPalette(palette)
        self.header = HeaderBar(self)
        self.now_calling = NowCalling(self)
        self.recent = RecentCalls(4 if portrait else 2, self)
        self.windows = WindowGrid(self)
        self.items = ItemsTable(1 if portrait else 2, self)
        self.marquee = Marquee(self)
        self.panels = (self.header, self.now_calling, self.recent, self.windows, self.items, self.marquee)
        self.refused = RefusedScreen(self)
        self.refused.hide()
        self.resize(*((1080, 1920) if portrait else (1920, 1080)))

    def show_view(self, view: BoardView, flash: bool) -> None:
        self.now_calling.flash = flash
        self.refused.setVisible(view.refused)
        if view.refused:
            self.refused.raise_()
            self.refused.show_view(view)
            for panel in self.panels:
                panel.texts = []   # nothing of the hall is on screen
            return
        for panel in self.panels:
            panel.show_view(view)

    def texts(self) -> list[str]:
        """Every text drawn at the last paint, panel by panel."""
        if not self.refused.isHidden():
            return list(self.refused.texts)
        return [text for panel in self.panels for text in panel.texts]

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        for panel, rect in zip(self.panels, self.layout_rects()):
            panel.setGeometry(rect)
        self.refused.setGeometry(self.rect())

    def layout_rects(self) -> list[QRect]:
        """Header, now calling, recent, windows, items, marquee: proportions of the board."""
        w, h = self.width(), self.height()
        if self.portrait:
            cuts = [0, 0.07, 0.30, 0.42, 0.72, 0.95, 1.0]
            return [QRect(0, int(h * a), w, int(h * b) - int(h * a)) for a, b in zip(cuts, cuts[1:])]
        top, bottom = int(h * 0.10), int(h * 0.915)
        left = int(w * 0.42)
        split_left = top + int((bottom - top) * 0.56)
        split_right = top + int((bottom - top) * 0.62)
        return [QRect(0, 0, w, top),
                QRect(0, top, left, split_left - top),
                QRect(0, split_left, left, bottom - split_left),
                QRect(left, top, w - left, split_right - top),
                QRect(left, split_right, w - left, bottom - split_right),
                QRect(0, bottom, w, h - bottom)]
