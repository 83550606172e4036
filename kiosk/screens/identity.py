"""身份证: for an item that asks for it, the card on the reader, or its number typed on the keys."""

from __future__ import annotations

import time

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout

from ..presenter import KioskPresenter, Text
from .parts import Page, TouchButton, add_back, add_banners, clear, key_button, keys_and_back, label, typing_head

DIGIT_ROWS = ("123", "456", "789", "X0")
PRIVACY = Text("身份证号仅用于每人限号，不打印在号票上，不以明文保存，并按规定期限删除。",
               "Your ID number is used only for the per-person ticket limit: it is not printed on the slip, "
               "not stored in clear, and deleted on schedule.")


def grouped(number: str) -> str:
    """110105 19491231 002X: easier to check against the card while typing."""
    return " ".join(part for part in (number[:6], number[6:14], number[14:]) if part)


class IdentityPage(Page):
    key_typed = pyqtSignal(str)
    submitted = pyqtSignal()
    skipped = pyqtSignal()
    back = pyqtSignal()
    wedge_key = pyqtSignal(str, float)     # a key from a reader that types like a keyboard, and when

    def __init__(self) -> None:
        super().__init__()
        self.heading, self.field, self.banners = typing_head(self.box)
        self.field.setReadOnly(True)     # the digits come from the keys below, or from a reader
        self.privacy = label("", "subtitle")
        self.box.addWidget(self.privacy)
        self.actions = QHBoxLayout()
        self.box.addLayout(self.actions)
        self.box.addStretch(1)
        self.keyboard, self.bottom = keys_and_back(self.box)

    def render(self, p: KioskPresenter, columns: int) -> None:
        item = p.items.get(p.identity_item or "")
        name = p.t(item.name) if item else ""
        self.heading.setText(p.t(Text(f"{name}：请将身份证放在读卡区，或输入身份证号",
                                      f"{name}: place your ID card on the reader, or type its number")))
        self.field.setText(grouped(p.id_entry.text))
        self.field.setPlaceholderText(p.t(Text("18 位身份证号", "18-character ID card number")))
        self.field.setAccessibleName("id_number")
        self.privacy.setText(f"{p.t(PRIVACY)}\n{PRIVACY.pick('en' if p.language == 'zh' else 'zh')}")
        clear(self.banners)
        add_banners(self.banners, p)
        self._render_actions(p)
        if not self.keyboard.count():
            self._render_keyboard()
        add_back(self.bottom, p, self.back)
        self.setFocus()

    def _render_actions(self, p: KioskPresenter) -> None:
        clear(self.actions)
        submit = TouchButton(p.t(Text("确认取号", "Take a ticket")), p.t(Text("Take a ticket", "确认取号")), kind="search")
        submit.setAccessibleName("submit_id")
        submit.setEnabled(p.online and p.pending is None and p.id_entry.complete)
        submit.clicked.connect(self.submitted.emit)
        self.actions.addWidget(submit)
        if not p.identity_required:
            skip = TouchButton(p.t(Text("不刷身份证取号", "Without ID card")),
                               p.t(Text("Without ID card", "不刷身份证取号")), kind="search")
            skip.setAccessibleName("skip_id")
            skip.setEnabled(p.online and p.pending is None)
            skip.clicked.connect(self.skipped.emit)
            self.actions.addWidget(skip)

    def _render_keyboard(self) -> None:
        for row in DIGIT_ROWS + ("⌫",):
            line = QHBoxLayout()
            line.setSpacing(10)
            for key in (row if row != "⌫" else ("back", "clear")):
                caption = {"back": "退格 Delete", "clear": "清空 Clear"}.get(key, key)
                line.addWidget(key_button(caption, key, self.key_typed))
            self.keyboard.addLayout(line)

    def keyPressEvent(self, event) -> None:
        # a keyboard-wedge reader types here: the app tells its keys from a person's by their pace
        text = "\r" if event.key() in (0x01000004, 0x01000005) else event.text()
        if text:
            self.wedge_key.emit(text, time.monotonic())
        else:
            super().keyPressEvent(event)
