"""Protocol-shaped messages for board tests, built like server/protocol.py builds them."""

from __future__ import annotations

from typing import Any


def window(number: int, status: str = "open", current: tuple[int, str, str] | None = None,
           zone: str = "1F", clerk: str | None = "王芳", nearest_open: int | None = None) -> dict[str, Any]:
    """A window view; current = (ticket id, number, state)."""
    return {
        "number": number, "name": f"{number}号窗口", "name_en": f"Window {number}", "kind": "dedicated",
        "zone": zone, "status": status, "services": ["A01"],
        "clerk": None if clerk is None else {"id": number, "name": clerk, "staff_no": f"G{1000 + number}"},
        "pause_reason": "临时外出" if status == "paused" else None, "since": None,
        "current": None if current is None else {"id": current[0], "number": current[1], "service": "A01",
                                                 "state": current[2], "called_at": None},
        "nearest_open": nearest_open,
    }


def service(code: str, waiting: int, windows: list[int], name: str = "企业设立登记") -> dict[str, Any]:
    return {"code": code, "name": name, "name_en": "Business registration", "waiting": waiting,
            "estimated_wait": {"low": 5, "high": 15, "text": "约 5–15 分钟", "text_en": "About 5–15 min"},
            "windows": windows, "open": True}


def snapshot(seq: int, windows: list[dict], services: list[dict] | None = None,
             recent: list[dict] | None = None) -> dict[str, Any]:
    return {"seq": seq, "at": "2026-11-26T02:00:00+00:00",
            "hall": {"code": "test-hall", "name": "测试大厅", "name_en": "Test Hall",
                     "timezone": "Asia/Shanghai", "business_date": "2026-11-26",
                     "notice": "请保管好随身物品", "notice_en": "Mind your belongings"},
            "services": services or [], "windows": windows, "recent_calls": recent or []}


def recent(seq: int, ticket_id: int, number: str, window_no: int, recall: bool = False) -> dict[str, Any]:
    return {"seq": seq, "at": "2026-11-26T02:00:00+00:00", "ticket_id": ticket_id, "number": number,
            "service": "A01", "window": window_no, "recall": recall}


def called(seq: int, ticket_id: int, number: str, window_no: int, recall: bool = False,
           replayed: bool = False) -> dict[str, Any]:
    spoken_digits = " ".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in number)
    prefix = "再次呼叫 " if recall else ""
    payload = {"seq": seq, "at": "2026-11-26T02:00:00+00:00",
               "ticket": {"id": ticket_id, "number": number, "service": "A01", "state": "called"},
               "window": window_no, "window_name": f"{window_no}号窗口", "window_name_en": f"Window {window_no}",
               "recall": recall, "recalls": 1 if recall else 0,
               "text": f"{prefix}请 {number} 号 到 {window_no} 号窗口 办理",
               "text_en": f"Number {number}, please go to window {window_no}",
               "spoken": f"{prefix}请 {spoken_digits} 号 到 {window_no} 号窗口 办理"}
    if replayed:
        payload["replayed"] = True
    return payload


def window_changed(seq: int, view: dict[str, Any], replayed: bool = False) -> dict[str, Any]:
    payload = {"seq": seq, "at": "2026-11-26T02:00:00+00:00", "window": view}
    return payload | ({"replayed": True} if replayed else {})
