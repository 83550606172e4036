"""The ticket just issued: number, item, where to go, who is ahead and the wait."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from ..presenter import KioskPresenter, Text, windows_text
from .parts import Page, TouchButton, clear, label, other


class TicketPage(Page):
    done = pyqtSignal()
    notify_opened = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.content = QVBoxLayout()
        self.content.setSpacing(16)
        self.box.addLayout(self.content, 1)
        self.bottom = QHBoxLayout()
        self.box.addLayout(self.bottom)

    def render(self, p: KioskPresenter, columns: int) -> None:
        clear(self.content)
        ticket = p.ticket
        if ticket is None:
            return
        add = self.content.addWidget
        self.content.addStretch(1)
        add(label(p.t(Text("您的号码", "Your number")), "ticketCaption", center=True))
        self.number = label(ticket.number, "ticketNumber", wrap=False, center=True)
        add(self.number)
        add(label(f"{p.t(ticket.item)}\n{other(ticket.item, p.language)}", "ticketItem", center=True))
        add(label(p.t(ticket.department), "subtitle", center=True))
        if ticket.print_problem is not None:
            add(label(p.t(ticket.print_problem), "printProblem", center=True))
        elif ticket.printed:
            add(label(p.t(Text("请取票  Please take your ticket", "Please take your ticket  请取票")),
                      "takeTicket", center=True))
        else:
            add(label(p.t(Text("正在打印凭条……", "Printing your ticket…")), "ticketLine", center=True))
        add(label(p.t(windows_text(ticket.windows)), "ticketWindows", center=True))
        for line in (ticket.ahead, ticket.wait):   # in the chosen language, then the other
            add(label(f"{p.t(line)}\n{other(line, p.language)}", "ticketLine", center=True))
        if ticket.green:
            add(label(p.t(Text("绿色通道优先号：请到窗口出示相关证件（老年人、残疾人、军人等）",
                               "Green channel: show your document at the window")), "greenNote", center=True))
        add(label(p.t(Text(f"取号时间 {p.local_time(ticket.issued_at)}",
                           f"Issued at {p.local_time(ticket.issued_at)}")), "subtitle", center=True))
        if ticket.notify is not None:
            add(label(f"{p.t(ticket.notify)}\n{other(ticket.notify, p.language)}", "ticketLine", center=True))
        self.content.addStretch(2)
        clear(self.bottom)
        if ticket.notify is None and ticket.track_token:
            text_me = TouchButton(p.t(Text("短信提醒我", "Text me when it is my turn")),
                                  p.t(Text("Text me when it is my turn", "短信提醒我")), kind="search")
            text_me.setAccessibleName("notify")
            text_me.setEnabled(p.online)
            text_me.clicked.connect(self.notify_opened.emit)
            self.bottom.addWidget(text_me)
        finish = TouchButton(p.t(Text("完成", "Done")), p.t(Text("Done", "完成")), kind="back")
        finish.setAccessibleName("done")
        finish.clicked.connect(self.done.emit)
        self.bottom.addWidget(finish)
