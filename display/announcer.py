"""The announcer: one worker thread saying calls strictly first-in, first-out.

Each announcement is a chime, then the sentence `repeat` times. Because one thread does all
of it, one after the other, two announcements can never overlap; a burst of calls waits in an
unbounded queue (a call is never dropped; a very long queue is logged, since it means the
hall calls faster than it can be told). During quiet hours calls are shown but not said.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from hall.setup import TimeRange

from .presenter import Announcement
from .speech import Speaker

log = logging.getLogger(__name__)

LONG_QUEUE = 10
_STOP = object()


@dataclass(frozen=True)
class VoiceSettings:
    repeat: int = 2
    quiet_hours: tuple[TimeRange, ...] = ()
    timezone: str = "Asia/Shanghai"
    mute: bool = False

    def quiet_at(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone)).time()
        return self.mute or any(r.contains(local) for r in self.quiet_hours)


class Announcer:
    def __init__(self, speaker: Speaker, settings: VoiceSettings = VoiceSettings(),
                 wall: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 on_start: Callable[[Announcement], None] | None = None,
                 still_due: Callable[[Announcement], bool] = lambda item: True):
        self.speaker = speaker
        self.still_due = still_due
        self.settings = settings
        self.wall = wall
        self.on_start = on_start or (lambda item: None)
        self.pending: queue.Queue = queue.Queue()
        self.spoken: list[Announcement] = []
        self.skipped: list[Announcement] = []      # in quiet hours
        self.overtaken: list[Announcement] = []    # the window moved on before its turn came
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._unfinished = 0
        self._done = threading.Condition()

    def start(self) -> "Announcer":
        self._thread.start()
        return self

    def enqueue(self, item: Announcement) -> None:
        with self._done:
            self._unfinished += 1
        self.pending.put(item)
        if self.pending.qsize() > LONG_QUEUE:
            log.warning("%d announcements waiting: calls come faster than they can be said",
                        self.pending.qsize())

    def stop(self, timeout: float = 5.0) -> None:
        self.pending.put(_STOP)
        self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        """True once everything queued has been said (for tools and tests)."""
        with self._done:
            return self._done.wait_for(lambda: self._unfinished == 0, timeout)

    def _run(self) -> None:
        while True:
            item = self.pending.get()
            if item is _STOP:
                return
            try:
                self._announce(item)
            except Exception:   # one bad sentence must not silence the board for the day
                log.exception("announcing %s failed", getattr(item, "number", item))
            with self._done:
                self._unfinished -= 1
                self._done.notify_all()

    def _announce(self, item: Announcement) -> None:
        if self.settings.quiet_at(self.wall()):
            self.skipped.append(item)
            return
        if not self.still_due(item):
            self.overtaken.append(item)
            log.info("%s at window %s not said: the window moved on before its turn", item.number, item.window)
            return
        self.on_start(item)
        self.speaker.chime()
        for _ in range(self.settings.repeat):
            self.speaker.say(item.spoken)
        self.spoken.append(item)
        log.info("announced %s → window %s", item.number, item.window)
