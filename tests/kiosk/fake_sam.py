"""A fake SAM ID card reader on a pseudo-terminal: the driver opens the terminal's device file
with pyserial as it would open /dev/ttyUSB0, and the fake answers each command frame with the
reply frames a test lines up (or cuts a reply short, or goes away like an unplugged reader)."""

from __future__ import annotations

import os
import select
import threading
import tty
from collections import deque

from kiosk.identity.sam import FIND_CARD, NOT_FOUND, PREAMBLE, checksum, reply_frame

#: what the fake does for a command instead of sending a frame
SILENCE = b""             # no answer at all
UNPLUG = "unplug"         # the reader goes away: the terminal's controlling side closes


class FakeSamReader:
    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.replies: dict[bytes, deque] = {}
        self.commands: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def answer(self, command: bytes, *replies) -> None:
        """Line up replies (bytes, SILENCE or UNPLUG) for the next times `command` comes."""
        self.replies.setdefault(command, deque()).extend(replies)

    def _serve(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                pending += os.read(self.master, 256)
            except OSError:
                return
            pending = self._answer_whole_frames(pending)

    def _answer_whole_frames(self, pending: bytes) -> bytes:
        while True:
            start = pending.find(PREAMBLE)
            if start < 0 or len(pending) < start + 7:
                return pending
            length = int.from_bytes(pending[start + 5:start + 7], "big")
            end = start + 7 + length
            if len(pending) < end:
                return pending
            body = pending[start + 5:end - 1]
            assert checksum(body) == pending[end - 1], "the driver sent a frame with a bad checksum"
            command = body[2:4]
            self.commands.append(command)
            self._reply(command)
            pending = pending[end:]

    def _reply(self, command: bytes) -> None:
        queue = self.replies.get(command)
        # with nothing lined up, a reader with no card on it: "no card" to find, silence otherwise
        idle = reply_frame(NOT_FOUND) if command == FIND_CARD else SILENCE
        reply = queue.popleft() if queue else idle
        if reply == UNPLUG:
            self.unplug()
        elif reply:
            os.write(self.master, reply)

    def unplug(self) -> None:
        self._stop.set()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        self.unplug()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
