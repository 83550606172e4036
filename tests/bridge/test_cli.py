"""`jiaohao bridge` and `jiaohao bridge emulate` as real processes, and the bridge's token from
`jiaohao admin device add … --kind bridge --windows 3,5`."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from bridge.emulate import KeypadBus, StripBus
from bridge.frames import display_frame
from common.launcher import free_port, jiaohao
from tests.bridge.hall import KEYPAD, STRIP, bridge_document, start_hall
from tests.bridge.worked import frame
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(jiaohao(*args), capture_output=True, text=True, cwd=REPO, timeout=timeout,
                          env={**os.environ, **(env or {})})


def write_bridge_toml(path, document: dict) -> str:
    lines = []
    for section, entries in document.items():
        for entry in entries:
            lines.append(f"[[{section}]]")
            lines += [f"{key} = {value!r}".replace("'", '"') for key, value in entry.items()]
            lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


def ended(process: subprocess.Popen, timeout: float = 30) -> str:
    """Ask the process to stop (SIGTERM) and wait for it; killed, and the test failed, if it hangs."""
    process.terminate()
    try:
        return process.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


@pytest.fixture
def hall(tmp_path):
    hall = start_hall(tmp_path)
    yield hall
    hall.http.close()
    hall.server.stop()


def test_the_bridge_process_calls_from_a_keypad_and_draws_the_strip(tmp_path, hall) -> None:
    with KeypadBus() as keypads, StripBus() as strips:
        document = bridge_document(keypads, strips)
        document["keypads"] = document["keypads"][:1]   # only windows the token was given
        config = write_bridge_toml(tmp_path / "bridge.toml", document)
        process = subprocess.Popen(jiaohao("bridge", "--server", hall.url, "--token", hall.tokens["bridge"],
                                           "--config", config),
                                   cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert strips.wait_for(lambda: strips.shown(STRIP) == "暂停服务", 30), "window 3 is closed"
            hall.sign_in(3)
            hall.issue()
            keypads.send(frame("key-call"))
            assert keypads.wait_for(lambda: len(keypads.frames_to(KEYPAD)) >= 2, 10)
            assert [f.encode() for f in keypads.frames_to(KEYPAD)] == [
                frame("key-call"), display_frame(KEYPAD, "A001").encode()]
            assert strips.wait_for(lambda: strips.shown(STRIP) == "请A001号到3号窗口", 2)
        finally:
            output = ended(process)
        assert process.returncode == 0, output


def test_a_token_without_the_windows_of_bridge_toml_is_refused_at_start(tmp_path, hall) -> None:
    with KeypadBus() as keypads, StripBus() as strips:
        config = write_bridge_toml(tmp_path / "bridge.toml", bridge_document(keypads, strips))   # has window 1
        refused = run("bridge", "--server", hall.url, "--token", hall.tokens["bridge"], "--config", config)
        assert refused.returncode == 2 and "[1]" in refused.stderr and "was not given" in refused.stderr
        kiosk = run("bridge", "--server", hall.url, "--token", hall.tokens["kiosk"], "--config", config)
        assert kiosk.returncode == 2 and "not a bridge's" in kiosk.stderr
        assert keypads.connections == 0 and strips.connections == 0, "no port is opened"


@pytest.mark.parametrize("text,says", [
    ('[[ports]]\nname = "a"\nurl = "/dev/null"\nprotocol = "rs232"\n', "protocol"),
    ('[[ports]]\nname = "a"\nurl = "nosuch://x"\n', "not a pyserial URL"),
    ("[[ports]\n", "not valid TOML"),
])
def test_a_bad_bridge_toml_stops_it_with_a_bilingual_line(tmp_path, text, says) -> None:
    path = tmp_path / "bridge.toml"
    path.write_text(text, encoding="utf-8")
    result = run("bridge", "--server", "http://127.0.0.1:9", "--token", "x", "--config", str(path))
    assert result.returncode == 2 and says in result.stderr and " / " in result.stderr
    assert "Traceback" not in result.stderr


def test_admin_adds_a_bridge_with_its_windows(tmp_path, small_config_file) -> None:
    env = {"JIAOHAO_DATA": str(tmp_path / "var"), "JIAOHAO_CONFIG": str(small_config_file)}
    added = run("admin", "device", "add", "hall-bridge", "--kind", "bridge", "--windows", "3,4", env=env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.split()[-1]
    listed = run("admin", "device", "list", env=env)
    assert "hall-bridge" in listed.stdout and "windows 3,4" in listed.stdout
    bad = run("admin", "device", "add", "b2", "--kind", "bridge", "--windows", "3,x", env=env)
    assert bad.returncode == 2 and "3,5" in bad.stderr
    missing = run("admin", "device", "add", "b3", "--kind", "bridge", env=env)
    assert missing.returncode == 2 and "--windows" in missing.stderr


def test_the_strip_emulator_prints_what_it_shows() -> None:
    port = free_port()
    process = subprocess.Popen(jiaohao("bridge", "emulate", "a090", "--listen", f"127.0.0.1:{port}"), cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "socket://127.0.0.1" in process.stdout.readline()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as link:
            link.sendall(frame("strip-call"))
            assert process.stdout.readline().strip() == "strip 3: 请A001号到3号窗口"
    finally:
        ended(process)


def test_the_keypad_emulator_sends_the_keys_typed_into_it() -> None:
    port = free_port()
    process = subprocess.Popen(jiaohao("bridge", "emulate", "ff68", "--listen", f"127.0.0.1:{port}"), cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "socket://127.0.0.1" in process.stdout.readline()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as link:
            time.sleep(0.2)   # the emulator takes the connection
            process.stdin.write("1 c\n")
            process.stdin.flush()
            link.settimeout(10)
            got = b""
            while len(got) < len(frame("key-call")):
                got += link.recv(64)
            assert got == frame("key-call")
    finally:
        ended(process)
