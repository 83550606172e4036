"""远程取号: the remote walk-in service — take a ticket for today from a phone, activate it on
site (the kiosk, or the hall's entrance QR code on the phone), and lapse it when its deadline
passes. Each step is one transaction; the rules are in hall/remote.py.

A remote ticket is a held place, not a ticket in the queue: activation issues the ticket
through `HallService.issue(..., along=mark)`, so the place is marked used in the very
transaction that issues it and two kiosks scanning one code get one ticket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import date, datetime
from typing import Any

from hall import identity, order, remote as rules
from hall.appointments import check_mobile, mask_mobile
from hall.numbering import business_date
from hall.queue import issuing_refusal, wait_for
from hall.remote import Activation, RemoteState
from hall.tickets import Priority, QueueError

from . import db, repository as repo
from .appointments import new_code, normal_code
from .services import HallService, IssuedTicket

log = logging.getLogger(__name__)

ACTOR = "citizen"


def remote_not_found() -> QueueError:
    return QueueError("remote_not_found", "没有这个远程取号码 / no remote ticket with this code")


class RemoteWalkIns:
    def __init__(self, hall: HallService):
        self.hall = hall

    # --- the hall's entrance QR code ----------------------------------------------------------

    def entrance_token(self) -> str:
        """The token in the QR code posted at the hall's entrance: whoever scans it stands in the
        hall. Derived from the server's secret, so it survives restarts and is never stored."""
        digest = hmac.new(self.hall.secret.encode(), f"entrance:{self.hall.hall_id}".encode(),
                          hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def at_entrance(self, token: object) -> bool:
        return isinstance(token, str) and hmac.compare_digest(token.encode(), self.entrance_token().encode())

    # --- taking ---------------------------------------------------------------------------------

    def offered(self) -> list[dict[str, Any]]:
        """Today's items offered remotely, with the places left and the wait as it stands."""
        setup, now = self.hall.setup(), self.hall.clock()
        conn = self.hall.database.connection()
        with db.read(conn):
            state = self.hall.state_read(conn)
            today = business_date(now, setup.hall.tz)
            items = []
            for item in setup.services:
                if not setup.remote.offered(item.code):
                    continue
                counts = repo.remote_counts_on(conn, self.hall.hall_id, today, item.code)
                places = rules.remote_places(setup.remote, item)
                refusal = issuing_refusal(state, item.code, now)
                items.append({"code": item.code, "name": item.name, "name_en": item.name_en,
                              "identity": item.identity.value,
                              "places_left": max(0, places - _holding(counts)),
                              "open": refusal is None,
                              "closed_message": None if refusal is None else refusal.message}
                             | self._wait(state, item.code, now))
        return items

    def _wait(self, state, service: str, now: datetime) -> dict[str, Any]:
        """The wait a remote citizen is shown: the hall's estimate for a ticket issued now, with
        its `uncertain` flag and the words that say how far to trust it (hall/remote.py)."""
        waiting = len(order.item_queue(state, service, state.today(now)))
        estimate = wait_for(state, service, waiting, now)
        words = rules.remote_wait_words(estimate)
        return {"waiting": waiting, "estimated_wait": estimate.as_dict(), "uncertain": estimate.uncertain,
                "wait_text": words.zh, "wait_text_en": words.en}

    def take(self, service: str, mobile: str, id_number: object = None, actor: str = ACTOR) -> dict[str, Any]:
        """A remote ticket for today, or the rule that refuses it. A refusal by the per-person
        limit is counted like one at the kiosk (a scalping signal)."""
        setup = self.hall.setup()
        try:
            item = setup.service(service)
        except KeyError:
            raise QueueError("unknown_service", f"没有这个事项 / no service item {service!r}") from None
        if not setup.remote.offered(service):
            raise rules.not_offered(service)
        mobile = check_mobile(mobile)
        person = self.hall.person_for(service, id_number)
        try:
            remote_id = self._take(item, mobile, person, actor)
        except QueueError as refused:
            if refused.code == "person_limit_reached":
                self.hall.count_refusal(service)
            raise
        return self.view_of(repo.remote_ticket_by(self.hall.database.connection(), self.hall.hall_id, "id",
                                                  remote_id))

    def _take(self, item, mobile: str, person, actor: str) -> int:
        hall, setup = self.hall, self.hall.setup()
        mobile_index = hall.vault.index(mobile)
        conn = hall.database.connection()
        now = hall.clock()
        today = business_date(now, setup.hall.tz)
        with db.write(conn, halls=(hall.hall_id,)):
            state = hall.state_in(conn)
            counts = repo.remote_counts_on(conn, hall.hall_id, today, item.code)
            rules.check_take(setup.remote, item, issuing_refusal(state, item.code, now),
                             taken_for_item=_holding(counts),
                             held_against_cap=state.issued.get((today, item.code), 0) + counts.get("taken", 0),
                             taken_by_mobile=repo.remote_tickets_of_mobile(conn, hall.hall_id, mobile_index, today))
            category = None
            if person is not None:
                index = hall.person_index(person)
                identity.person_may_take(setup.identity, item.code, item.name,
                                         repo.person_tickets_on(conn, hall.hall_id, index, today))
                category = identity.green_category(setup.identity, person.number, None, today)
            row = {"business_date": today, "service": item.code, "mobile_index": mobile_index,
                   "mobile_sealed": hall.vault.seal(mobile),
                   "person_index": hall.person_index(person) if person else None,
                   "masked": person.number.masked if person else None, "green_category": category,
                   "deadline": rules.deadline(setup.remote, now, rules.hours_end(item, now, setup.hall.tz))}
            remote_id = self._insert(conn, row, now)
            repo.log_remote(conn, hall.hall_id, repo.remote_ticket_by(conn, hall.hall_id, "id", remote_id),
                            "taken", now, actor)
        log.info("remote ticket %d taken for %s", remote_id, item.code)
        return remote_id

    def _insert(self, conn, row: dict[str, Any], now: datetime) -> int:
        for _ in range(5):   # a repeated random code is rare; draw again rather than fail
            try:
                with db.savepoint(conn, "remote_code"):
                    return repo.insert_remote_ticket(conn, self.hall.hall_id, row | {"code": new_code()}, now)
            except db.IntegrityError:
                continue
        raise RuntimeError("could not draw a free remote ticket code")

    # --- what the citizen sees ------------------------------------------------------------------

    def find(self, code: str):
        row = repo.remote_ticket_by(self.hall.database.connection(), self.hall.hall_id, "code", normal_code(code))
        if row is None:
            raise remote_not_found()
        return row

    def view(self, code: str) -> dict[str, Any]:
        self.lapse_due()
        return self.view_of(self.find(code))

    def view_of(self, row) -> dict[str, Any]:
        """A remote ticket as its holder sees it: masked numbers only; while it waits to be
        activated, the wait as it stands now; once activated, its ticket."""
        setup = self.hall.setup()
        tz = setup.hall.tz
        item = setup.service(row["service"])
        due = datetime.fromisoformat(row["deadline"])
        view: dict[str, Any] = {
            "code": row["code"], "service": item.code, "service_name": item.name, "service_name_en": item.name_en,
            "state": row["state"], "business_date": row["business_date"],
            "deadline": due.astimezone(tz).isoformat(), "deadline_local": f"{due.astimezone(tz):%H:%M}",
            "mobile": mask_mobile(self.hall.vault.open(row["mobile_sealed"])) if row["mobile_sealed"] else "",
            "id_number_masked": row["masked"] or "", "activated_via": row["activated_via"]}
        if row["state"] == RemoteState.TAKEN:
            view |= self._wait(self.hall.snapshot(), item.code, self.hall.clock())
        if row["ticket_id"] is not None:
            ticket = self.hall.ticket(row["ticket_id"])
            view |= {"ticket_number": ticket.number if ticket else None, "ticket_id": row["ticket_id"],
                     "track_token": self.hall.track_token(row["ticket_id"])}
        return view

    # --- activating on site ---------------------------------------------------------------------

    def activate(self, code: str, via: Activation, actor: str) -> tuple[IssuedTicket, dict[str, Any]]:
        """The remote ticket joins the queue now, as a ticket issued at this moment."""
        row = self.find(code)
        refusal = rules.activation_refusal(RemoteState(row["state"]), datetime.fromisoformat(row["deadline"]), self.hall.clock())
        if refusal is not None:
            if refusal.code == "remote_lapsed":
                self.lapse_due()
            raise refusal

        def mark(conn, ticket_id: int) -> None:
            now = self.hall.clock()
            if not repo.activate_remote_ticket(conn, row["id"], ticket_id, via.value, now):
                raise QueueError("remote_already_activated", "该远程号已激活 / this remote ticket is already "
                                 "in the queue")   # another kiosk took this code at this moment
            if row["person_index"]:
                repo.tie_ticket_to_person(conn, self.hall.hall_id, ticket_id, date.fromisoformat(row["business_date"]),
                                          row["service"], row["person_index"], row["masked"], None,
                                          row["green_category"])
            repo.log_remote(conn, self.hall.hall_id, row, "activated", now, actor, ticket_id, via.value)

        priority = identity.priority_for(Priority.NORMAL, row["green_category"])
        issued = self.hall.issue(row["service"], priority, actor=actor, along=mark, own_place=True)
        log.info("remote ticket %d activated at the %s as %s", row["id"], via.value, issued.ticket.number)
        return issued, self.view_of(repo.remote_ticket_by(self.hall.database.connection(), self.hall.hall_id,
                                                          "id", row["id"]))

    # --- lapsing and figures ---------------------------------------------------------------------

    def lapse_due(self) -> int:
        """Remote tickets not activated by their deadline lapse (and give their place back).
        Run by the clockwork and before anything is read, so nobody sees a stale state; it
        reads first and takes the write lock only when one is due."""
        now = self.hall.clock()
        conn = self.hall.database.connection()
        with db.read(conn):
            if not repo.remote_tickets_due(conn, self.hall.hall_id, now):
                return 0
        lapsed = 0
        with db.write(conn, halls=(self.hall.hall_id,)):
            for row in repo.remote_tickets_due(conn, self.hall.hall_id, now):
                if rules.lapsed(RemoteState(row["state"]), datetime.fromisoformat(row["deadline"]), now) \
                        and repo.lapse_remote_ticket(conn, row["id"], now):
                    repo.log_remote(conn, self.hall.hall_id, row, "lapsed", now, "system")
                    lapsed += 1
        log.info("%d remote tickets lapsed, not activated in time", lapsed)
        return lapsed

    def figures(self, first: date, last: date) -> dict[str, Any]:
        """Remote tickets of the days [first, last] from their log: taken, activated (at the
        kiosk, at the entrance) and lapsed, in all and per item."""
        self.lapse_due()
        conn = self.hall.database.connection()
        with db.read(conn):
            rows = repo.remote_log(conn, self.hall.hall_id, first, last)
        return remote_figures(rows)


def remote_figures(rows) -> dict[str, Any]:
    kinds = ("taken", "activated", "lapsed")
    total = dict.fromkeys(kinds, 0) | {"activated_at_kiosk": 0, "activated_at_entrance": 0}
    by_item: dict[str, dict[str, int]] = {}
    for row in rows:
        item = by_item.setdefault(row["service"], dict.fromkeys(kinds, 0))
        item[row["kind"]] += 1
        total[row["kind"]] += 1
        if row["kind"] == "activated":
            total[f"activated_at_{row['via']}"] += 1
    return total | {"by_item": dict(sorted(by_item.items()))}


def _holding(counts: dict[str, int]) -> int:
    """Remote tickets that hold or used a place today: a lapsed one gave its place back."""
    return counts.get(RemoteState.TAKEN, 0) + counts.get(RemoteState.ACTIVATED, 0)
