"""The providers that carry a message to a citizen, each speaking its published interface.

- `log`: writes the message to the server log (number masked); for trying the feature out.
- `webhook`: a JSON POST to the hall's own (government) SMS gateway, signed with HMAC-SHA256
  of the raw body in `X-Jiaohao-Signature`.
- `tencent_sms`: Tencent Cloud SMS API 3.0 `SendSms` (version 2021-01-11), signed with
  TC3-HMAC-SHA256.
- `aliyun_sms`: Aliyun SMS `SendSms` (dysmsapi 2017-05-25), an RPC request signed with
  HMAC-SHA1 (SignatureVersion 1.0).
- `wechat`: a WeChat Official Account template message, with the access token fetched once
  and kept until shortly before it expires (and fetched again when WeChat says it is stale).

`send` returns the provider's receipt on success or raises `SendFailed` (`retry` says whether
trying again later may help). Every request has a timeout, so a hung provider costs one
message its timeout, never the queue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from ..personal import mask_mobile
from .settings import NotifySettings

log = logging.getLogger(__name__)

Clock = Callable[[], float]   # seconds since the epoch


@dataclass(frozen=True)
class Message:
    id: str                 # the idempotency key
    kind: str               # ahead | called | reminder
    mobile: str | None
    openid: str | None
    number: str
    service: str            # the item's name
    window: int | None
    text: str
    text_en: str
    ahead: int = 0
    service_code: str = ""  # the item's code, as the API names items


class SendFailed(Exception):
    def __init__(self, detail: str, retry: bool = True):
        super().__init__(detail)
        self.detail, self.retry = detail, retry


class Provider(Protocol):
    name: str

    def send(self, message: Message) -> str: ...


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    return _open(request, timeout)


def _open(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        # a refusal of this request (4xx) will be refused again; a 5xx or 429 may pass later
        raise SendFailed(f"HTTP {exc.code}: {body[:200].decode('utf-8', 'replace')}",
                         retry=exc.code >= 500 or exc.code == 429) from None
    except (urllib.error.URLError, OSError) as exc:
        raise SendFailed(f"unreachable: {getattr(exc, 'reason', exc)}") from None


def _json(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body or b"{}")
    except ValueError:
        raise SendFailed("the reply is not JSON") from None
    if not isinstance(found, dict):
        raise SendFailed("the reply is not a JSON object")
    return found


def _require_mobile(message: Message) -> str:
    if not message.mobile:
        raise SendFailed("no mobile number for this message", retry=False)
    return message.mobile


# --- log ---------------------------------------------------------------------------------------

class LogProvider:
    name = "log"

    def send(self, message: Message) -> str:
        log.info("notify %s to %s: %s / %s (%s)", message.kind,
                 mask_mobile(message.mobile) if message.mobile else "wechat follower",
                 message.text, message.text_en, message.id)
        return "logged"


# --- webhook -----------------------------------------------------------------------------------

def webhook_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class WebhookProvider:
    name = "webhook"

    def __init__(self, settings: NotifySettings):
        self.url, self.secret, self.timeout = settings.webhook_url, settings.webhook_secret, settings.timeout_seconds

    def send(self, message: Message) -> str:
        body = json.dumps({"kind": message.kind, "mobile": _require_mobile(message), "number": message.number,
                           "service": message.service_code, "window": message.window, "text": message.text,
                           "text_en": message.text_en, "id": message.id}, ensure_ascii=False).encode("utf-8")
        status, _ = _post(self.url, body, {"Content-Type": "application/json; charset=utf-8",
                                           "X-Jiaohao-Signature": webhook_signature(self.secret, body)},
                          self.timeout)
        return f"HTTP {status}"


# --- Tencent Cloud SMS -------------------------------------------------------------------------

TENCENT_VERSION = "2021-01-11"
TENCENT_CONTENT_TYPE = "application/json; charset=utf-8"


def tc3_authorization(secret_id: str, secret_key: str, service: str, host: str, payload: bytes,
                      timestamp: int, content_type: str = TENCENT_CONTENT_TYPE) -> str:
    """The Authorization header of Tencent Cloud API 3.0 (TC3-HMAC-SHA256) for a POST to '/'
    signing the content-type and host headers."""
    day = datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")
    canonical = "\n".join(("POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host",
                           hashlib.sha256(payload).hexdigest()))
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(("TC3-HMAC-SHA256", str(timestamp), scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()))

    def mac(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()
    signing = mac(mac(mac(("TC3" + secret_key).encode("utf-8"), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signature}")


def template_values(message: Message) -> list[str]:
    """The template parameters of an SMS template, in a fixed order per kind; a hall registers
    its templates with these placeholders ({1} number, {2} …)."""
    if message.kind == "ahead":
        return [message.number, str(message.ahead)]
    if message.kind == "called":
        return [message.number, str(message.window or "")]
    return [message.number, message.service]


class TencentSmsProvider:
    name = "tencent_sms"

    def __init__(self, settings: NotifySettings, clock: Clock = time.time):
        self.settings, self.clock = settings, clock
        self.host = urllib.parse.urlsplit(settings.tencent_endpoint).netloc

    def send(self, message: Message) -> str:
        s = self.settings
        payload = json.dumps({"PhoneNumberSet": [f"+86{_require_mobile(message)}"], "SmsSdkAppId": s.tencent_sdk_app_id,
                              "SignName": s.tencent_sign_name, "TemplateId": s.templates[message.kind],
                              "TemplateParamSet": template_values(message), "SessionContext": message.id},
                             ensure_ascii=False).encode("utf-8")
        timestamp = int(self.clock())
        headers = {"Authorization": tc3_authorization(s.tencent_secret_id, s.tencent_secret_key, "sms", self.host,
                                                      payload, timestamp),
                   "Content-Type": TENCENT_CONTENT_TYPE, "Host": self.host, "X-TC-Action": "SendSms",
                   "X-TC-Timestamp": str(timestamp), "X-TC-Version": TENCENT_VERSION,
                   "X-TC-Region": s.tencent_region}
        _, body = _post(s.tencent_endpoint, payload, headers, s.timeout_seconds)
        reply = _json(body).get("Response", {})
        if "Error" in reply:
            error = reply["Error"]
            raise SendFailed(f"{error.get('Code')}: {error.get('Message')}",
                             retry=str(error.get("Code", "")).startswith(("InternalError", "RequestLimitExceeded")))
        statuses = reply.get("SendStatusSet") or [{}]
        if statuses[0].get("Code") != "Ok":
            raise SendFailed(f"{statuses[0].get('Code')}: {statuses[0].get('Message')}", retry=False)
        return statuses[0].get("SerialNo", "ok")


# --- Aliyun SMS --------------------------------------------------------------------------------

def _aliyun_quote(text: str) -> str:
    """Aliyun's percent-encoding: RFC 3986 unreserved characters kept, everything else %XX."""
    return urllib.parse.quote(text, safe="-_.~")


