"""The kiosk benchmark's own correctness, on a tiny run: the slips it timed are the tickets
the server issued, the stages come in order, and the results file holds every figure.
Nothing here asserts on speed beyond a bound that keeps the suite quick."""

from __future__ import annotations

import json
import time

import pytest

from bench import kiosk_latency as kl
from printer.loopback import LoopbackPrinter
from tests.conftest import small_hall_document, to_toml
from tests.printer.escpos_decoder import decode

pytestmark = pytest.mark.slow
TICKETS = 3
BOUND_SECONDS = 60


@pytest.fixture
def printer():
    loopback = LoopbackPrinter(answers=kl.HEALTHY_PRINTER)
    loopback.start()
    yield loopback
    loopback.stop()


def test_a_tiny_run_times_real_slips_in_order_and_writes_the_figures(tmp_path, qapp, printer) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "kiosk.json"
    started = time.monotonic()
    kl.run(kl.Options(tickets=TICKETS, config=config, out=out), printer=printer)
    assert time.monotonic() - started < BOUND_SECONDS

    results = json.loads(out.read_text(encoding="utf-8"))
    tickets = results["per_ticket"]
    assert results["tickets"] == len(tickets) == TICKETS
    assert {"cpu_count", "cpu_model", "python", "date", "commit"} <= set(results["machine"])
    assert set(results["summary"]) == set(results["summary_after_first_slip"]) == set(kl.STAGES)
    for figures in results["summary"].values():
        assert 0 < figures["median"] <= figures["p90"] <= figures["max"]

    numbers = [t["number"] for t in tickets]
    assert len(set(numbers)) == TICKETS and len({t["ticket_id"] for t in tickets}) == TICKETS
    slips = [decode(job.data) for job in printer.received if job.data.startswith(kl.SLIP_START)]
    assert len(slips) == TICKETS   # one slip per ticket, no reprint, nothing else that prints
    for ticket, slip in zip(tickets, slips):
        assert ticket["number"] in slip.joined()
        assert slip.cuts, f"the slip of {ticket['number']} was not cut"
        assert 0 < ticket["reply_ms"] <= ticket["first_byte_ms"] <= ticket["cut_ms"]
