"""From the citizen's touch on an item to the slip at the printer.

A real demo server in its own process, the real kiosk app (offscreen) and a loopback network
printer on 127.0.0.1 that notes when each byte comes in. For each ticket the bench touches a
department, then an item (a mouse click on the real button) and times, from that touch:

* reply_ms       — the server's 201 reply reaches the kiosk (the ticket is committed);
* first_byte_ms  — the first byte of the slip reaches the printer;
* cut_ms         — the last byte of the slip, the cut command, reaches the printer.

Tickets are taken one at a time, each once the previous slip is out and the kiosk is back
home, so a figure is one citizen's wait and not time spent queued behind someone else.
Each slip is checked: it carries the number the server issued and ends with the cut.

    jiaohao bench kiosk [--tickets 30]   or   python -m bench.kiosk_latency
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cli import DEFAULT_CONFIG, REPO, run_as_script

DEFAULT_TICKETS = 30
DEFAULT_OUT = REPO / "bench" / "results" / "kiosk.json"
WAIT_SECONDS = 15.0
SLIP_START = b"\x1b@"          # ESC @: every slip job begins by resetting the printer
PARTIAL_CUT = b"\x1dV\x01"     # GS V 1: the last command of every slip
#: a printer that answers status requests as a healthy one does, so the kiosk's own
#: printer checks take a moment and never hold up a slip for the status timeout
HEALTHY_PRINTER = {1: 0x12, 4: 0x12}
STAGES = ("reply_ms", "first_byte_ms", "cut_ms")
WHAT = {"reply_ms": "touch on the item → the server's 201 reply reaches the kiosk",
        "first_byte_ms": "touch on the item → the first byte of the slip at the printer",
        "cut_ms": "touch on the item → the last byte of the slip (the cut command) at the printer"}


@dataclass
class Options:
    tickets: int = DEFAULT_TICKETS
    chinese: str = "native"
    config: Path = DEFAULT_CONFIG
    out: Path = DEFAULT_OUT


class BenchError(RuntimeError):
    """The bench could not take a measurement (a slip missing, a wrong number)."""


# --- one kiosk in front of one printer --------------------------------------------------------

class KioskUnderTest:
    """The real kiosk, wired to the server and the loopback printer, noting when replies come."""

    def __init__(self, server_url: str, token: str, printer_url: str, config: Path, chinese: str):
        from PyQt6.QtCore import Qt

        from hall.config import load_config
        from kiosk.app import build_kiosk
        from kiosk.settings import KioskSettings
        from printer.config import PrinterSettings
        from printer.slip import slip_hall_from_config

        self.kiosk = build_kiosk(KioskSettings(server=server_url, token=token),
                                 PrinterSettings(url=printer_url, chinese=chinese, timeout_seconds=3),
                                 slip_hall_from_config(load_config(config)))
        self.replies: list[tuple[float, dict]] = []
        # direct: noted on the worker thread the moment the reply is parsed, not when the
        # GUI thread gets round to it
        self.kiosk.connection.issued.connect(self._note_reply, type=Qt.ConnectionType.DirectConnection)
        self.kiosk.window.resize(1080, 1920)
        self.kiosk.window.show()

    def _note_reply(self, reply: dict) -> None:
        self.replies.append((time.perf_counter(), reply))

    def start(self) -> None:
        from kiosk.qtwait import wait_for

        self.kiosk.app.start()
        if not wait_for(lambda: self.kiosk.presenter.online, WAIT_SECONDS):
            raise BenchError("the kiosk did not get the hall snapshot")

    def stop(self) -> None:
        self.kiosk.app.stop()
        self.kiosk.window.close()

    def open_items(self) -> list[tuple[str, str]]:
        """(department, item) of every item a citizen may take a ticket for now."""
        p = self.kiosk.presenter
        return [(item.department, item.code) for item in p.items.values() if p.may_issue(item)]

    def button(self, page, code: str):
        from kiosk.widgets import TouchButton
        return next(b for b in page.findChildren(TouchButton) if b.property("code") == code and b.isVisible())

    def done_button(self):
        """The ticket screen's 完成 button: the citizen leaves and the kiosk goes home."""
        from kiosk.widgets import TouchButton
        return next(b for b in self.kiosk.window.ticket.findChildren(TouchButton) if b.accessibleName() == "done")

    def touch(self, button) -> None:
        from PyQt6.QtCore import Qt
        from PyQt6.QtTest import QTest
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)


# --- measuring ----------------------------------------------------------------------------------

def slip_of(printer, number: str, seen: int):
    """The slip job carrying `number` among the jobs received after the first `seen`."""
    for job in list(printer.received)[seen:]:
        if job.data.startswith(SLIP_START) and number.encode("ascii") in job.data:
            return job
    return None