def aliyun_signature(secret: str, params: dict[str, str], method: str = "POST") -> str:
    """Signature (v1.0, HMAC-SHA1) of an Aliyun RPC request over its sorted parameters."""
    canonical = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsProvider:
    name = "aliyun_sms"

    def __init__(self, settings: NotifySettings, clock: Clock = time.time,
                 nonce: Callable[[], str] = lambda: str(uuid.uuid4())):
        self.settings, self.clock, self.nonce = settings, clock, nonce

    def params(self, message: Message) -> dict[str, str]:
        s = self.settings
        names = {"ahead": {"number": message.number, "ahead": str(message.ahead)},
                 "called": {"number": message.number, "window": str(message.window or "")},
                 "reminder": {"number": message.number, "service": message.service}}[message.kind]
        stamp = datetime.fromtimestamp(self.clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"AccessKeyId": s.aliyun_access_key_id, "Action": "SendSms", "Format": "JSON",
                "OutId": message.id[-64:], "PhoneNumbers": _require_mobile(message), "RegionId": s.aliyun_region,
                "SignName": s.aliyun_sign_name, "SignatureMethod": "HMAC-SHA1", "SignatureNonce": self.nonce(),
                "SignatureVersion": "1.0", "TemplateCode": s.templates[message.kind],
                "TemplateParam": json.dumps(names, ensure_ascii=False, separators=(",", ":")),
                "Timestamp": stamp, "Version": "2017-05-25"}

    def send(self, message: Message) -> str:
        params = self.params(message)
        params["Signature"] = aliyun_signature(self.settings.aliyun_access_key_secret, params)
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode("ascii")
        _, reply_body = _post(self.settings.aliyun_endpoint.rstrip("/") + "/", body,
                              {"Content-Type": "application/x-www-form-urlencoded"}, self.settings.timeout_seconds)
        reply = _json(reply_body)
        if reply.get("Code") != "OK":
            code = str(reply.get("Code"))
            raise SendFailed(f"{code}: {reply.get('Message')}",
                             retry=code in ("isp.SYSTEM_ERROR", "Throttling.User", "isv.BUSINESS_LIMIT_CONTROL"))
        return str(reply.get("BizId", "ok"))


