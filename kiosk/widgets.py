"""The kiosk's screens: they render the presenter and forward touches, nothing more.

Sized for a 1080×1920 portrait touchscreen (the usual kiosk) and laid out again for
1920×1080 landscape. Every touch target is at least 120 px tall; the large-text mode
makes text about 40 % larger and uses fewer columns.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QSize, Qt, pyqtSignal
from PyQt6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                             QScrollArea, QScroller, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from .presenter import (CHECK_IN, HOME, ISSUING, ITEMS, OFFLINE, SEARCH, TICKET, Item, KioskPresenter, Text,
                        windows_text)

MIN_TOUCH = 120
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: a booking code's characters: digits 2-9 and the letters but I, L, O
CODE_KEY_ROWS = ("23456789", "ABCDEFGHJK", "MNPQRSTUV", "WXYZ")
FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'


def style_sheet(large: bool) -> str:
    """All sizes in one place; the large-text mode scales them."""
    k = 1.4 if large else 1.0

    def px(size: float) -> str:
        return f"{round(size * k)}px"
    return f"""
    QWidget {{ font-family: {FONT}; color: #1a2433; }}
    #kiosk {{ background: #eef3f8; }}
    #header {{ background: #0b4f8a; }}
    #header QLabel {{ color: white; }}
    #hallName {{ font-size: {px(34)}; font-weight: bold; }}
    #hallNameEn {{ font-size: {px(18)}; color: #cfe2f5; }}
    #clock {{ font-size: {px(34)}; }}
    #headerButton {{ background: #1f6db3; color: white; border: 2px solid #8fc1ec; border-radius: 12px;
                    font-size: {px(26)}; padding: 8px 18px; min-height: 84px; }}
    #headerButton[active="true"] {{ background: #ffd54a; color: #1a2433; }}
    #title {{ font-size: {px(40)}; font-weight: bold; }}
    #subtitle {{ font-size: {px(22)}; color: #4a5a70; }}
    #notice {{ font-size: {px(28)}; background: #fff3cd; border: 2px solid #e0a800; border-radius: 10px;
              padding: 14px; color: #6b4b00; }}
    #greenBanner {{ font-size: {px(28)}; background: #e3f6e8; border: 2px solid #2e9e57; border-radius: 10px;
                   padding: 14px; color: #14602f; }}
    QPushButton#touch {{ background: white; border: 2px solid #9db7d3; border-radius: 16px; text-align: left; }}
    QPushButton#touch:pressed {{ background: #d6e8fa; }}
    QPushButton#touch:disabled {{ background: #e4e7eb; border: 2px dashed #b3bac4; }}
    QPushButton#touch[kind="green"] {{ background: #2e9e57; border-color: #1f7a40; }}
    QPushButton#touch[kind="green"] QLabel {{ color: white; }}
    QPushButton#touch[kind="search"] {{ background: #0b4f8a; border-color: #0b4f8a; }}
    QPushButton#touch[kind="search"] QLabel {{ color: white; }}
    QPushButton#touch[kind="back"] {{ background: #dde6f0; }}
    #btnTitle {{ font-size: {px(32)}; font-weight: bold; }}
    #btnAlt {{ font-size: {px(19)}; color: #566579; }}
    #btnDetail {{ font-size: {px(24)}; color: #0b4f8a; }}
    #btnClosed {{ font-size: {px(24)}; color: #a33a1b; font-weight: bold; }}
    QLabel[off="true"] {{ color: #6d7682; }}
    QLabel#btnClosed[off="true"] {{ color: #a33a1b; }}
    QPushButton#key {{ background: white; border: 2px solid #9db7d3; border-radius: 10px;
                      font-size: {px(34)}; font-weight: bold; min-height: {MIN_TOUCH}px; }}
    QPushButton#key:pressed {{ background: #d6e8fa; }}
    QLineEdit#query {{ font-size: {px(44)}; padding: 12px; border: 3px solid #0b4f8a; border-radius: 12px;
                      background: white; min-height: 90px; }}
    #ticketCaption {{ font-size: {px(34)}; color: #4a5a70; }}
    #ticketNumber {{ font-size: 300px; font-weight: bold; color: #0b4f8a; }}
    #ticketItem {{ font-size: {px(34)}; font-weight: bold; }}
    #ticketLine {{ font-size: {px(32)}; }}
    #ticketWindows {{ font-size: {px(38)}; font-weight: bold; color: #14602f; }}
    #takeTicket {{ font-size: {px(48)}; font-weight: bold; color: white; background: #2e9e57;
                  border-radius: 16px; padding: 18px; }}
    #printProblem {{ font-size: {px(32)}; font-weight: bold; color: white; background: #c0392b;
                    border-radius: 16px; padding: 18px; }}
    #greenNote {{ font-size: {px(30)}; color: #14602f; background: #e3f6e8; border-radius: 12px; padding: 14px; }}
    #offlineTitle {{ font-size: {px(96)}; font-weight: bold; color: #c0392b; }}
    #offlineAlt {{ font-size: {px(40)}; color: #c0392b; }}
    #offlineReason {{ font-size: {px(32)}; }}
    #issuing {{ font-size: {px(56)}; font-weight: bold; color: #0b4f8a; }}
    #pinPad {{ background: rgba(10, 30, 50, 230); }}
    #pinPad QLabel {{ color: white; font-size: 40px; }}
    QScrollBar:vertical {{ width: 36px; }}
    QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; }}
    """


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


class HomePage(GridPage):
    department_chosen = pyqtSignal(str)
    search_opened = pyqtSignal()
    green_toggled = pyqtSignal()
    check_in_opened = pyqtSignal()

    def render(self, p: KioskPresenter, columns: int) -> None:
        clear(self.top)
        self.top.addWidget(label(p.t(Text("请选择办理部门", "Choose a department")), "title"))
        self.top.addWidget(label(p.t(Text("或按下方“搜索事项”，输入拼音首字母，如 sbk = 社保卡",
                                          "or search below by name")), "subtitle"))
        add_banners(self.top, p)
        buttons = []
        for dept in p.departments():
            detail = p.t(Text(f"{dept.items} 个事项 · 等候 {dept.waiting} 人",
                              f"{dept.items} services · {dept.waiting} waiting"))
            button = TouchButton(p.t(dept.name), other(dept.name, p.language), detail, height=150)
            button.setProperty("code", dept.code)
            button.setEnabled(p.online)
            button.clicked.connect(lambda _=False, code=dept.code: self.department_chosen.emit(code))
            buttons.append(button)
        self.fill(buttons, columns)
        clear(self.bottom)
        search = TouchButton(p.t(Text("搜索事项", "Search services")),
                             p.t(Text("拼音首字母 / Search", "Pinyin initials / 拼音")), kind="search")
        search.setEnabled(p.online)
        search.clicked.connect(self.search_opened.emit)
        green = TouchButton(p.t(Text("取消绿色通道", "Leave green channel") if p.green
                                else Text("绿色通道", "Green channel")),
                            p.t(Text("老年人、残疾人、军人等优先办理", "Seniors, disabled people, service members")),
                            kind="green")
        green.setObjectName("touch")
        green.setAccessibleName("green")
        green.setEnabled(p.online)
        green.clicked.connect(self.green_toggled.emit)
        check_in = TouchButton(p.t(Text("预约签到", "Check in")),
                               p.t(Text("输入或扫描预约码", "Type or scan your booking code")), kind="search")
        check_in.setAccessibleName("check_in")
        check_in.setEnabled(p.online)
        check_in.clicked.connect(self.check_in_opened.emit)
        self.bottom.addWidget(search)
        self.bottom.addWidget(check_in)
        self.bottom.addWidget(green)


def add_banners(box: QVBoxLayout, p: KioskPresenter) -> None:
    if p.green:
        box.addWidget(label(p.t(Text("绿色通道：请选择事项，领取优先号，到窗口时请出示相关证件",
                                     "Green channel: choose a service for a priority ticket; show your "
                                     "document at the window")), "greenBanner"))
    if p.notice is not None:
        box.addWidget(label(p.t(p.notice), "notice"))


class ItemsPage(GridPage):
    item_chosen = pyqtSignal(str)
    back = pyqtSignal()

    def render(self, p: KioskPresenter, columns: int) -> None:
        clear(self.top)
        dept = p.current_department()
        if dept is not None:
            self.top.addWidget(label(p.t(dept.name), "title"))
            self.top.addWidget(label(p.t(Text("请选择要办理的事项", "Choose the service you need")), "subtitle"))
        add_banners(self.top, p)
        buttons = []
        for item in p.department_items():
            button = item_button(item, p)
            button.clicked.connect(lambda _=False, code=item.code: self.item_chosen.emit(code))
            buttons.append(button)
        self.fill(buttons, columns)
        add_back(self.bottom, p, self.back)


def add_back(box: QHBoxLayout, p: KioskPresenter, signal) -> None:
    clear(box)
    back = TouchButton(p.t(Text("返回", "Back")), p.t(Text("Back", "返回")), kind="back")
    back.setAccessibleName("back")
    back.clicked.connect(signal.emit)
    box.addWidget(back)


class SearchPage(Page):
    item_chosen = pyqtSignal(str)
    key_typed = pyqtSignal(str)
    query_edited = pyqtSignal(str)
    back = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.heading = label("", "title")
        self.box.addWidget(self.heading)
        self.query = QLineEdit()
        self.query.setObjectName("query")
        self.query.textEdited.connect(self.query_edited.emit)
        self.box.addWidget(self.query)
        self.banners = QVBoxLayout()
        self.box.addLayout(self.banners)
        self.results_host = QWidget()
        self.results = QGridLayout(self.results_host)
        self.results.setSpacing(14)
        self.results.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(scroll_area(self.results_host), 1)
        self.keyboard = QVBoxLayout()
        self.keyboard.setSpacing(10)
        self.box.addLayout(self.keyboard)
        self.bottom = QHBoxLayout()
        self.box.addLayout(self.bottom)
        self._keys_language = ""

    def render(self, p: KioskPresenter, columns: int) -> None:
        self.heading.setText(p.t(Text("输入拼音首字母或事项名称", "Type the first letters of a service")))
        if self.query.text() != p.query:
            self.query.setText(p.query)
        self.query.setPlaceholderText(p.t(Text("例如 sbk = 社保卡", "e.g. passport, invoice")))
        clear(self.banners)
        add_banners(self.banners, p)
        clear(self.results)
        found = p.search_results()
        if p.query and not found:
            self.results.addWidget(label(p.t(Text("没有找到，请换个写法或返回按部门查找",
                                                  "Nothing found: try other letters or go back")),
                                         "subtitle"), 0, 0)
        for index, item in enumerate(found):
            button = item_button(item, p)
            button.clicked.connect(lambda _=False, code=item.code: self.item_chosen.emit(code))
            self.results.addWidget(button, index // columns, index % columns)
        self.results.setRowStretch(len(found) // columns + 1, 1)
        self._render_keyboard(p)
        add_back(self.bottom, p, self.back)

    def _render_keyboard(self, p: KioskPresenter) -> None:
        if self._keys_language == p.language and self.keyboard.count():
            return
        clear(self.keyboard)
        self._keys_language = p.language
        for row in KEY_ROWS:
            line = QHBoxLayout()
            line.setSpacing(10)
            for letter in row:
                line.addWidget(self._key(letter.upper(), letter))
            self.keyboard.addLayout(line)
        tools = QHBoxLayout()
        tools.addWidget(self._key(p.t(Text("退格", "Delete")), "back"))
        tools.addWidget(self._key(p.t(Text("清空", "Clear")), "clear"))
        self.keyboard.addLayout(tools)

    def _key(self, caption: str, key: str) -> QPushButton:
        button = QPushButton(caption)
        button.setObjectName("key")
        button.setProperty("key", key)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setMinimumWidth(60)
        button.clicked.connect(lambda _=False: self.key_typed.emit(key))
        return button


class IssuingPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.text = label("", "issuing", center=True)
        self.box.addStretch(1)
        self.box.addWidget(self.text)
        self.box.addStretch(1)

    def render(self, p: KioskPresenter, columns: int) -> None:
        self.text.setText(p.t(Text("正在取号，请稍候……", "Issuing your ticket, please wait…")) + "\n"
                          + other(Text("正在取号，请稍候……", "Issuing your ticket, please wait…"), p.language))


class TicketPage(Page):
    done = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.content = QVBoxLayout()
        self.content.setSpacing(16)
        self.box.addLayout(self.content, 1)
        self.bottom = QHBoxLayout()
        self.box.addLayout(self.bottom)

    def render(self, p: KioskPresenter, columns: int) -> None:
        clear(self.content)
        ticket = p.ticket
        if ticket is None:
            return
        add = self.content.addWidget
        self.content.addStretch(1)
        add(label(p.t(Text("您的号码", "Your number")), "ticketCaption", center=True))
        self.number = label(ticket.number, "ticketNumber", wrap=False, center=True)
        add(self.number)
        add(label(f"{p.t(ticket.item)}\n{other(ticket.item, p.language)}", "ticketItem", center=True))
        add(label(p.t(ticket.department), "subtitle", center=True))
        if ticket.print_problem is not None:
            add(label(p.t(ticket.print_problem), "printProblem", center=True))
        elif ticket.printed:
            add(label(p.t(Text("请取票  Please take your ticket", "Please take your ticket  请取票")),
                      "takeTicket", center=True))
        else:
            add(label(p.t(Text("正在打印凭条……", "Printing your ticket…")), "ticketLine", center=True))
        add(label(p.t(windows_text(ticket.windows)), "ticketWindows", center=True))
        for line in (ticket.ahead, ticket.wait):   # in the chosen language, then the other
            add(label(f"{p.t(line)}\n{other(line, p.language)}", "ticketLine", center=True))
        if ticket.green:
            add(label(p.t(Text("绿色通道优先号：请到窗口出示相关证件（老年人、残疾人、军人等）",
                               "Green channel: show your document at the window")), "greenNote", center=True))
        add(label(p.t(Text(f"取号时间 {p.local_time(ticket.issued_at)}",
                           f"Issued at {p.local_time(ticket.issued_at)}")), "subtitle", center=True))
        self.content.addStretch(2)
        clear(self.bottom)
        finish = TouchButton(p.t(Text("完成", "Done")), p.t(Text("Done", "完成")), kind="back")
        finish.setAccessibleName("done")
        finish.clicked.connect(self.done.emit)
        self.bottom.addWidget(finish)


class OfflinePage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.box.addStretch(1)
        self.title = label("", "offlineTitle", center=True)
        self.alt = label("", "offlineAlt", center=True)
        self.reason = label("", "offlineReason", center=True)
        self.help = label("", "offlineReason", center=True)
        for widget in (self.title, self.alt, self.reason, self.help):
            self.box.addWidget(widget)
        self.box.addStretch(2)

    def render(self, p: KioskPresenter, columns: int) -> None:
        paused = Text("暂停取号", "Ticket issuing paused")
        self.title.setText(p.t(paused))
        self.alt.setText(other(paused, p.language))
        self.reason.setText(p.t(p.offline_reason) + "\n" + other(p.offline_reason, p.language))
        self.help.setText(p.t(Text("请稍候片刻，或到服务台咨询", "Please wait a moment, or ask at the service desk"))
                          + "\n" + other(Text("请稍候片刻，或到服务台咨询",
                                              "Please wait a moment, or ask at the service desk"), p.language))


class Header(QFrame):
    language_toggled = pyqtSignal()
    large_text_toggled = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("header")
        row = QHBoxLayout(self)
        row.setContentsMargins(32, 16, 24, 16)
        names = QVBoxLayout()
        self.name = label("", "hallName")
        self.name_en = label("", "hallNameEn")
        names.addWidget(self.name)
        names.addWidget(self.name_en)
        row.addLayout(names, 1)
        self.clock = label("", "clock", wrap=False)
        row.addWidget(self.clock)
        self.language = self._button("English", self.language_toggled)
        self.large = self._button("大字", self.large_text_toggled)
        row.addWidget(self.large)
        row.addWidget(self.language)

    def _button(self, text: str, signal) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("headerButton")
        button.clicked.connect(signal.emit)
        return button

    def render(self, p: KioskPresenter) -> None:
        self.name.setText(p.t(p.hall_name) or p.t(Text("取号机", "Ticket kiosk")))
        self.name_en.setText(other(p.hall_name, p.language))
        # the switch is written in the language it switches to, so a reader of that language finds it
        self.language.setText("中文" if p.language == "en" else "English")
        self.large.setText(p.t(Text("标准字体", "Normal text") if p.large_text else Text("大字模式", "Large text")))
        self.large.setProperty("active", "true" if p.large_text else "false")
        self.large.style().unpolish(self.large)
        self.large.style().polish(self.large)


class PinPad(QFrame):
    """The staff's way out: digits over the whole screen; the citizen never sees it unprompted."""

    entered = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setObjectName("pinPad")
        self.pin = ""
        box = QVBoxLayout(self)
        box.addStretch(1)
        self.prompt = label("管理员 PIN / Staff PIN", "pinPrompt", center=True)
        self.dots = label("", "pinDots", center=True)
        box.addWidget(self.prompt)
        box.addWidget(self.dots)
        grid = QGridLayout()
        for index, key in enumerate("123456789C0✓"):
            button = QPushButton({"C": "取消 Cancel", "✓": "确定 OK"}.get(key, key))
            button.setObjectName("key")
            button.setProperty("key", key)
            button.setMinimumSize(220, MIN_TOUCH)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, index // 3, index % 3)
        box.addLayout(grid)
        box.addStretch(1)
        self.hide()

    def open(self) -> None:
        self.pin = ""
        self.dots.setText("")
        self.prompt.setText("管理员 PIN / Staff PIN")
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()

    def wrong(self) -> None:
        self.pin = ""
        self.dots.setText("")
        self.prompt.setText("PIN 错误 / Wrong PIN")

    def _press(self, key: str) -> None:
        if key == "C":
            self.hide()
            self.cancelled.emit()
        elif key == "✓":
            self.entered.emit(self.pin)
        elif len(self.pin) < 8:
            self.pin += key
            self.dots.setText("●" * len(self.pin))


