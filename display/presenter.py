"""What the hall board shows and says: plain Python, no Qt, no clock of its own.

The presenter is fed the live messages (through `snapshot` and `message`) with the current
time passed in, and answers two questions: what the board looks like now (`view`), and which
calls must be announced (the return value of `message`).

Sequence rules, from the protocol: every message carries the event-log position `seq` it
follows. A window or an item is only updated by a message at least as new as what the board
already knows of it, so replayed messages (caught up after a gap, delivered *after* a fresher
snapshot) never roll the board back. A call is announced once per (ticket, seq); a replayed
call is announced only when it is still what the window is calling now, so a citizen who was
called during a link cut still hears the number, and nobody hears a stale one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hall.wording import state_words, window_state
from protocol.live import (BLINK_LONGEST_SECONDS, HALL_SNAPSHOT, QUEUE_CHANGED, TICKET_CALLED,
                           WINDOW_CHANGED)

#: a window with a ticket says what hall/wording.py says of that ticket: called, then serving
STATUS_LABELS = {
    "called": (state_words("called").zh, state_words("called").en),
    "serving": (state_words("serving").zh, state_words("serving").en),
    "idle": ("空闲", "Free"),
    "paused": ("暂停服务", "Paused"),
    "closed": ("未开放", "Closed"),
}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Call:
    """One call (or recall) of a ticket to a window, as the board lists it."""

    seq: int
    ticket_id: int
    number: str
    window: int
    recall: bool = False


@dataclass(frozen=True)
class Announcement:
    """A sentence to say, with what it came from (for de-duplication and measurement)."""

    ticket_id: int
    seq: int
    number: str
    window: int
    spoken: str
    text: str
    recall: bool


@dataclass(frozen=True)
class WindowRow:
    number: int
    status: str          # a key of STATUS_LABELS
    label: str
    label_en: str
    current: str         # ticket number at the window, or ""
    hint: str            # where to go instead when paused or closed, or ""


@dataclass(frozen=True)
class ItemRow:
    name: str
    name_en: str
    waiting: int
    estimate: str
    estimate_en: str


@dataclass(frozen=True)
class BoardView:
    hall_name: str
    hall_name_en: str
    date_text: str
    clock_text: str
    newest: Call | None
    newest_text: str
    newest_text_en: str
    blinking: bool
    recent: tuple[Call, ...]
    windows: tuple[WindowRow, ...]
    items: tuple[ItemRow, ...]
    notice: str
    connected: bool
    synced: bool
    #: the server refused the board's token: the hall it showed may be another's, so it is gone
    refused: bool = False


@dataclass
class _Known:
    """A window or an item view with the seq it is as new as."""

    seq: int
    view: dict[str, Any]


@dataclass
class Presenter:
    zone: str = ""
    blink_seconds: float = BLINK_LONGEST_SECONDS
    recent_count: int = 8
    hall: dict[str, Any] = field(default_factory=dict)
    windows: dict[int, _Known] = field(default_factory=dict)
    services: dict[str, _Known] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)      # newest first, zone only
    texts: dict[int, tuple[str, str]] = field(default_factory=dict)   # seq → (text, text_en)
    announced: set[tuple[int, int]] = field(default_factory=set)
    blink_until: float = 0.0
    connected: bool = False
    synced: bool = False
    refused: bool = False

    # --- input -----------------------------------------------------------------------------

    def set_connected(self, connected: bool) -> None:
        self.connected = connected

    def set_refused(self) -> None:
        """The token was refused (revoked, or the hall re-seeded): nothing of the old hall stays
        on screen; a snapshot (a new token accepted) brings the board back."""
        self.refused = True
        self.connected = self.synced = False
        self.hall, self.windows, self.services, self.calls = {}, {}, {}, []

    def snapshot(self, payload: dict[str, Any]) -> None:
        """A fresh picture of the hall: replaces windows and items; keeps what was announced."""
        seq = payload["seq"]
        self.hall = payload.get("hall", {})
        self.windows = {w["number"]: _Known(seq, w) for w in payload.get("windows", [])}
        self.services = {s["code"]: _Known(seq, s) for s in payload.get("services", [])}
        for row in payload.get("recent_calls", []):
            if self._in_zone(row["window"]):
                self._add_call(Call(row["seq"], row["ticket_id"], row["number"], row["window"],
                                    bool(row.get("recall"))))
        # a snapshot's calls are history: they are never announced again, even by a replay
        self.announced |= {(c.ticket_id, c.seq) for c in self.calls if not self._calling(c)}
        self.synced = True
        self.refused = False
        self.connected = True   # the server sends the snapshot before the client reports "connected"

    def message(self, name: str, payload: dict[str, Any], now: float) -> list[Announcement]:
        """Apply one live message; return the calls to announce (in order)."""
        if name == HALL_SNAPSHOT:
            self.snapshot(payload)
            return []
        if name == WINDOW_CHANGED:
            self._update(self.windows, payload["window"]["number"], payload["seq"], payload["window"])
        elif name == QUEUE_CHANGED:
            for item in payload.get("services", []):
                self._update(self.services, item["code"], payload["seq"], item)
        elif name == TICKET_CALLED:
            return self._called(payload, now)
        return []

    @staticmethod
    def _update(table: dict, key: Any, seq: int, view: dict[str, Any]) -> None:
        known = table.get(key)
        if known is None or seq >= known.seq:
            table[key] = _Known(seq, view)

    def _called(self, payload: dict[str, Any], now: float) -> list[Announcement]:
        ticket = payload["ticket"]
        call = Call(payload["seq"], ticket["id"], ticket["number"], payload["window"],
                    bool(payload.get("recall")))
        if not self._in_zone(call.window):
            return []
        self.texts[call.seq] = (payload.get("text", ""), payload.get("text_en", ""))
        self._add_call(call)
        key = (call.ticket_id, call.seq)
        if key in self.announced:
            return []
        if payload.get("replayed") and (not self._still_calling(call) or self._called_later(call)):
            self.announced.add(key)   # served, gone or called again meanwhile: listed, not said
            return []
        self.announced.add(key)
        if self.calls and self.calls[0].seq == call.seq:
            self.blink_until = now + self.blink_seconds
        return [Announcement(call.ticket_id, call.seq, call.number, call.window,
                             payload.get("spoken") or payload.get("text", ""),
                             payload.get("text", ""), call.recall)]

    def still_due(self, item: Announcement) -> bool:
        """Is the call still worth saying when its turn to be spoken comes? Not when the window
        has moved on (the citizen is at the window, served, gone) or the ticket was called
        again since (the recall is said instead). A queue of sentences, or messages held back
        by a silent break in the link and delivered late, must not send people to windows
        that have moved on. Asked from the announcer's thread: it only reads."""
        call = Call(item.seq, item.ticket_id, item.number, item.window, item.recall)
        return self._still_calling(call) and not self._called_later(call)

    def _add_call(self, call: Call) -> None:
        """List a call once; a recall replaces the ticket's earlier line (one line per ticket)."""
        if any(known.ticket_id == call.ticket_id and known.seq >= call.seq for known in self.calls):
            return
        self.calls = [known for known in self.calls if known.ticket_id != call.ticket_id] + [call]
        self._trim_calls()

    def _trim_calls(self) -> None:
        self.calls.sort(key=lambda c: c.seq, reverse=True)
        del self.calls[self.recent_count + 1:]

    def _called_later(self, call: Call) -> bool:
        return any(known.ticket_id == call.ticket_id and known.seq > call.seq for known in self.calls)

    def _still_calling(self, call: Call) -> bool:
        """Is the window still calling this ticket, as far as the board knows?"""
        known = self.windows.get(call.window)
        if known is None or known.seq < call.seq:
            return True   # nothing newer is known of the window: the call is its latest news
        return self._calling(call)

    def _calling(self, call: Call) -> bool:
        known = self.windows.get(call.window)
        current = (known.view.get("current") or {}) if known else {}
        return current.get("id") == call.ticket_id and current.get("state") == "called"

    def _in_zone(self, window: int) -> bool:
        if not self.zone:
            return True
        known = self.windows.get(window)
        return known is not None and known.view.get("zone") == self.zone

    # --- output ----------------------------------------------------------------------------

    def zones(self) -> set[str]:
        return {known.view.get("zone") for known in self.windows.values() if known.view.get("zone")}

    def blinking(self, now: float) -> bool:
        return bool(self.calls) and now < self.blink_until

    def view(self, now: float, wall: datetime) -> BoardView:
        local = wall.astimezone(ZoneInfo(self.hall.get("timezone") or "Asia/Shanghai"))
        newest = self.calls[0] if self.calls else None
        text, text_en = self.texts.get(newest.seq, ("", "")) if newest else ("", "")
        return BoardView(
            hall_name=self.hall.get("name", ""), hall_name_en=self.hall.get("name_en", ""),
            date_text=f"{local:%Y-%m-%d} 星期{WEEKDAYS[local.weekday()]}",
            clock_text=f"{local:%H:%M:%S}",
            newest=newest, newest_text=text, newest_text_en=text_en,
            blinking=self.blinking(now), recent=tuple(self.calls[1:self.recent_count + 1]),
            windows=tuple(self._window_rows()), items=tuple(self._item_rows()),
            notice=self._notice(), connected=self.connected, synced=self.synced, refused=self.refused)

    def _window_rows(self) -> list[WindowRow]:
        rows = []
        for number in sorted(self.windows):
            if self._in_zone(number):
                rows.append(window_row(self.windows[number].view))
        return rows

    def _item_rows(self) -> list[ItemRow]:
        """Items people are waiting for in this zone, longest queue first."""
        zone_windows = {row.number for row in self._window_rows()}
        rows = []
        for known in self.services.values():
            item = known.view
            if item.get("waiting", 0) <= 0 or not zone_windows & set(item.get("windows", [])):
                continue
            estimate = item.get("estimated_wait") or {}
            rows.append(ItemRow(item["name"], item.get("name_en", ""), item["waiting"],
                                estimate.get("text", ""), estimate.get("text_en", "")))
        rows.sort(key=lambda r: (-r.waiting, r.name))
        return rows

    def _notice(self) -> str:
        parts = [self.hall.get("notice", ""), self.hall.get("notice_en", "")]
        return "    ".join(p for p in parts if p)


def window_row(view: dict[str, Any]) -> WindowRow:
    """A window as citizens see it: state, number at the desk, where to go instead. The clerk's
    name is in the view but is personal data: it is never copied to the board."""
    current = view.get("current") or {}
    key = window_state(view.get("status"), current.get("state") if current else None)
    hint = ""
    if key == "paused" and view.get("nearest_open"):
        hint = f"请到 {view['nearest_open']} 号窗口"
    zh, en = STATUS_LABELS[key]
    return WindowRow(view["number"], key, zh, en, current.get("number", "") if current and key in ("called", "serving") else "",
                     hint)
