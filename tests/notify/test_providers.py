"""Each provider against a local stand-in that checks the request as the provider's published
documentation specifies it, with fixed keys and timestamps. The signatures are recomputed here,
independently of server/notify/providers.py, from the documented steps; the two published
examples (Tencent Cloud's TC3 and Aliyun's SendSms signature) are checked as given."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote

import pytest

from hall.config import ConfigError
from server.notify.providers import (AliyunSmsProvider, Message, SendFailed, TencentSmsProvider, WechatProvider,
                                     aliyun_signature, tc3_authorization)
from server.notify.settings import NotifySettings
from tests.notify.fakes import Received, Reply, start_fake, stop_fake

NOW = 1764122400          # 2025-11-26T02:00:00Z
TEMPLATES = {"template_ahead": "1110001", "template_called": "1110002", "template_reminder": "1110003"}
CALLED = Message(id="1:ticket:7:called", kind="called", mobile="13812345678", openid=None, number="A007",
                 service="企业设立登记", window=3, text="【测试大厅】请 A007 号到 3 号窗口办理。",
                 text_en="Test Hall: number A007, please go to window 3.")


def settings(**values) -> NotifySettings:
    return NotifySettings.from_config({"notify": values})


@pytest.fixture
def fake():
    replies: list = []
    server = start_fake(lambda got: replies.pop(0)(got) if replies else Reply(500, b"{}"))
    server.replies = replies
    yield server
    stop_fake(server)


# --- the published examples ----------------------------------------------------------------------

def test_tc3_matches_tencent_clouds_published_example() -> None:
    # Tencent Cloud API 3.0 signature example (nlp ChatBot, 2021-09-27, timestamp 1632706407)
    header = tc3_authorization("GebjUWWJJVnL1en1gtgb52CmNJN8CqdKC0ne", "QtXXc6HftX/LEwrSi+MR4OyVEnEslwyg", "nlp",
                               "nlp.tencentcloudapi.com", '{"Query":"你好，红领巾，我叫白胡子"}'.encode(), 1632706407)
    assert header == ("TC3-HMAC-SHA256 Credential=GebjUWWJJVnL1en1gtgb52CmNJN8CqdKC0ne/2021-09-27/nlp/tc3_request, "
                      "SignedHeaders=content-type;host, "
                      "Signature=3ec0d092a50635e6bdfcf051750d55dca5bc39e270348d8e46f928d50d3ed833")


def test_the_aliyun_signature_matches_the_sendsms_documentation_example() -> None:
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert aliyun_signature("testSecret", params, "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


# --- Tencent Cloud SMS ---------------------------------------------------------------------------

def documented_tc3(secret_key: str, host: str, body: bytes, timestamp: str, content_type: str) -> str:
    """The signature as the TC3-HMAC-SHA256 documentation builds it, step by step."""
    from datetime import datetime, timezone
    day = datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d")
    canonical_request = (f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
                         + hashlib.sha256(body).hexdigest())
    string_to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{day}/sms/tc3_request\n"
                      + hashlib.sha256(canonical_request.encode()).hexdigest())
    secret_date = hmac.new(("TC3" + secret_key).encode(), day.encode(), hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, b"sms", hashlib.sha256).digest()
    secret_signing = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tencent_checks(got: Received) -> Reply:
    host = got.headers["host"]
    assert got.method == "POST" and got.path == "/"
    assert got.headers["x-tc-action"] == "SendSms" and got.headers["x-tc-version"] == "2021-01-11"
    assert got.headers["x-tc-region"] == "ap-beijing" and got.headers["x-tc-timestamp"] == str(NOW)
    content_type = got.headers["content-type"]
    assert content_type == "application/json; charset=utf-8"
    signature = documented_tc3("tencent-key", host, got.body, got.headers["x-tc-timestamp"], content_type)
    assert got.headers["authorization"] == (
        f"TC3-HMAC-SHA256 Credential=AKIDtest/2025-11-26/sms/tc3_request, SignedHeaders=content-type;host, "
        f"Signature={signature}")
    sent = json.loads(got.body)
    assert sent["PhoneNumberSet"] == ["+8613812345678"] and sent["SmsSdkAppId"] == "1400000001"
    assert sent["SignName"] == "测试大厅" and sent["TemplateId"] == "1110002"
    assert sent["TemplateParamSet"] == ["A007", "3"]
    return Reply(200, json.dumps({"Response": {"SendStatusSet": [{"SerialNo": "2640:1", "PhoneNumber": "+8613812345678",
                                                                  "Fee": 1, "Code": "Ok", "Message": "send success"}],
                                               "RequestId": "a0aabda6"}}).encode())


def tencent(url: str) -> TencentSmsProvider:
    return TencentSmsProvider(settings(provider="tencent_sms", tencent_secret_id="AKIDtest",
                                       tencent_secret_key="tencent-key", tencent_sdk_app_id="1400000001",
                                       tencent_sign_name="测试大厅", tencent_region="ap-beijing",
                                       tencent_endpoint=url, **TEMPLATES), clock=lambda: NOW)


def test_tencent_sendsms_is_signed_and_shaped_as_documented(fake) -> None:
    fake.replies.append(tencent_checks)
    assert tencent(fake.url).send(CALLED) == "2640:1"
    assert len(fake.received) == 1


def test_tencent_errors_fail_the_attempt(fake) -> None:
    fake.replies.append(lambda got: Reply(200, json.dumps({"Response": {"Error": {
        "Code": "AuthFailure.SignatureFailure", "Message": "The provided credentials could not be validated."},
        "RequestId": "x"}}).encode()))
    fake.replies.append(lambda got: Reply(200, json.dumps({"Response": {"SendStatusSet": [{
        "Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit"}]}}).encode()))
    with pytest.raises(SendFailed) as refused:
        tencent(fake.url).send(CALLED)
    assert "AuthFailure.SignatureFailure" in refused.value.detail and not refused.value.retry
    with pytest.raises(SendFailed) as limited:
        tencent(fake.url).send(CALLED)
    assert "PhoneNumberDailyLimit" in limited.value.detail


# --- Aliyun SMS ----------------------------------------------------------------------------------

def aliyun_checks(got: Received) -> Reply:
    assert got.method == "POST" and got.headers["content-type"] == "application/x-www-form-urlencoded"
    params = dict(parse_qsl(got.body.decode("ascii"), keep_blank_values=True))
    signature = params.pop("Signature")

    def enc(text: str) -> str:   # the documented percentEncode
        return quote(text, safe="~").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")
    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    string_to_sign = "POST&%2F&" + enc(canonical)
    expected = base64.b64encode(hmac.new(b"aliyun-secret&", string_to_sign.encode(), hashlib.sha1).digest()).decode()
    assert signature == expected
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25" and params["Format"] == "JSON"
    assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
    assert params["SignatureNonce"] == "nonce-1" and params["Timestamp"] == "2025-11-26T02:00:00Z"
    assert params["AccessKeyId"] == "LTAItest" and params["RegionId"] == "cn-hangzhou"
    assert params["PhoneNumbers"] == "13812345678" and params["SignName"] == "测试大厅"
    assert params["TemplateCode"] == "1110002"
    assert json.loads(params["TemplateParam"]) == {"number": "A007", "window": "3"}
    return Reply(200, b'{"Message":"OK","RequestId":"F655A8D5","BizId":"900619746936498440^0","Code":"OK"}')


def test_aliyun_sendsms_is_signed_as_documented(fake) -> None:
    fake.replies.append(aliyun_checks)
    provider = AliyunSmsProvider(settings(provider="aliyun_sms", aliyun_access_key_id="LTAItest",
                                          aliyun_access_key_secret="aliyun-secret", aliyun_sign_name="测试大厅",
                                          aliyun_endpoint=fake.url, **TEMPLATES),
                                 clock=lambda: NOW, nonce=lambda: "nonce-1")
    assert provider.send(CALLED) == "900619746936498440^0"
    fake.replies.append(lambda got: Reply(200, b'{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"bad number"}'))
    with pytest.raises(SendFailed) as refused:
        provider.send(CALLED)
    assert "MOBILE_NUMBER_ILLEGAL" in refused.value.detail and not refused.value.retry


# --- WeChat Official Account ---------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


def test_wechat_keeps_its_access_token_until_it_is_about_to_expire(fake) -> None:
    issued = iter(["TOKEN-1", "TOKEN-2", "TOKEN-3"])
    tokens_given: list[str] = []

    def answer(got: Received) -> Reply:
        if got.path == "/cgi-bin/token":
            assert got.method == "GET" and got.query == {"grant_type": "client_credential", "appid": "wx0001",
                                                         "secret": "wx-secret"}
            tokens_given.append(next(issued))
            return Reply(200, json.dumps({"access_token": tokens_given[-1], "expires_in": 7200}).encode())
        assert got.path == "/cgi-bin/message/template/send" and got.method == "POST"
        sent = json.loads(got.body)
        assert sent["touser"] == "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" and sent["template_id"] == "1110002"
        assert sent["data"]["keyword1"]["value"] == "A007" and sent["data"]["first"]["value"] == CALLED.text
        if got.query["access_token"] != tokens_given[-1]:
            return Reply(200, b'{"errcode":40001,"errmsg":"invalid credential"}')
        return Reply(200, b'{"errcode":0,"errmsg":"ok","msgid":200228332}')

    server_answer = fake.answer
    fake.answer = answer
    clock = Clock()
    provider = WechatProvider(settings(provider="wechat", wechat_app_id="wx0001", wechat_app_secret="wx-secret",
                                       wechat_endpoint=fake.url, **TEMPLATES), clock=clock)
    message = Message(**{**CALLED.__dict__, "mobile": None, "openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"})
    assert provider.send(message) == "200228332"
    assert provider.send(message) == "200228332"
    assert tokens_given == ["TOKEN-1"]                      # cached between messages
    clock.now += 7200 - 299                                  # within five minutes of expiry: a new one
    provider.send(message)
    assert tokens_given == ["TOKEN-1", "TOKEN-2"]
    provider._token = ("REVOKED", clock.now + 3600)         # WeChat says it is no longer valid
    provider.send(message)
    assert tokens_given == ["TOKEN-1", "TOKEN-2", "TOKEN-3"]
    fake.answer = server_answer
    with pytest.raises(SendFailed):
        provider.send(CALLED)                                 # no follower to send to


# --- the [notify] table -------------------------------------------------------------------------

def test_the_notify_table_is_checked_when_loaded() -> None:
    assert settings().provider == "log" and settings().ahead == 3
    for bad in ({"provider": "sms"}, {"ahead": -1}, {"provider": "webhook"}, {"provider": "webhook",
                "webhook_url": "ftp://x", "webhook_secret": "s"}, {"text_called": "{nobody}"},
                {"reminders": [1]}, {"provider": "tencent_sms", "tencent_secret_id": "a", "tencent_secret_key": "b",
                                     "tencent_sdk_app_id": "c", "tencent_sign_name": "d"}, {"colour": "red"}):
        with pytest.raises(ConfigError):
            settings(**bad)
    assert settings(reminders=[60, 1440]).reminders == (1440, 60)


def test_a_hall_setup_with_a_wrong_notify_table_is_refused_when_loaded(tmp_path) -> None:
    from server.datadir import config_document
    from tests.conftest import small_hall_document, to_toml
    config = tmp_path / "config.toml"
    config.write_text(to_toml(small_hall_document(notify={"provider": "webhook"})), encoding="utf-8")
    with pytest.raises(ConfigError, match="webhook_url"):
        config_document(config)
