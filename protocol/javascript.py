"""The protocol as a browser script, generated from `protocol.live` so the pages never hold a
copy of a message name: the server serves `script()` as /static/protocol.js and the pages
load it before common.js. It defines one frozen global, `Protocol`:

    Protocol.events.TICKET_CALLED   → "ticket_called"
    Protocol.sequenced              → the names of the log's steps (what a page reads again on)
    Protocol.in_seq                 → the names whose seq a page tracks for gaps (the steps,
                                      and a zone's or a window's seq_skipped)
    Protocol.seq_header             → "X-Hall-Seq", a REST reply's place in that order
    Protocol.every_zone             → "*", the zone a board of every window asks to hear
    Protocol.blink_longest_seconds  → 5, the longest a board's newest call blinks (WCAG 2.2.2)
    Protocol.payloads.ticket_called → {required: [...], optional: [...]}
    Protocol.changes.SERVICE_FINISHED → "service_finished" (a ticket_changed's `change`:
                                        the stored event kinds of hall/events.py)
"""

from __future__ import annotations

import json

from hall.events import EVENT_TYPES

from . import live



def _named_events() -> dict[str, str]:
    """Each message's constant in protocol.live, by its Python name."""
    names = set(live.SERVER_EVENTS) | set(live.CLIENT_EVENTS)
    return {key: value for key, value in vars(live).items()
            if key.isupper() and isinstance(value, str) and value in names}


def definitions() -> dict:
    """What the script defines, as plain data (also what the tests compare)."""
    return {
        "events": _named_events(),
        "server_events": list(live.SERVER_EVENTS),
        "client_events": list(live.CLIENT_EVENTS),
        "sequenced": list(live.SEQUENCED),
        "in_seq": list(live.IN_SEQ),
        "alerts": list(live.ALERTS),
        "changes": {kind.upper(): kind for kind in EVENT_TYPES},
        "seq_header": live.SEQ_HEADER,
        "every_zone": live.EVERY_ZONE,
        "blink_longest_seconds": live.BLINK_LONGEST_SECONDS,
        "payloads": {name: {"required": sorted(kind.__required_keys__),
                            "optional": sorted(kind.__optional_keys__)}
                     for name, kind in live.PAYLOADS.items()},
    }


def script() -> str:
    data = json.dumps(definitions(), ensure_ascii=False, sort_keys=True)
    return ("/* Generated from the Python package `protocol` (protocol/live.py): do not edit. */\n"
            "\"use strict\";\n"
            "const Protocol = (function deepFreeze(value) {\n"
            "  Object.values(value).forEach((v) => { if (v && typeof v === \"object\") deepFreeze(v); });\n"
            "  return Object.freeze(value);\n"
            f"}})({data});\n")
