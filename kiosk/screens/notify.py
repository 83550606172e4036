"""短信提醒: after the ticket, a mobile number for a text when the turn is near and when called."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout

from ..presenter import KioskPresenter, Text
from .parts import Page, TouchButton, add_back, add_banners, clear, key_button, keys_and_back, label, typing_head

DIGIT_ROWS = ("123", "456", "789", "0")
CONSENT = Text("提交即表示您同意本大厅仅为本次叫号提醒使用此号码；号码加密保存，显示时隐去中间四位，并按规定期限删除。",
               "By sending, you agree that the hall uses this number only for these queue messages. It is "
               "stored encrypted, shown only with its middle digits hidden, and deleted on schedule.")


class NotifyPage(Page):
    key_typed = pyqtSignal(str)
    submitted = pyqtSignal()
    back = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.heading, self.field, self.banners = typing_head(self.box)
        self.field.setReadOnly(True)     # the digits come from the keys below
        self.consent = label("", "subtitle")
        self.box.addWidget(self.consent)
        self.actions = QHBoxLayout()
        self.box.addLayout(self.actions)
        self.box.addStretch(1)
        self.keyboard, self.bottom = keys_and_back(self.box)

    def render(self, p: KioskPresenter, columns: int) -> None:
        self.heading.setText(p.t(Text("输入手机号，快到您时和叫到您时短信提醒",
                                      "Your mobile number: we text you when your turn is near and when called")))
        self.field.setText(p.mobile)
        self.field.setPlaceholderText(p.t(Text("11 位手机号码", "11-digit mobile number")))
        self.consent.setText(f"{p.t(CONSENT)}\n{CONSENT.pick('en' if p.language == 'zh' else 'zh')}")
        clear(self.banners)
        add_banners(self.banners, p)
        clear(self.actions)
        submit = TouchButton(p.t(Text("开启短信提醒", "Text me")), p.t(Text("Text me", "开启短信提醒")), kind="search")
        submit.setAccessibleName("submit_mobile")
        submit.setEnabled(p.online and p.notify_pending is None)
        submit.clicked.connect(self.submitted.emit)
        self.actions.addWidget(submit)
        if not self.keyboard.count():
            for row in DIGIT_ROWS + ("⌫",):
                line = QHBoxLayout()
                line.setSpacing(10)
                for key in (row if row != "⌫" else ("back", "clear")):
                    caption = {"back": "退格 Delete", "clear": "清空 Clear"}.get(key, key)
                    line.addWidget(key_button(caption, key, self.key_typed))
                self.keyboard.addLayout(line)
        add_back(self.bottom, p, self.back)
