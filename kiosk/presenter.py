"""What the kiosk shows and decides, in plain Python: no Qt, no network, no clock.

The widgets render `KioskPresenter` and forward touches to it; the connection feeds it
the server's messages and the answers to its requests. Every method that depends on
time takes `now`, so the idle rules are tested without waiting.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from hall import wording
from hall.numbering import spoken_number
from hall.identity import mask_id_number
from hall.pinyin import pinyin_keys

from .identity import IdentityError
from .identity.typed import TypedEntry

HOME, ITEMS, SEARCH, ISSUING, TICKET, OFFLINE = "home", "items", "search", "issuing", "ticket", "offline"
CHECK_IN = "check_in"      # 预约签到: typing or scanning a booking code
NOTIFY = "notify"          # 短信提醒: a mobile number for "N ahead" and "called" texts
IDENTITY = "identity"      # 身份证: the card on the reader, or its number typed, for an item that asks
DECLARE = "declare"        # 绿色通道: with the card read, the citizen says whether they are 军人 / 残疾人
MOBILE_LENGTH = 11
CODE_LENGTH = 8
HOURS_RE = re.compile(r"\d{1,2}:\d{2}-\d{1,2}:\d{2}")
CORNER_TAPS, CORNER_SECONDS = 5, 3.0


@dataclass(frozen=True)
class Text:
    """One thing said to a citizen, in both languages."""

    zh: str
    en: str

    def pick(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class Item:
    """A service item as the kiosk shows it, from the server's service view."""

    code: str
    name: Text
    department: str
    department_name: Text
    waiting: int
    wait: Text
    open: bool
    closed: Text | None
    windows: tuple[int, ...]
    initials: str = ""     # pinyin initials of the name, e.g. 社保卡补办 → "sbkbb"
    spelled: str = ""      # full pinyin without spaces, e.g. "shebaokabuban"
    identity: str = "off"  # the ID card: "off", "optional" or "required"
    identity_name: bool = False   # the item needs the name read from the card: the kiosk sends it
    held_for_remote: int = 0      # places of today kept for remote tickets not yet activated


@dataclass(frozen=True)
class Department:
    code: str
    name: Text
    items: int
    waiting: int
    open_items: int


@dataclass(frozen=True)
class IssueRequest:
    """What one touch asks the server for; the request_id makes a network retry harmless."""

    service: str
    priority: str
    request_id: str
    id_number: str = field(default="", repr=False)   # the 身份证 number, for an item that asks for it
    id_name: str = field(default="", repr=False)     # the name on the card, only for an item that needs it
    green_category: str = ""                         # 军人 / 残疾人 as declared with the card


@dataclass(frozen=True)
class CheckInRequest:
    """A booking code to check in; `accept_normal` once the citizen took the offered normal ticket."""

    code: str
    accept_normal: bool = False
    priority: str = "appointment"


@dataclass(frozen=True)
class NotifyRequest:
    """A citizen's opt-in to text messages for the ticket on screen (its tracking token)."""

    track_token: str
    mobile: str


@dataclass(frozen=True)
class IssuedTicket:
    id: int
    number: str
    item: Text
    department: Text
    windows: tuple[int, ...]
    waiting_ahead: int
    wait: Text             # the estimate as its own sentence
    green: bool
    issued_at: datetime
    print_problem: Text | None = None
    printed: bool = False
    no_window: bool = False   # no window serves the item now: no "you are next"
    track_token: str = ""     # the phone page's token: the kiosk opts in with it
    notify: Text | None = None   # text messages are on (the number masked)

    @property
    def ahead(self) -> Text:
        return waiting_text(self.waiting_ahead, self.no_window)


def closed_reason(code: str | None, message: str | None, held_for_remote: int = 0) -> Text | None:
    """The bilingual reason a disabled item gives, from the server's refusal code; a capped
    item whose last places are kept for remote tickets says so (the server counted them)."""
    if code is None:
        return None
    if code == "outside_hours":
        # the server's message names the hours in both halves: keep each range once
        hours = list(dict.fromkeys(HOURS_RE.findall(message or "")))
        return Text("不在取号时间" + (f"（{'、'.join(hours)}）" if hours else ""),
                    "Not issuing now" + (f" (hours {', '.join(hours)})" if hours else ""))
    if code == "daily_cap_reached" and held_for_remote > 0:
        return Text(f"已发完（余 {held_for_remote} 个号留给远程取号）",
                    f"Fully issued ({held_for_remote} kept for remote tickets)")
    if code == "daily_cap_reached":
        return Text("今日号已取完", "Sold out today")
    if code == "hall_closed_today":
        return Text("今日不办理业务", "No tickets today")
    return Text("暂停取号", "Not available")


