"""What every screen of the kiosk is built from: the big touch button, labels, a scrolling
grid page, the banners and the back button.

Every touch target is at least `MIN_TOUCH` px tall."""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QSize, Qt
from PyQt6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QScroller,
                             QSizePolicy, QVBoxLayout, QWidget)

from ..presenter import Item, KioskPresenter, Text


MIN_TOUCH = 120


def other(text: Text, language: str) -> str:
    return text.zh if language == "en" else text.en


def clear(layout) -> None:
    while layout.count():
        child = layout.takeAt(0)
        widget = child.widget()
        if widget is not None:
            # gone at once: deleteLater alone leaves it painted (and findable) until the event loop runs
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif child.layout() is not None:
            clear(child.layout())


def label(text: str, name: str, wrap: bool = True, center: bool = False) -> QLabel:
    widget = QLabel(text)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


class TouchButton(QPushButton):
    """A big button with a title, the other language under it, and a detail line."""

    def __init__(self, title: str, alt: str = "", detail: str = "", closed: str = "", kind: str = "",
                 height: int = MIN_TOUCH):
        super().__init__()
        self.setObjectName("touch")
        self.setProperty("kind", kind)
        self.setMinimumHeight(max(height, MIN_TOUCH))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName(title)
        box = QVBoxLayout(self)
        box.setContentsMargins(22, 12, 22, 12)
        box.setSpacing(2)
        for text, name in ((title, "btnTitle"), (alt, "btnAlt"), (detail, "btnDetail"), (closed, "btnClosed")):
            if text:
                part = label(text, name)
                part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
                box.addWidget(part)
        self.title = title

    def changeEvent(self, event) -> None:
        # a style sheet cannot reach the labels through the button's :disabled state
        super().changeEvent(event)
        if event.type() == QEvent.Type.EnabledChange:
            for part in self.findChildren(QLabel):
                part.setProperty("off", "false" if self.isEnabled() else "true")
                part.style().unpolish(part)
                part.style().polish(part)

    def sizeHint(self) -> QSize:
        hint = self.layout().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.minimumHeight()))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, max(self.layout().minimumSize().height(), self.minimumHeight()))


def scroll_area(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # a finger drags the list; mouse clicks stay clicks
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return area


class Page(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(32, 24, 32, 24)
        self.box.setSpacing(18)


class GridPage(Page):
    """A title, an optional banner, and a scrolling grid of touch buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.top = QVBoxLayout()
        self.top.setSpacing(12)
        self.box.addLayout(self.top)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(18)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(scroll_area(self.grid_host), 1)
        self.bottom = QHBoxLayout()
        self.box.addLayout(self.bottom)

    def fill(self, buttons: list[QWidget], columns: int) -> None:
        clear(self.grid)
        for index, button in enumerate(buttons):
            self.grid.addWidget(button, index // columns, index % columns)
        self.grid.setRowStretch(len(buttons) // columns + 1, 1)


def item_button(item: Item, p: KioskPresenter) -> TouchButton:
    if item.open:
        detail = p.t(Text(f"等候 {item.waiting} 人 · {item.wait.zh}", f"{item.waiting} waiting · {item.wait.en}"))
        button = TouchButton(p.t(item.name), other(item.name, p.language), detail)
    else:
        button = TouchButton(p.t(item.name), other(item.name, p.language), "",
                             p.t(item.closed or Text("暂停取号", "Not available")))
    button.setEnabled(p.may_issue(item))
    button.setProperty("code", item.code)
    return button


def add_banners(box: QVBoxLayout, p: KioskPresenter) -> None:
    if p.green:
        box.addWidget(label(p.t(Text("绿色通道：请选择事项，领取优先号，到窗口时请出示相关证件",
                                     "Green channel: choose a service for a priority ticket; show your "
                                     "document at the window")), "greenBanner"))
    if p.notice is not None:
        # a refusal (too early to check in, say) in both languages: the citizen may not read
        # the one the kiosk is set to
        said, also = p.t(p.notice), other(p.notice, p.language)
        box.addWidget(label(said if not also or also == said else f"{said}\n{also}", "notice"))


def add_back(box: QHBoxLayout, p: KioskPresenter, signal) -> None:
    clear(box)
    back = TouchButton(p.t(Text("返回", "Back")), p.t(Text("Back", "返回")), kind="back")
    back.setAccessibleName("back")
    back.clicked.connect(signal.emit)
    box.addWidget(back)


def typing_head(box: QVBoxLayout) -> tuple[QLabel, QLineEdit, QVBoxLayout]:
    """The top of a page for typing: its heading, the field that the on-screen keys and a
    hall scanner type into, and the banners under them."""
    heading = label("", "title")
    box.addWidget(heading)
    field = QLineEdit()
    field.setObjectName("query")
    box.addWidget(field)
    banners = QVBoxLayout()
    box.addLayout(banners)
    return heading, field, banners


def keys_and_back(box: QVBoxLayout) -> tuple[QVBoxLayout, QHBoxLayout]:
    """The bottom of a page for typing: the rows of on-screen keys, then the back row."""
    keyboard = QVBoxLayout()
    keyboard.setSpacing(10)
    box.addLayout(keyboard)
    bottom = QHBoxLayout()
    box.addLayout(bottom)
    return keyboard, bottom


def fill_key_rows(keyboard: QVBoxLayout, rows: tuple[str, ...], typed) -> None:
    """The on-screen keys, a row per string, then 退格 and 清空: one pad for every typing page."""
    for row in rows + ("⌫",):
        line = QHBoxLayout()
        line.setSpacing(10)
        for key in (row if row != "⌫" else ("back", "clear")):
            caption = {"back": "退格 Delete", "clear": "清空 Clear"}.get(key, key)
            line.addWidget(key_button(caption, key, typed))
        keyboard.addLayout(line)


def key_button(caption: str, key: str, typed) -> QPushButton:
    """One key of an on-screen keyboard; a touch emits `typed` with the key."""
    button = QPushButton(caption)
    button.setObjectName("key")
    button.setProperty("key", key)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setMinimumWidth(60)
    button.clicked.connect(lambda _=False: typed.emit(key))
    return button
