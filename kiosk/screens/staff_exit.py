"""The staff's way out of a full-screen kiosk: taps in a corner, then a PIN."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QFrame, QGridLayout, QPushButton, QVBoxLayout, QWidget

from .parts import MIN_TOUCH, label


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
