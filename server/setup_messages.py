"""The setup's validation messages (hall/config.py speaks English to whoever edits config.toml)
said in Chinese first for the admin page: the phrase that names the problem, translated; the
English original follows, so the exact key and value stay visible."""

from __future__ import annotations

#: (English phrase in the message, what it says in Chinese); the first that matches wins
PHRASES = (
    ("is not a valid time of day", "不是有效的时刻（如 08:30）"),
    ("is not a time range like", "不是时间段（如 08:30-11:30）"),
    ("ends before it starts", "结束时间早于开始时间"),
    ("must name at least one time range", "至少需要一个时间段"),
    ("unknown key", "未知的设置项，请检查拼写"),
    ("unknown section", "未知的设置部分，请检查拼写"),
    ("is missing", "缺少此项"),
    ("must not be empty", "不能为空"),
    ("must be true or false", "应为“是”或“否”"),
    ("must be text", "应为文本"),
    ("must be a whole number", "应为整数"),
    ("must be a number", "应为数字"),
    ("is out of range", "超出允许范围"),
    ("is used twice", "与已有的重复"),
    ("is not a service code", "不是已有的事项代码"),
    ("is not a department code", "不是已有的部门代码"),
    ("is served by no window", "没有任何窗口办理此事项"),
    ("serves no items", "此窗口不办理任何事项"),
    ("does not serve", "此窗口不办理该事项"),
    ("is too long", "过长"),
    ("is not a known time zone", "不是已知的时区（如 Asia/Shanghai）"),
    ("red must be at least yellow", "红色阈值不能小于黄色阈值"),
    ("is reserved for", "该字母是保留的前缀"),
    ("is not a date like", "不是日期（如 2026-10-01）"),
    ("must be a list of weekdays", "应为星期列表 1-7（1 = 星期一）"),
    ("must be a list of dates", "应为日期列表"),
    ("must be a list of codes", "应为代码列表"),
    ("the paper width must be", "纸宽应为 80 或 58 毫米"),
    ("must be [yellow, red]", "应为 [黄色, 红色] 两个数字"),
    ("must differ", "两者不能相同"),
    ("cannot exceed", "不能超过"),
    ("must be a table", "格式应为表"),
    ("not valid TOML", "不是有效的 TOML 文件"),
    ("not UTF-8", "不是 UTF-8 文本"),
    ("not a section the admin page edits", "不是管理页面可修改的设置部分"),
)


def bilingual(message: str, where: str | None) -> str:
    """'services[0] (A01).hours: … is not a valid time of day' →
    '设置有误（services[0] (A01).hours）：不是有效的时刻（如 08:30） / services[0] …'."""
    said = next((zh for en, zh in PHRASES if en in message), "请检查此项")
    place = f"（{where}）" if where else ""
    return f"设置有误{place}：{said} / {message}"
