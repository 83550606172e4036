"""Screenshots of the supervisor's dashboard, the reports and the daily report for docs/images,
from the real pages against a hall that has lived through a realistic week: the shipped
config.toml, four working days and a Thursday morning simulated minute by minute through the
service layer, then served live at 10:40 with the browser's clock set to the same moment.

    python -m tests.supervision.screenshots [OUTPUT_DIR]     (default: docs/images)
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect, sync_playwright

from hall import commands as c
from hall.tickets import QueueError, TicketState, WindowStatus
from server import accounts
from server.app import create_app
from server.appointments import AppointmentService
from server.cli import demo_people
from server.datadir import open_data_dir
from server.services import HallService
from tests.conftest import REPO, FakeClock
from common.launcher import free_port
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "demo-only-2026"
PAST_DAYS = [date(2026, 11, 20), date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 10, 40, tzinfo=TZ)
STAFFED = [n for n in range(1, 31) if n not in (12, 23, 29)]
RATING_MIX = [5] * 30 + [4] * 12 + [3] * 4 + [2, 1] + [None] * 8


class Morning:
    """A hall's working day stepped minute by minute: arrivals, calls, handling, ratings."""

    def __init__(self, service: HallService, clock: FakeClock, clerks: dict[int, int], rng: random.Random):
        self.service, self.clock, self.clerks, self.rng = service, clock, clerks, rng
        self.busy_until: dict[int, datetime] = {}
        self.items = [s.code for s in service.setup().services]
        self.weights = [max(1, 12 - i // 6) for i in range(len(self.items))]
        self.arrivals: dict[str, datetime] = {}     # booking code → when its citizen checks in
        self.bookings = AppointmentService(service)

    def run(self, day: date, until: datetime, staffed: list[int]) -> None:
        self.clock.now = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ)
        self.service.expire_past_days()
        for number in staffed:
            self.do(c.SignIn(window=number, clerk=self.clerks[number], actor=f"user:{self.clerks[number]}"))
        while self.clock.now < until:
            self.minute(staffed)
            self.clock.advance(minutes=1)

    def close_day(self, staffed: list[int]) -> None:
        """At closing the clerks finish whom they have and sign out."""
        state = self.service.snapshot()
        for number in staffed:
            current = state.current_ticket(number)
            if current is not None and current.state is TicketState.CALLED:
                self.do(c.MarkNoShow(ticket_id=current.id, actor="system"))
            elif current is not None:
                self.do(c.FinishService(ticket_id=current.id, actor="system"))
            self.do(c.SignOut(window=number, actor="system"))

    def do(self, command):
        try:
            return self.service.execute(command)
        except QueueError:
            return None   # the hall's rules said no: a real clerk would have been refused too

    def book_today(self) -> None:
        """The morning's appointments, booked days before: most citizens check in a few minutes
        before their slot; about one in eight never comes (a no-show)."""
        slots = ("09:00", "09:30", "10:00", "10:30", "11:00")
        for n, (item, start) in enumerate((i, s) for i in ("A01", "B01", "G01") for s in slots):
            for k in range(self.rng.randint(1, 3)):
                booked = self.bookings.book(item, TODAY, time_of_day.fromisoformat(start), f"139{n:04d}{k:04d}")
                if self.rng.random() > 0.125:
                    slot = datetime.combine(TODAY, time_of_day.fromisoformat(start), TZ)
                    self.arrivals[booked.booking["code"]] = slot - timedelta(minutes=self.rng.randint(0, 12))

    def check_in_arrivals(self) -> None:
        for code, at in list(self.arrivals.items()):
            if at <= self.clock.now:
                self.bookings.check_in(code, actor="device:1")
                del self.arrivals[code]

    def minute(self, staffed: list[int]) -> None:
        self.check_in_arrivals()
        local = self.clock.now.astimezone(TZ)
        peak = 1.8 if 9 <= local.hour < 11 or 14 <= local.hour < 16 else 0.9
        if local.hour == 12 or local.hour >= 17:
            peak = 0.1
        for _ in range(self.rng.choices([0, 1, 2, 3], [1, 2, peak * 2, peak])[0]):
            try:
                self.service.issue(self.rng.choices(self.items, self.weights)[0], actor="device:1")
            except QueueError:
                pass   # outside the item's issuing hours: the kiosk would have said so
        state = self.service.snapshot()
        for number in staffed:
            if state.windows[number].status is WindowStatus.OPEN:
                self.work(number, state.current_ticket(number))

    def work(self, number: int, ticket) -> None:
        actor = f"user:{self.clerks[number]}"
        if ticket is None:
            self.do(c.CallNext(window=number, actor=actor))
            return
        if ticket.state is TicketState.CALLED:
            if self.rng.random() < 0.04 and ticket.recalls < 2:
                self.do(c.Recall(ticket_id=ticket.id, actor=actor))
            elif ticket.recalls >= 2:
                self.do(c.MarkNoShow(ticket_id=ticket.id, actor=actor))
            else:
                self.do(c.StartService(ticket_id=ticket.id, actor=actor))
                minutes = self.service.setup().service(ticket.service).handling_minutes
                self.busy_until[number] = self.clock.now + timedelta(minutes=self.rng.uniform(0.5, 1.3) * minutes)
            return
        if ticket.state is TicketState.SERVING and self.clock.now >= self.busy_until.get(number, self.clock.now):
            self.do(c.FinishService(ticket_id=ticket.id, actor=actor))
            rating = self.rng.choice(RATING_MIX)
            command = (c.SkipRating(ticket_id=ticket.id, actor="device:3") if rating is None
                       else c.RateService(ticket_id=ticket.id, rating=rating, actor="device:3"))
            self.do(command)


def build_hall(root: Path) -> tuple[Path, Path]:
    config = REPO / "config.toml"
    data = open_data_dir(root / "var", config)
    ids = {}
    for username, role, name, staff_no in demo_people([w.number for w in HallService(data.database, data.hall_id).setup().windows]):
        ids[username] = accounts.add_user(data.database, data.hall_id, username, role, PASSWORD, name, staff_no)
    tokens = {name: accounts.add_device(data.database, data.hall_id, name, kind, window).token
              for name, kind, window in (("kiosk-1", "kiosk", None), ("kiosk-2", "kiosk", None),
                                         ("board-1", "display", None), ("window-03", "window", 3),
                                         ("window-05", "window", 5))}
    clock = FakeClock()
    service = HallService(data.database, data.hall_id, clock=clock)
    clerks = {n: ids[f"clerk{n:02d}"] for n in range(1, 31)}
    morning = Morning(service, clock, clerks, random.Random(2026))
    for day in PAST_DAYS:
        morning.run(day, datetime(day.year, day.month, day.day, 17, 0, tzinfo=TZ), STAFFED)
        morning.close_day(STAFFED)
    morning.book_today()
    morning.run(TODAY, NOW - timedelta(minutes=25), STAFFED)
    # the morning's trouble: window 9 away since 10:15, window 13 never came back from a meeting
    state = service.snapshot()
    for number in (9, 13):
        current = state.current_ticket(number)
        if current is not None and current.state is TicketState.CALLED:
            morning.do(c.StartService(ticket_id=current.id, actor="system"))
        if current is not None:
            morning.do(c.FinishService(ticket_id=current.id, actor="system"))
    morning.do(c.PauseWindow(window=9, reason="临时离开", actor=f"user:{clerks[9]}"))
    morning.do(c.SignOut(window=13, actor=f"user:{clerks[13]}"))
    while clock.now < NOW - timedelta(seconds=30):
        morning.minute([n for n in STAFFED if n not in (9, 13)])
        clock.advance(minutes=1)
    morning.bookings.mark_no_shows()
    data.close()
    return root / "var", config, tokens


class RunningClock:
    """The hall's clock for the live server: NOW when started, then real seconds pass."""

    def __init__(self, start: datetime):
        self.start, self.began = start, time.monotonic()

    def __call__(self) -> datetime:
        return (self.start + timedelta(seconds=time.monotonic() - self.began)).astimezone(ZoneInfo("UTC"))


def serve(data: Path, config: Path) -> str:
    from server.app import socketio
    app = create_app(data, config, clock=RunningClock(NOW))
    port = free_port()
    threading.Thread(target=lambda: socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True,
                                                 use_reloader=False, log_output=False), daemon=True).start()
    time.sleep(1.5)
    return f"http://127.0.0.1:{port}"


