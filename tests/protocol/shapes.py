"""Checks a payload against its declared type in protocol.live, recursively."""

from __future__ import annotations

import types
import typing
from typing import Any


def problems(value: Any, hint: Any, path: str = "$") -> list[str]:
    """Where `value` does not have the shape `hint` declares (empty when it does)."""
    if hint is Any:
        return []
    if isinstance(hint, type) and hasattr(hint, "__required_keys__"):
        return _typed_dict_problems(value, hint, path)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        branches = [problems(value, branch, path) for branch in typing.get_args(hint)]
        return [] if any(not found for found in branches) else min(branches, key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        (item,) = typing.get_args(hint)
        return [p for i, element in enumerate(value) for p in problems(element, item, f"{path}[{i}]")]
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{path}: {type(value).__name__}, not an object"]
    if hint is type(None):
        return [] if value is None else [f"{path}: {value!r}, not null"]
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{path}: {value!r} is not {getattr(hint, '__name__', hint)}"]


def _typed_dict_problems(value: Any, hint: type, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: {type(value).__name__}, not an object ({hint.__name__})"]
    found: list[str] = []
    missing = hint.__required_keys__ - value.keys()
    extra = value.keys() - hint.__required_keys__ - hint.__optional_keys__
    if missing:
        found.append(f"{path}: {hint.__name__} lacks {sorted(missing)}")
    if extra:
        found.append(f"{path}: {hint.__name__} does not declare {sorted(extra)}")
    fields = typing.get_type_hints(hint)
    for key in value.keys() & fields.keys():
        found += problems(value[key], fields[key], f"{path}.{key}")
    return found
