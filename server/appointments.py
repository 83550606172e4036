"""The appointment service: book, view, move, cancel and check in, each one transaction.

The rules are in hall/appointments.py; here is the storage around them. A slot's capacity is
checked and the booking written inside one BEGIN IMMEDIATE transaction under the write lock,
so however many people press "book" at once, a slot never holds more than its places.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from hall import appointments as rules
from hall.appointments import AppointmentError, Slot
from hall.setup import HallConfig
from hall.tickets import Priority

from . import db, repository as repo
from .ratelimit import SweepWatch
from .personal import Vault
from .security import hash_token
from .services import HallService, IssuedTicket

#: no 0/O, 1/I/L: a code read aloud or typed from a slip is not mistaken
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8          # 31^8 ≈ 8.5e11: guessing a live code is hopeless at the rate limit
DESK = "desk"            # the mobile of a booking made at the service desk for someone without a phone


@dataclass(frozen=True)
class Booked:
    booking: dict[str, Any]
    manage_token: str | None = None   # only when just created: the database keeps its hash


@dataclass(frozen=True)
class CheckedIn:
    outcome: str                  # "on_time" or "too_late" (then a normal ticket)
    issued: IssuedTicket
    booking: dict[str, Any]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(code: str) -> str:
    """What a scanner or a hurried hand typed, as stored: upper case, no spaces or dashes."""
    return code.strip().upper().replace(" ", "").replace("-", "")


def booking_view(row, setup: HallConfig, vault: Vault) -> dict[str, Any]:
    """A booking as anyone may see it: the mobile number masked (opened only to be masked),
    the name shortened. A booking whose personal data was purged shows neither."""
    item = setup.service(row["service"])
    if row["at_desk"]:
        mobile = DESK
    elif row["mobile_sealed"]:
        mobile = rules.mask_mobile(vault.open(row["mobile_sealed"]))
    else:
        mobile = ""
    return {"code": row["code"], "service": row["service"], "service_name": item.name,
            "service_name_en": item.name_en, "date": row["slot_date"], "start": row["slot_start"],
            "end": row["slot_end"], "state": row["state"], "mobile": mobile,
            "name": (row["name"][:1] + "*" * (len(row["name"]) - 1)) if row["name"] else "",
            "ticket_id": row["ticket_id"], "remind": bool(row["remind"])}


class AppointmentService:
    def __init__(self, hall: HallService):
        self.hall = hall
        self.sweeps = SweepWatch()   # refused citizen bookings, by address, for the supervisors

    @property
    def setup(self) -> HallConfig:
        return self.hall.setup()

    def _view(self, row) -> dict[str, Any]:
        return booking_view(row, self.setup, self.hall.vault)

    # --- slots -----------------------------------------------------------------------------

    def days(self, service: str) -> list[date]:
        self._item(service)
        return rules.bookable_days(self.setup.appointments, self.setup.hall, service, self.hall.today())

    def slots(self, service: str, day: date) -> list[dict[str, Any]]:
        """The day's slots with the places still free; slots already over are left out."""
        setup, now = self.setup, self.hall.clock()
        self._item(service)
        capacity = setup.appointments.rules_for(service).capacity
        taken = repo.booked_per_slot(self.hall.database.connection(), self.hall.hall_id, service, day)
        return [{"start": f"{s.start:%H:%M}", "end": f"{s.end:%H:%M}", "capacity": capacity,
                 "free": max(0, capacity - taken.get(f"{s.start:%H:%M}", 0))}
                for s in rules.slots_on(setup.appointments, setup.hall, service, day)
                if s.ends_at(setup.hall.tz) > now]

    def _item(self, service: str) -> None:
        try:
            self.setup.service(service)
        except KeyError:
            raise AppointmentError("unknown_service", f"没有事项 {service} / no item {service}") from None
        if not self.setup.appointments.bookable(service):
            raise AppointmentError("not_bookable", "该事项不可预约 / this item cannot be booked")

    def _slot(self, service: str, day: date, start: time) -> Slot:
        self._item(service)
        return rules.find_slot(self.setup.appointments, self.setup.hall, service, day, start)

    # --- booking -------------------------------------------------------------------------------

    def book(self, service: str, day: date, start: time, mobile: str, name: str = "",
             actor: str = "citizen", remind: bool = False) -> Booked:
        """Book a place. The desk (staff) may book without a mobile number; limits then do not
        apply, since they count per number. `remind`: the citizen asked for text reminders."""
        at_desk = mobile == DESK
        mobile = mobile if at_desk else rules.check_mobile(mobile)
        index = None if at_desk else self.hall.vault.index(mobile)
        slot = self._slot(service, day, start)
        token = secrets.token_urlsafe(24)     # 192 bits
        conn = self.hall.database.connection()
        now = self.hall.clock()
        with db.write(conn, halls=(self.hall.hall_id,)):
            self._may_take(conn, service, slot, index, now, besides=None)
            row = {"code": new_code(), "manage_token_hash": hash_token(token), "service": service,
                   "slot_date": day.isoformat(), "slot_start": f"{slot.start:%H:%M}",
                   "slot_end": f"{slot.end:%H:%M}", "at_desk": at_desk, "mobile_index": index,
                   "mobile_sealed": None if at_desk else self.hall.vault.seal(mobile),
                   "remind": remind and not at_desk, "name": name.strip()[:40], "created_by": actor}
            booking_id = self._insert(conn, row, now)
            found = repo.booking_by(conn, self.hall.hall_id, "id", booking_id)
        return Booked(self._view(found), token)

    def _insert(self, conn, row: dict[str, Any], now: datetime) -> int:
        for _ in range(5):   # a repeated random code is rare; draw again rather than fail
            try:
                with db.savepoint(conn, "booking_code"):
                    return repo.insert_booking(conn, self.hall.hall_id, row, now)
            except db.IntegrityError:
                row = row | {"code": new_code()}
        raise RuntimeError("could not draw a free booking code")

    def _may_take(self, conn, service: str, slot: Slot, mobile_index: str | None, now: datetime,
                  besides: int | None) -> None:
        """Inside the write transaction: the rules, the number's limits (no number at the desk),
        the places left, then how many of them went in the last minutes (a sweep from many
        addresses)."""
        setup = self.setup
        same_day = same_item = 0
        if mobile_index is not None:
            same_day = repo.open_bookings_of(conn, self.hall.hall_id, mobile_index, day=slot.day,
                                             besides=besides)
            same_item = repo.open_bookings_of(conn, self.hall.hall_id, mobile_index, service=service,
                                              besides=besides)
        rules.check_booking(setup.appointments, setup.hall, service, slot, now, same_day, same_item)
        start, capacity = f"{slot.start:%H:%M}", setup.appointments.rules_for(service).capacity
        taken = repo.booked_in_slot(conn, self.hall.hall_id, service, slot.day, start)
        if taken >= capacity:
            raise AppointmentError("slot_full", "该时段已约满，请选择其他时段 / this slot is full: "
                                   "choose another")
        if mobile_index is not None:   # the desk books for someone standing in front of it
            taken_at = repo.open_bookings_taken_at(conn, self.hall.hall_id, service, slot.day, start)
            rules.check_slot_burst(setup.appointments, capacity, taken_at, now)

    # --- the manage link ---------------------------------------------------------------------------

    def managed(self, token: str):
        row = repo.booking_by(self.hall.database.connection(), self.hall.hall_id, "manage_token_hash",
                              hash_token(token))
        if row is None:
            raise AppointmentError("booking_not_found", "没有这个预约 / no such booking")
        return row

    def view(self, token: str) -> dict[str, Any]:
        return self._view(self.managed(token))

    def cancel(self, token: str) -> dict[str, Any]:
        row = self.managed(token)
        conn = self.hall.database.connection()
        with db.write(conn, halls=(self.hall.hall_id,)):
            if not repo.set_booking_state(conn, row["id"], "cancelled", self.hall.clock()):
                raise AppointmentError("not_booked", "该预约已签到、取消或过期 / this booking was already "
                                       "used, cancelled or missed")
            row = repo.booking_by(conn, self.hall.hall_id, "id", row["id"])
        return self._view(row)

    def move(self, token: str, day: date, start: time) -> dict[str, Any]:
        row = self.managed(token)
        slot = self._slot(row["service"], day, start)
        conn = self.hall.database.connection()
        with db.write(conn, halls=(self.hall.hall_id,)):
            row = repo.booking_by(conn, self.hall.hall_id, "id", row["id"])
            if row["state"] != "booked":
                raise AppointmentError("not_booked", "该预约已签到、取消或过期 / this booking was already "
                                       "used, cancelled or missed")
            self._may_take(conn, row["service"], slot, row["mobile_index"], self.hall.clock(),
                           besides=row["id"])
            repo.move_booking(conn, row["id"], day, f"{slot.start:%H:%M}", f"{slot.end:%H:%M}",
                              self.hall.clock())
            row = repo.booking_by(conn, self.hall.hall_id, "id", row["id"])
        return self._view(row)

    # --- check-in at the kiosk -----------------------------------------------------------------------

    def check_in(self, code: str, actor: str, accept_normal: bool = True) -> CheckedIn:
        """Today's booking inside its grace gets an appointment ticket; a late one a normal
        ticket when the hall offers it; an early one is told when to come back."""
        row = repo.booking_by(self.hall.database.connection(), self.hall.hall_id, "code", normal_code(code))
        if row is None:
            raise AppointmentError("booking_not_found", "没有这个预约码 / no booking with this code")
        if row["state"] != "booked":
            raise AppointmentError("not_booked", "该预约已签到、取消或过期 / this booking was already "
                                   "used, cancelled or missed", state=row["state"])
        decision = self._decide(row)
        if decision.outcome == "too_early":
            back = decision.come_back_at
            # another day's booking must say which day, not just the time
            when = f"{back:%H:%M}" if back.date() == self.hall.today() else f"{back:%Y-%m-%d %H:%M}"
            raise AppointmentError("too_early", f"请于 {when} 后签到 / please check in from {when}",
                                   come_back_at=back)
        if decision.outcome == "too_late" and not (decision.normal_ticket and accept_normal):
            raise AppointmentError("too_late", "已超过预约时段 / the appointment time has passed",
                                   normal_ticket=decision.normal_ticket)
        on_time = decision.outcome == "on_time"
        priority = Priority.APPOINTMENT if on_time else Priority.NORMAL

        def mark(conn, ticket_id: int) -> None:
            if not repo.set_booking_state(conn, row["id"], "checked_in", self.hall.clock(),
                                          ticket_id=ticket_id, on_time=on_time):
                # another kiosk checked the same code in at this moment: this ticket is undone
                raise AppointmentError("not_booked", "该预约已签到 / this booking is already checked in")

        issued = self.hall.issue(row["service"], priority, actor=actor, along=mark)
        row = repo.booking_by(self.hall.database.connection(), self.hall.hall_id, "id", row["id"])
        return CheckedIn(decision.outcome, issued, self._view(row))

    def _decide(self, row) -> rules.CheckIn:
        tz = self.setup.hall.tz
        day = date.fromisoformat(row["slot_date"])
        starts = datetime.combine(day, time.fromisoformat(row["slot_start"]), tz)
        ends = datetime.combine(day, time.fromisoformat(row["slot_end"]), tz)
        return rules.check_in(self.setup.appointments, starts, ends, self.hall.clock())

    # --- no-shows and figures --------------------------------------------------------------------------

    def mark_no_shows(self) -> int:
        """Bookings never checked in by their slot's end + late grace become no-shows (预约爽约).
        Run by the clockwork and before figures are read, so reports never see stale states.
        It reads first and takes the write lock only when a booking is due: the clockwork runs
        it every tick, and the hall's writers should not queue behind an empty write."""
        now = self.hall.clock()
        conn = self.hall.database.connection()
        with db.read(conn):
            if not self._no_shows_due(conn, now):
                return 0
        with db.write(conn, halls=(self.hall.hall_id,)):
            due = self._no_shows_due(conn, now)
            for row in due:
                repo.set_booking_state(conn, row["id"], "no_show", now)
        return len(due)

    def _no_shows_due(self, conn, now: datetime) -> list:
        tz = self.setup.hall.tz
        def over(row) -> bool:
            ends = datetime.combine(date.fromisoformat(row["slot_date"]), time.fromisoformat(row["slot_end"]), tz)
            return now > rules.no_show_after(self.setup.appointments, ends)
        return [row for row in repo.bookings_due_for_no_show(conn, self.hall.hall_id, now.astimezone(tz).date())
                if over(row)]

    def figures(self, first: date, last: date) -> dict[str, int]:
        self.mark_no_shows()
        return repo.booking_figures(self.hall.database.connection(), self.hall.hall_id, first, last)
