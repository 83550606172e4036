"""Handing a day's ratings to the provincial 好差评 platform: an interface any province's client
can fill, a generic HTTP JSON poster, and a delivery log of every attempt.

Off by default: a hall turns it on by naming the platform's address in `[server]`
`ratings_upload_url` (and, where the platform wants one, `ratings_upload_token`).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Protocol

from . import db, ratings, repository as repo

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The platform did not take the rows; `attempts` says how often it was asked."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


class RatingUploader(Protocol):
    """What a provincial platform's client does: take one export, or raise DeliveryFailed."""

    destination: str

    def deliver(self, export: dict[str, Any]) -> int:
        """Hand the export over; returns how many attempts it took."""


@dataclass
class HttpJsonPoster:
    """POSTs the export as JSON; a refusal for the content (4xx) is final, a server error (5xx)
    or a network failure is tried again after a growing pause."""

    destination: str
    token: str = ""
    attempts: int = 3
    pause_seconds: float = 2.0
    timeout_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep

    def _post(self, body: bytes) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.destination, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
            response.read()

    def deliver(self, export: dict[str, Any]) -> int:
        body = json.dumps(export, ensure_ascii=False).encode("utf-8")
        for attempt in range(1, self.attempts + 1):
            try:
                self._post(body)
                return attempt
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    raise DeliveryFailed(f"HTTP {exc.code}: the platform refused the rows", attempt) from None
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
            if attempt < self.attempts:
                self.sleep(self.pause_seconds * 2 ** (attempt - 1))
        raise DeliveryFailed(f"{problem} after {self.attempts} attempts", self.attempts)


def configured_uploader(settings) -> HttpJsonPoster | None:
    """The hall's uploader from its `[server]` settings, or None when uploading is off (the default)."""
    if not settings.ratings_upload_url:
        return None
    return HttpJsonPoster(settings.ratings_upload_url, token=settings.ratings_upload_token)


def upload_day(service, day: date, uploader: RatingUploader,
               now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> dict[str, Any]:
    """Send one business day's rated visits and log the attempt, delivered or not."""
    export = ratings.rated_rows(service, day, day)
    try:
        attempts = uploader.deliver(export)
        result, detail = "delivered", ""
    except DeliveryFailed as exc:
        attempts, result, detail = exc.attempts, "failed", str(exc)
    conn = service.database.connection()
    with db.write(conn):
        repo.insert_rating_delivery(conn, service.hall_id, day.isoformat(), now(), uploader.destination,
                                    len(export["rows"]), attempts, result, detail)
    return {"date": day.isoformat(), "rows": len(export["rows"]), "attempts": attempts,
            "result": result, "detail": detail}


class UploadSchedule:
    """The uploader run by the clockwork: every `every_seconds` it hands over each finished
    business day of the last CATCH_UP_DAYS that the delivery log does not show as delivered,
    oldest first. A day delivered once is never sent again, and one run at a time goes out, on a
    thread of its own: retries against a slow platform take minutes, and the clockwork's other
    jobs (held tickets coming back, the day's rollover) must not wait for them."""

    CATCH_UP_DAYS = 7

    def __init__(self, service, uploader: RatingUploader, every_seconds: float):
        self.service = service
        self.uploader = uploader
        self.every_seconds = every_seconds
        self.last_run: datetime | None = None
        self._running: threading.Thread | None = None

    def days_due(self) -> list[date]:
        """Finished days of the catch-up window with no delivered row, oldest first."""
        today = self.service.today()
        days = [today - timedelta(days=back) for back in range(self.CATCH_UP_DAYS, 0, -1)]
        conn = self.service.database.connection()
        with db.read(conn):
            delivered = repo.delivered_rating_days(conn, self.service.hall_id, days[0].isoformat())
        return [day for day in days if day.isoformat() not in delivered]

    def run_once(self) -> list[dict[str, Any]]:
        """Send every day due now; the outcome of each, as `upload_day` gives it."""
        with self.service.database.checked_out():
            return [upload_day(self.service, day, self.uploader, self.service.clock) for day in self.days_due()]

    def tick(self) -> bool:
        """Called on each clockwork tick: starts a run when one is due and none is under way."""
        now = self.service.clock()
        if self._running is not None and self._running.is_alive():
            return False
        if self.last_run is not None and (now - self.last_run).total_seconds() < self.every_seconds:
            return False
        self.last_run = now
        self._running = threading.Thread(target=self._run_logged, name="jiaohao-ratings-upload", daemon=True)
        self._running.start()
        return True

    def _run_logged(self) -> None:
        try:
            for outcome in self.run_once():
                log.info("好差评 upload of %s: %s after %d attempt(s) %s", outcome["date"], outcome["result"],
                         outcome["attempts"], outcome["detail"])
        except Exception:   # the next interval tries again; the hall keeps running
            log.exception("好差评 upload run failed")

    def wait(self, timeout: float = 30.0) -> None:
        """Until a run under way has ended (for an orderly stop, and for tests)."""
        if self._running is not None:
            self._running.join(timeout)
