"""The protocol package: names declared once, a browser script generated from them, and
clients that take their names from it rather than keeping copies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from protocol import javascript, live
from tests.protocol.shapes import problems

REPO = Path(__file__).resolve().parents[2]


def test_every_message_has_one_name_and_one_payload_type() -> None:
    names = list(live.SERVER_EVENTS) + list(live.CLIENT_EVENTS)
    assert len(names) == len(set(names))
    assert set(live.PAYLOADS) == set(names)
    assert set(live.SEQUENCED) | set(live.ALERTS) < set(live.SERVER_EVENTS)
    assert live.HALL_SNAPSHOT not in live.SEQUENCED, "a snapshot resets seq, it is not one step"


def test_the_names_on_the_wire_stay_as_documented() -> None:
    """Clients in the field listen for these exact strings."""
    assert live.SERVER_EVENTS == ("hall_snapshot", "ticket_issued", "ticket_called", "ticket_changed",
                                  "window_changed", "queue_changed", "alert_raised", "alert_cleared",
                                  "appointment_changed", "seq_skipped", "bundle")
    assert live.CLIENT_EVENTS == ("resync",)


def test_the_shape_checker_refuses_what_a_type_does_not_declare() -> None:
    estimate = {"low": 5, "high": 10, "windows": 1, "uncertain": False, "text": "约 5–10 分钟",
                "text_en": "About 5–10 min"}
    assert problems(estimate, live.Estimate) == []
    assert problems(estimate | {"extra": 1}, live.Estimate) == ["$: Estimate does not declare ['extra']"]
    assert problems({k: v for k, v in estimate.items() if k != "low"}, live.Estimate) == [
        "$: Estimate lacks ['low']"]
    assert problems(estimate | {"uncertain": "no"}, live.Estimate) == ["$.uncertain: 'no' is not bool"]
    assert problems({"since": True}, live.Resync) == ["$.since: True is not int"]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the generated script")
def test_the_browser_script_defines_the_same_protocol() -> None:
    program = javascript.script() + "\nprocess.stdout.write(JSON.stringify({p: Protocol, " \
        "frozen: Object.isFrozen(Protocol) && Object.isFrozen(Protocol.events)}));\n"
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=30, check=True)
    result = json.loads(out.stdout)
    assert result["frozen"] is True
    assert result["p"] == json.loads(json.dumps(javascript.definitions()))
    assert result["p"]["events"]["TICKET_CALLED"] == live.TICKET_CALLED
    assert result["p"]["sequenced"] == list(live.SEQUENCED)
    assert result["p"]["changes"]["SERVICE_FINISHED"] == "service_finished"


# --- clients take the names from the package -----------------------------------------------------

CLIENT_SOURCES = [*sorted((REPO / "client").glob("*.py")), *sorted((REPO / "kiosk").glob("*.py")),
                  *sorted((REPO / "display").glob("*.py")),
                  *sorted((REPO / "server" / "static" / "pages").glob("*.js")),
                  *sorted((REPO / "server" / "templates").glob("*.html")),
                  *sorted((REPO / "server" / "pages" / "templates").glob("**/*.html"))]


def test_no_client_spells_a_message_name_itself() -> None:
    names = "|".join(live.SERVER_EVENTS + live.CLIENT_EVENTS + (live.SEQ_HEADER,))
    spelled = {str(path.relative_to(REPO)): found for path in CLIENT_SOURCES
               if (found := re.findall(rf"""["'`]({names})["'`]""", path.read_text(encoding="utf-8")))}
    assert len(CLIENT_SOURCES) > 20
    assert spelled == {}, "use protocol.live (or Protocol in a page) instead"


def test_the_python_client_listens_to_every_server_message() -> None:
    from client.hall_client import HallClient
    client = HallClient("http://127.0.0.1:9", "token")
    try:
        assert set(live.SERVER_EVENTS) <= set(client.sio.handlers["/"])
    finally:
        client.stop()
