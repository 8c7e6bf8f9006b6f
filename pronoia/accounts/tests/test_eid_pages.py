"""The sign-in pages without a provider process: choosing a provider, hostile callbacks, pending sign-ins."""
from __future__ import annotations

import pytest

from pronoia.accounts.eid.services import MAX_PENDING, SESSION_PENDING_KEY, eid_pending_take
from pronoia.accounts.eid.oidc import EidError
from pronoia.accounts.eid.providers import provider_get

pytestmark = pytest.mark.django_db


def provider_entry(key: str, name: str) -> dict:
    return {"key": key, "display_name": name, "issuer": f"https://{key}.invalid", "client_id": "portal", "private_key_file": "/nonexistent", "acr_levels": {"h": "high"}}


@pytest.fixture
def two_providers(settings):
    from django.core.cache import cache

    cache.clear()  # rate-limit counters of earlier tests
    settings.PRONOIA_EID_PROVIDERS = [provider_entry("national", "National eID"), provider_entry("bank-id", "Bank ID")]


def test_the_sign_in_page_lists_the_providers_accessibly(client, two_providers):
    response = client.get("/sign-in", {"next": "/who-accessed-my-data"})
    html = response.content.decode()
    assert response.status_code == 200
    for index, name in enumerate(("National eID", "Bank ID")):
        assert f'<label class="govuk-label govuk-radios__label" for="provider-{index}">{name}</label>' in html
    assert 'value="/who-accessed-my-data"' in html and "<script>" not in html.split("<main", 1)[1]


def test_choosing_a_provider_starts_its_sign_in_with_a_safe_next(client, two_providers):
    response = client.post("/sign-in", {"provider": "bank-id", "next": "/who-accessed-my-data"})
    assert response.status_code == 302 and response["Location"] == "/sign-in/bank-id?next=%2Fwho-accessed-my-data"
    response = client.post("/sign-in", {"provider": "bank-id", "next": "https://evil.example/"})
    assert response["Location"] == "/sign-in/bank-id?next=%2Fmy%2Finsurance-record"


@pytest.mark.parametrize("data", [{}, {"provider": ""}, {"provider": "unknown"}, {"provider": "<script>"}, {"provider": "x" * 10_000}])
def test_a_missing_or_hostile_choice_gets_an_error_summary(client, two_providers, data):
    response = client.post("/sign-in", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and 'href="#provider-0"' in html
    assert ("Choose how you want to sign in." in html) or ("Choose one of the ways to sign in listed." in html)
    assert "<script>" not in html.split("<main", 1)[1]


def test_the_sign_in_page_says_so_when_no_provider_is_configured(client, settings):
    settings.PRONOIA_EID_PROVIDERS = []
    html = client.get("/sign-in").content.decode()
    assert "no eID provider is configured" in html


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"state": "s"},
        {"state": "s", "code": "c" * 5000},
        {"state": "s" * 300, "code": "c"},
        {"state": "s", "error": "bad\"error"},
        {"state": "s", "error": "e" * 100},
        {"state": "s", "code": "c", "iss": "https://evil.example"},
    ],
)
def test_malformed_callbacks_get_a_clear_page_and_sign_nobody_in(client, two_providers, query):
    response = client.get("/sign-in/national/callback", query)
    assert response.status_code == 400
    assert "You are not signed in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pending_sign_ins_are_bounded_and_each_state_is_used_once(client, two_providers, monkeypatch):
    from pronoia.accounts.eid import oidc

    monkeypatch.setattr(oidc, "authorization_url_build", lambda provider, **kwargs: f"https://{provider.key}.invalid/auth?state={kwargs['state']}")
    states = []
    for _ in range(MAX_PENDING + 3):
        location = client.get("/sign-in/national")["Location"]
        states.append(location.rsplit("=", 1)[1])
    pending = client.session[SESSION_PENDING_KEY]
    assert list(pending) == states[-MAX_PENDING:]
    assert all(len(entry["verifier"]) >= 43 and entry["nonce"] and entry["minimum"] == "substantial" for entry in pending.values())

    session = client.session
    provider = provider_get("national")
    assert eid_pending_take(session=session, provider=provider, state=states[-1])["provider"] == "national"
    with pytest.raises(EidError, match="eid_state_invalid"):
        eid_pending_take(session=session, provider=provider, state=states[-1])
    # An old one has expired.
    with pytest.raises(EidError, match="eid_state_invalid"):
        import time

        eid_pending_take(session=session, provider=provider, state=states[-2], now=lambda: time.time() + 3600)
