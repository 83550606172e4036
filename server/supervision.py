"""Supervision's service layer: evaluate the alert rules, record what changed, then tell the hall.

Evaluation runs after every published batch of events (batches of kiosk tickets alone at most
once per ISSUE_BURST_SECONDS, the last of them always followed by one) and on the clockwork's
timer every [supervision].check_seconds. Each evaluation is one write transaction (load the facts, decide,
record the raise / escalation / clearing in `alerts` and `alert_events`), and only after it
commits are `alert_raised` / `alert_cleared` pushed to the hall room. A failure here is logged
and never touches the queue: supervision watches the hall, it does not run it.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, time, timezone
from time import monotonic
from typing import TYPE_CHECKING, Any, Callable

from hall import alerts, identity, kpi
from hall import appointments as appointment_rules
from hall.alerts import Decision, Facts, OpenAlert, Rating
from hall.events import TicketIssued
from hall import order
from hall.tickets import WindowState
from protocol import live as wire

from . import cases, db, protocol, repository as repo
from .errors import ApiError
from .remote import remote_figures

if TYPE_CHECKING:
    from .app import Hall
    from .services import HallService

log = logging.getLogger(__name__)

SYSTEM = "system"

#: At a morning peak the kiosks commit a ticket every few milliseconds, and every rule looked at
#: again after each burst of them costs the kiosks' replies more than the tickets themselves. A
#: new ticket can only move the alerts a count or a wait crosses, and a supervisor cannot tell
#: such an alert from one a second later: so after batches of issued tickets alone the rules
#: are looked at at most once per this many seconds. A burst inside that time leaves an
#: evaluation owed, which the clockwork's next tick (every 2 s by default, in every process)
#: or the next batch pays, so no alert waits longer than that. Every other command (a call, a
#: pause, a rating) is looked at at once.
ISSUE_BURST_SECONDS = 1.0


class Supervision:
    """The alert rules applied to one running hall."""

    def __init__(self, service: "HallService", emit: Callable[[str, dict[str, Any]], None],
                 connected_devices: Callable[[], set[int]]):
        self.service = service
        self.emit = emit                            # one message to the hall's live clients
        self.connected_devices = connected_devices  # the devices with a live connection now
        self.lock = threading.Lock()          # one evaluation at a time: keys stay unique
        self.offline_since: dict[int, datetime] = {}
        self.last_check: datetime | None = None
        self.seconds = monotonic   # the burst limit's own clock (a test's may be fake)
        self.last_burst_check: float | None = None   # by `seconds`: the last evaluation
        self.owed = False   # issued tickets left unlooked at by the burst limit

    # --- when to evaluate ------------------------------------------------------------------------

    def after_publish(self, batch: list) -> None:
        """Called by Live.publish once a batch's own messages went out. The rules look at the
        hall as it is now, so while more committed batches wait to be published, the last of
        them evaluates for all: a burst of tickets costs one evaluation, not one each. Batches
        of issued tickets alone are looked at at most once per ISSUE_BURST_SECONDS."""
        publications = self.service.publications
        if publications is not None and publications.pending():
            self.owed = True
            return
        if _tickets_issued_only(batch) and self.last_burst_check is not None \
                and self.seconds() - self.last_burst_check < ISSUE_BURST_SECONDS:
            self.owed = True
            return
        self._guarded()

    def settle(self) -> None:
        """Called by the clockwork on every tick, in every process: the evaluation a burst of
        tickets left owed (see ISSUE_BURST_SECONDS)."""
        if self.owed:
            self._guarded()

    def on_timer(self) -> None:
        """Called by the clockwork; evaluates every check_seconds (waits grow without events)."""
        now = self.service.clock()
        every = self.service.setup().supervision.check_seconds
        if self.last_check is None or (now - self.last_check).total_seconds() >= every:
            self._guarded()

    def _guarded(self) -> None:
        self.owed = False   # before evaluating: a batch published meanwhile owes one again
        self.last_burst_check = self.seconds()
        try:
            self.evaluate()
        except Exception:   # supervision must never break the queue it watches
            log.exception("evaluating supervision rules failed")

    # --- evaluating ------------------------------------------------------------------------------

    def evaluate(self) -> list[tuple[str, dict[str, Any]]]:
        """One evaluation: decide, record, commit, then publish. Returns the messages sent."""
        with self.lock:
            now = self.service.clock()
            conn = self.service.database.connection()
            # most evaluations change nothing: decide on a read first, and take the hall's
            # write lock only when there is something to record
            with db.read(conn):
                decisions, _, _ = self._decide(conn, now)
            if not decisions:
                self.last_check = now
                return []
            with db.write(conn, halls=(self.service.hall_id,)):
                decisions, by_key, facts = self._decide(conn, now)
                changed = [self._record(conn, d, by_key, now, facts) for d in decisions]
                seq = repo.last_seq(conn, self.service.hall_id)
            self.last_check = now
        messages = [protocol.alert_message(name, seq, now, row) for name, row in changed]
        self._emit(messages)
        return messages

    def _decide(self, conn, now: datetime) -> tuple[list[Decision], dict, Facts]:
        facts = self._facts(conn, now)
        opened = repo.open_alerts(conn, self.service.hall_id)
        found = alerts.conditions(facts, now)
        decisions = alerts.decide(found, [OpenAlert(alerts.key_from_text(r["key"]), r["level"])
                                          for r in opened])
        return decisions, {r["key"]: r for r in opened}, facts

    def _facts(self, conn, now: datetime) -> Facts:
        state = self.service.state_in(conn)
        today = state.today(now)
        ratings = tuple(Rating(r["ticket_id"], r["number"], r["rating"], r["window"],
                               datetime.fromisoformat(r["at"]))
                        for r in repo.ratings_for_day(conn, self.service.hall_id, today))
        acknowledged = frozenset(alerts.key_from_text(k) for k in
                                 repo.acknowledged_alert_keys(conn, self.service.hall_id, today))
        return Facts(state, ratings, self._devices(conn, now, today), acknowledged,
                     cases.open_cases_for_alerts(conn, self.service.hall_id))

    def _devices(self, conn, now: datetime, today) -> tuple[alerts.Device, ...]:
        connected = self.connected_devices()
        out = []
        for row in repo.live_devices(conn, self.service.hall_id):
            seen_today = row["last_seen_at"] and _local_date(row["last_seen_at"], self.service) == today
            if row["id"] in connected or not seen_today:
                # a device never seen today is switched off for the day, not broken
                self.offline_since.pop(row["id"], None)
                since = None
            else:
                since = self.offline_since.setdefault(row["id"], now)
            printer = protocol.device_status(row).get("printer") or {}
            if printer.get("configured") is False:
                printer = {}   # no printer is the kiosk's setup, not a fault to raise
            out.append(alerts.Device(row["id"], row["name"], row["kind"], since,
                                     printer.get("online"), printer.get("paper")))
        return tuple(out)

    def _record(self, conn, decision: Decision, by_key: dict, now: datetime,
                facts: Facts) -> tuple[str, Any]:
        hall_id = self.service.hall_id
        key = alerts.key_text(decision.key)
        if decision.action == "clear":
            row = by_key[key]
            repo.clear_alert(conn, row["id"], now)
            repo.append_alert_event(conn, hall_id, row["id"], "cleared", row["level"], now, SYSTEM)
            return wire.ALERT_CLEARED, repo.get_alert(conn, hall_id, row["id"])
        condition = decision.condition
        if decision.action == "escalate":
            alert_id = by_key[key]["id"]
            repo.escalate_alert(conn, alert_id, condition.message, condition.message_en,
                                condition.details, now)
            repo.append_alert_event(conn, hall_id, alert_id, "escalated", condition.level, now, SYSTEM)
        else:
            alert_id = repo.insert_alert(conn, hall_id, {
                "key": key, "rule": condition.rule, "level": condition.level, "subject": condition.subject,
                "message": condition.message, "message_en": condition.message_en,
                "business_date": facts.state.today(now), "window": condition.details.get("window"),
                "service": condition.details.get("service"), "at": now, "details": condition.details})
            repo.append_alert_event(conn, hall_id, alert_id, "raised", condition.level, now, SYSTEM)
        return wire.ALERT_RAISED, repo.get_alert(conn, hall_id, alert_id)

    def _emit(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        for name, payload in messages:
            try:
                self.emit(name, payload)
            except Exception:   # recorded already; a dashboard that missed it re-reads on reconnect
                log.exception("publishing %s failed", name)

    # --- a supervisor's acknowledgement ----------------------------------------------------------

    def acknowledge(self, alert_id: int, actor: str) -> dict[str, Any]:
        """Mark an alert as seen by a supervisor; recorded, pushed live, and idempotent."""
        hall_id = self.service.hall_id
        now = self.service.clock()
        conn = self.service.database.connection()
        with self.lock, db.write(conn, halls=(hall_id,)):
            row = repo.get_alert(conn, hall_id, alert_id)
            if row is None:
                raise ApiError(404, "alert_not_found", f"没有这条告警 / no alert {alert_id}")
            if row["cleared_at"] is None and row["acknowledged_at"] is None:
                repo.acknowledge_alert(conn, alert_id, actor, now)
                repo.append_alert_event(conn, hall_id, alert_id, "acknowledged", row["level"], now, actor)
                fresh = True
            else:
                fresh = False
            row = repo.get_alert(conn, hall_id, alert_id)
            seq = repo.last_seq(conn, hall_id)
        if fresh:
            self._emit([protocol.alert_message(wire.ALERT_RAISED, seq, now, row)])
            self._guarded()   # an acknowledged 差评 has been dealt with: it clears now
        return protocol.alert_view(row)


def _tickets_issued_only(batch: list) -> bool:
    """Is this published batch (of (seq, event) pairs) kiosk tickets and nothing else?"""
    return bool(batch) and all(isinstance(event, TicketIssued) for _, event in batch)


def _local_date(iso_text: str, service) -> Any:
    return datetime.fromisoformat(iso_text).astimezone(service.setup().hall.tz).date()


# --- the dashboard's picture of the hall -----------------------------------------------------------

def dashboard(hall: "Hall") -> dict[str, Any]:
    """Every window with its timers, every item with its queue, every device, the open alerts."""
    service = hall.service
    conn = service.database.connection()
    with db.read(conn):
        state = service.state_read(conn)
        clerks = repo.clerk_names(conn, service.hall_id)
        devices = repo.live_devices(conn, service.hall_id)
        opened = repo.open_alerts(conn, service.hall_id)
        seq = repo.last_seq(conn, service.hall_id)
        now = service.clock()
        today = state.today(now)
        slots = repo.slot_bookings(conn, service.hall_id, today)
        figures = repo.booking_figures(conn, service.hall_id, today, today)
        case_views = _cases(conn, service, now)
        refused = [(r["service"], datetime.fromisoformat(r["refused_at"]))
                   for r in repo.person_refusals(conn, service.hall_id, today, today)]
        remote = remote_figures(repo.remote_log(conn, service.hall_id, today, today))
        held = service.held_for_remote(conn, now)
    setup = state.setup
    info = setup.hall
    return {
        "seq": seq, "at": protocol.iso(now),
        "hall": {"code": info.code, "name": info.name, "name_en": info.name_en, "timezone": info.timezone,
                 "business_date": protocol.iso(state.today(now))},
        "departments": [{"code": d.code, "name": d.name, "name_en": d.name_en} for d in setup.departments],
        "windows": [_window_row(state, spec.number, clerks) for spec in setup.windows],
        "services": [_service_row(state, item.code, now, held) for item in setup.services],
        "devices": [_device_row(row, hall.supervision.connected_devices(), hall.live.last_active)
                    for row in devices],
        "alerts": [protocol.alert_view(row) for row in opened],
        "cases": case_views,
        # today's tickets refused by the per-person limit (身份证): a scalping (黄牛) signal
        "person_limit_refusals": identity.count_refusals(refused, info.tz),
        "remote_tickets": remote,   # 远程取号 today: taken, activated, lapsed
        "thresholds": _thresholds(setup),
        "appointments": _appointments(setup, slots, figures, today, now)
        | {"sweeps": hall.appointments.sweeps.recent()},
    }


def _cases(conn, service, now: datetime) -> list[dict[str, Any]]:
    """Every 差评 case still open, whenever it opened, and those closed today."""
    start, _ = kpi.day_bounds(service.today(), service.today(), service.setup(conn).hall.tz)
    closed_today = repo.cases_where(conn, service.hall_id, "closed", closed_from=start.astimezone(timezone.utc))
    return cases.case_views(conn, service, repo.cases_where(conn, service.hall_id, "open") + closed_today, now)


def _appointments(setup, slots, figures: dict[str, int], today: date, now: datetime) -> dict[str, Any]:
    """Today's bookings: the day's figures and every slot that holds a booking, with whether it
    is under way (citizens may check in now) — the supervisor sees who is still to come."""
    tz, rules = setup.hall.tz, setup.appointments

    def row(r) -> dict[str, Any]:
        item = setup.service(r["service"])
        starts = datetime.combine(today, time.fromisoformat(r["slot_start"]), tz)
        ends = datetime.combine(today, time.fromisoformat(r["slot_end"]), tz)
        grace = appointment_rules.check_in(rules, starts, ends, now).outcome
        return {"service": item.code, "name": item.name, "name_en": item.name_en,
                "department": item.department, "start": r["slot_start"], "end": r["slot_end"],
                "phase": {"too_early": "coming", "on_time": "now", "too_late": "over"}[grace],
                **{k: int(r[k]) for k in ("booked", "checked_in", "on_time", "no_show", "cancelled")}}
    known = {item.code for item in setup.services}
    return {"enabled": rules.enabled, "today": figures,
            "slots": [row(r) for r in slots if r["service"] in known]}


def _window_row(state, number: int, clerks) -> dict[str, Any]:
    view = protocol.window_view(state.windows.get(number, WindowState(number)), state, clerks)
    setup = state.setup
    view["departments"] = sorted({setup.service(code).department for code in view["services"]})
    current = state.current_ticket(number)
    if current is not None:
        view["current"] |= {"issued_at": protocol.iso(current.issued_at),
                            "started_at": protocol.iso(current.started_at)}
    return view


def _service_row(state, code: str, now: datetime, held) -> dict[str, Any]:
    view = protocol.service_view(code, state, now, held)
    first = order.item_queue(state, code, state.today(now)).earliest()
    oldest = None if first is None else first.issued_at
    view["longest_wait_since"] = protocol.iso(oldest)
    view["longest_wait_seconds"] = 0 if oldest is None else round((now - oldest).total_seconds())
    return view


def _device_row(row, connected: set[int], last_active) -> dict[str, Any]:
    status = protocol.device_status(row)
    return {"id": row["id"], "name": row["name"], "kind": row["kind"], "window": row["window_number"],
            "connected": row["id"] in connected, "last_seen_at": row["last_seen_at"],
            "last_active_at": last_active(row["id"], row["last_seen_at"]),
            "status_at": row["status_at"], "printer": status.get("printer")}


def _thresholds(setup) -> dict[str, Any]:
    limits = setup.supervision
    def pair(t):
        return [t.yellow, t.red]
    return {"wait_minutes": pair(limits.wait_minutes), "handling_minutes": pair(limits.handling_minutes),
            "queue_length": pair(limits.queue_length), "paused_minutes": pair(limits.paused_minutes),
            "empty_window_minutes": pair(limits.empty_window_minutes),
            "device_offline_minutes": pair(limits.device_offline_minutes),
            "check_seconds": limits.check_seconds}
