"""The bridge's view of the hall and its decisions, in plain Python: what each strip shows,
which REST call a keypad's action becomes, which rater to start and when a rating prompt
has waited long enough. No I/O: app.py carries the decisions out.

It follows the live channel: the snapshot on every (re)connect, then `window_changed`,
`ticket_called` and `ticket_changed`. A message the client replays after a gap still brings a
window's newer state to its strip (a newer seq wins, an older one is ignored) but never starts
a rater late.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hall.events import ServiceFinished
from hall.wording import window_state
from protocol.live import HALL_SNAPSHOT, TICKET_CALLED, TICKET_CHANGED, WINDOW_CHANGED

from . import frames
from .config import BridgeConfig, Rater, Strip
from .keys import Action

#: the pause a keypad's 0 + function key gives the window: a reason citizens read
PAUSE_REASON = "暂离"
#: the hall's rating timeout until the first snapshot says otherwise
DEFAULT_RATING_TIMEOUT = 60.0
#: colours of a strip's states
CALL_COLOUR, IDLE_COLOUR, PAUSED_COLOUR = frames.RED, frames.GREEN, frames.YELLOW


@dataclass(frozen=True)
class Request:
    """One REST call: POST `path` with `body`."""
    path: str
    body: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """A keypad's action the bridge will not even ask for (no current ticket, hall unknown)."""


@dataclass(frozen=True)
class ShowStrips:
    windows: frozenset[int]        # redraw the strips of these windows


@dataclass(frozen=True)
class StartRater:
    rater: Rater
    ticket_id: int


@dataclass
class PendingRating:
    ticket_id: int
    deadline: float


