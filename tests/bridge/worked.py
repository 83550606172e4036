"""The worked frames of docs/hardware.md, read from its table: the tests hold the bridge to the
bytes the operators' guide writes out."""

from __future__ import annotations

import functools
import re

from tests.conftest import REPO

ROW = re.compile(r"^\| `([a-z0-9-]+)` \| [^|]+ \| `([0-9A-F ]+)` \|$")


@functools.cache
def worked_frames() -> dict[str, bytes]:
    text = (REPO / "docs" / "hardware.md").read_text(encoding="utf-8")
    return {m[1]: bytes.fromhex(m[2]) for line in text.splitlines() if (m := ROW.match(line))}


def frame(name: str) -> bytes:
    return worked_frames()[name]