def devices_at_work(url: str, tokens: dict[str, str]) -> list:
    """The kiosks, the board and a window screen connected live; kiosk-2's paper runs low and
    window-05's screen has been switched off (never connected today)."""
    import requests
    import socketio
    clients = []
    for name in ("kiosk-1", "kiosk-2", "board-1", "window-03"):
        client = socketio.Client()
        client.connect(url, auth={"token": tokens[name]}, transports=["websocket"])
        clients.append(client)
    for name, paper in (("kiosk-1", "ok"), ("kiosk-2", "near_end")):
        requests.post(f"{url}/api/v1/devices/status", json={"printer": {"online": True, "paper": paper}},
                      headers={"Authorization": f"Bearer {tokens[name]}"}, timeout=10)
    return clients


def sign_in(page, url: str, path: str) -> None:
    page.goto(url + path)
    page.fill("#login-user", "supervisor")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#board")).to_be_visible()


def take(out: Path, url: str, browser) -> None:
    def page_of(width: int, height: int, locale: str = "zh-CN"):
        page = browser.new_context(viewport={"width": width, "height": height}, locale=locale).new_page()
        page.clock.install(time=NOW + timedelta(seconds=2))
        return page

    for lang in ("zh", "en"):
        page = page_of(1600, 1000, "zh-CN" if lang == "zh" else "en-GB")
        sign_in(page, url, f"/supervisor?lang={lang}")
        page.wait_for_timeout(2500)   # the first timer check has raised the morning's alerts
        expect(page.locator("#alerts li").first).to_be_visible()
        page.wait_for_timeout(1500)
        page.screenshot(path=out / f"supervisor-{lang}.png", full_page=True)
        page = page_of(1400, 1000, "zh-CN" if lang == "zh" else "en-GB")
        sign_in(page, url, f"/reports?lang={lang}&from={PAST_DAYS[0]}&to={TODAY}&by=window")
        expect(page.locator("#chart-hour rect.chart-bar").first).to_be_attached()
        page.wait_for_timeout(500)
        page.screenshot(path=out / f"reports-{lang}.png", full_page=True)
    page = page_of(1200, 1000)
    sign_in(page, url, f"/reports/daily?date={PAST_DAYS[-1]}")
    expect(page.locator('table[data-by="hour"]')).to_be_visible()
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    page.screenshot(path=out / "daily-report.png", full_page=True)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data, config, tokens = build_hall(Path(tmp))
        url = serve(data, config)
        clients = devices_at_work(url, tokens)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            take(out, url, browser)
            browser.close()
        for client in clients:
            client.disconnect()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