def take_one_ticket(under_test: KioskUnderTest, printer, department: str, item: str) -> dict:
    from kiosk.presenter import HOME, ITEMS
    from kiosk.qtwait import wait_for

    kiosk = under_test.kiosk
    if kiosk.window.current_screen() != HOME:
        under_test.touch(under_test.done_button())
    under_test.touch(under_test.button(kiosk.window.home, department))
    if not wait_for(lambda: kiosk.window.current_screen() == ITEMS, WAIT_SECONDS):
        raise BenchError(f"department {department} did not open")
    replies, jobs = len(under_test.replies), len(printer.received)
    button = under_test.button(kiosk.window.items, item)
    touched = time.perf_counter()
    under_test.touch(button)
    if not wait_for(lambda: len(under_test.replies) > replies, WAIT_SECONDS):
        raise BenchError(f"no ticket issued for {item}")
    replied, reply = under_test.replies[replies]
    number = reply["number"]
    if not wait_for(lambda: slip_of(printer, number, jobs) is not None and kiosk.presenter.ticket is not None
                    and kiosk.presenter.ticket.printed, WAIT_SECONDS):
        raise BenchError(f"the slip of {number} did not reach the printer")
    slip = slip_of(printer, number, jobs)
    if not slip.data.endswith(PARTIAL_CUT):
        raise BenchError(f"the slip of {number} does not end with the cut")
    return {"number": number, "ticket_id": reply["id"], "item": item, "slip_bytes": len(slip.data),
            "reply_ms": (replied - touched) * 1000, "first_byte_ms": (slip.first_byte - touched) * 1000,
            "cut_ms": (slip.last_byte - touched) * 1000}


def summary(tickets: list[dict]) -> dict:
    from bench.server_bench import percentile
    out = {}
    for stage in STAGES:
        values = [t[stage] for t in tickets]
        out[stage] = {"median": round(percentile(values, 50), 1), "p90": round(percentile(values, 90), 1),
                      "max": round(max(values), 1)}
    return out


def measure(opts: Options, server_url: str, token: str, printer) -> list[dict]:
    """One ticket after another, across the items open now (so no single item's cap is hit)."""
    under_test = KioskUnderTest(server_url, token, printer.url, opts.config, opts.chinese)
    try:
        under_test.start()
        items = under_test.open_items()
        if not items:
            raise BenchError("no item of the hall issues tickets now")
        return [take_one_ticket(under_test, printer, *items[n % len(items)]) for n in range(opts.tickets)]
    finally:
        under_test.stop()


def run(opts: Options, printer=None) -> dict:
    """Measure and write the results; `printer` is a started LoopbackPrinter to print to
    (the smoke test passes its own to read the slips back), else one is made here."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # a bench run needs no screen
    from PyQt6.QtWidgets import QApplication

    from bench.server_bench import DemoServer, machine

    qt = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 -- outlives the kiosk
    measured = machine()   # before the run: the commit is that of the code being measured
    # other work on the machine shows in every figure: say how busy it was
    measured["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    from printer.loopback import LoopbackPrinter

    own_printer = printer is None
    if own_printer:
        printer = LoopbackPrinter(answers=HEALTHY_PRINTER)
        printer.start()
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as root:
            with DemoServer(Path(root), opts.config) as server:
                tickets = measure(opts, server.url, server.tokens["kiosk"], printer)
    finally:
        if own_printer:
            printer.stop()
    measured["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results = {"machine": measured, "tickets": len(tickets),
               "settings": {"config": _shown(opts.config), "printer": "loopback network printer, 127.0.0.1",
                            "chinese": opts.chinese,
                            "server": "jiaohao demo --headless"},
               "what": WHAT, "summary": summary(tickets),
               # kept to show the first slip is no slower: the kiosk loads its printing
               # libraries (python-escpos, Pillow, the font) when it starts, not on the first slip
               "summary_after_first_slip": summary(tickets[1:]) if len(tickets) > 1 else None,
               "per_ticket": tickets}
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(report(results))
    print(f"results written to {opts.out}")
    return results


def _shown(path: Path) -> str:
    return os.path.relpath(path, REPO) if path.is_relative_to(REPO) else str(path)


def report(results: dict) -> str:
    m = results["machine"]
    lines = [f"Kiosk touch → printer, {results['tickets']} tickets, {m['cpu_count']} CPUs, "
             f"load average {m['load_average_before'][0]} before, {m['load_average_after'][0]} after"]
    for title, key in (("all tickets", "summary"), ("after the first slip", "summary_after_first_slip")):
        if results[key] is None:
            continue
        lines.append(f" {title}:")
        for stage, figures in results[key].items():
            lines.append(f"  {stage:<14} median {figures['median']:>7} ms   p90 {figures['p90']:>7} ms   "
                         f"max {figures['max']:>7} ms")
    return "\n".join(lines)


# --- command line -------------------------------------------------------------------------------

def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS,
                        help=f"tickets taken one after another (default {DEFAULT_TICKETS})")
    parser.add_argument("--chinese", choices=("native", "raster"), default="native",
                        help="Chinese in the printer's own font (a ~1 KB slip) or as raster images "
                             "for printers without one (~30 KB); default native")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="hall configuration of the demo hall (default: the shipped config.toml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="JSON results file (default bench/results/kiosk.json)")


def options_from(args: argparse.Namespace) -> Options:
    if not 1 <= args.tickets <= 500:
        raise ValueError("--tickets must be between 1 and 500")
    return Options(tickets=args.tickets, chinese=args.chinese, config=args.config.resolve(), out=args.out.resolve())


def main(argv: list[str] | None = None) -> int:
    return run_as_script(sys.modules[__name__], argv, add_options)


if __name__ == "__main__":
    sys.exit(main())
