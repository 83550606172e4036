"""The phone page and its JSON, /t/<token> and /api/v1/track/<token>, through Flask's test client."""

from __future__ import annotations

import pytest

from hall.config import ConfigError, parse_config
from server import accounts
from server.app import create_app
from server.pages.phone import Limits
from server.ratelimit import Limit, TokenBuckets
from tests.conftest import FakeClock, add_user, small_hall_document

PASSWORD = "password-1"


class Tick:
    """A monotonic clock for the rate limiter, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def phone_app(tmp_path, small_config_file, seeded):
    clock = FakeClock()
    app = create_app(seeded(tmp_path / "var", small_config_file), small_config_file, clock=clock, start_clockwork=False)
    hall = app.extensions["jiaohao"]
    for n in (2, 3):
        add_user(hall.database, hall.service.hall_id, f"clerk{n}", "clerk", PASSWORD)
    app.kiosk = accounts.add_device(hall.database, hall.service.hall_id, "kiosk-1", "kiosk").token
    app.clock = clock
    yield app
    hall.data.close()


class Phone:
    """A citizen's phone and the hall around it."""

    def __init__(self, app, service: str = "A01"):
        self.app = app
        self.http = app.test_client()
        self.issued = self.issue(service)
        self.token = self.issued["track_url"].rsplit("/", 1)[1]
        self.id = self.issued["id"]
        self.clerks: dict[int, dict] = {}

    def issue(self, service: str = "A01", priority: str = "normal") -> dict:
        reply = self.http.post("/api/v1/tickets", json={"service": service, "priority": priority},
                               headers={"Authorization": f"Bearer {self.app.kiosk}"})
        assert reply.status_code == 201
        return reply.get_json()

    def track(self, token: str | None = None):
        return self.http.get(f"/api/v1/track/{token or self.token}")

    def view(self) -> dict:
        reply = self.track()
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()

    def clerk(self, window: int) -> dict:
        if window not in self.clerks:
            token = self.http.post("/api/v1/auth/login", json={"username": f"clerk{window}",
                                                                "password": PASSWORD}).get_json()["token"]
            self.clerks[window] = {"Authorization": f"Bearer {token}"}
            assert self.http.post(f"/api/v1/windows/{window}/sign-in", headers=self.clerks[window]).status_code == 200
        return self.clerks[window]

    def act(self, window: int, path: str, json=None) -> dict:
        reply = self.http.post(f"/api/v1{path}", json=json, headers=self.clerk(window))
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()


def test_a_waiting_ticket(phone_app) -> None:
    phone = Phone(phone_app)
    phone.issue()
    view = phone.view()
    assert (view["number"], view["state"], view["ahead"]) == ("A001", "waiting", 0)
    assert view["service_name"] == "企业设立登记" and view["service_name_en"] == "Business registration"
    assert view["hall"] == {"name": "测试大厅", "name_en": "Test Hall"}
    assert [w["number"] for w in view["windows"]] == [1, 2, 3] and not any(w["open"] for w in view["windows"])
    assert view["estimate"]["uncertain"] and view["estimate"]["text"]
    assert view["almost"] and view["almost_turn_ahead"] == 3
    assert view["issued_at"] == "10:00" and view["can_rate"] is False and view["final"] is False
    assert "A002" not in str(view), "only its own ticket"


