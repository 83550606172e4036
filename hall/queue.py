"""The queue rules: which command moves which ticket or window where, and who is next.

`decide(state, command, now)` checks a command against the rules and returns the events
it causes, or raises `QueueError` and changes nothing. `evolve(state, event)` applies one
event. `handle` is both. Because state only ever changes through `evolve`, replaying the
event log rebuilds every ticket exactly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timedelta
from typing import Callable, Iterable, Mapping

from . import commands as c
from . import events as e
from . import order
from .acting import check_acting
from .book import TicketBook
from .config import HallConfig
from .estimate import WaitEstimate, estimate_wait
from .numbering import business_date, format_number
from .tickets import (OPEN_STATES, Priority, QueueError,
                      Ticket, TicketState, WindowState, WindowStatus)
from .wait import learned_wait_for

S = TicketState

#: Which command may move a ticket from which state to which. Anything else is refused.
TRANSITIONS: dict[str, dict[TicketState, TicketState]] = {
    "call": {S.WAITING: S.CALLED, S.TRANSFERRED: S.CALLED},
    "recall": {S.CALLED: S.CALLED},
    "start": {S.CALLED: S.SERVING},
    "finish": {S.SERVING: S.DONE},
    "no_show": {S.CALLED: S.NO_SHOW},
    "hold": {S.CALLED: S.HELD, S.SERVING: S.HELD},
    "resume": {S.HELD: S.WAITING},
    "transfer": {S.WAITING: S.TRANSFERRED, S.CALLED: S.TRANSFERRED, S.SERVING: S.TRANSFERRED,
                 S.HELD: S.TRANSFERRED, S.TRANSFERRED: S.TRANSFERRED},
    "cancel": {S.WAITING: S.CANCELLED, S.TRANSFERRED: S.CANCELLED, S.HELD: S.CANCELLED},
    "return_late": {S.NO_SHOW: S.WAITING},
    "expire": {state: S.EXPIRED for state in OPEN_STATES},
}

ACTION_NAMES = {
    "call": "叫号", "recall": "重呼", "start": "开始办理", "finish": "办结", "no_show": "过号",
    "hold": "挂起", "resume": "恢复", "transfer": "转移", "cancel": "取消", "return_late": "过号返回",
    "expire": "过期",
}


@dataclass(frozen=True)
class HallState:
    """What the rules need to see: the hall's setup, its windows and its open tickets.

    `last_serial` and `issued` hold today's counters per prefix and per item; a store
    loads them (and only the tickets a command may touch) before calling `decide`.
    `handling` holds today's handling minutes per item, oldest first, for the estimate.
    `tickets` is a `TicketBook` (given a dict, the state makes one of it): an event sets one
    ticket in a new book that shares the rest with the old, so no event copies them all.
    """

    setup: HallConfig
    windows: dict[int, WindowState] = field(default_factory=dict)
    tickets: Mapping[int, Ticket] = field(default_factory=TicketBook)
    last_serial: dict[tuple[date, str], int] = field(default_factory=dict)
    issued: dict[tuple[date, str], int] = field(default_factory=dict)
    handling: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.tickets, TicketBook):
            object.__setattr__(self, "tickets", TicketBook.of(self.tickets))

    @classmethod
    def fresh(cls, setup: HallConfig) -> "HallState":
        return cls(setup=setup, windows={w.number: WindowState(w.number) for w in setup.windows})

    def today(self, now: datetime) -> date:
        return business_date(now, self.setup.hall.tz)

    def ticket(self, ticket_id: int) -> Ticket:
        try:
            return self.tickets[ticket_id]
        except KeyError:
            raise QueueError("ticket_not_found", f"没有这张票 / no ticket {ticket_id}") from None

    def window(self, number: int) -> WindowState:
        if number not in self.windows:
            raise QueueError("window_not_found", f"没有 {number} 号窗口 / no window {number}")
        return self.windows[number]

    # The open tickets ordered as they are called (hall/order.py), built once when a state is
    # first asked and then carried from state to state by `evolve`, one ticket at a time.
    # cached_property writes the instance's __dict__ directly, which a frozen dataclass allows.

    @cached_property
    def index(self) -> order.QueueIndex:
        return order.QueueIndex.of(self.tickets.values())

    def current_ticket(self, window: int) -> Ticket | None:
        ticket_id = order.current_ticket_id(self, window)
        return None if ticket_id is None else self.tickets[ticket_id]

    def keeping_index(self, **changes) -> "HallState":
        """This state with `changes` that leave every line and window's current ticket as they
        are (finished tickets added or left out, handling times learned): the index is kept."""
        out = dataclasses.replace(self, **changes)
        _carry_index(self, out)
        return out


def _carry_index(before: HallState, after: HallState,
                 moved: tuple[Ticket | None, Ticket] | None = None) -> None:
    """Give `after` the index of `before`, with one ticket moved, if `before` had one built."""
    index = before.__dict__.get("index")
    if index is not None:
        after.__dict__["index"] = index if moved is None else index.moved(*moved)


# --- who is next: asked of hall/order.py, the one home of the call order -------------------

def people_ahead(state: HallState, ticket: Ticket, today: date | None = None) -> int:
    """People before a waiting ticket (see hall/order.py); a ticket's place is on its own day."""
    return order.people_ahead(state, ticket)


