"""Search by pinyin initials or name, with the on-screen keyboard."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QWidget

from ..presenter import KioskPresenter, Text
from .parts import (Page, add_back, add_banners, clear, item_button, key_button, keys_and_back, label, scroll_area,
                    typing_head)


KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


class SearchPage(Page):
    item_chosen = pyqtSignal(str)
    key_typed = pyqtSignal(str)
    query_edited = pyqtSignal(str)
    back = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.heading, self.query, self.banners = typing_head(self.box)
        self.query.textEdited.connect(self.query_edited.emit)
        self.results_host = QWidget()
        self.results = QGridLayout(self.results_host)
        self.results.setSpacing(14)
        self.results.setContentsMargins(0, 0, 0, 0)
        self.box.addWidget(scroll_area(self.results_host), 1)
        self.keyboard, self.bottom = keys_and_back(self.box)
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
                line.addWidget(key_button(letter.upper(), letter, self.key_typed))
            self.keyboard.addLayout(line)
        tools = QHBoxLayout()
        tools.addWidget(key_button(p.t(Text("退格", "Delete")), "back", self.key_typed))
        tools.addWidget(key_button(p.t(Text("清空", "Clear")), "clear", self.key_typed))
        self.keyboard.addLayout(tools)
