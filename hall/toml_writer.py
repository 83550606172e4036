"""Writing a hall setup document back as config.toml (tomllib only reads).

The setup is plain data — tables, arrays of tables, strings, numbers, booleans, dates and
lists of them — so a small writer suffices. Tables come first, then the [[departments]],
[[services]] and [[windows]] arrays the operator edits most, as in the shipped file.
`tomllib.loads(dumps(doc)) == doc` for every such document; the tests hold it to that.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
ARRAY_SECTIONS = ("departments", "services", "windows")
HEADER = ("# Jiaohao (叫号) — hall configuration / 大厅配置文件\n"
          "# Exported from the administration page. Every key is explained in the config.toml\n"
          "# shipped with Jiaohao; import this file on the admin page or with\n"
          "# `jiaohao admin hall import FILE`.\n")
ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(name: Any) -> str:
    name = str(name)
    return name if BARE_KEY.match(name) else _string(name)


def _float(number: float) -> str:
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return repr(number)


def value(item: Any) -> str:
    """One TOML value; tables inside a table or an array are written inline."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        return _float(item)
    if isinstance(item, str):
        return _string(item)
    if isinstance(item, (datetime, date, time)):
        return item.isoformat()
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(x) for x in item) + "]"
    if isinstance(item, dict):
        pairs = (f"{_key(k)} = {value(v)}" for k, v in item.items() if v is not None)
        return "{ " + ", ".join(pairs) + " }" if item else "{}"
    raise TypeError(f"cannot write {type(item).__name__} as TOML")


def _pairs(table: dict[str, Any]) -> list[str]:
    return [f"{_key(k)} = {value(v)}" for k, v in table.items() if v is not None]


def dumps(document: dict[str, Any]) -> str:
    """The setup document as the text of a config.toml."""
    parts = [HEADER]
    tables = [k for k, v in document.items() if isinstance(v, dict)]
    arrays = [k for k in ARRAY_SECTIONS if k in document] + [
        k for k, v in document.items() if isinstance(v, list) and k not in ARRAY_SECTIONS]
    loose = [k for k in document if k not in tables and k not in arrays]
    if loose:
        raise ValueError(f"{loose[0]}: a setup document holds only tables and arrays of tables")
    for name in tables:
        parts.append(f"[{_key(name)}]\n" + "".join(line + "\n" for line in _pairs(document[name])))
    for name in arrays:
        for entry in document[name]:
            if not isinstance(entry, dict):
                raise ValueError(f"{name}: every entry must be a table")
            parts.append(f"[[{_key(name)}]]\n" + "".join(line + "\n" for line in _pairs(entry)))
    return "\n".join(parts)