def wait_for(state: HallState, service: str, ahead: int, now: datetime | None = None) -> WaitEstimate:
    """The learned estimate (hall/wait.py); `naive_wait_for` is the first one, kept to compare."""
    return learned_wait_for(state, service, ahead, now)


def naive_wait_for(state: HallState, service: str, ahead: int) -> WaitEstimate:
    item = state.setup.service(service)
    return estimate_wait(ahead, item.handling_minutes, len(order.open_windows_for(state, service)),
                         len(state.setup.windows_serving(service)))


# --- deciding ----------------------------------------------------------------------------

def _move(ticket: Ticket, action: str) -> TicketState:
    target = TRANSITIONS[action].get(ticket.state)
    if target is None:
        raise QueueError(
            "illegal_transition",
            f"{ticket.number} 当前状态为 {ticket.state.value}，不能{ACTION_NAMES[action]} / "
            f"cannot {action.replace('_', ' ')} a ticket that is {ticket.state.value}")
    return target


def _open_window(state: HallState, number: int) -> WindowState:
    window = state.window(number)
    if window.status is WindowStatus.CLOSED:
        raise QueueError("window_closed", f"{number} 号窗口未签到 / window {number} is not signed in")
    if window.status is WindowStatus.PAUSED:
        raise QueueError("window_paused", f"{number} 号窗口暂停服务中 / window {number} is paused")
    return window


def _free_window(state: HallState, number: int) -> None:
    _open_window(state, number)
    current = state.current_ticket(number)
    if current is not None:
        raise QueueError("window_busy", f"{number} 号窗口正在办理 {current.number}，请先办结、过号或挂起 / "
                         f"window {number} still has {current.number}")


def issuing_refusal(state: HallState, service: str, now: datetime, reserved: int = 0) -> QueueError | None:
    """Why a ticket for `service` cannot be issued at `now`, or None if it can. `reserved`:
    places of the item's daily cap that others hold (remote tickets not yet activated)."""
    setup = state.setup
    try:
        item = setup.service(service)
    except KeyError:
        return QueueError("unknown_service", f"没有这个事项 / no service item {service!r}")
    local = now.astimezone(setup.hall.tz)
    today = local.date()
    if not setup.hall.is_working_day(today):
        return QueueError("hall_closed_today", "今日不办理业务 / the hall does not issue tickets today")
    if not any(r.contains(local.time()) for r in item.hours):
        hours = "、".join(str(r) for r in item.hours)
        return QueueError("outside_hours", f"{item.name} 取号时间为 {hours} / "
                          f"tickets for this item are issued {hours}")
    issued = state.issued.get((today, item.code), 0)
    if item.daily_cap is not None and issued + reserved >= item.daily_cap:
        if issued < item.daily_cap:   # the rest of the day is kept for remote tickets' holders
            return QueueError("daily_cap_reached", f"{item.name} 今日号源已发完（余号已留给远程取号）/ "
                              "today's tickets for this item have all been issued (the rest are "
                              "held for remote tickets)")
        return QueueError("daily_cap_reached", f"{item.name} 今日号源已发完 / today's tickets for "
                          "this item have all been issued")
    return None


