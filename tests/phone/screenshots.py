"""Screenshots of the phone page for docs/images, from a real demo hall in a real Chromium.

    python -m tests.phone.screenshots [OUTPUT_DIR]

Starts `jiaohao demo --headless` on a free port in a temporary directory, moves a few
tickets through the REST API the way the kiosk and a clerk would, and photographs the page
on a 390×844 phone screen: waiting, called, rating, expired.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

from server.datadir import open_data_dir
from server.services import HallService, utcnow
from tests.conftest import REPO
from tests.browser import CHROMIUM_ARGS, PHONE
from common.launcher import free_port

PASSWORD = "demo-only-2026"


def start_demo(data: Path, port: int) -> subprocess.Popen:
    log = open(data.parent / "demo.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "jiaohao", "demo", "--headless", "--port", str(port),
                                "--data", str(data)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    process.terminate()
    raise TimeoutError("the demo server did not start")


class Demo:
    def __init__(self, url: str, data: Path):
        self.url = url
        credentials = (data / "demo-credentials.txt").read_text(encoding="utf-8")
        self.kiosk = {"Authorization": "Bearer " + re.search(r"kiosk token = (\S+)", credentials)[1]}
        self.clerks: dict[int, dict] = {}

    def issue(self, service: str) -> dict:
        return requests.post(f"{self.url}/api/v1/tickets", json={"service": service}, headers=self.kiosk,
                             timeout=10).json()

    def clerk(self, window: int) -> dict:
        if window not in self.clerks:
            token = requests.post(f"{self.url}/api/v1/auth/login", timeout=10, json={
                "username": f"clerk{window:02d}", "password": PASSWORD}).json()["token"]
            self.clerks[window] = {"Authorization": f"Bearer {token}"}
            requests.post(f"{self.url}/api/v1/windows/{window}/sign-in", headers=self.clerks[window], timeout=10)
        return self.clerks[window]

    def act(self, window: int, path: str) -> dict:
        reply = requests.post(f"{self.url}/api/v1{path}", headers=self.clerk(window), timeout=10)
        reply.raise_for_status()
        return reply.json()

    def busy_item(self) -> tuple[str, list[int]]:
        """An item served at a few windows: the usual case for a citizen."""
        hall = requests.get(f"{self.url}/api/v1/hall", headers=self.kiosk, timeout=10).json()
        item = next(s for s in hall["services"] if len(s["windows"]) >= 3)
        return item["code"], item["windows"]


def yesterdays_token(data: Path, config: Path, service: str) -> str:
    """A ticket issued yesterday, straight through the service layer with yesterday's clock."""
    opened = open_data_dir(data, config)
    try:
        service_layer = HallService(opened.database, opened.hall_id, clock=lambda: utcnow() - timedelta(days=1),
                                    secret=opened.secret_key)
        return service_layer.issue(service).track_token
    finally:
        opened.close()


def shoot(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp) / "demo", free_port()
        process = start_demo(data, port)
        try:
            demo = Demo(f"http://127.0.0.1:{port}", data)
            code, windows = demo.busy_item()
            tickets = [demo.issue(code) for _ in range(7)]
            demo.clerk(windows[0])
            demo.clerk(windows[1])
            expired = yesterdays_token(data, REPO / "config.toml", code)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=CHROMIUM_ARGS)
                page = browser.new_context(**PHONE).new_page()
                page.goto(tickets[-1]["track_url"])
                page.wait_for_selector("#waiting:not([hidden])")
                page.screenshot(path=str(out / "phone-waiting.png"), full_page=True)
                demo.act(windows[0], f"/windows/{windows[0]}/call-next")
                page.goto(tickets[0]["track_url"])
                page.wait_for_selector("#called:not([hidden])")
                page.screenshot(path=str(out / "phone-called.png"), full_page=True)
                demo.act(windows[0], f"/tickets/{tickets[0]['id']}/start")
                demo.act(windows[0], f"/tickets/{tickets[0]['id']}/finish")
                page.reload()
                page.wait_for_selector("#rate:not([hidden])")
                page.screenshot(path=str(out / "phone-rating.png"), full_page=True)
                page.goto(f"{demo.url}/t/{expired}")
                page.screenshot(path=str(out / "phone-expired.png"), full_page=True)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    shoot(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "images")
