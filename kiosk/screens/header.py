"""The bar over every screen: the hall's name, the clock, language and large text."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from ..presenter import KioskPresenter, Text
from .parts import label, other


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