class HallPresenter:
    def __init__(self, config: BridgeConfig):
        self.config = config
        self.windows: dict[int, dict] = {}
        self.window_seq: dict[int, int] = {}
        self.prefixes: dict[str, str] = {}          # item code → ticket prefix
        self.rating_timeout = DEFAULT_RATING_TIMEOUT
        self.pending: dict[int, PendingRating] = {}   # window → the visit its rater asks about
        self.synced = False

    # --- the live channel ---------------------------------------------------------------------

    def apply(self, name: str, payload: dict, now: float) -> list[ShowStrips | StartRater]:
        """What to do about one live message."""
        if name == HALL_SNAPSHOT:
            return self._snapshot(payload)
        if name == WINDOW_CHANGED:
            return self._window(payload["window"], payload.get("seq"))
        if payload.get("replayed"):
            return []
        if name == TICKET_CALLED:
            return [ShowStrips(frozenset({payload["window"]}))]   # a recall redraws too
        if name == TICKET_CHANGED and payload.get("change") == ServiceFinished.KIND:
            return self._finished(payload["ticket"], now)
        return []

    def _snapshot(self, snapshot: dict) -> list[ShowStrips]:
        self.windows = {w["number"]: w for w in snapshot["windows"]}
        self.window_seq = {number: snapshot["seq"] for number in self.windows}
        self.prefixes = {s["code"]: s["prefix"] for s in snapshot["services"]}
        self.rating_timeout = float(snapshot["policy"]["rating_timeout_seconds"])
        self.synced = True
        return [ShowStrips(frozenset(strip.window for strip in self.config.strips))]

    def _window(self, view: dict, seq: int | None) -> list[ShowStrips]:
        number = view["number"]
        if seq is not None and seq < self.window_seq.get(number, -1):
            return []   # older than what the strip shows: a replay never rolls it back
        self.windows[number] = view
        if seq is not None:
            self.window_seq[number] = seq
        return [ShowStrips(frozenset({number}))]

    def _finished(self, ticket: dict, now: float) -> list[StartRater]:
        rater = next((r for r in self.config.raters if r.window == ticket.get("window")), None)
        if rater is None:
            return []
        self.pending[rater.window] = PendingRating(ticket["id"], now + self.rating_timeout)
        return [StartRater(rater, ticket["id"])]

    # --- strips ---------------------------------------------------------------------------------

    def strip_frame(self, strip: Strip) -> frames.A090Frame:
        view = self.windows.get(strip.window)
        if view is None:
            return frames.strip_frame(strip.address, "", IDLE_COLOUR)
        shown, current = view.get("shown"), view.get("current")
        if shown in ("called", "serving") and current:
            text = strip.text.format(number=current["number"], window=strip.window)
            return frames.strip_frame(strip.address, text, CALL_COLOUR)
        if shown == "paused":
            return frames.strip_frame(strip.address, self._elsewhere("暂停服务", view, view.get("pause_reason")),
                                      PAUSED_COLOUR)
        if shown == "closed":
            return frames.strip_frame(strip.address, self._elsewhere("暂停服务", view), PAUSED_COLOUR)
        return frames.strip_frame(strip.address, "空闲 请留意叫号", IDLE_COLOUR)

    @staticmethod
    def _elsewhere(state: str, view: dict, reason: str | None = None) -> str:
        parts = [state, reason or ""]
        if view.get("nearest_open"):
            parts.append(f"请到{view['nearest_open']}号窗口办理")
        return " ".join(part for part in parts if part)

    def strips_of(self, windows: frozenset[int]) -> list[Strip]:
        return [strip for strip in self.config.strips if strip.window in windows]

    # --- keypads --------------------------------------------------------------------------------

    def requests_for(self, action: Action, window: int) -> list[Request]:
        """The REST calls that carry out a keypad's action, in the order to try them: calling a
        typed number tries it with each prefix of the window's items, the first found wins."""
        view = self.windows.get(window)
        if view is None:
            raise Refused(f"{window} 号窗口尚未同步 / window {window} is not known yet")
        if action.name == "call_next":
            return [Request(f"/api/v1/windows/{window}/call-next")]
        if action.name == "call_number":
            serial = int(action.digits)
            prefixes = dict.fromkeys(self.prefixes[code] for code in view["services"] if code in self.prefixes)
            return [Request(f"/api/v1/windows/{window}/call", {"number": f"{prefix}{serial:03d}"})
                    for prefix in prefixes]
        if action.name == "pause_resume":
            if view["status"] == "paused":
                return [Request(f"/api/v1/windows/{window}/resume")]
            return [Request(f"/api/v1/windows/{window}/pause", {"reason": PAUSE_REASON})]
        current = view.get("current")
        if current is None:
            raise Refused(f"{window} 号窗口当前没有号 / window {window} has no current ticket")
        path = {"recall": "recall", "start": "start", "finish": "finish", "no_show": "no-show"}[action.name]
        return [Request(f"/api/v1/tickets/{current['id']}/{path}")]

    def note_reply(self, window: int, reply: Any) -> None:
        """What an action's reply says of its window, before the live message about it comes: a
        clerk's next key (start right after call) must find the ticket just called. The live
        message that follows, with its seq, replaces this."""
        view = self.windows.get(window)
        if view is None or not isinstance(reply, dict):
            return
        if isinstance(reply.get("window"), dict):
            self.windows[window] = reply["window"]
            return
        ticket = reply["ticket"] if "ticket" in reply else reply
        if not isinstance(ticket, dict) or "state" not in ticket:
            return
        current = None
        if ticket["state"] in ("called", "serving"):
            current = {key: ticket.get(key) for key in ("id", "number", "service", "state", "called_at")}
        elif (view.get("current") or {}).get("id") != ticket.get("id"):
            return   # about another ticket than the window's: leaves the window as it is
        self.windows[window] = view | {"current": current,
                                       "shown": window_state(view["status"], current and current["state"])}

    @staticmethod
    def number_after(reply: Any) -> str | None:
        """The window's current number as an action's reply leaves it (the keypad shows it)."""
        if not isinstance(reply, dict):
            return None
        if "window" in reply and isinstance(reply["window"], dict):
            current = reply["window"].get("current")
            return current["number"] if current else None
        ticket = reply["ticket"] if "ticket" in reply else reply
        if not isinstance(ticket, dict) or ticket.get("state") not in ("called", "serving"):
            return None
        return ticket.get("number")

    # --- raters ---------------------------------------------------------------------------------

    def rated(self, rater: Rater, value: int) -> tuple[int, int] | None:
        """(ticket id, level) for a rater's key, or None when nothing waits for a rating there
        or the value means nothing in the levels map."""
        level = rater.levels.get(value)
        pending = self.pending.get(rater.window)
        if level is None or pending is None:
            return None
        del self.pending[rater.window]
        return pending.ticket_id, level

    def timed_out(self, now: float) -> list[int]:
        """The visits whose rating prompt waited past the hall's timeout: recorded as not rated."""
        late = [window for window, p in self.pending.items() if p.deadline <= now]
        return [self.pending.pop(window).ticket_id for window in late]
