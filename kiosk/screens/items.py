"""A department's items, each with its queue and wait."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal

from ..presenter import KioskPresenter, Text
from .parts import GridPage, add_back, add_banners, clear, item_button, label


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