def _issue(state: HallState, cmd: c.IssueTicket, now: datetime) -> list[e.Event]:
    setup = state.setup
    refusal = issuing_refusal(state, cmd.service, now, cmd.reserved)
    if refusal is not None:
        raise refusal
    if cmd.ticket_id in state.tickets:
        raise QueueError("duplicate_ticket", f"ticket id {cmd.ticket_id} already exists")
    item = setup.service(cmd.service)
    today = state.today(now)
    prefix = {Priority.GREEN: setup.numbering.green_prefix,
              Priority.APPOINTMENT: setup.numbering.appointment_prefix}.get(cmd.priority, item.prefix)
    serial = state.last_serial.get((today, prefix), 0) + 1
    return [e.TicketIssued(
        at=now, actor=cmd.actor, ticket_id=cmd.ticket_id, from_state=None, to_state=S.WAITING,
        business_date=today, service=item.code, prefix=prefix, serial=serial,
        number=format_number(prefix, serial, setup.numbering.digits), priority=cmd.priority)]


def _call_next(state: HallState, cmd: c.CallNext, now: datetime) -> list[e.Event]:
    _free_window(state, cmd.window)
    ticket = order.next_for_window(state, cmd.window, state.today(now))
    if ticket is None:
        return []
    return [e.TicketCalled(at=now, actor=cmd.actor, ticket_id=ticket.id, window=cmd.window,
                           from_state=ticket.state, to_state=_move(ticket, "call"))]


def _call_specific(state: HallState, cmd: c.CallSpecific, now: datetime) -> list[e.Event]:
    _free_window(state, cmd.window)
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "call")
    if not order.may_call(state.setup, cmd.window, ticket) or ticket.business_date != state.today(now):
        raise QueueError("not_served_here", f"{cmd.window} 号窗口不能办理 {ticket.number} / "
                         f"window {cmd.window} may not call {ticket.number}")
    if not cmd.reason.strip():
        raise QueueError("reason_required", "特呼需要填写原因 / calling a specific number needs a reason")
    return [e.TicketCalled(at=now, actor=cmd.actor, ticket_id=ticket.id, window=cmd.window,
                           from_state=ticket.state, to_state=target, specific=True,
                           reason=cmd.reason.strip())]


def _recall(state: HallState, cmd: c.Recall, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "recall")
    limit = state.setup.policy.max_recalls
    if ticket.recalls >= limit:
        raise QueueError("recall_limit", f"{ticket.number} 已重呼 {limit} 次，请标记过号 / "
                         f"recalled {limit} times already: mark it as no-show")
    return [e.TicketRecalled(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                             from_state=ticket.state, to_state=target, recalls=ticket.recalls + 1)]


#: 办件编号 as GB/T 39046-2020 gives it to the provincial 好差评 platform: at most 50 characters
CASE_NO_MAX = 50


def _case_no(cmd) -> str | None:
    """The case number a finish attaches (None when left empty), no longer than the standard's."""
    case_no = (getattr(cmd, "case_no", None) or "").strip()
    if len(case_no) > CASE_NO_MAX:
        raise QueueError("case_no_too_long", f"办件编号最多 {CASE_NO_MAX} 个字符（GB/T 39046-2020），"
                         f"此编号有 {len(case_no)} 个 / a case number has at most {CASE_NO_MAX} characters "
                         f"(GB/T 39046-2020); this one has {len(case_no)}")
    return case_no or None


