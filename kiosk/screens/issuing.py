"""The moment between a touch and the server's ticket."""

from __future__ import annotations


from ..presenter import KioskPresenter, Text
from .parts import Page, label, other


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
