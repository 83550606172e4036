"""What citizens read about their place and wait: the one home of that wording, in
Simplified Chinese first and English.

The kiosk's ticket screen, the printed slip, the board and the server (for the phone page,
the supervisor and every web page, which show the server's text) all word a ticket's place,
its wait and its state here, so no screen can promise what another denies. Two rules hold
everywhere: with no window open for the item, nothing says "very soon" or "you are next";
a ticket that has been called is "called" until the clerk starts serving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

#: a wait of at most this many minutes (one step of the estimate) is read as "very soon"
SOON_MINUTES = 5
#: a screen lists this many windows to watch at most
WINDOWS_SHOWN = 8


@dataclass(frozen=True)
class Words:
    zh: str
    en: str


NO_WINDOW = Words("暂无窗口办理此事项", "No window is serving this item now")


def wait_phrase(low: int, high: int, no_window: bool) -> Words:
    """The estimate as a phrase: "约 10–20 分钟", "即将叫号", or that no window serves the item."""
    if no_window:
        return NO_WINDOW
    if high <= SOON_MINUTES:
        return Words("即将叫号", "Very soon")
    return Words(f"约 {low}–{high} 分钟", f"About {low}–{high} min")


def wait_sentence(low: int, high: int, no_window: bool) -> Words:
    """The estimate as a line of its own (slip, kiosk ticket screen)."""
    if no_window:
        return NO_WINDOW
    phrase = wait_phrase(low, high, no_window)
    # the English half keeps to ASCII (a hyphen for the dash), which every printer font has
    english = (phrase.en[:1].lower() + phrase.en[1:]).replace("–", "-")
    return Words(f"预计等候：{phrase.zh}", f"Estimated wait: {english}")


def ahead_sentence(ahead: int, no_window: bool = False) -> Words:
    """How many people stand before the ticket; "you are next" only while a window serves it."""
    if ahead == 0:
        return Words("您前面没有人等候", "Nobody ahead of you" if no_window else "You are next")
    return Words(f"您前面还有 {ahead} 人等候", f"{ahead} {'person' if ahead == 1 else 'people'} ahead of you")


def windows_sentence(windows: Sequence[int]) -> Words:
    """Which windows to watch (hall/order.py's `watched_windows`)."""
    if not windows:
        return Words("请留意叫号屏幕", "Watch the hall screens")
    shown = list(windows[:WINDOWS_SHOWN])
    more_zh, more_en = ("等", " …") if len(windows) > WINDOWS_SHOWN else ("", "")
    return Words("请留意 " + "、".join(map(str, shown)) + f" 号窗口{more_zh}",
                 "Watch window" + ("s " if len(windows) > 1 else " ") + ", ".join(map(str, shown)) + more_en)


def turn_notice(ahead: int, almost_ahead: int, no_window: bool) -> Words | None:
    """The phone page's banner as a citizen's turn nears; none while no window serves the item."""
    if no_window or ahead > almost_ahead:
        return None
    if ahead == 0:
        return Words("下一位就是您，请到窗口附近等候", "You are next: please wait near the windows")
    return Words("快到您了，请回到大厅，留意叫号",
                 "Almost your turn: please come back to the hall and listen for your number")


def waiting_note(transferred: bool, sent_to: int | None, item_name: tuple[str, str],
                 no_window: bool) -> Words | None:
    """Why the ticket waits where it does, or that no window serves its item now."""
    if transferred:
        if sent_to is not None:
            return Words(f"已转至 {sent_to} 号窗口，将优先叫号",
                         f"Transferred to window {sent_to}: you will be called first")
        return Words(f"已转至「{item_name[0]}」，将优先叫号", f"Transferred to {item_name[1]}: you will be called first")
    if no_window:
        return Words("暂无窗口办理此事项，开放后将按顺序叫号",
                     "No window is serving this item now: you will be called in turn once one opens")
    if sent_to is not None:
        return Words(f"请等候 {sent_to} 号窗口叫号", f"You will be called to window {sent_to}")
    return None


#: a ticket's state in the hall's words; a window's current ticket is "called" until served
TICKET_STATES = {
    "waiting": Words("等候中", "Waiting"),
    "called": Words("已呼叫", "Called"),
    "serving": Words("办理中", "Serving"),
    "done": Words("已办结", "Done"),
    "no_show": Words("过号", "Missed"),
    "held": Words("挂起", "On hold"),
    "transferred": Words("已转移", "Transferred"),
    "cancelled": Words("已取消", "Cancelled"),
    "expired": Words("已过期", "Expired"),
}


def state_words(state: str) -> Words:
    return TICKET_STATES.get(state, Words(state, state))


def window_state(status: str, current_state: str | None) -> str:
    """What a window shows citizens it is doing: "called" (a number was called and the citizen is
    on the way), "serving" (the clerk started), "idle" (open, nobody at the desk), "paused" or
    "closed". Every board, strip and window screen shows this one answer."""
    if status == "open":
        if current_state is None:
            return "idle"
        return "called" if current_state == "called" else "serving"
    return "paused" if status == "paused" else "closed"
