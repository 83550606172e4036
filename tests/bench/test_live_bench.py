"""The live fan-out benchmark's own correctness: its websocket framing, and one tiny run
against a real server. Nothing here asserts on speed."""

from __future__ import annotations

import json
import os
import shutil
import struct

import pytest

from bench import live_bench as lb
from bench.hall_listeners import CLOSE, TEXT, masked_frame
from tests.conftest import small_hall_document, to_toml


def unmask(frame: bytes) -> tuple[int, str]:
    size, start = frame[1] & 0x7F, 2
    if size == 126:
        size, start = struct.unpack_from("!H", frame, 2)[0], 4
    mask, data = frame[start:start + 4], frame[start + 4:]
    assert frame[1] & 0x80 and len(data) == size   # clients always mask
    return frame[0] & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data)).decode()


def test_client_frames_are_masked_and_carry_the_text() -> None:
    assert unmask(masked_frame("3")) == (TEXT, "3")
    long_auth = "40" + json.dumps({"token": "x" * 300})
    assert unmask(masked_frame(long_auth)) == (TEXT, long_auth)
    assert unmask(masked_frame("", CLOSE)) == (CLOSE, "")


def test_the_server_process_memory_is_read_from_proc() -> None:
    memory = lb.server_memory(os.getpid())
    assert memory["rss_mb"] > 0 and memory["threads"] >= 1 and memory["processes"] >= 1