#: the booking channel's changes that move a capped item's places outside the event log: a
#: remote ticket taken holds one, a lapsed one gives it back (server/remote.py announces both)
PLACES_MOVED = ("remote_taken", "remote_lapsed")


def places_moved(payload: dict[str, Any]) -> bool:
    """Does this appointment_changed message change which items a walk-in can still take?"""
    return payload.get("change") in PLACES_MOVED


def item_from_view(view: dict[str, Any], keys: Callable[[str], tuple[str, str]] = pinyin_keys) -> Item:
    wait = view.get("estimated_wait") or {}
    initials, spelled = keys(view["name"])
    return Item(
        code=view["code"], name=Text(view["name"], view.get("name_en") or view["name"]),
        department=view["department"],
        department_name=Text(view["department_name"], view.get("department_name_en") or ""),
        waiting=int(view.get("waiting", 0)), wait=Text(wait.get("text", ""), wait.get("text_en", "")),
        open=bool(view.get("open", True)),
        closed=closed_reason(view.get("closed_reason"), view.get("closed_message"),
                             _count(view.get("held_for_remote"))),
        windows=tuple(view.get("windows", ())), initials=initials, spelled=spelled,
        identity=str(view.get("identity") or "off"), identity_name=view.get("identity_name") is True,
        held_for_remote=_count(view.get("held_for_remote")))