def _simple(action: str, event_type: type[e.TicketEvent]):
    def decide_one(state: HallState, cmd, now: datetime) -> list[e.Event]:
        ticket = state.ticket(cmd.ticket_id)
        case_no = _case_no(cmd) if action == "finish" else None
        target = _move(ticket, action)
        extra = {"case_no": case_no} if case_no else {}
        return [event_type(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                           from_state=ticket.state, to_state=target, **extra)]
    return decide_one


def _no_show(state: HallState, cmd: c.MarkNoShow, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "no_show")
    policy = state.setup.policy
    waited = now - (ticket.called_at or now)
    if (ticket.recalls < policy.no_show_after_recalls
            and waited < timedelta(minutes=policy.no_show_after_minutes)):
        raise QueueError("no_show_too_early", f"请先重呼 {policy.no_show_after_recalls} 次或等候 "
                         f"{policy.no_show_after_minutes:g} 分钟再标记过号 / recall "
                         f"{policy.no_show_after_recalls} times or wait "
                         f"{policy.no_show_after_minutes:g} minutes before marking no-show")
    return [e.TicketMissed(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                           from_state=ticket.state, to_state=target)]


def _hold(state: HallState, cmd: c.HoldTicket, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "hold")
    if cmd.return_to not in ("window", "any"):
        raise QueueError("bad_return_to", "return_to must be 'window' or 'any'")
    minutes = state.setup.policy.hold_minutes if cmd.minutes is None else cmd.minutes
    if not 1 <= minutes <= 24 * 60:
        raise QueueError("bad_hold_minutes", "挂起时长应为 1–1440 分钟 / hold for 1 to 1440 minutes")
    return [e.TicketHeld(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                         from_state=ticket.state, to_state=target, return_to=cmd.return_to,
                         until=now + timedelta(minutes=minutes))]


def _resume(state: HallState, cmd: c.ResumeTicket, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "resume")
    back_to = ticket.window if ticket.hold_return == "window" else None
    return [e.TicketResumed(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                            from_state=ticket.state, to_state=target, target_window=back_to)]


def _transfer(state: HallState, cmd: c.TransferTicket, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "transfer")
    if (cmd.to_service is None) == (cmd.to_window is None):
        raise QueueError("bad_transfer", "转移需指定事项或窗口之一 / transfer to an item or to a window")
    to_service = ticket.service
    if cmd.to_service is not None:
        try:
            to_service = state.setup.service(cmd.to_service).code
        except KeyError:
            raise QueueError("unknown_service", f"没有这个事项 / no service item {cmd.to_service!r}") from None
        if to_service == ticket.service and ticket.state is S.TRANSFERRED:
            raise QueueError("bad_transfer", "已在该事项队列中 / already in that queue")
    else:
        state.window(cmd.to_window)
    return [e.TicketTransferred(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                                from_state=ticket.state, to_state=target,
                                from_service=ticket.service, to_service=to_service,
                                to_window=cmd.to_window)]


