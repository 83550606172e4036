"""The home screen: the departments, search, check-in and the green channel."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal

from ..presenter import KioskPresenter, Text
from .parts import GridPage, TouchButton, add_banners, clear, label, other


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
                               p.t(Text("预约码或远程取号码", "Booking or remote ticket code")), kind="search")
        check_in.setAccessibleName("check_in")
        check_in.setEnabled(p.online)
        check_in.clicked.connect(self.check_in_opened.emit)
        self.bottom.addWidget(search)
        self.bottom.addWidget(check_in)
        self.bottom.addWidget(green)
