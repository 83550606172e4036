"""绿色通道 with the card: once the 身份证 is read, a citizen says whether they are 军人 or 残疾人
(only the categories this hall grants). 老年人 is never asked: the ID number's birth date says it."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from ..presenter import KioskPresenter, Text
from .parts import Page, TouchButton, add_back, add_banners, clear, label

#: each category as the citizen reads it, and what the window will ask to see
CATEGORIES = {
    "军人": (Text("我是军人", "I am a service member"), Text("请到窗口出示军官证、士兵证等证件",
                                                             "show your military ID at the window")),
    "残疾人": (Text("我是残疾人", "I am a person with a disability"), Text("请到窗口出示残疾人证",
                                                                  "show your disability certificate at the window")),
}
NOTE = Text("属于以下人群可优先办理，窗口将核验证件；不属于请选“都不是”。",
            "These groups are served first; the window checks the certificate. Otherwise choose \"None of these\".")


class DeclarePage(Page):
    chosen = pyqtSignal(str)      # a category, or "" for none
    back = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.heading = label("", "title")
        self.box.addWidget(self.heading)
        self.card = label("", "subtitle")
        self.box.addWidget(self.card)
        self.banners = QVBoxLayout()
        self.box.addLayout(self.banners)
        self.choices = QVBoxLayout()
        self.choices.setSpacing(18)
        self.box.addLayout(self.choices)
        self.box.addStretch(1)
        self.bottom = QHBoxLayout()
        self.box.addLayout(self.bottom)

    def render(self, p: KioskPresenter, columns: int) -> None:
        self.heading.setText(p.t(Text("您是否属于以下优先办理人群？", "Are you in one of these priority groups?")))
        self.card.setText(f"{p.t(Text('已读取身份证', 'ID card read'))} {p.card_masked}\n{p.t(NOTE)}")
        clear(self.banners)
        add_banners(self.banners, p)
        clear(self.choices)
        for category in p.declarable:
            title, detail = CATEGORIES[category]
            button = TouchButton(p.t(title), p.t(Text(title.en, title.zh)), p.t(detail), kind="green")
            button.setAccessibleName(f"declare_{category}")
            button.setEnabled(p.pending is None)
            button.clicked.connect(lambda _=False, c=category: self.chosen.emit(c))
            self.choices.addWidget(button)
        none = TouchButton(p.t(Text("都不是", "None of these")), p.t(Text("None of these", "都不是")), kind="search")
        none.setAccessibleName("declare_none")
        none.setEnabled(p.pending is None)
        none.clicked.connect(lambda: self.chosen.emit(""))
        self.choices.addWidget(none)
        add_back(self.bottom, p, self.back)