def _cancel(state: HallState, cmd: c.CancelTicket, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    return [e.TicketCancelled(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                              from_state=ticket.state, to_state=_move(ticket, "cancel"),
                              reason=cmd.reason.strip())]


def _return_late(state: HallState, cmd: c.ReturnLate, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    target = _move(ticket, "return_late")
    policy = state.setup.policy
    missed_for = now - (ticket.no_show_at or now)
    if (policy.late_return_minutes <= 0 or ticket.business_date != state.today(now)
            or missed_for > timedelta(minutes=policy.late_return_minutes)):
        raise QueueError("late_return_expired", "已超过过号返回时限，请重新取号 / too late to "
                         "return: please take a new ticket")
    # its class's stretch of the item's line, found by two binary searches
    line = order.item_queue(state, ticket.service, ticket.business_date)
    first, end = line.before((ticket.priority_class,)), line.before((ticket.priority_class + 1,))
    normals = line.slice(first, min(end - first, max(policy.late_return_places, 1)))
    places = policy.late_return_places
    # behind the K-th ticket of its class, or at the end if fewer wait
    rank_at = (normals[places - 1].rank_at + timedelta(microseconds=1)
               if places and len(normals) >= places else now)
    if places == 0 and normals:
        rank_at = normals[0].rank_at - timedelta(microseconds=1)
    return [e.TicketReturnedLate(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                                 from_state=ticket.state, to_state=target, rank_at=rank_at)]


RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
#: 不满意 and 非常不满意 are 差评: the citizen says why, and a supervisor follows it up
BAD_RATINGS = (2, 1)
#: why a visit was rated badly (the reasons the national 好差评 forms offer)
BAD_RATING_REASONS = {
    "attitude": ("服务态度不好", "Unfriendly service"),
    "slow": ("办理时间过长", "Took too long"),
    "wait": ("等候时间过长", "Waited too long"),
    "unclear": ("一次性告知不清", "Requirements not explained at once"),
    "runs": ("需要多次跑动", "Had to come back again"),
    "rules": ("办事流程或要求不合理", "Unreasonable procedure or requirements"),
    "other": ("其他", "Other"),
}
COMMENT_MAX = 200


def _rating_reasons(cmd: c.RateService) -> None:
    """Reasons belong to a 差评 only, each a known code; the comment is short free text."""
    if cmd.reasons and cmd.rating not in BAD_RATINGS:
        raise QueueError("bad_reasons", "只有不满意或非常不满意时填写原因 / reasons go with a bad rating only")
    unknown = [code for code in cmd.reasons if code not in BAD_RATING_REASONS]
    if unknown or len(set(cmd.reasons)) != len(cmd.reasons):
        raise QueueError("bad_reasons", "未知或重复的差评原因 / unknown or repeated reason: "
                         + ", ".join(map(str, unknown or cmd.reasons)))
    if len(cmd.comment) > COMMENT_MAX:
        raise QueueError("bad_comment", f"意见最多 {COMMENT_MAX} 字 / a comment has at most {COMMENT_MAX} characters")


def _rate(state: HallState, cmd: c.RateService, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    if ticket.state is not S.DONE:
        raise QueueError("not_finished", f"{ticket.number} 尚未办结，不能评价 / only a finished visit "
                         "can be rated")
    if ticket.rating is not None:
        raise QueueError("already_rated", f"{ticket.number} 已评价 / this visit was rated already")
    if cmd.rating not in RATINGS:
        raise QueueError("bad_rating", "评价为 1–5 / a rating is 1 to 5")
    _rating_reasons(cmd)
    return [e.ServiceRated(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                           from_state=ticket.state, to_state=ticket.state, rating=cmd.rating,
                           reasons=tuple(cmd.reasons), comment=cmd.comment.strip())]


def _skip_rating(state: HallState, cmd: c.SkipRating, now: datetime) -> list[e.Event]:
    ticket = state.ticket(cmd.ticket_id)
    if ticket.state is not S.DONE or ticket.rating is not None:
        raise QueueError("not_awaiting_rating", f"{ticket.number} 不在待评价状态 / not waiting for a rating")
    return [e.RatingSkipped(at=now, actor=cmd.actor, ticket_id=ticket.id, window=ticket.window,
                            from_state=ticket.state, to_state=ticket.state)]


def _expire_day(state: HallState, cmd: c.ExpireDay, now: datetime) -> list[e.Event]:
    today = state.today(now)
    out: list[e.Event] = [
        e.TicketExpired(at=now, actor=cmd.actor, ticket_id=t.id, window=t.window,
                        from_state=t.state, to_state=S.EXPIRED)
        for t in sorted(state.tickets.values(), key=lambda t: t.id)
        if t.is_open and t.business_date < today]
    for window in sorted(state.windows.values(), key=lambda w: w.number):
        stale = window.since is None or business_date(window.since, state.setup.hall.tz) < today
        current = state.current_ticket(window.number)
        # a clerk who signed in before midnight and is serving today's citizen stays
        busy_today = current is not None and current.business_date == today
        if window.status is not WindowStatus.CLOSED and stale and not busy_today:
            out.append(e.WindowSignedOut(at=now, actor=cmd.actor, window=window.number,
                                         clerk=window.clerk))
    return out


def _sign_in(state: HallState, cmd: c.SignIn, now: datetime) -> list[e.Event]:
    window = state.window(cmd.window)
    if window.status is not WindowStatus.CLOSED:
        raise QueueError("window_taken", f"{cmd.window} 号窗口已有工作人员签到 / "
                         f"someone is already signed in at window {cmd.window}")
    for other in state.windows.values():
        if other.clerk == cmd.clerk and other.status is not WindowStatus.CLOSED:
            raise QueueError("clerk_elsewhere", f"您已在 {other.number} 号窗口签到，请先签退 / "
                             f"you are signed in at window {other.number}: sign out there first")
    return [e.WindowSignedIn(at=now, actor=cmd.actor, window=cmd.window, clerk=cmd.clerk)]


def _sign_out(state: HallState, cmd: c.SignOut, now: datetime) -> list[e.Event]:
    window = state.window(cmd.window)
    if window.status is WindowStatus.CLOSED:
        raise QueueError("window_closed", f"{cmd.window} 号窗口未签到 / window {cmd.window} is not signed in")
    current = state.current_ticket(cmd.window)
    if current is not None:
        raise QueueError("window_busy", f"请先处理当前的 {current.number} / finish, hold or "
                         f"mark {current.number} first")
    return [e.WindowSignedOut(at=now, actor=cmd.actor, window=cmd.window, clerk=window.clerk)]


def _pause(state: HallState, cmd: c.PauseWindow, now: datetime) -> list[e.Event]:
    _free_window(state, cmd.window)
    reason = cmd.reason.strip()
    if not reason or len(reason) > 100:
        raise QueueError("reason_required", "暂停需要填写原因 (100 字以内) / pausing needs a reason "
                         "(at most 100 characters)")
    return [e.WindowPaused(at=now, actor=cmd.actor, window=cmd.window,
                           clerk=state.windows[cmd.window].clerk, reason=reason)]


def _resume_window(state: HallState, cmd: c.ResumeWindow, now: datetime) -> list[e.Event]:
    window = state.window(cmd.window)
    if window.status is not WindowStatus.PAUSED:
        raise QueueError("window_not_paused", f"{cmd.window} 号窗口没有暂停 / window {cmd.window} is not paused")
    return [e.WindowResumed(at=now, actor=cmd.actor, window=cmd.window, clerk=window.clerk)]


DECIDERS: dict[type, Callable[[HallState, c.Command, datetime], list[e.Event]]] = {
    c.IssueTicket: _issue,
    c.CallNext: _call_next,
    c.CallSpecific: _call_specific,
    c.Recall: _recall,
    c.StartService: _simple("start", e.ServiceStarted),
    c.FinishService: _simple("finish", e.ServiceFinished),
    c.MarkNoShow: _no_show,
    c.HoldTicket: _hold,
    c.ResumeTicket: _resume,
    c.TransferTicket: _transfer,
    c.CancelTicket: _cancel,
    c.ReturnLate: _return_late,
    c.RateService: _rate,
    c.SkipRating: _skip_rating,
    c.ExpireDay: _expire_day,
    c.SignIn: _sign_in,
    c.SignOut: _sign_out,
    c.PauseWindow: _pause,
    c.ResumeWindow: _resume_window,
}


def decide(state: HallState, command: c.Command, now: datetime) -> list[e.Event]:
    """The events `command` causes at `now`; raises QueueError (and changes nothing) if refused."""
    if now.tzinfo is None:
        raise ValueError("the queue core needs aware datetimes")
    check_acting(state, command)
    return DECIDERS[type(command)](state, command, now)


# --- evolving ----------------------------------------------------------------------------

def _ticket_after(ticket: Ticket | None, event: e.TicketEvent) -> Ticket:
    if isinstance(event, e.TicketIssued):
        return Ticket(id=event.ticket_id, business_date=event.business_date, service=event.service,
                      prefix=event.prefix, serial=event.serial, number=event.number,
                      priority=event.priority, state=event.to_state, issued_at=event.at,
                      rank_at=event.at)
    assert ticket is not None, f"event for unknown ticket {event.ticket_id}"
    change: dict[str, object] = {"state": event.to_state}
    match event:
        case e.TicketCalled():
            change |= {"window": event.window, "called_at": event.at, "recalls": 0, "started_at": None,
                       "target_window": None, "hold_return": None, "hold_until": None}
        case e.TicketRecalled():
            change |= {"recalls": event.recalls}
        case e.ServiceStarted():
            change |= {"started_at": event.at}
        case e.ServiceFinished():
            change |= {"case_no": event.case_no}
        case e.TicketMissed():
            change |= {"no_show_at": event.at}
        case e.TicketHeld():
            change |= {"hold_return": event.return_to, "hold_until": event.until}
        case e.TicketResumed():
            change |= {"boosted": True, "target_window": event.target_window, "called_at": None}
        case e.TicketTransferred():
            change |= {"service": event.to_service, "target_window": event.to_window,
                       "boosted": True, "called_at": None, "recalls": 0,
                       "hold_return": None, "hold_until": None}
        case e.ServiceRated():
            change |= {"rating": event.rating}
        case e.TicketReturnedLate():
            change |= {"rank_at": event.rank_at, "called_at": None, "recalls": 0}
    return dataclasses.replace(ticket, **change)


def _window_after(window: WindowState, event: e.WindowEvent) -> WindowState:
    match event:
        case e.WindowSignedIn():
            return WindowState(event.window, WindowStatus.OPEN, event.clerk, None, event.at)
        case e.WindowSignedOut():
            return WindowState(event.window, WindowStatus.CLOSED, None, None, event.at)
        case e.WindowPaused():
            return dataclasses.replace(window, status=WindowStatus.PAUSED,
                                       pause_reason=event.reason, since=event.at)
        case e.WindowResumed():
            return dataclasses.replace(window, status=WindowStatus.OPEN, pause_reason=None,
                                       since=event.at)
    raise TypeError(event)


def evolve(state: HallState, event: e.Event) -> HallState:
    """The state after one event; the only way state changes."""
    if isinstance(event, e.WindowEvent):
        windows = dict(state.windows)
        windows[event.window] = _window_after(windows.get(event.window, WindowState(event.window)), event)
        after = dataclasses.replace(state, windows=windows)
        _carry_index(state, after)
        return after
    assert isinstance(event, e.TicketEvent)
    before = state.tickets.get(event.ticket_id)
    ticket = _ticket_after(before, event)
    tickets = state.tickets.set(ticket.id, ticket)   # shares every other ticket with `state`
    if not isinstance(event, e.TicketIssued):
        after = dataclasses.replace(state, tickets=tickets)
    else:
        serials, issued = dict(state.last_serial), dict(state.issued)
        serials[(ticket.business_date, ticket.prefix)] = max(
            ticket.serial, serials.get((ticket.business_date, ticket.prefix), 0))
        key = (ticket.business_date, ticket.service)
        issued[key] = issued.get(key, 0) + 1
        after = dataclasses.replace(state, tickets=tickets, last_serial=serials, issued=issued)
    _carry_index(state, after, (before, ticket))
    return after


def replay(state: HallState, events: Iterable[e.Event]) -> HallState:
    for event in events:
        state = evolve(state, event)
    return state


def handle(state: HallState, command: c.Command, now: datetime) -> tuple[HallState, list[e.Event]]:
    events = decide(state, command, now)
    return replay(state, events), events


def due_hold_returns(state: HallState, now: datetime) -> list[int]:
    """Held tickets whose hold has run out: they come back to the queue by themselves."""
    return sorted(state.index.returns_due(now))   # read off the index: nothing is scanned