@pytest.mark.slow
def test_a_tiny_live_run_reaches_every_board(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "live.json"
    opts = lb.LiveOptions(sizes=[3, 8], calls=3, repeats=1, starts=1, config=config, out=out)
    lb.run(opts)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert {"cpu_count", "python", "date", "commit"} <= set(results["machine"])
    for size in (3, 8):
        figures = results["median"][str(size)]
        assert figures["calls"] == 3 and figures["missed"] == 0
        assert figures["receipts"] == 3 * size   # every board got every call
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["last_client_p99_ms"]
        assert figures["rss_mb"] >= figures["rss_idle_mb"] > 0
        assert figures["threads"] > 0
    assert 0 < results["start"]["min_s"] <= results["start"]["median_s"] <= results["start"]["max_s"]


@pytest.mark.slow
def test_listeners_in_their_own_process_report_what_they_heard(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    with lb.DemoServer(tmp_path, config, start_timeout=lb.START_TIMEOUT) as server, \
            lb.ListenersApart(server.url, server.tokens["board"], 5, narrowed=lb.BOARD) as boards:
        assert boards.connected() == 5 and boards.pid != os.getpid() and boards.connect_s > 0
        before = boards.messages_when_still()
        assert len(before) == 5 and min(before) >= 1   # every board has its snapshot
        lb.issue_tickets(server.url, server.tokens["kiosk"], [lb.open_items(lb.load_config(config))[0]])
        after = boards.messages_when_still()
        assert all(a > b for a, b in zip(after, before))   # every board heard the new ticket
        assert lb.heard_by_kind(after, {"boards": 2, "window_screens": 1, "clerk_terminals": 1, "phones": 1}) \
            == {"boards": after[0] + after[1], "window_screens": after[2], "clerk_terminals": after[3],
                "phones": after[4]}


def test_the_live_measure_is_a_jiaohao_bench_command() -> None:
    import argparse

    from bench.cli import register
    parser = argparse.ArgumentParser(prog="jiaohao")
    register(parser.add_subparsers(dest="command"))
    live = parser.parse_args(["bench", "live", "--sizes", "10,20", "--live-calls", "2", "--starts", "1"])
    opts = lb.options_from(live)
    assert opts.sizes == [10, 20] and opts.calls == 2 and opts.out.name == "live.json"
    kiosk = parser.parse_args(["bench", "kiosk", "--tickets", "2"])
    assert kiosk.measure == "kiosk" and kiosk.tickets == 2
    plain = parser.parse_args(["bench", "--clients", "3"])
    assert plain.measure is None and plain.clients == 3
    with pytest.raises(ValueError):
        lb.options_from(parser.parse_args(["bench", "live", "--sizes", "ten"]))


@pytest.mark.slow
def test_a_tiny_mixed_run_and_reconnect_storm_reach_everyone(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document()), encoding="utf-8")
    out = tmp_path / "live.json"
    opts = lb.LiveOptions(sizes=[8], calls=2, repeats=1, starts=1, config=config, out=out,
                          mixed=40, mixed_seconds=3.0, storm=30)
    lb.run(opts)
    results = json.loads(out.read_text(encoding="utf-8"))
    mixed, storm = results["median"]["mixed"], results["median"]["storm"]
    assert mixed["mix"] == "hall" and results["median"]["mixed_heavy"]["mix"] == "heavy"
    assert results["targets"]["mixed"]["mix"] == "hall"
    assert mixed["connected"] == mixed["still_connected"] == 40
    assert mixed["boards"] + mixed["window_screens"] + mixed["clerk_terminals"] + mixed["phones"] == 40
    assert mixed["phones"] > mixed["boards"] > 0
    assert mixed["issue"]["count"] > 0 and mixed["call_next"]["count"] > 0
    assert mixed["rss_mb"] > 0 and mixed["connect_s"] > 0
    # what the server sent meanwhile, by kind of connection, and its CPU per message and request
    assert set(mixed["frames_per_s"]) == {"boards", "window_screens", "clerk_terminals", "phones"}
    assert mixed["frames_per_s"]["clerk_terminals"] > 0 and mixed["frames_per_s"]["phones"] > 0
    assert mixed["server_cpu_us_per_frame"] > 0 and mixed["server_cpu_ms_per_request"] > 0
    # the listeners ran in a process of their own; half the kiosks were wrk's, timed apart
    assert mixed["listeners_cpu_share"] > 0
    assert mixed["python_kiosks"] + mixed["wrk_kiosks"] == lb.KIOSKS
    if shutil.which("wrk"):
        assert mixed["wrk_kiosks"] == lb.WRK_KIOSKS
        assert mixed["wrk_issue"]["requests"] > 0 and mixed["wrk_issue"]["non_2xx"] == 0
        assert 0 < mixed["wrk_issue"]["p50_ms"] <= mixed["wrk_issue"]["p99_ms"]
        assert "wrk_issue_p99_ms" in results["targets"]["mixed"]
    assert {"issue", "call_next", "wrk_issue"} == set(results["settings"]["mixed_clients"])
    assert storm["connected_before"] == storm["reconnected"] == 30
    assert 0 < storm["snapshots_s"] <= storm["from_launch_s"]
    assert {"mixed", "storm"} <= set(results["targets"])
    assert results["median"]["8"]["missed"] == 0 and results["median"]["8"]["socketio_clients"] == 2


def test_a_halls_mix_has_a_screen_and_a_terminal_per_window_and_a_board_per_three() -> None:
    assert lb.mixed_counts("hall", 5000, 30) == {"boards": 10, "window_screens": 30, "clerk_terminals": 30,
                                                 "phones": 4930}
    assert lb.mixed_counts("heavy", 5000, 30) == {"boards": 100, "window_screens": 100, "clerk_terminals": 100,
                                                  "phones": 4700}
    small = lb.mixed_counts("hall", 8, 30)
    assert sum(small.values()) == 8 and small["phones"] >= 2


def test_a_listener_finds_the_calls_in_a_bundle_without_decoding_the_rest() -> None:
    import json as js

    from bench.hall_listeners import calls_in_bundle
    from server import protocol
    call = ("ticket_called", {"seq": 7, "ticket": {"id": 3, "number": '["ticket_called",'}, "recall": False})
    window = ("window_changed", {"seq": 7, "window": {"number": 2}})
    text = "42" + js.dumps(list(protocol.bundle_message([call, window])), separators=(",", ":"))
    assert calls_in_bundle(text) == [call[1]]
    assert calls_in_bundle("42" + js.dumps(list(protocol.bundle_message([window, window])))) == []
