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


def test_demo_prints_each_device_with_its_token_and_how_to_restart_with_data(tmp_path) -> None:
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
        tokens = dict(line.split(" = ", 1) for line in (data / "demo-credentials.txt").read_text().splitlines()
                      if " = " in line)
        assert f"jiaohao kiosk --server {base} --token {tokens['kiosk token']}" in printed
        assert f"jiaohao display --server {base} --token {tokens['board token']}" in printed
        assert f"{base}/window/3?token={tokens['window 3 screen token']}" in printed
        assert f"{base}/board?token={tokens['board token']}" in printed
        assert f"{base}/strip/3?token={tokens['window 3 screen token']}" in printed
        assert tokens["board page"] == f"{base}/board?token={tokens['board token']}"
        assert "wipes and recreates" in printed and f"jiaohao server --data {data}" in printed
        page = requests.get(f"{base}/window/3?token={tokens['window 3 screen token']}", timeout=10)
        assert page.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=15)
    restarted = subprocess.Popen([sys.executable, "-m", "jiaohao", "server", "--data", str(data),
                                  "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                reply = requests.post(f"{base}/api/v1/tickets", json={"service": "A01"}, timeout=2,
                                      headers={"Authorization": f"Bearer {tokens['kiosk token']}"})
                break
            except requests.RequestException:
                time.sleep(0.2)
        assert reply.status_code == 201, "the demo's tokens work on the restarted hall"
    finally:
        restarted.terminate()
        restarted.wait(timeout=15)
