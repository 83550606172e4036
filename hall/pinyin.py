"""Search keys for a Chinese name, so an item can be found by typing its pinyin: the kiosk's
search and the phone's booking page use the same keys."""

from __future__ import annotations


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a Chinese name, letters and digits only, lower case:
    社保卡补办 → ("sbkbb", "shebaokabuban")."""
    from pypinyin import Style, lazy_pinyin

    def clean(parts: list[str]) -> str:
        return "".join(ch for ch in "".join(parts).lower() if ch.isascii() and ch.isalnum())
    return clean(lazy_pinyin(name, style=Style.FIRST_LETTER)), clean(lazy_pinyin(name))
