"""The `[notify]` table of config.toml: which provider sends, when, and in what words."""

from __future__ import annotations

import string
from dataclasses import dataclass, field, fields
from typing import Any

from hall.config import ConfigError, client_table

PROVIDERS = ("log", "webhook", "tencent_sms", "aliyun_sms", "wechat")
KINDS = ("ahead", "called", "reminder")
#: what a text may name
PLACEHOLDERS = {"hall", "number", "service", "window", "ahead", "date", "start"}

TEXTS = {
    "text_ahead": "【{hall}】您的 {number} 号（{service}）前面还有 {ahead} 人，请回到大厅留意叫号。",
    "text_ahead_en": "{hall}: {ahead} ahead of your number {number} ({service}). Please come back to the hall.",
    "text_called": "【{hall}】请 {number} 号到 {window} 号窗口办理。",
    "text_called_en": "{hall}: number {number}, please go to window {window}.",
    "text_reminder": "【{hall}】提醒：您预约了 {date} {start} 的“{service}”，请按时到大厅签到。",
    "text_reminder_en": "{hall}: your appointment for {service} is on {date} at {start}. Please check in on time.",
}


@dataclass(frozen=True)
class NotifySettings:
    provider: str = "log"
    ahead: int = 3                         # notify when this many or fewer are ahead
    reminders: tuple[int, ...] = (1440, 60)   # minutes before a booked slot: the day before, an hour before
    max_attempts: int = 5
    retry_seconds: float = 10.0            # the first retry; each next waits twice as long
    timeout_seconds: float = 5.0           # one request to the provider
    per_mobile_per_hour: int = 10          # more to one number in an hour are dropped, not sent
    texts: dict[str, str] = field(default_factory=lambda: dict(TEXTS))
    # the generic webhook (a hall's own government SMS gateway)
    webhook_url: str = ""
    webhook_secret: str = ""
    # Tencent Cloud SMS (API 3.0, SendSms)
    tencent_secret_id: str = ""
    tencent_secret_key: str = ""
    tencent_sdk_app_id: str = ""
    tencent_sign_name: str = ""
    tencent_region: str = "ap-guangzhou"
    tencent_endpoint: str = "https://sms.tencentcloudapi.com"
    # Aliyun SMS (dysmsapi 2017-05-25, SendSms)
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_sign_name: str = ""
    aliyun_region: str = "cn-hangzhou"
    aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com"
    # WeChat Official Account template messages
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_endpoint: str = "https://api.weixin.qq.com"
    # each provider's template per kind: {"ahead": "...", "called": "...", "reminder": "..."}
    templates: dict[str, str] = field(default_factory=dict)

    def render(self, kind: str, values: dict[str, Any], values_en: dict[str, Any]) -> tuple[str, str]:
        """The Chinese and English text of a message of `kind` (names in each language)."""
        return (self.texts[f"text_{kind}"].format(**values), self.texts[f"text_{kind}_en"].format(**values_en))

    @classmethod
    def from_config(cls, extra: dict[str, Any]) -> "NotifySettings":
        text_keys = tuple(TEXTS)
        plain = tuple(f.name for f in fields(cls) if f.name not in ("texts", "templates"))
        template_keys = tuple(f"template_{kind}" for kind in KINDS)
        table = client_table(extra.get("notify", {}), "notify", plain + text_keys + template_keys)
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in table:
                values[f.name] = _checked(f.name, table[f.name], f.default)
        values["texts"] = {key: _text(key, table.get(key, default)) for key, default in TEXTS.items()}
        values["templates"] = {kind: _string(f"template_{kind}", table.get(f"template_{kind}", ""))
                               for kind in KINDS}
        settings = cls(**values)
        settings._check_provider()
        return settings

    def _check_provider(self) -> None:
        needs = {"webhook": ("webhook_url", "webhook_secret"),
                 "tencent_sms": ("tencent_secret_id", "tencent_secret_key", "tencent_sdk_app_id",
                                 "tencent_sign_name"),
                 "aliyun_sms": ("aliyun_access_key_id", "aliyun_access_key_secret", "aliyun_sign_name"),
                 "wechat": ("wechat_app_id", "wechat_app_secret")}.get(self.provider, ())
        for key in needs:
            if not getattr(self, key):
                raise ConfigError(f"notify.{key} is required for provider = {self.provider!r}")
        if self.provider in ("tencent_sms", "aliyun_sms", "wechat"):
            for kind in KINDS:
                if not self.templates[kind]:
                    raise ConfigError(f"notify.template_{kind} (the provider's template id) is required "
                                      f"for provider = {self.provider!r}")


def _string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"notify.{key} must be text")
    return value


def _text(key: str, value: Any) -> str:
    value = _string(key, value)
    try:
        named = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise ConfigError(f"notify.{key}: {exc}") from None
    unknown = named - PLACEHOLDERS
    if unknown:
        raise ConfigError(f"notify.{key}: unknown placeholder {{{sorted(unknown)[0]}}} "
                          f"(known: {', '.join(sorted(PLACEHOLDERS))})")
    return value


def _checked(key: str, value: Any, default: Any) -> Any:
    if key == "provider":
        if value not in PROVIDERS:
            raise ConfigError(f"notify.provider must be one of {', '.join(PROVIDERS)}, got {value!r}")
        return value
    if key == "reminders":
        if (not isinstance(value, list) or len(value) > 4
                or any(isinstance(m, bool) or not isinstance(m, int) or not 5 <= m <= 10080 for m in value)):
            raise ConfigError("notify.reminders must be a list of up to 4 minute counts (5 to 10080)")
        return tuple(sorted(set(value), reverse=True))
    if isinstance(default, bool) or isinstance(default, int):
        low, high = {"ahead": (0, 50), "max_attempts": (1, 20), "per_mobile_per_hour": (1, 100)}[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"notify.{key} must be a whole number from {low} to {high}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.1 <= value <= 3600:
            raise ConfigError(f"notify.{key} must be a number of seconds from 0.1 to 3600")
        return float(value)
    value = _string(key, value)
    if key.endswith(("_url", "_endpoint")) and value and not value.startswith(("http://", "https://")):
        raise ConfigError(f"notify.{key} must be an http:// or https:// address")
    return value
