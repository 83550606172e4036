"""Server messages for the kiosk tests, shaped like server/protocol.py builds them."""

from __future__ import annotations

from typing import Any


def service(code: str, name: str, name_en: str, dept: str = "RSJ", dept_name: str = "人社局",
            dept_en: str = "Human Resources", waiting: int = 0, open_: bool = True,
            reason: str | None = None, message: str | None = None,
            windows: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    return {"code": code, "name": name, "name_en": name_en, "department": dept,
            "department_name": dept_name, "department_name_en": dept_en, "prefix": code[0],
            "waiting": waiting,
            "estimated_wait": {"low": 10, "high": 20, "windows": 2, "uncertain": False,
                               "text": "约 10–20 分钟", "text_en": "About 10–20 min"},
            "open": open_, "closed_reason": reason, "closed_message": message, "windows": list(windows)}


def snapshot(seq: int = 5) -> dict[str, Any]:
    return {"seq": seq, "at": "2026-11-26T02:00:00+00:00",
            "hall": {"code": "test-hall", "name": "测试大厅", "name_en": "Test Hall",
                     "timezone": "Asia/Shanghai"},
            "services": [
                service("B01", "社保卡补办", "Social security card replacement", waiting=3),
                service("B02", "养老保险参保登记", "Pension insurance enrolment", open_=False,
                        reason="outside_hours",
                        message="养老保险参保登记 取号时间为 08:30-11:30、13:00-16:30 / tickets for this "
                                "item are issued 08:30-11:30、13:00-16:30"),
                service("B03", "失业保险金申领", "Unemployment benefit", open_=False,
                        reason="daily_cap_reached", message="今日号源已发完"),
                service("A01", "企业设立登记", "Business establishment registration", dept="SCJG",
                        dept_name="市场监管局", dept_en="Market Regulation", windows=(3,)),
            ],
            "windows": [], "recent_calls": []}


def issued_reply(number: str = "B004", ahead: int = 3, priority: str = "normal",
                 service_code: str = "B01") -> dict[str, Any]:
    return {"id": 42, "number": number, "service": service_code, "waiting_ahead": ahead,
            "estimated_wait": {"low": 10, "high": 20, "windows": 2, "uncertain": False,
                               "text": "约 10–20 分钟", "text_en": "About 10–20 min"},
            "windows": [1, 5, 9], "track_url": "http://127.0.0.1:8080/t/abc",
            "issued_at": "2026-11-26T02:00:00+00:00", "repeated": False,
            "ticket": {"service_name": "社保卡补办", "service_name_en": "Social security card replacement",
                       "department_name": "人社局", "department_name_en": "Human Resources",
                       "priority": priority}}
