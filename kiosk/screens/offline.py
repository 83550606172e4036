"""Issuing paused: the hall is closed or the server is out of reach."""

from __future__ import annotations


from ..presenter import KioskPresenter, Text
from .parts import Page, label, other


class OfflinePage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.box.addStretch(1)
        self.title = label("", "offlineTitle", center=True)
        self.alt = label("", "offlineAlt", center=True)
        self.reason = label("", "offlineReason", center=True)
        self.help = label("", "offlineReason", center=True)
        for widget in (self.title, self.alt, self.reason, self.help):
            self.box.addWidget(widget)
        self.box.addStretch(2)

    def render(self, p: KioskPresenter, columns: int) -> None:
        paused = Text("暂停取号", "Ticket issuing paused")
        self.title.setText(p.t(paused))
        self.alt.setText(other(paused, p.language))
        self.reason.setText(p.t(p.offline_reason) + "\n" + other(p.offline_reason, p.language))
        self.help.setText(p.t(Text("请稍候片刻，或到服务台咨询", "Please wait a moment, or ask at the service desk"))
                          + "\n" + other(Text("请稍候片刻，或到服务台咨询",
                                              "Please wait a moment, or ask at the service desk"), p.language))
