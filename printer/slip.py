"""What a ticket slip says: the ticket and hall values the layout turns into lines.

These are plain frozen values so that the kiosk, the print-test command and the tests
can build a slip without a database: the kiosk fills a `SlipTicket` from the ticket it
has just issued, and `slip_hall_from_config` reads the hall's part once at startup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from hall.setup import HallConfig
from hall.estimate import estimate_wait

#: Base of the tracking address printed on sample slips; real slips carry the URL the
#: server gave the kiosk. `.example` is reserved, so a sample QR never leads anywhere.
SAMPLE_TRACK_BASE = "https://jiaohao.example/q"


@dataclass(frozen=True)
class SlipTicket:
    """One issued ticket, as the citizen needs to read it."""

    number: str
    service_code: str
    service_name: str
    service_name_en: str
    department_name: str
    department_name_en: str
    waiting_ahead: int
    wait_low: int          # minutes
    wait_high: int         # minutes
    windows: tuple[int, ...]   # the windows to watch
    track_url: str
    issued_at: datetime    # aware; printed in the hall's time zone
    no_window: bool = False   # no window serves the item now: the slip promises no wait

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValueError("SlipTicket.issued_at must be timezone-aware")
        if self.waiting_ahead < 0 or self.wait_low < 0 or self.wait_high < self.wait_low:
            raise ValueError("SlipTicket: waiting_ahead and the wait range must be ≥ 0, low ≤ high")


@dataclass(frozen=True)
class SlipHall:
    """The hall's part of every slip."""

    name: str
    name_en: str
    tz: str
    footer: str
    footer_en: str
    logo: str = ""   # path of a logo image, "" for none


def slip_hall_from_config(config: HallConfig) -> SlipHall:
    return SlipHall(
        name=config.hall.name,
        name_en=config.hall.name_en,
        tz=config.hall.timezone,
        footer=config.slip.footer,
        footer_en=config.slip.footer_en,
        logo=config.slip.logo,
    )


def sample_ticket(config: HallConfig, service_code: str | None = None, *, serial: int = 23,
                  waiting_ahead: int = 7, issued_at: datetime | None = None,
                  track_base: str = SAMPLE_TRACK_BASE) -> SlipTicket:
    """A realistic ticket of the configured hall, for print-test, docs and tests.

    Without a service code it takes the item served by the most windows, so the
    sample shows the longest window list a citizen of this hall can meet.
    """
    if service_code is None:
        service = max(config.services, key=lambda s: len(config.windows_serving(s.code)))
    else:
        service = config.service(service_code)
    department = config.department(service.department)
    windows = config.windows_serving(service.code)
    wait = estimate_wait(waiting_ahead, service.handling_minutes, len(windows), len(windows))
    number = f"{service.prefix}{serial:0{config.numbering.digits}d}"
    if issued_at is None:
        issued_at = datetime.now(timezone.utc).replace(microsecond=0)
    local_day = issued_at.astimezone(config.hall.tz).date()
    return SlipTicket(
        number=number,
        service_code=service.code,
        service_name=service.name,
        service_name_en=service.name_en,
        department_name=department.name,
        department_name_en=department.name_en,
        waiting_ahead=waiting_ahead,
        wait_low=wait.low,
        wait_high=wait.high,
        windows=windows,
        track_url=f"{track_base.rstrip('/')}/{config.hall.code}/{local_day:%Y%m%d}/{number}",
        issued_at=issued_at,
    )