def test_the_page_is_small_private_and_self_contained(phone_app) -> None:
    phone = Phone(phone_app)
    page = phone.http.get(f"/t/{phone.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert len(page.get_data()) < 30_000
    assert "A001" in html and "测试大厅" in html and "Test Hall" in html
    assert "http://" not in html and "https://" not in html and "<link" not in html, "no external requests"
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert html.count(f'nonce="{nonce}"') == 3 and "connect-src 'self'" in page.headers["Content-Security-Policy"]
    assert "innerHTML" not in html, "data goes into the page as text only"


def test_the_page_follows_the_ticket_through_its_visit(phone_app) -> None:
    phone = Phone(phone_app)
    called = phone.act(3, "/windows/3/call-next")["ticket"]
    assert called["id"] == phone.id
    view = phone.view()
    assert view["state"] == "called"
    assert view["window"] == {"number": 3, "name": "市场监管", "name_en": "Market Regulation"}
    assert "ahead" not in view
    phone.act(3, f"/tickets/{phone.id}/recall")
    assert phone.view()["recalls"] == 1
    phone.act(3, f"/tickets/{phone.id}/start")
    assert phone.view()["state"] == "serving"
    phone.act(3, f"/tickets/{phone.id}/finish")
    view = phone.view()
    assert view["state"] == "done" and view["can_rate"] and not view["final"]
    rated = phone.http.post(f"/api/v1/tickets/{phone.id}/evaluation", json={"rating": 4},
                            headers={"Authorization": f"Bearer {phone.token}"})
    assert rated.status_code == 200 and rated.get_json()["rating"] == 4
    view = phone.view()
    assert (view["rating"], view["can_rate"], view["final"]) == (4, False, True)
    again = phone.http.post(f"/api/v1/tickets/{phone.id}/evaluation", json={"rating": 1},
                            headers={"Authorization": f"Bearer {phone.token}"})
    assert again.status_code == 409 and again.get_json()["error"] == "already_rated"


def test_the_token_rates_only_its_own_ticket(phone_app) -> None:
    phone, other = Phone(phone_app), Phone(phone_app)
    for ticket_id in (phone.id, other.id):
        phone.act(3, "/windows/3/call-next")
        phone.act(3, f"/tickets/{ticket_id}/start")
        phone.act(3, f"/tickets/{ticket_id}/finish")
    refused = phone.http.post(f"/api/v1/tickets/{other.id}/evaluation", json={"rating": 5},
                              headers={"Authorization": f"Bearer {phone.token}"})
    assert refused.status_code == 403 and other.view()["rating"] is None


def test_no_show_says_until_when_the_service_desk_can_help(phone_app) -> None:
    phone = Phone(phone_app)
    phone.act(3, "/windows/3/call-next")
    phone_app.clock.advance(minutes=6)          # no_show_after_minutes = 5
    phone.act(3, f"/tickets/{phone.id}/no-show")
    view = phone.view()
    # 10:06 in the hall's time zone, plus late_return_minutes = 60
    assert view["state"] == "no_show" and view["late_return_until"] == "11:06"


def test_held_says_when_to_come_back_and_where(phone_app) -> None:
    phone = Phone(phone_app)
    phone.act(3, "/windows/3/call-next")
    phone.act(3, f"/tickets/{phone.id}/hold", {"minutes": 20})
    view = phone.view()
    assert view["state"] == "held" and view["hold_until"] == "10:20" and not view["hold_any_window"]
    assert view["window"]["number"] == 3


def test_transferred_shows_the_new_item_and_queue(phone_app) -> None:
    phone = Phone(phone_app)
    phone.act(3, "/windows/3/call-next")
    phone.act(3, f"/tickets/{phone.id}/transfer", {"service": "C01"})
    view = phone.view()
    assert view["state"] == "transferred" and view["service_name"] == "发票申领"
    assert [w["number"] for w in view["windows"]] == [1, 4] and view["ahead"] == 0
    sent = Phone(phone_app)
    phone.act(3, "/windows/3/call-next")
    phone.act(3, f"/tickets/{sent.id}/transfer", {"window": 2})
    view = sent.view()
    assert view["sent_to"]["number"] == 2 and [w["number"] for w in view["windows"]] == [2]


def test_cancelled(phone_app) -> None:
    phone = Phone(phone_app)
    phone.act(3, f"/tickets/{phone.id}/cancel", {"reason": "市民离开"})
    view = phone.view()
    assert view["state"] == "cancelled" and view["final"]


def test_almost_their_turn_and_the_estimate_follow_the_queue(phone_app) -> None:
    first = Phone(phone_app)
    for _ in range(4):
        first.issue("A01")
    last = Phone(phone_app)
    view = last.view()
    assert view["ahead"] == 5 and not view["almost"]
    first.clerk(3)
    one_window = last.view()["estimate"]
    first.clerk(2)
    two_windows = last.view()["estimate"]
    assert two_windows["high"] < one_window["high"] and not two_windows["uncertain"]
    first.act(3, "/windows/3/call-next")
    first.act(2, "/windows/2/call-next")
    view = last.view()
    assert view["ahead"] == 3 and view["almost"]


def test_an_unknown_token_gets_a_friendly_page_and_a_json_404(phone_app) -> None:
    client = phone_app.test_client()
    for token in ("x" * 43, "not-a-token", "%3Cscript%3E"):
        page = client.get(f"/t/{token}")
        html = page.get_data(as_text=True)
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert "没有找到这张票" in html and "We could not find this ticket" in html and "服务台" in html
        assert "<script>" not in html
    reply = client.get("/api/v1/track/" + "x" * 43)
    assert reply.status_code == 404 and reply.get_json()["error"] == "ticket_not_found"


def test_a_ticket_from_an_earlier_day_has_expired(phone_app) -> None:
    phone = Phone(phone_app)
    phone_app.clock.advance(days=1)
    reply = phone.track()
    assert reply.status_code == 410 and reply.get_json()["error"] == "expired"
    page = phone.http.get(f"/t/{phone.token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "此号已过期" in html and "This ticket has expired" in html
    assert "A001" in html and "2026-11-26" in html
    phone_app.extensions["jiaohao"].service.expire_past_days()
    assert phone.track().status_code == 410, "still expired after the day rollover"


def test_the_ticket_expires_at_local_midnight_not_utc(phone_app) -> None:
    phone = Phone(phone_app)                      # issued 10:00 Shanghai, 02:00 UTC
    phone_app.clock.advance(hours=13, minutes=59)  # 23:59 Shanghai
    assert phone.track().status_code == 200
    phone_app.clock.advance(minutes=1)             # 00:00 Shanghai, still 16:00 UTC the same day
    assert phone.track().status_code == 410


# --- rate limits ----------------------------------------------------------------------------------

def limited(app, **limits) -> Tick:
    tick = Tick()
    app.extensions["jiaohao_phone_limits"] = (TokenBuckets(clock=tick), Limits(**limits))
    return tick


def test_one_token_polling_too_fast_is_told_to_wait(phone_app) -> None:
    phone = Phone(phone_app)
    tick = limited(phone_app, per_token=Limit(capacity=3, rate=0.5))
    assert [phone.track().status_code for _ in range(3)] == [200, 200, 200]
    refused = phone.track()
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited"
    assert refused.headers["Retry-After"] == "2"
    assert phone.http.get(f"/t/{phone.token}").status_code == 429, "the page counts too"
    other = Phone(phone_app)
    assert other.track().status_code == 200, "another ticket has its own allowance"
    tick.now += 2
    assert phone.track().status_code == 200


def test_one_address_is_limited_across_tokens(phone_app) -> None:
    phones = [Phone(phone_app) for _ in range(3)]
    limited(phone_app, per_address=Limit(capacity=4, rate=1))
    codes = [p.track().status_code for p in phones for _ in range(2)]
    assert codes == [200, 200, 200, 200, 429, 429]
    elsewhere = phones[0].http.get(f"/api/v1/track/{phones[0].token}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 200


def test_guessing_tokens_is_slowed_down(phone_app) -> None:
    phone = Phone(phone_app)
    tick = limited(phone_app, misses_per_address=Limit(capacity=3, rate=0.1))
    client = phone_app.test_client()
    codes = [client.get(f"/api/v1/track/{'g' * 42}{i}").status_code for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    assert client.get(f"/t/{'h' * 43}").status_code == 429
    assert phone.track().status_code == 200, "a real ticket is not affected"
    tick.now += 10
    assert client.get(f"/api/v1/track/{'g' * 43}").status_code == 404


def test_token_buckets_refill_over_time() -> None:
    tick = Tick()
    buckets = TokenBuckets(clock=tick)
    limit = Limit(capacity=2, rate=0.25)
    assert [buckets.take("k", limit) for _ in range(3)] == [0, 0, 4]
    tick.now += 4
    assert buckets.take("k", limit) == 0 and buckets.take("other", limit) == 0


# --- configuration -------------------------------------------------------------------------------

def test_almost_turn_ahead_is_configured_and_checked() -> None:
    assert parse_config(small_hall_document()).policy.almost_turn_ahead == 3
    document = small_hall_document()
    document["policy"] = dict(document["policy"], almost_turn_ahead=5)
    assert parse_config(document).policy.almost_turn_ahead == 5
    for bad in (-1, "three", 2.5):
        document["policy"] = dict(document["policy"], almost_turn_ahead=bad)
        with pytest.raises(ConfigError, match="almost_turn_ahead"):
            parse_config(document)


def test_a_ticket_sent_to_a_window_by_name_has_one_place_everywhere(phone_app) -> None:
    sent = Phone(phone_app)
    for _ in range(6):
        sent.issue("A01")
    sent.act(3, "/windows/3/call-next")
    sent.act(3, f"/tickets/{sent.id}/transfer", {"window": 2})
    rest = sent.http.get(f"/api/v1/tickets/{sent.id}", headers=sent.clerk(2)).get_json()
    queue = sent.http.get("/api/v1/windows/2/queue", headers=sent.clerk(2)).get_json()["waiting"]
    place = [t["id"] for t in queue].index(sent.id)
    assert rest["waiting_ahead"] == sent.view()["ahead"] == place == 0
    assert sent.act(2, "/windows/2/call-next")["ticket"]["id"] == sent.id


def test_with_no_window_open_nothing_promises_a_call(phone_app) -> None:
    phone = Phone(phone_app, "C01")
    issued, view = phone.issued, phone.view()
    for estimate in (issued["estimated_wait"], view["estimate"]):
        assert (estimate["text"], estimate["text_en"]) == ("暂无窗口办理此事项", "No window is serving this item now")
    assert view["ahead"] == 0 and view["turn_notice"] is None
    assert "下一位就是您" not in str(view) and "即将叫号" not in str(view)
    assert issued["watch"] == view["watch"] == [1, 4]
    phone.clerk(2)          # window 2 does not serve C01: still nobody for it
    assert phone.view()["turn_notice"] is None