def _count(value: Any) -> int:
    """A count from the server, 0 when absent (an older server) or not a whole number."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def said(words: wording.Words) -> Text:
    return Text(words.zh, words.en)


def windows_text(windows: tuple[int, ...]) -> Text:
    return said(wording.windows_sentence(windows))


def waiting_text(ahead: int, no_window: bool = False) -> Text:
    return said(wording.ahead_sentence(ahead, no_window))


def watched(reply: dict[str, Any]) -> tuple[int, ...]:
    """The windows the server tells this ticket to watch (older servers: all serving its item)."""
    return tuple(reply.get("watch") or reply.get("windows", ()))


class KioskPresenter:
    """The kiosk's state. Call `subscribe` to hear about every change."""

    def __init__(self, *, language: str = "zh", idle_seconds: float = 45, ticket_seconds: float = 15,
                 exit_pin: str = "", keys: Callable[[str], tuple[str, str]] = pinyin_keys,
                 new_request_id: Callable[[], str] = lambda: uuid.uuid4().hex):
        self.default_language = language
        self.idle = timedelta(seconds=idle_seconds)
        self.ticket_time = timedelta(seconds=ticket_seconds)
        self.exit_pin = exit_pin
        self._keys = keys
        self._new_request_id = new_request_id
        self._listeners: list[Callable[[], None]] = []
        self._pinyin_cache: dict[str, tuple[str, str]] = {}
        # what the server says
        self.hall_name = Text("", "")
        self.tz = ZoneInfo("Asia/Shanghai")
        self.items: dict[str, Item] = {}
        self.seq: int | None = None
        self.connected = False
        self.offline_reason: Text = Text("正在连接服务器", "Connecting to the server")
        self.has_snapshot = False
        # what this citizen is doing
        self.screen = HOME
        self.language = language
        self.large_text = False
        self.green = False
        self.department: str | None = None
        self.query = ""
        self.pending: IssueRequest | CheckInRequest | None = None
        self.code = ""                      # the booking code being typed or scanned
        self.mobile = ""                    # the mobile number being typed for text messages
        self.notify_pending: NotifyRequest | None = None
        self.late_offer = False             # too late: a normal ticket is offered for self.code
        self.ticket: IssuedTicket | None = None
        self.notice: Text | None = None     # a one-off message on the home/items screens
        self.identity_item: str | None = None   # the item waiting for the ID card
        self.id_entry = TypedEntry()            # the number typed when the card cannot be read
        self.identity_screen_from = HOME
        self.declarable: tuple[str, ...] = ()   # green-channel categories the hall lets citizens declare
        self.card: tuple[str, str] | None = None   # (number, name) read, while the citizen declares
        self.last_touch = datetime.min.replace(tzinfo=timezone.utc)
        self.ticket_shown_at = self.last_touch
        self._corner_taps: list[datetime] = []

    # --- listeners -----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def t(self, text: Text) -> str:
        return text.pick(self.language)

    # --- what the server says --------------------------------------------------------------

    def apply_snapshot(self, payload: dict[str, Any]) -> None:
        seq = payload.get("seq")
        if isinstance(seq, int) and self.seq is not None and seq < self.seq:
            return  # a periodic refresh that was overtaken by live messages
        hall = payload.get("hall") or {}
        self.hall_name = Text(hall.get("name", ""), hall.get("name_en") or hall.get("name", ""))
        if hall.get("timezone"):
            self.tz = ZoneInfo(hall["timezone"])
        self.declarable = tuple(c for c in hall.get("declarable_categories") or () if isinstance(c, str))
        self.items = {view["code"]: self._item(view) for view in payload.get("services", [])}
        self.seq = seq if isinstance(seq, int) else self.seq
        self.has_snapshot = True
        if self.department is not None and self.department not in {i.department for i in self.items.values()}:
            self.department = None
            if self.screen == ITEMS:
                self.screen = HOME
        self._changed()

    def apply_queue_changed(self, payload: dict[str, Any]) -> None:
        for view in payload.get("services", []):
            self.items[view["code"]] = self._item(view)
        if isinstance(payload.get("seq"), int):
            self.seq = max(self.seq or 0, payload["seq"])
        self._changed()

    def _item(self, view: dict[str, Any]) -> Item:
        # pinyin is worked out once per name, not on every queue change
        name = view["name"]
        if name not in self._pinyin_cache:
            self._pinyin_cache[name] = self._keys(name)
        return item_from_view(view, lambda _: self._pinyin_cache[name])

    def set_connection(self, status: str, reason: str | None) -> None:
        self.connected = status == "connected"
        if status == "refused":
            self.offline_reason = Text("取号机未获授权，请联系大厅管理员",
                                       "This kiosk is not authorised: please tell the hall staff")
        elif not self.connected:
            self.offline_reason = Text("与服务器的连接中断，正在自动重新连接",
                                       "The connection to the server is lost: reconnecting")
        self._changed()

    @property
    def online(self) -> bool:
        return self.connected and self.has_snapshot

    # --- what the citizen sees -------------------------------------------------------------

    @property
    def visible_screen(self) -> str:
        """The ticket stays visible through a lost connection: the citizen must not lose it."""
        if self.screen in (TICKET, ISSUING) or self.online:
            return self.screen
        return OFFLINE

    def departments(self) -> list[Department]:
        order: dict[str, list[Item]] = {}
        for item in self.items.values():
            order.setdefault(item.department, []).append(item)
        return [Department(code, items[0].department_name, len(items), sum(i.waiting for i in items),
                           sum(1 for i in items if i.open)) for code, items in order.items()]

    def department_items(self) -> list[Item]:
        return [i for i in self.items.values() if i.department == self.department]

    def current_department(self) -> Department | None:
        return next((d for d in self.departments() if d.code == self.department), None)

    def search_results(self, limit: int = 12) -> list[Item]:
        """Items matching the query by pinyin initials ("sbk" → 社保卡补办), full pinyin,
        Chinese characters, English words or code; the best matches first."""
        query = "".join(self.query.lower().split())
        if not query:
            return []
        ranked = []
        for index, item in enumerate(self.items.values()):
            rank = _match_rank(item, query)
            if rank is not None:
                ranked.append((rank, index, item))
        return [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))][:limit]

    def may_issue(self, item: Item) -> bool:
        return self.online and item.open and self.pending is None

    # --- touches ---------------------------------------------------------------------------

    def touched(self, now: datetime) -> None:
        self.last_touch = now

    def open_department(self, code: str, now: datetime) -> None:
        self.touched(now)
        self.department, self.screen, self.notice = code, ITEMS, None
        self._changed()

    def open_search(self, now: datetime) -> None:
        self.touched(now)
        self.screen, self.query, self.notice = SEARCH, "", None
        self._changed()

    def type_key(self, key: str, now: datetime) -> None:
        """A key of the on-screen keyboard: a letter, "back" or "clear"."""
        self.touched(now)
        if key == "back":
            self.query = self.query[:-1]
        elif key == "clear":
            self.query = ""
        else:
            self.query = (self.query + key.lower())[:20]
        self._changed()

    def set_query(self, text: str, now: datetime) -> None:
        self.touched(now)
        self.query = text[:20]
        self._changed()

    def back(self, now: datetime) -> None:
        self.touched(now)
        if self.screen == NOTIFY:
            self.screen, self.mobile, self.notice, self.ticket_shown_at = TICKET, "", None, now
            self._changed()
            return
        if self.screen == DECLARE:
            self.screen, self.card, self.notice = IDENTITY, None, None
            self._changed()
            return
        if self.screen == IDENTITY:
            self.screen, self.identity_item, self.notice = self.identity_screen_from, None, None
            self.id_entry = TypedEntry()
            self._changed()
            return
        if self.screen in (ITEMS, SEARCH, CHECK_IN):
            self.screen, self.department, self.query, self.notice = HOME, None, "", None
            self.code, self.late_offer = "", False
            self._changed()

    def toggle_language(self, now: datetime) -> None:
        self.touched(now)
        self.language = "en" if self.language == "zh" else "zh"
        self._changed()

    def toggle_large_text(self, now: datetime) -> None:
        self.touched(now)
        self.large_text = not self.large_text
        self._changed()

    def toggle_green(self, now: datetime) -> None:
        """The 绿色通道 button: the next item chosen gets a priority ticket."""
        self.touched(now)
        self.green = not self.green
        self.notice = None
        self._changed()

    def choose_item(self, code: str, now: datetime) -> IssueRequest | None:
        """A touch on an item: the request to send, or None when no ticket may be issued now
        (another one is on its way, the item is closed, or the server is out of reach)."""
        self.touched(now)
        item = self.items.get(code)
        if item is None or self.pending is not None or self.screen in (ISSUING, TICKET):
            return None
        if not self.may_issue(item):
            self.notice = item.closed or self.offline_reason
            self._changed()
            return None
        if item.identity in ("optional", "required"):
            self.identity_screen_from, self.screen = self.screen, IDENTITY
            self.identity_item, self.notice = code, None
            self.id_entry = TypedEntry()
            self._changed()
            return None
        self.pending = IssueRequest(code, "green" if self.green else "normal", self._new_request_id())
        self.screen, self.notice = ISSUING, None
        self._changed()
        return self.pending

    # --- the ID card (身份证) for an item that asks for it ----------------------------------------

    @property
    def identity_required(self) -> bool:
        item = self.items.get(self.identity_item or "")
        return item is not None and item.identity == "required"

    def card_read(self, id_number: str, now: datetime, name: str = "") -> IssueRequest | None:
        """A card on the reader (or a number typed and checked): the ticket to ask for, or,
        where the hall lets citizens declare a green-channel category, the question first."""
        self.touched(now)
        if self.screen != IDENTITY or self.pending is not None or self.identity_item is None:
            return None
        if self.declarable:
            self.card, self.screen, self.notice = (id_number, name), DECLARE, None
            self._changed()
            return None
        return self._issue_for_identity(id_number, name)

    @property
    def card_masked(self) -> str:
        """The card read, as the declaring screen may show it: 110***********1234."""
        return mask_id_number(self.card[0]) if self.card else ""

    def declare(self, category: str | None, now: datetime) -> IssueRequest | None:
        """The citizen's answer with the card read: one of the hall's categories, or none."""
        self.touched(now)
        if self.screen != DECLARE or self.card is None or self.pending is not None:
            return None
        if category is not None and category not in self.declarable:
            return None
        number, name = self.card
        self.card = None
        return self._issue_for_identity(number, name, category or "")

    def card_failed(self, problem: IdentityError, now: datetime) -> None:
        """The reader could not read the card: say why, and leave typing the number open."""
        if self.screen != IDENTITY:
            return
        self.notice = Text(*problem.message.split(" / ", 1)) if " / " in problem.message \
            else Text(problem.message, problem.message)
        self._changed()

    def type_id(self, key: str, now: datetime) -> None:
        self.touched(now)
        self.id_entry.press({"back": "⌫", "clear": "清除"}.get(key, key))
        self.notice = None
        self._changed()

    def submit_id(self, now: datetime) -> IssueRequest | None:
        """The typed number, checked here first (GB 11643) so a slip of the finger costs no request."""
        self.touched(now)
        try:
            card = self.id_entry.read()
        except IdentityError as bad:
            self.card_failed(bad, now)
            return None
        if card is None:
            self.notice = Text("请刷身份证或输入 18 位身份证号", "Place your ID card or type its 18-character number")
            self._changed()
            return None
        return self.card_read(card.number.value, now)

    def skip_identity(self, now: datetime) -> IssueRequest | None:
        """An item where the card is optional: a ticket without it."""
        self.touched(now)
        if self.screen != IDENTITY or self.identity_required or self.pending is not None:
            return None
        return self._issue_for_identity("")

    def _issue_for_identity(self, id_number: str, name: str = "", category: str = "") -> IssueRequest:
        item = self.items.get(self.identity_item or "")
        # the name leaves the kiosk only for an item that needs it
        needs_name = item is not None and item.identity_name and bool(id_number)
        self.pending = IssueRequest(self.identity_item or "", "green" if self.green else "normal",
                                    self._new_request_id(), id_number=id_number,
                                    id_name=name if needs_name else "", green_category=category)
        self.screen, self.notice, self.id_entry = ISSUING, None, TypedEntry()
        self._changed()
        return self.pending

    # --- appointment check-in (预约签到) ----------------------------------------------------------

    def open_check_in(self, now: datetime) -> None:
        self.touched(now)
        self.screen, self.code, self.late_offer, self.notice = CHECK_IN, "", False, None
        self._changed()

    def type_code(self, key: str, now: datetime) -> None:
        """A key of the on-screen keyboard; a hall scanner types into the same field."""
        self.touched(now)
        if key == "back":
            self.code = self.code[:-1]
        elif key == "clear":
            self.code = ""
        else:
            self.code = (self.code + key).upper()[:CODE_LENGTH + 4]
        self.late_offer = False
        self._changed()

    def set_code(self, text: str, now: datetime) -> None:
        self.touched(now)
        self.code, self.late_offer = text.strip().upper()[:CODE_LENGTH + 4], False
        self._changed()

    def submit_code(self, now: datetime, accept_normal: bool = False) -> CheckInRequest | None:
        """Enter (from the scanner or the screen): the check-in to send, or None with a reason."""
        self.touched(now)
        if self.pending is not None or self.screen != CHECK_IN:
            return None
        code = self.code.replace("-", "").replace(" ", "")
        if len(code) != CODE_LENGTH:
            self.notice = Text(f"预约码为 {CODE_LENGTH} 位", f"A booking code has {CODE_LENGTH} characters")
        elif not self.online:
            self.notice = self.offline_reason
        else:
            self.pending = CheckInRequest(code, accept_normal and self.late_offer)
            self.screen, self.notice = ISSUING, None
        self._changed()
        return self.pending

    def take_normal_ticket(self, now: datetime) -> CheckInRequest | None:
        return self.submit_code(now, accept_normal=True) if self.late_offer else None

    def check_in_refused(self, code: str, message: str, detail: dict[str, Any], now: datetime) -> None:
        """No ticket: back to the code screen with the reason; too late may offer a normal ticket."""
        self.pending, self.screen, self.last_touch = None, CHECK_IN, now
        self.late_offer = code == "too_late" and bool(detail.get("normal_ticket"))
        zh, _, en = message.partition(" / ")
        if code == "too_early" and detail.get("come_back_at"):
            moment = datetime.fromisoformat(detail["come_back_at"]).astimezone(self.tz)
            back = moment.strftime("%H:%M") if moment.date() == now.astimezone(self.tz).date() \
                else f"{moment.month}月{moment.day}日 {moment:%H:%M}"
            self.notice = Text(f"还未到签到时间，请于 {back} 后再来签到", f"Too early: please check in from {back}")
        elif self.late_offer:
            self.notice = Text("已超过预约时段，可改取普通号", "Your appointment time has passed: "
                               "you may take a normal ticket")
        elif code in STORAGE_TROUBLE:
            self.notice = STORAGE_TROUBLE_TEXT
        else:
            self.notice = Text(zh or code, en or zh or code)
        self._changed()

    # --- text messages for the ticket on screen (短信提醒) -----------------------------------------

    def open_notify(self, now: datetime) -> None:
        self.touched(now)
        if self.screen == TICKET and self.ticket is not None and self.ticket.track_token:
            self.screen, self.mobile, self.notice = NOTIFY, "", None
            self._changed()

    def type_mobile(self, key: str, now: datetime) -> None:
        self.touched(now)
        if key == "back":
            self.mobile = self.mobile[:-1]
        elif key == "clear":
            self.mobile = ""
        elif key.isdigit() and len(self.mobile) < MOBILE_LENGTH:
            self.mobile += key
        self.notice = None
        self._changed()

    def submit_mobile(self, now: datetime) -> NotifyRequest | None:
        """The opt-in to send, or None (a number not yet whole, or one already on its way)."""
        self.touched(now)
        if self.ticket is None or self.notify_pending is not None:
            return None
        if len(self.mobile) != MOBILE_LENGTH or not self.mobile.startswith("1"):
            self.notice = Text("请输入 11 位手机号码", "Please enter an 11-digit mobile number")
            self._changed()
            return None
        self.notify_pending = NotifyRequest(self.ticket.track_token, self.mobile)
        self._changed()
        return self.notify_pending

    def notify_on(self, reply: dict[str, Any], now: datetime) -> None:
        """The server keeps the wish: back to the ticket, which says so (number masked)."""
        self.notify_pending, self.mobile = None, ""
        if self.ticket is not None:
            masked = str(reply.get("mobile") or "")
            self.ticket = replace(self.ticket, notify=Text(f"短信提醒已开启：{masked}", f"Text messages on: {masked}"))
            self.screen, self.ticket_shown_at, self.notice = TICKET, now, None
        self._changed()

    def notify_refused(self, code: str, message: str, now: datetime) -> None:
        self.notify_pending, self.last_touch = None, now
        zh, _, en = message.partition(" / ")
        self.notice = Text("服务器无法连接，请稍后在手机上开启", "The server cannot be reached: turn it on "
                           "from your phone later") if code == "unreachable" else Text(zh or code, en or zh or code)
        self._changed()

    # --- answers ---------------------------------------------------------------------------

    def issued(self, reply: dict[str, Any], now: datetime) -> IssuedTicket:
        """The server committed the ticket: show it (printing comes after)."""
        info = reply.get("ticket") or {}
        wait = reply.get("estimated_wait") or {}
        self.ticket = IssuedTicket(
            id=int(reply["id"]), number=reply["number"],
            item=Text(info.get("service_name", reply.get("service", "")),
                      info.get("service_name_en") or info.get("service_name", "")),
            department=Text(info.get("department_name", ""), info.get("department_name_en", "")),
            windows=watched(reply), waiting_ahead=int(reply.get("waiting_ahead", 0)),
            wait=said(wording.wait_sentence(int(wait.get("low", 0)), int(wait.get("high", 0)),
                                            bool(wait.get("uncertain")))),
            no_window=bool(wait.get("uncertain")),
            green=info.get("priority") == "green" or (self.pending is not None and self.pending.priority == "green"),
            issued_at=datetime.fromisoformat(reply["issued_at"]),
            track_token=str(reply.get("track_url", "")).rsplit("/", 1)[-1])
        self.pending, self.screen, self.ticket_shown_at = None, TICKET, now
        self._changed()
        return self.ticket

    def issue_failed(self, code: str, message: str, now: datetime) -> None:
        """No ticket was issued: back to where the citizen was, with the reason."""
        self.pending = None
        self.screen = ITEMS if self.department else (SEARCH if self.query else HOME)
        self.notice = _refusal_text(code, message)
        if code == "unreachable":
            self.connected = False
            self.offline_reason = Text("服务器无法连接，正在自动重新连接",
                                       "The server cannot be reached: reconnecting")
        self.last_touch = now
        self._changed()

    def printed(self, number: str) -> None:
        if self.ticket is not None and self.ticket.number == number:
            self.ticket = replace(self.ticket, printed=True, print_problem=None)
            self._changed()

    def print_failed(self, number: str, problem: Text) -> None:
        if self.ticket is not None and self.ticket.number == number:
            self.ticket = replace(self.ticket, print_problem=problem)
            self._changed()

    def confirmation(self) -> Text | None:
        """The spoken confirmation of the ticket on screen."""
        if self.ticket is None:
            return None
        ahead = self.ticket.waiting_ahead
        return Text(f"您已领取 {spoken_number(self.ticket.number)} 号，前方等待 {ahead} 人",
                    f"Your number is {' '.join(self.ticket.number)}. {ahead} "
                    + ("person" if ahead == 1 else "people") + " ahead of you.")

    # --- time --------------------------------------------------------------------------------

    def tick(self, now: datetime) -> bool:
        """Go back home when the ticket has been shown long enough or nobody touches the
        screen; returns whether it did. A print fault keeps the number up twice as long."""
        if self.screen == TICKET:
            shown = self.ticket_time * (2 if self.ticket and self.ticket.print_problem else 1)
            if now - max(self.ticket_shown_at, self.last_touch) >= shown:
                self.go_home()
                return True
            return False
        idle = self.screen != HOME or self.green or self.notice or self.large_text \
            or self.language != self.default_language
        if self.screen != ISSUING and idle and now - self.last_touch >= self.idle:
            self.go_home()
            return True
        return False

    def go_home(self) -> None:
        """A fresh start for the next citizen."""
        self.screen, self.department, self.query, self.notice = HOME, None, "", None
        self.green, self.large_text, self.language = False, False, self.default_language
        self.ticket, self.code, self.late_offer = None, "", False
        self.mobile, self.notify_pending = "", None
        self.identity_item, self.id_entry, self.card = None, TypedEntry(), None
        self._changed()

    def local_time(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%H:%M")

    # --- the way out for staff ---------------------------------------------------------------

    def corner_tapped(self, now: datetime) -> bool:
        """True when the taps in the corner make the exit gesture: the PIN pad opens."""
        self._corner_taps = [t for t in self._corner_taps if (now - t).total_seconds() <= CORNER_SECONDS]
        self._corner_taps.append(now)
        if len(self._corner_taps) >= CORNER_TAPS:
            self._corner_taps.clear()
            return True
        return False

    def pin_accepted(self, pin: str) -> bool:
        return bool(self.exit_pin) and pin == self.exit_pin


def _match_rank(item: Item, query: str) -> int | None:
    name_en = item.name.en.lower()
    if item.initials.startswith(query):
        return 0
    if query in item.name.zh or item.spelled.startswith(query):
        return 1
    if query in item.initials or query in item.spelled:
        return 2
    if any(word.startswith(query) for word in re.split(r"[^a-z0-9]+", name_en)) or \
            item.code.lower() == query:
        return 3
    return None


#: the server cannot save (disk full, read-only, failing): the citizen can do nothing about it
#: and trying again will not help soon, so they are sent to the desk instead of told to retry
STORAGE_TROUBLE = ("storage_full", "storage_read_only", "storage_error")
STORAGE_TROUBLE_TEXT = Text("未能取号：系统暂时无法保存新号，请到服务台咨询",
                            "No ticket issued: the hall's system cannot save new tickets right now. "
                            "Please ask at the service desk")


def _refusal_text(code: str, message: str) -> Text:
    known = closed_reason(code, message) if code in ("outside_hours", "daily_cap_reached",
                                                     "hall_closed_today") else None
    if known is not None:
        return Text(f"未能取号：{known.zh}", f"No ticket issued: {known.en}")
    if code == "unreachable":
        return Text("未能取号：服务器无法连接，请稍后再试", "No ticket issued: the server cannot be reached, "
                    "please try again shortly")
    if code in STORAGE_TROUBLE:
        return STORAGE_TROUBLE_TEXT
    zh, _, en = message.partition(" / ")
    return Text(f"未能取号：{zh or code}", f"No ticket issued: {en or zh or code}")
