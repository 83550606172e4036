"""预约签到: a booking code typed or scanned, and the normal ticket offered to the late."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout

from ..presenter import KioskPresenter, Text
from .parts import Page, TouchButton, add_back, add_banners, clear, fill_key_rows, keys_and_back, typing_head


#: a booking code's characters: digits 2-9 and the letters but I, L, O
CODE_KEY_ROWS = ("23456789", "ABCDEFGHJK", "MNPQRSTUV", "WXYZ")


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
        self.heading, self.code, self.banners = typing_head(self.box)
        self.code.textEdited.connect(self.code_edited.emit)
        self.code.returnPressed.connect(self.submitted.emit)
        self.actions = QHBoxLayout()
        self.box.addLayout(self.actions)
        self.box.addStretch(1)
        self.keyboard, self.bottom = keys_and_back(self.box)

    def render(self, p: KioskPresenter, columns: int) -> None:
        self.heading.setText(p.t(Text("请输入或扫描预约码或远程取号码", "Type or scan your booking or remote ticket code")))
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
        fill_key_rows(self.keyboard, CODE_KEY_ROWS, self.key_typed)
