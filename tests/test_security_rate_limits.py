"""Rate limits on sign-in paths and the API (pronoia/core/rate_limits.py)."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from pronoia.core import rate_limits
from pronoia.core.rate_limits import client_address, hit


@pytest.fixture(autouse=True)
def small_limits(settings):
    cache.clear()
    settings.PRONOIA_RATE_LIMITS_ENABLED = True
    settings.PRONOIA_PROXY_COUNT = 0
    settings.PRONOIA_RATE_LIMITS = [
        {"name": "login", "prefixes": ["/sign-in", "/staff/login", "/staff/otp"], "limit": 3, "window": 60},
        {"name": "api", "prefixes": ["/api/"], "limit": 5, "window": 60},
    ]
    yield
    cache.clear()


def test_sliding_window_weights_the_previous_window():
    start = 6000.0  # the start of a 60-second window
    assert all(hit("k", limit=4, window=60, now=start + i).allowed for i in range(4))
    assert not hit("k", limit=4, window=60, now=start + 5).allowed
    # Half-way through the next window, half of the previous five requests still count: 2.5 + 1.
    assert hit("k", limit=4, window=60, now=start + 90).allowed
    # 2.5 + 2 = 4.5 > 4
    verdict = hit("k", limit=4, window=60, now=start + 90)
    assert not verdict.allowed and 1 <= verdict.retry_after <= 60
    # Two windows later nothing from the first one counts.
    assert hit("k", limit=4, window=60, now=start + 200).allowed


def test_retry_after_is_when_one_more_request_fits():
    start = 12000.0
    for i in range(3):
        hit("r", limit=3, window=60, now=start)
    verdict = hit("r", limit=3, window=60, now=start + 10)
    assert not verdict.allowed
    # 4 requests in this window; the next one fits once 4 * (1 - f) <= 2 in the next window: f = 0.5.
    assert verdict.retry_after == 50 + 30
    assert hit("r", limit=3, window=60, now=start + 10 + verdict.retry_after).allowed


@pytest.mark.django_db
def test_sign_in_paths_answer_429_with_retry_after_in_the_users_language(client):
    for _ in range(3):
        assert client.get("/staff/login").status_code != 429
    response = client.get("/staff/login")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert "Too many requests" in html and "Try again in" in html and '<html lang="en"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # Other sign-in paths share the budget of this client address.
    assert client.get("/sign-in").status_code == 429
    # Pages that are not rate-limited still open.
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_page_is_translated(client, settings):
    settings.PRONOIA_RATE_LIMITS[0]["limit"] = 0
    response = client.get("/staff/login", HTTP_ACCEPT_LANGUAGE="el")
    assert response.status_code == 429
    assert '<html lang="el"' in response.content.decode()


@pytest.mark.django_db
def test_the_api_answers_429_as_json(client):
    for _ in range(5):
        assert client.get("/api/v1/me/data-access").status_code == 401
    response = client.get("/api/v1/me/data-access")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "rate_limited" and body["field"] is None and "Try again in" in body["message"]


@pytest.mark.django_db
def test_a_signed_in_user_is_limited_across_addresses(client):
    from pronoia.accounts.tests.factories import client_sign_in_citizen
    from pronoia.people.tests.factories import PersonFactory

    client_sign_in_citizen(client, PersonFactory())
    for n in range(5):
        assert client.get("/api/v1/me/data-access", REMOTE_ADDR=f"10.0.0.{n}").status_code == 200
    assert client.get("/api/v1/me/data-access", REMOTE_ADDR="10.0.0.99").status_code == 429


@pytest.mark.django_db
def test_addresses_are_counted_apart(client):
    for _ in range(3):
        client.get("/staff/login", REMOTE_ADDR="192.0.2.1")
    assert client.get("/staff/login", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/staff/login", REMOTE_ADDR="192.0.2.2").status_code != 429


@pytest.mark.django_db
def test_rate_limits_can_be_switched_off(client, settings):
    settings.PRONOIA_RATE_LIMITS_ENABLED = False
    for _ in range(10):
        assert client.get("/staff/login").status_code != 429


@pytest.mark.django_db
def test_a_cache_outage_lets_requests_through(client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(rate_limits, "hit", broken)
    for _ in range(5):
        assert client.get("/staff/login").status_code != 429
    assert "rate limit cache unavailable" in caplog.text


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_address_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.PRONOIA_PROXY_COUNT = 0
    assert client_address(request_from("198.51.100.7", "1.2.3.4")) == "198.51.100.7"


def test_client_address_takes_the_entry_the_trusted_proxy_added(settings):
    settings.PRONOIA_PROXY_COUNT = 1
    # The client forged "1.2.3.4"; our proxy appended the address it saw.
    assert client_address(request_from("10.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(request_from("10.0.0.1", "")) == "10.0.0.1"
    assert client_address(request_from("10.0.0.1", "not-an-address")) == "unknown"


def test_ipv6_clients_are_keyed_by_their_64_network(settings):
    settings.PRONOIA_PROXY_COUNT = 0
    assert client_address(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_address(request_from("2001:db8:1:2:bbbb::2")) == "2001:db8:1:2::/64"
    assert client_address(request_from("::ffff:192.0.2.5")) == "192.0.2.5"


def test_the_configured_rules_limit_the_public_verification_page_before_the_api():
    from config.settings import security

    def rule_for(path: str) -> str:
        return next(rule["name"] for rule in security.PRONOIA_RATE_LIMITS if any(path.startswith(prefix) for prefix in rule["prefixes"]))

    assert rule_for("/verify/ABCD") == "verify" and rule_for("/api/v1/verify/ABCD") == "verify"
    assert rule_for("/api/v1/me/applications") == "api" and rule_for("/sign-in/demo") == "login"