class CornerZone(QWidget):
    """An invisible patch in the top-left corner that counts taps for the exit gesture."""

    tapped = pyqtSignal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setGeometry(0, 0, 90, 90)

    def mousePressEvent(self, event) -> None:
        self.tapped.emit()
        event.accept()


class CheckInPage(Page):
    """预约签到: the code field takes a hall scanner's keystrokes and Enter; the keys below are
    for typing it by hand."""

    key_typed = pyqtSignal(str)
    code_edited = pyqtSignal(str)
    submitted = pyqtSignal()
    normal_ticket_taken = pyqtSignal()
    back = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.heading = label("", "title")
        self.box.addWidget(self.heading)
        self.code = QLineEdit()
        self.code.setObjectName("query")
        self.code.textEdited.connect(self.code_edited.emit)
        self.code.returnPressed.connect(self.submitted.emit)
        self.box.addWidget(self.code)
        self.banners = QVBoxLayout()
        self.box.addLayout(self.banners)
        self.actions = QHBoxLayout()
        self.box.addLayout(self.actions)
        self.box.addStretch(1)
        self.keyboard = QVBoxLayout()
        self.keyboard.setSpacing(10)
        self.box.addLayout(self.keyboard)
        self.bottom = QHBoxLayout()
        self.box.addLayout(self.bottom)

    def render(self, p: KioskPresenter, columns: int) -> None:
        self.heading.setText(p.t(Text("请输入或扫描预约码", "Type or scan your booking code")))
        if self.code.text() != p.code:
            self.code.setText(p.code)
        self.code.setPlaceholderText(p.t(Text("8 位预约码，如 JYQZNCPP", "8 characters, e.g. JYQZNCPP")))
        self.code.setFocus()
        clear(self.banners)
        add_banners(self.banners, p)
        clear(self.actions)
        submit = TouchButton(p.t(Text("签到取号", "Check in")), p.t(Text("Check in", "签到取号")), kind="search")
        submit.setAccessibleName("submit_code")
        submit.setEnabled(p.online and p.pending is None)
        submit.clicked.connect(self.submitted.emit)
        self.actions.addWidget(submit)
        if p.late_offer:
            normal = TouchButton(p.t(Text("改取普通号", "Take a normal ticket")),
                                 p.t(Text("Take a normal ticket", "改取普通号")), kind="search")
            normal.setAccessibleName("normal_ticket")
            normal.clicked.connect(self.normal_ticket_taken.emit)
            self.actions.addWidget(normal)
        if not self.keyboard.count():
            self._render_keyboard()
        add_back(self.bottom, p, self.back)

    def _render_keyboard(self) -> None:
        for row in CODE_KEY_ROWS + ("⌫",):
            line = QHBoxLayout()
            line.setSpacing(10)
            for key in (row if row != "⌫" else ("back", "clear")):
                caption = {"back": "退格 Delete", "clear": "清空 Clear"}.get(key, key)
                button = QPushButton(caption)
                button.setObjectName("key")
                button.setProperty("key", key)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                button.setMinimumWidth(60)
                button.clicked.connect(lambda _=False, k=key: self.key_typed.emit(k))
                line.addWidget(button)
            self.keyboard.addLayout(line)


