"""Electronic supervision (电子监察): which alert conditions hold now, and what to do about them.

`conditions(facts, now)` looks at the hall as it is — windows, open tickets, today's ratings,
devices — and returns every condition that crosses a yellow or red threshold, each under a
stable key such as ("wait", "A01") or ("empty_window", "3"). `decide(conditions, open_alerts)`
compares them with the alerts already open and says what to raise, escalate and clear.
No clock, no I/O: the caller passes `now` and the facts, and records the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from .setup import HallConfig, Thresholds
from . import cases, order
from .queue import HallState
from .tickets import TicketState, WindowState, WindowStatus

YELLOW, RED = "yellow", "red"

#: rule → (Chinese name, English name), as the dashboard and reports show them
RULES = {
    "wait": ("等候超时", "Long wait"),
    "handling": ("办理超时", "Long handling"),
    "queue": ("排队过长", "Long queue"),
    "paused": ("暂停过久", "Paused too long"),
    "empty_window": ("空岗", "Empty window"),
    "bad_rating": ("差评", "Bad rating"),
    "bad_rating_case": ("差评处理", "Bad-rating case"),
    "printer": ("打印机故障", "Printer fault"),
    "device_offline": ("设备离线", "Device offline"),
}

Key = tuple[str, str]   # (rule, subject id): one alert per rule and subject at a time


@dataclass(frozen=True)
class Rating:
    ticket_id: int
    number: str
    rating: int           # 1 非常不满意 … 5 非常满意
    window: int | None
    at: datetime


@dataclass(frozen=True)
class OpenCase:
    """A 差评 case not yet closed (hall/cases.py): it stays an alert until it is."""
    id: int
    number: str
    window: int | None
    status: str
    due_at: datetime
    rectify_due_at: datetime | None = None


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    kind: str                        # kiosk, display, window
    offline_since: datetime | None   # None while connected, or if never connected today
    printer_online: bool | None = None
    paper: str | None = None         # ok, near_end, out, unknown


@dataclass(frozen=True)
class Facts:
    state: HallState
    ratings: tuple[Rating, ...] = ()
    devices: tuple[Device, ...] = ()
    #: keys acknowledged earlier today: a 差评 once acknowledged has been dealt with
    acknowledged: frozenset[Key] = frozenset()
    cases: tuple[OpenCase, ...] = ()


@dataclass(frozen=True)
class Condition:
    key: Key
    level: str
    subject: str          # window, item, ticket or device
    message: str
    message_en: str
    details: dict = field(default_factory=dict, compare=False)

    @property
    def rule(self) -> str:
        return self.key[0]


@dataclass(frozen=True)
class OpenAlert:
    key: Key
    level: str


@dataclass(frozen=True)
class Decision:
    action: str           # raise, escalate, clear
    key: Key
    condition: Condition | None = None   # None when clearing


def level_for(value: float, limits: Thresholds) -> str | None:
    if value >= limits.red:
        return RED
    if value >= limits.yellow:
        return YELLOW
    return None


def _minutes(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds() / 60)


# --- the rules ------------------------------------------------------------------------------------

def wait_limits(setup: HallConfig, service: str) -> Thresholds:
    return setup.service(service).alert_wait_minutes or setup.supervision.wait_minutes


def handling_limits(setup: HallConfig, service: str) -> Thresholds:
    return setup.service(service).alert_handling_minutes or setup.supervision.handling_minutes


def queue_limits(setup: HallConfig, service: str) -> Thresholds:
    return setup.service(service).alert_queue_length or setup.supervision.queue_length


def _item_conditions(state: HallState, now: datetime) -> list[Condition]:
    """Per item rather than per ticket: one alert says "A01 has people waiting too long"
    instead of forty alerts that bury every other one."""
    out = []
    today = state.today(now)
    for item in state.setup.services:
        queue = order.item_queue(state, item.code, today)
        if not len(queue):
            continue
        oldest = queue.earliest()
        waited = _minutes(oldest.issued_at, now)
        level = level_for(waited, wait_limits(state.setup, item.code))
        if level:
            out.append(Condition(("wait", item.code), level, "item",
                                 f"{item.name}：{oldest.number} 已等候 {waited:.0f} 分钟",
                                 f"{item.name_en}: {oldest.number} has waited {waited:.0f} min",
                                 {"service": item.code, "ticket": oldest.id, "minutes": round(waited, 1)}))
        level = level_for(len(queue), queue_limits(state.setup, item.code))
        if level:
            out.append(Condition(("queue", item.code), level, "item",
                                 f"{item.name}：{len(queue)} 人排队", f"{item.name_en}: {len(queue)} waiting",
                                 {"service": item.code, "waiting": len(queue)}))
    return out


def _handling_conditions(state: HallState, now: datetime) -> list[Condition]:
    out = []
    for window in state.setup.windows:   # a ticket being served is some window's current one
        ticket = state.current_ticket(window.number)
        if ticket is None or ticket.state is not TicketState.SERVING or ticket.started_at is None:
            continue
        minutes = _minutes(ticket.started_at, now)
        level = level_for(minutes, handling_limits(state.setup, ticket.service))
        if level:
            out.append(Condition(("handling", str(ticket.id)), level, "ticket",
                                 f"{ticket.window} 号窗口 {ticket.number} 已办理 {minutes:.0f} 分钟",
                                 f"Window {ticket.window}: {ticket.number} in handling for {minutes:.0f} min",
                                 {"window": ticket.window, "service": ticket.service, "ticket": ticket.id,
                                  "minutes": round(minutes, 1)}))
    return out


def waiting_since(state: HallState, window: int, now: datetime) -> datetime | None:
    """Since when, at the latest, someone has been waiting for this window (None: nobody)."""
    return order.window_queue(state, window, state.today(now)).waiting_since()


def empty_since(window: WindowState, people_since: datetime | None) -> datetime | None:
    """空岗: since when the window has been empty (no clerk, or paused) while someone waited for
    it — both continuously since the later of the two moments; None while it is not."""
    if window.status is WindowStatus.OPEN or people_since is None:
        return None
    return people_since if window.since is None else max(people_since, window.since)


def _window_conditions(state: HallState, now: datetime) -> list[Condition]:
    limits = state.setup.supervision
    out = []
    for spec in state.setup.windows:
        window = state.windows.get(spec.number)
        if window is None:
            continue
        if window.status is WindowStatus.PAUSED:
            minutes = _minutes(window.since, now)
            level = level_for(minutes, limits.paused_minutes)
            if level:
                out.append(Condition(("paused", str(spec.number)), level, "window",
                                     f"{spec.number} 号窗口暂停 {minutes:.0f} 分钟（{window.pause_reason}）",
                                     f"Window {spec.number} paused for {minutes:.0f} min ({window.pause_reason})",
                                     {"window": spec.number, "minutes": round(minutes, 1)}))
        if window.status is WindowStatus.OPEN:
            continue   # never empty: its queue, the costly part, is not looked at
        start = empty_since(window, waiting_since(state, spec.number, now))
        if start is None:
            continue
        minutes = _minutes(start, now)
        level = level_for(minutes, limits.empty_window_minutes)
        if level:
            why, why_en = ("暂停", "paused") if window.status is WindowStatus.PAUSED else ("无人签到", "nobody signed in")
            out.append(Condition(("empty_window", str(spec.number)), level, "window",
                                 f"{spec.number} 号窗口空岗 {minutes:.0f} 分钟（{why}），有群众等候",
                                 f"Window {spec.number} empty for {minutes:.0f} min ({why_en}) while people wait",
                                 {"window": spec.number, "minutes": round(minutes, 1),
                                  "status": window.status.value}))
    return out


def _rating_conditions(facts: Facts) -> list[Condition]:
    """非常不满意 is red at once, 不满意 yellow; acknowledging one means it was dealt with."""
    out = []
    for rating in facts.ratings:
        key = ("bad_rating", str(rating.ticket_id))
        if rating.rating > 2 or key in facts.acknowledged:
            continue
        word, word_en = ("非常不满意", "very dissatisfied") if rating.rating == 1 else ("不满意", "dissatisfied")
        out.append(Condition(key, RED if rating.rating == 1 else YELLOW, "ticket",
                             f"差评：{rating.number}（{rating.window} 号窗口）{word}",
                             f"Bad rating: {rating.number} (window {rating.window}) {word_en}",
                             {"window": rating.window, "ticket": rating.ticket_id, "rating": rating.rating}))
    return out


def _case_conditions(facts: Facts, now: datetime) -> list[Condition]:
    """Every open 差评 case, yellow until its follow-up or its rectification (整改) is overdue
    (hall/cases.py), then red; it clears when the case is closed. Acknowledging it says it was
    seen: the case itself still has to be closed."""
    tz = facts.state.setup.hall.tz
    out = []
    for case in facts.cases:
        due = case.due_at.astimezone(tz).strftime("%m-%d %H:%M")
        late = cases.overdue(case, now)
        # the words stay true while the case moves on: where it stands is in the details
        text = (f"差评回访超时：{case.number}（{case.window} 号窗口）应于 {due} 前回访核实" if late
                else f"差评待办结：{case.number}（{case.window} 号窗口），{due} 前回访核实")
        text_en = (f"Bad-rating follow-up overdue: {case.number} (window {case.window}) was due by {due}" if late
                   else f"Bad-rating case open: {case.number} (window {case.window}), follow-up due by {due}")
        if cases.rectify_overdue(case, now):
            late, by = True, case.rectify_due_at.astimezone(tz).strftime("%m-%d %H:%M")
            text = f"差评整改超时：{case.number}（{case.window} 号窗口）应于 {by} 前整改"
            text_en = f"Bad-rating rectification overdue: {case.number} (window {case.window}) was due by {by}"
        details = {"case": case.id, "window": case.window, "status": case.status, "due_at": case.due_at.isoformat()}
        if case.rectify_due_at is not None:
            details["rectify_due_at"] = case.rectify_due_at.isoformat()
        out.append(Condition(("bad_rating_case", str(case.id)), RED if late else YELLOW, "ticket", text, text_en,
                             details))
    return out


def _device_conditions(facts: Facts, now: datetime) -> list[Condition]:
    limits = facts.state.setup.supervision.device_offline_minutes
    out = []
    for device in facts.devices:
        minutes = _minutes(device.offline_since, now) if device.offline_since else 0
        level = level_for(minutes, limits) if device.offline_since else None
        if level:
            out.append(Condition(("device_offline", str(device.id)), level, "device",
                                 f"设备 {device.name} 已离线 {minutes:.0f} 分钟",
                                 f"Device {device.name} offline for {minutes:.0f} min",
                                 {"device": device.id, "kind": device.kind, "minutes": round(minutes, 1)}))
        fault = _printer_fault(device)
        if device.kind == "kiosk" and fault:
            level, text, text_en = fault
            out.append(Condition(("printer", str(device.id)), level, "device",
                                 f"取号机 {device.name}：{text}", f"Kiosk {device.name}: {text_en}",
                                 {"device": device.id, "paper": device.paper, "online": device.printer_online}))
    return out


def _printer_fault(device: Device) -> tuple[str, str, str] | None:
    """Paper running low can wait for the next round; no paper or no printer cannot."""
    if device.printer_online is False:
        return RED, "打印机离线", "printer offline"
    if device.paper == "out":
        return RED, "打印机缺纸", "printer out of paper"
    if device.paper == "near_end":
        return YELLOW, "打印纸将尽", "printer paper running low"
    return None


def conditions(facts: Facts, now: datetime) -> dict[Key, Condition]:
    """Every alert condition that holds at `now`, by key."""
    found = (_item_conditions(facts.state, now) + _handling_conditions(facts.state, now)
             + _window_conditions(facts.state, now) + _rating_conditions(facts) + _case_conditions(facts, now)
             + _device_conditions(facts, now))
    return {c.key: c for c in found}


# --- against what is already open ------------------------------------------------------------------

def decide(current: dict[Key, Condition], open_alerts: Iterable[OpenAlert]) -> list[Decision]:
    """Raise what is new, escalate yellow that turned red, clear what no longer holds.

    An open red alert stays red while its condition holds, even if the figure falls back
    under the red line: the supervisor should see the worst it got until it is over.
    """
    opened = {alert.key: alert for alert in open_alerts}
    out = []
    for key, condition in sorted(current.items()):
        alert = opened.get(key)
        if alert is None:
            out.append(Decision("raise", key, condition))
        elif alert.level == YELLOW and condition.level == RED:
            out.append(Decision("escalate", key, condition))
    out += [Decision("clear", key) for key in sorted(opened) if key not in current]
    return out


def key_text(key: Key) -> str:
    return f"{key[0]}:{key[1]}"


def key_from_text(text: str) -> Key:
    rule, _, subject = text.partition(":")
    return (rule, subject)
