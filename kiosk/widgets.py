"""The kiosk's window: the header over a stack of screens (one module each in `kiosk.screens`),
and the staff's way out. It renders the presenter and forwards touches, nothing more.

Sized for a 1080×1920 portrait touchscreen (the usual kiosk) and laid out again for
1920×1080 landscape. Every touch target is at least 120 px tall; the large-text mode
makes text about 40 % larger and uses fewer columns.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from .presenter import CHECK_IN, DECLARE, HOME, IDENTITY, ISSUING, ITEMS, NOTIFY, OFFLINE, SEARCH, TICKET, KioskPresenter
from .screens.check_in import CheckInPage
from .screens.notify import NotifyPage
from .screens.header import Header
from .screens.declare import DeclarePage
from .screens.identity import IdentityPage
from .screens.home import HomePage
from .screens.issuing import IssuingPage
from .screens.items import ItemsPage
from .screens.offline import OfflinePage
from .screens.parts import MIN_TOUCH, TouchButton
from .screens.search import SearchPage
from .screens.staff_exit import CornerZone, PinPad
from .screens.style import style_sheet
from .screens.ticket import TicketPage

__all__ = ["KioskWindow", "MIN_TOUCH", "TouchButton"]


class KioskWindow(QWidget):
    """The whole screen. `render` is called after every change of the presenter."""

    def __init__(self, presenter: KioskPresenter):
        super().__init__()
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.presenter = presenter
        self.header = Header()
        self.pages = {HOME: HomePage(), ITEMS: ItemsPage(), SEARCH: SearchPage(), ISSUING: IssuingPage(),
                      TICKET: TicketPage(), OFFLINE: OfflinePage(), CHECK_IN: CheckInPage(),
                      NOTIFY: NotifyPage(), IDENTITY: IdentityPage(), DECLARE: DeclarePage()}
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.header)
        box.addWidget(self.stack, 1)
        self.corner = CornerZone(self)
        self.pin_pad = PinPad(self)
        self._large: bool | None = None
        self.resize(1080, 1920)

    @property
    def home(self) -> HomePage:
        return self.pages[HOME]

    @property
    def items(self) -> ItemsPage:
        return self.pages[ITEMS]

    @property
    def search(self) -> SearchPage:
        return self.pages[SEARCH]

    @property
    def check_in(self) -> CheckInPage:
        return self.pages[CHECK_IN]

    @property
    def ticket(self) -> TicketPage:
        return self.pages[TICKET]

    @property
    def notify(self) -> NotifyPage:
        return self.pages[NOTIFY]

    @property
    def identity(self) -> IdentityPage:
        return self.pages[IDENTITY]

    @property
    def declare(self) -> DeclarePage:
        return self.pages[DECLARE]

    def columns(self) -> int:
        landscape = self.width() > self.height()
        if self.presenter.large_text:
            return 2 if landscape else 1
        return 4 if landscape else 2

    def render(self) -> None:
        p = self.presenter
        if self._large != p.large_text:
            self._large = p.large_text
            self.setStyleSheet(style_sheet(p.large_text))
        self.header.render(p)
        screen = p.visible_screen
        self.pages[screen].render(p, self.columns())
        self.stack.setCurrentWidget(self.pages[screen])
        for name, page in self.pages.items():
            # while issuing is paused nothing behind the pause screen can be touched into a request
            page.setEnabled(screen != OFFLINE or name == OFFLINE)
        self.corner.raise_()
        if self.pin_pad.isVisible():
            self.pin_pad.raise_()

    def current_screen(self) -> str:
        return next(name for name, page in self.pages.items() if page is self.stack.currentWidget())

    def set_clock(self, text: str) -> None:
        self.header.clock.setText(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.pin_pad.isVisible():
            self.pin_pad.setGeometry(self.rect())
        self.render()
