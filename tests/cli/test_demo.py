"""`jiaohao demo`, the README's first command, started as a real process."""

from __future__ import annotations

import subprocess
import sys
import time

import requests

from tests.conftest import REPO
from common.launcher import free_port


def test_demo_starts_a_usable_hall(tmp_path) -> None:
    port = free_port()
    data = tmp_path / "demo"
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "jiaohao", "demo", "--headless", "--port",
                                    str(port), "--data", str(data)], cwd=REPO, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(base + "/api/openapi.json", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        printed = log.read_text()
        assert "DEMO ONLY" in printed and "demo-only-2026" in printed
        assert f"{base}/api/openapi.json" in printed
        credentials = (data / "demo-credentials.txt").read_text()
        assert (data / "demo-credentials.txt").stat().st_mode & 0o077 == 0
        tokens = dict(line.split(" = ", 1) for line in credentials.splitlines() if " = " in line)
        assert sum(1 for key in tokens if key.startswith("window ")) == 30
        kiosk = {"Authorization": f"Bearer {tokens['kiosk token']}"}
        issued = requests.post(base + "/api/v1/tickets", json={"service": "A01"}, headers=kiosk, timeout=10)
        assert issued.status_code == 201, "the demo hall issues at any hour"
        login = requests.post(base + "/api/v1/auth/login",
                              json={"username": "clerk02", "password": "demo-only-2026"}, timeout=10)
        clerk = {"Authorization": f"Bearer {login.json()['token']}"}
        assert requests.post(base + "/api/v1/windows/2/sign-in", headers=clerk, timeout=10).ok
        called = requests.post(base + "/api/v1/windows/2/call-next", headers=clerk, timeout=10).json()
        assert called["ticket"]["number"] == issued.json()["number"]
        for role in ("supervisor", "admin"):
            assert requests.post(base + "/api/v1/auth/login", json={"username": role,
                                 "password": "demo-only-2026"}, timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