class KioskWindow(QWidget):
    """The whole screen. `render` is called after every change of the presenter."""

    def __init__(self, presenter: KioskPresenter):
        super().__init__()
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.presenter = presenter
        self.header = Header()
        self.pages = {HOME: HomePage(), ITEMS: ItemsPage(), SEARCH: SearchPage(), ISSUING: IssuingPage(),
                      TICKET: TicketPage(), OFFLINE: OfflinePage(), CHECK_IN: CheckInPage()}
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.header)
        box.addWidget(self.stack, 1)
        self.corner = CornerZone(self)
        self.pin_pad = PinPad(self)
        self._large: bool | None = None
        self.resize(1080, 1920)

    @property
    def home(self) -> HomePage:
        return self.pages[HOME]

    @property
    def items(self) -> ItemsPage:
        return self.pages[ITEMS]

    @property
    def search(self) -> SearchPage:
        return self.pages[SEARCH]

    @property
    def check_in(self) -> CheckInPage:
        return self.pages[CHECK_IN]

    @property
    def ticket(self) -> TicketPage:
        return self.pages[TICKET]

    def columns(self) -> int:
        landscape = self.width() > self.height()
        if self.presenter.large_text:
            return 2 if landscape else 1
        return 4 if landscape else 2

    def render(self) -> None:
        p = self.presenter
        if self._large != p.large_text:
            self._large = p.large_text
            self.setStyleSheet(style_sheet(p.large_text))
        self.header.render(p)
        screen = p.visible_screen
        self.pages[screen].render(p, self.columns())
        self.stack.setCurrentWidget(self.pages[screen])
        for name, page in self.pages.items():
            # while issuing is paused nothing behind the pause screen can be touched into a request
            page.setEnabled(screen != OFFLINE or name == OFFLINE)
        self.corner.raise_()
        if self.pin_pad.isVisible():
            self.pin_pad.raise_()

    def current_screen(self) -> str:
        return next(name for name, page in self.pages.items() if page is self.stack.currentWidget())

    def set_clock(self, text: str) -> None:
        self.header.clock.setText(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.pin_pad.isVisible():
            self.pin_pad.setGeometry(self.rect())
        self.render()
