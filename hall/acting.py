"""Which window may act on what: the check a command's acting window gets in the core.

A command from a clerk or a window screen carries where it acts (`ActingWindow`); the hall
itself and supervisors act anywhere and carry none. `decide` runs `check_acting` on the
state the command's own transaction loaded, so a clerk who signed out, or a ticket that
another window took meanwhile, is refused by the hall as it is at the commit — never
admitted on a snapshot read earlier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import commands as c
from . import order
from .setup import HallConfig
from .tickets import CURRENT_STATES, QueueError, Ticket, TicketState, WindowStatus

if TYPE_CHECKING:
    from .queue import HallState

#: Commands about one window: only the clerk signed in there gives them.
WINDOW_COMMANDS = (c.CallNext, c.CallSpecific, c.SignOut, c.PauseWindow, c.ResumeWindow)
#: Commands a clerk gives about one ticket.
CLERK_TICKET_COMMANDS = (c.Recall, c.StartService, c.FinishService, c.MarkNoShow, c.HoldTicket,
                         c.ResumeTicket, c.TransferTicket, c.CancelTicket, c.ReturnLate)
#: Commands a window screen gives about the visit it just saw finish.
SCREEN_TICKET_COMMANDS = (c.RateService, c.SkipRating)


def may_act_on(setup: HallConfig, window: int, ticket: Ticket) -> bool:
    """Whether a clerk at `window` may act on `ticket`: a called or served citizen belongs to
    the window that called them; a held ticket to its window, or to any window of the item if
    it was held for any; any other to the window that last had it and to the windows that may
    call it (hall/order.py)."""
    if ticket.state in CURRENT_STATES:
        return ticket.window == window
    if ticket.state is TicketState.HELD:
        return ticket.window == window or (
            ticket.hold_return == "any" and window in setup.windows_serving(ticket.service))
    return ticket.window == window or window in order.calling_windows(setup, ticket)


def check_acting(state: "HallState", command: c.Command) -> None:
    """Refuse (QueueError, nothing changes) a command whose acting window may not give it."""
    acting = command.acting
    if acting is None:
        return
    if isinstance(command, WINDOW_COMMANDS):
        _clerk_of(state, command.window, acting, "not_your_window")
    elif isinstance(command, CLERK_TICKET_COMMANDS):
        _clerk_of(state, acting.window, acting, "not_signed_in")
        _ticket_of(state, command.ticket_id, acting, may_act_on)
    elif isinstance(command, SCREEN_TICKET_COMMANDS):
        _ticket_of(state, command.ticket_id, acting, lambda setup, window, ticket: ticket.window == window)


def _clerk_of(state: "HallState", number: int, acting: c.ActingWindow, code: str) -> None:
    window = state.window(number)
    signed_in = window.status is not WindowStatus.CLOSED and window.clerk == acting.clerk
    if number != acting.window or acting.clerk is None or not signed_in:
        raise QueueError(code, f"您未在 {number} 号窗口签到 / you are not signed in at window {number}")


def _ticket_of(state: "HallState", ticket_id: int, acting: c.ActingWindow, allowed) -> None:
    ticket = state.ticket(ticket_id)
    if not allowed(state.setup, acting.window, ticket):
        raise QueueError("not_your_ticket", f"{ticket.number} 不属于 {acting.window} 号窗口 / "
                         f"{ticket.number} is not for window {acting.window}")
