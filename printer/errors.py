"""The one exception of the printer package, worded for the hall's IT person."""

from __future__ import annotations


class PrinterError(Exception):
    """Printing or a status check failed; the message says where and what to check.

    `kind` lets the kiosk and the dashboard tell causes apart without parsing text:
    "url" (the printer address is wrong), "unreachable" (nothing answers there),
    "timeout" (it answered, then stopped accepting data), "io" (any other failure on
    the way), "font" (no CJK font for raster printing or the preview).
    """

    def __init__(self, zh: str, en: str, *, where: str = "", detail: str = "",
                 kind: str = "io"):
        self.zh = zh
        self.en = en
        self.where = where
        self.detail = detail
        self.kind = kind
        message = f"{zh} / {en}"
        if where:
            message += f" at {where}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