# --- WeChat Official Account -------------------------------------------------------------------

STALE_TOKEN_CODES = (40001, 40014, 42001)   # invalid credential, invalid token, token expired


class WechatProvider:
    name = "wechat"
    MARGIN_SECONDS = 300    # fetch a new token this long before the old one runs out

    def __init__(self, settings: NotifySettings, clock: Clock = time.time):
        self.settings, self.clock = settings, clock
        self.base = settings.wechat_endpoint.rstrip("/")
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def access_token(self, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or self.clock() >= self._token[1]:
                query = urllib.parse.urlencode({"grant_type": "client_credential",
                                                "appid": self.settings.wechat_app_id,
                                                "secret": self.settings.wechat_app_secret})
                _, body = _open(urllib.request.Request(f"{self.base}/cgi-bin/token?{query}"),
                                self.settings.timeout_seconds)
                reply = _json(body)
                if "access_token" not in reply:
                    raise SendFailed(f"token {reply.get('errcode')}: {reply.get('errmsg')}")
                lifetime = float(reply.get("expires_in", 7200))
                self._token = (reply["access_token"], self.clock() + max(60.0, lifetime - self.MARGIN_SECONDS))
            return self._token[0]

    def send(self, message: Message) -> str:
        if not message.openid:
            raise SendFailed("no WeChat follower for this message", retry=False)
        body = json.dumps({"touser": message.openid, "template_id": self.settings.templates[message.kind],
                           "data": {"first": {"value": message.text}, "keyword1": {"value": message.number},
                                    "keyword2": {"value": message.service},
                                    "keyword3": {"value": str(message.window or message.ahead)},
                                    "remark": {"value": message.text_en}}},
                          ensure_ascii=False).encode("utf-8")
        reply = self._post_message(body, self.access_token())
        if reply.get("errcode") in STALE_TOKEN_CODES:
            reply = self._post_message(body, self.access_token(fresh=True))
        if reply.get("errcode", 0) != 0:
            raise SendFailed(f"{reply.get('errcode')}: {reply.get('errmsg')}", retry=reply.get("errcode") == -1)
        return str(reply.get("msgid", "ok"))

    def _post_message(self, body: bytes, token: str) -> dict[str, Any]:
        url = f"{self.base}/cgi-bin/message/template/send?access_token={urllib.parse.quote(token)}"
        _, reply = _post(url, body, {"Content-Type": "application/json; charset=utf-8"},
                         self.settings.timeout_seconds)
        return _json(reply)


def provider_for(settings: NotifySettings) -> Provider:
    return {"log": LogProvider, "webhook": WebhookProvider, "tencent_sms": TencentSmsProvider,
            "aliyun_sms": AliyunSmsProvider, "wechat": WechatProvider}[settings.provider](
                *(() if settings.provider == "log" else (settings,)))
