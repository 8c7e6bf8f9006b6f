"""The eID login against real `oidc-provider` processes (see conftest.py): every check of the flow."""
from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.contrib.auth import SESSION_KEY

from pronoia.accounts.actors import SESSION_LOA_KEY, SESSION_PERSON_KEY, SESSION_PROVIDER_KEY
from pronoia.accounts.eid import views as eid_views
from pronoia.accounts.eid.services import SESSION_ID_TOKEN_KEY, SESSION_PENDING_KEY
from pronoia.accounts.models import EidIdentity
from pronoia.accounts.tests.conftest import ACR, ALICE, BOB, ID_TOKEN_TTL, MALLORY, STRANGER, provider_setting
from pronoia.audit.models import AuditEvent
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons():
    return {
        account["id"]: PersonFactory(national_id=account["national_id"], country="gr", given_name=account["given_name"], surname=account["family_name"])
        for account in (ALICE, BOB, MALLORY)
    }


def error_code(response) -> str:
    html = response.content.decode()
    marker = 'data-error-code="'
    return html[html.index(marker) + len(marker):].split('"', 1)[0] if marker in html else ""


def test_happy_path_creates_the_user_and_identity_signs_in_and_audits(eid_driver, eid_test_providers, persons, client):
    start = eid_driver.start("alpha")
    query = eid_driver.query(start)
    assert start.startswith(eid_test_providers["alpha"].issuer + "/auth?")
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["response_type"] == "code" and query["client_id"] == "pronoia-portal"
    assert query["redirect_uri"] == "http://testserver/sign-in/alpha/callback"
    # The default service needs "substantial": the provider is asked for that level or higher.
    assert query["acr_values"].split() == [ACR["substantial"], ACR["high"]]
    assert query["state"] in client.session[SESSION_PENDING_KEY]

    response = eid_driver.callback(eid_driver.authenticate("alpha", start, account="alice", acr=ACR["high"]))
    assert response.status_code == 302 and response["Location"] == "/my/insurance-record"

    alice = persons["alice"]
    identity = EidIdentity.objects.get(provider="alpha")
    assert identity.subject == eid_test_providers["alpha"].subject("alice")
    assert identity.person == alice and identity.last_loa == "high" and identity.last_acr == ACR["high"]
    assert not identity.user.has_usable_password()
    session = client.session
    assert int(session[SESSION_KEY]) == identity.user.pk
    assert session[SESSION_PERSON_KEY] == alice.pk and session[SESSION_LOA_KEY] == "high" and session[SESSION_PROVIDER_KEY] == "alpha"
    assert session[SESSION_ID_TOKEN_KEY].count(".") == 2
    assert session[SESSION_PENDING_KEY] == {}
    event = AuditEvent.objects.get(action="eid_login")
    assert event.person_id == alice.pk and event.actor == identity.user
    assert event.data == {"provider": "alpha", "level": "high", "acr": ACR["high"], "first_login": True}
    assert "Alice" in client.get("/").content.decode()

    # A second sign-in reuses the identity and the user.
    client.post("/sign-out")
    response = eid_driver.sign_in("alpha", account="alice", acr=ACR["substantial"])
    assert response.status_code == 302
    assert EidIdentity.objects.count() == 1
    assert int(client.session[SESSION_KEY]) == identity.user.pk and client.session[SESSION_LOA_KEY] == "substantial"
    assert AuditEvent.objects.filter(action="eid_login").count() == 2
    assert AuditEvent.objects.filter(action="eid_login").order_by("-pk").first().data["first_login"] is False


def test_next_is_kept_only_when_it_is_a_local_path(eid_driver, persons):
    assert eid_driver.sign_in("alpha", account="alice", next_url="/who-accessed-my-data")["Location"] == "/who-accessed-my-data"
    for hostile in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/" + "a" * 3000):
        eid_driver.client.post("/sign-out")
        assert eid_driver.sign_in("alpha", account="alice", next_url=hostile)["Location"] == "/my/insurance-record"


def test_wrong_state_is_refused(eid_driver, persons, client):
    callback = eid_driver.authenticate("alpha", eid_driver.start("alpha"), account="alice", acr=ACR["high"])
    parts = eid_driver.query(callback)
    for state in ("forged-state", ""):
        response = client.get("/sign-in/alpha/callback", {**parts, "state": state})
        assert response.status_code == 400 and error_code(response) == "eid_state_invalid"
    assert SESSION_KEY not in client.session
    # The real state still works once, and only once.
    assert eid_driver.callback(callback).status_code == 302
    replay = eid_driver.callback(callback)
    assert replay.status_code == 400 and error_code(replay) == "eid_state_invalid"


def test_state_of_one_provider_is_refused_at_another(eid_driver, persons, client):
    callback = eid_driver.authenticate("alpha", eid_driver.start("alpha"), account="alice", acr=ACR["high"])
    parts = eid_driver.query(callback)
    # The answer names its issuer (RFC 9207): a mix-up is caught first ...
    response = client.get("/sign-in/beta/callback", parts)
    assert response.status_code == 400 and error_code(response) == "eid_issuer_mismatch"
    # ... and without it, the state belongs to another provider.
    del parts["iss"]
    response = client.get("/sign-in/beta/callback", parts)
    assert response.status_code == 400 and error_code(response) == "eid_state_invalid"
    assert not EidIdentity.objects.exists() and SESSION_KEY not in client.session


def test_state_of_another_browser_session_is_refused(eid_driver, persons):
    from django.test import Client

    callback = eid_driver.authenticate("alpha", eid_driver.start("alpha"), account="alice", acr=ACR["high"])
    other = Client()
    response = other.get(callback[len("http://testserver"):])
    assert response.status_code == 400 and error_code(response) == "eid_state_invalid"
    assert SESSION_KEY not in other.session


def test_replayed_nonce_is_refused_even_with_a_new_state(eid_driver, persons, client):
    first = eid_driver.start("alpha")
    used_nonce = eid_driver.query(first)["nonce"]
    assert eid_driver.callback(eid_driver.authenticate("alpha", first, account="alice", acr=ACR["high"])).status_code == 302
    client.post("/sign-out")

    # An attacker re-sends the used nonce to the provider under a new, valid state.
    second = eid_driver.start("alpha")
    query = eid_driver.query(second)
    crafted = f"{second.split('?')[0]}?{urlencode({**query, 'nonce': used_nonce})}"
    response = eid_driver.callback(eid_driver.authenticate("alpha", crafted, account="alice", acr=ACR["high"]))
    assert response.status_code == 400 and error_code(response) == "eid_nonce_mismatch"

    # Even when the pending sign-in itself expects the used nonce, it is refused as a replay.
    third = eid_driver.start("alpha")
    query = eid_driver.query(third)
    session = client.session
    session[SESSION_PENDING_KEY][query["state"]]["nonce"] = used_nonce
    session.save()
    crafted = f"{third.split('?')[0]}?{urlencode({**query, 'nonce': used_nonce})}"
    response = eid_driver.callback(eid_driver.authenticate("alpha", crafted, account="alice", acr=ACR["high"]))
    assert response.status_code == 400 and error_code(response) == "eid_nonce_replayed"
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="eid_login").count() == 1


def test_wrong_pkce_verifier_is_refused_by_the_provider(eid_driver, persons, client):
    start = eid_driver.start("alpha")
    state = eid_driver.query(start)["state"]
    session = client.session
    session[SESSION_PENDING_KEY][state]["verifier"] = "x" * 64
    session.save()
    response = eid_driver.callback(eid_driver.authenticate("alpha", start, account="alice", acr=ACR["high"]))
    assert response.status_code == 400 and error_code(response) == "eid_code_rejected"
    assert "did not confirm your sign-in" in response.content.decode()
    assert SESSION_KEY not in client.session and not EidIdentity.objects.exists()


def test_a_client_key_the_provider_does_not_know_is_refused(eid_driver, eid_settings, eid_test_providers, eid_rp_keys, persons, client):
    eid_settings.PRONOIA_EID_PROVIDERS = [provider_setting(eid_test_providers["alpha"], eid_rp_keys.wrong_key_file)]
    response = eid_driver.sign_in("alpha", account="alice")
    assert response.status_code == 502 and error_code(response) == "eid_client_rejected"
    assert "did not accept this portal&#x27;s credentials" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_an_expired_id_token_is_refused(eid_driver, persons, client, monkeypatch):
    callback = eid_driver.authenticate("alpha", eid_driver.start("alpha"), account="alice", acr=ACR["high"])
    # The real token, validated after its lifetime and the leeway have passed.
    later = time.time() + ID_TOKEN_TTL + 30 + 5
    monkeypatch.setattr(eid_views, "clock", lambda: later)
    response = eid_driver.callback(callback)
    assert response.status_code == 400 and error_code(response) == "eid_token_expired"
    assert SESSION_KEY not in client.session


def test_a_token_still_in_its_lifetime_passes_with_the_same_clock(eid_driver, persons, monkeypatch):
    callback = eid_driver.authenticate("alpha", eid_driver.start("alpha"), account="alice", acr=ACR["high"])
    monkeypatch.setattr(eid_views, "clock", lambda: time.time() + ID_TOKEN_TTL - 20)
    assert eid_driver.callback(callback).status_code == 302


def test_acr_below_the_required_level_is_refused(eid_driver, persons, client):
    response = eid_driver.sign_in("alpha", account="alice", acr=ACR["low"])
    assert response.status_code == 403 and error_code(response) == "eid_level_too_low"
    html = response.content.decode()
    assert "A stronger sign-in is needed" in html and "“substantial”" in html and "“low”" in html
    assert SESSION_KEY not in client.session and not EidIdentity.objects.exists()


def test_a_service_may_require_high(eid_driver, eid_settings, persons, client):
    eid_settings.PRONOIA_EID_REQUIRED_LEVELS = {"pension": "high"}
    start = client.get("/sign-in/alpha", {"service": "pension"})["Location"]
    assert eid_driver.query(start)["acr_values"] == ACR["high"]
    response = eid_driver.callback(eid_driver.authenticate("alpha", start, account="alice", acr=ACR["substantial"]))
    assert response.status_code == 403 and error_code(response) == "eid_level_too_low"
    # A low default for other services does not lower it; an unknown service gets the default.
    eid_settings.PRONOIA_EID_DEFAULT_LEVEL = "low"
    start = client.get("/sign-in/alpha", {"service": "no-such-service"})["Location"]
    assert eid_driver.query(start)["acr_values"].split() == [ACR["low"], ACR["substantial"], ACR["high"]]


def test_unknown_provider_gets_a_404_naming_it(client, eid_settings):
    for url in ("/sign-in/nope", "/sign-in/nope/callback?state=x&code=y"):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "“nope”" in html and "Sign-in provider not found" in html


def test_a_person_unknown_to_the_institution_is_not_created(eid_driver, persons, client):
    from pronoia.people.models import Person

    count = Person.objects.count()
    response = eid_driver.sign_in("alpha", account="stranger")
    assert response.status_code == 404 and error_code(response) == "eid_person_unknown"
    assert "We hold no insurance record for this identifier." in response.content.decode()
    assert Person.objects.count() == count and not Person.objects.filter(national_id=STRANGER["national_id"]).exists()
    assert not EidIdentity.objects.exists() and SESSION_KEY not in client.session


def test_another_providers_subject_is_a_different_identity(eid_driver, eid_test_providers, persons, client):
    assert eid_driver.sign_in("alpha", account="alice").status_code == 302
    alice_identity = EidIdentity.objects.get(provider="alpha")
    client.post("/sign-out")

    # beta asserts for mallory exactly the subject alpha uses for alice.
    assert eid_test_providers["beta"].subject("mallory") == alice_identity.subject
    assert eid_driver.sign_in("beta", account="mallory").status_code == 302
    mallory_identity = EidIdentity.objects.get(provider="beta")
    assert mallory_identity.subject == alice_identity.subject
    assert mallory_identity.pk != alice_identity.pk and mallory_identity.user_id != alice_identity.user_id
    assert mallory_identity.person == persons["mallory"]
    assert int(client.session[SESSION_KEY]) == mallory_identity.user_id
    assert client.session[SESSION_PERSON_KEY] == persons["mallory"].pk


def test_the_same_national_id_from_two_providers_is_two_identities_of_one_person(eid_driver, persons, client):
    assert eid_driver.sign_in("alpha", account="alice").status_code == 302
    client.post("/sign-out")
    assert eid_driver.sign_in("beta", account="alice").status_code == 302
    identities = EidIdentity.objects.order_by("provider")
    assert [i.provider for i in identities] == ["alpha", "beta"]
    assert {i.person_id for i in identities} == {persons["alice"].pk}
    assert identities[0].user_id != identities[1].user_id


def test_provider_error_callback_shows_a_clear_page(eid_driver, persons, client):
    callback = eid_driver.abort("alpha", eid_driver.start("alpha"))
    assert eid_driver.query(callback)["error"] == "access_denied"
    response = eid_driver.callback(callback)
    assert response.status_code == 400 and error_code(response) == "eid_provider_error"
    assert "You cancelled the sign-in" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Unknown error codes and hostile descriptions still get the page, escaped, never a 500.
    response = client.get("/sign-in/alpha/callback", {"state": "s", "error": "server_error", "error_description": "<script>alert(1)</script>"})
    assert response.status_code == 400 and "<script>alert(1)" not in response.content.decode()


def test_sign_out_ends_the_session_and_redirects_to_the_providers_end_session(eid_driver, eid_test_providers, persons, client):
    assert eid_driver.sign_in("alpha", account="alice").status_code == 302
    id_token = client.session[SESSION_ID_TOKEN_KEY]
    response = client.post("/sign-out")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(eid_test_providers["alpha"].issuer + "/session/end?")
    query = eid_driver.query(location)
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/" and query["client_id"] == "pronoia-portal"
    assert SESSION_KEY not in client.session and SESSION_PERSON_KEY not in client.session
    # The provider accepts the request: it asks the person to confirm signing out there too.
    page = eid_driver.browser("alpha").get(location, allow_redirects=False, timeout=10)
    assert page.status_code == 200 and "op.logoutForm" in page.text


def test_sign_out_without_an_eid_session_goes_home(client, eid_settings):
    response = client.post("/sign-out")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/sign-out").status_code == 405


def test_an_unreachable_provider_gives_a_clear_page(client, eid_settings, eid_rp_keys):
    from pronoia.accounts.tests.conftest import free_port

    eid_settings.PRONOIA_EID_PROVIDERS = [
        {
            "key": "down",
            "display_name": "Down eID",
            "issuer": f"http://127.0.0.1:{free_port()}",
            "client_id": "pronoia-portal",
            "private_key_file": str(eid_rp_keys.key_file),
            "acr_levels": {"x": "high"},
        }
    ]
    response = client.get("/sign-in/down")
    assert response.status_code == 503 and "Down eID cannot be reached" in response.content.decode()


def test_the_provider_serves_the_documented_claims(eid_driver, eid_test_providers, persons, client):
    """The provider's discovery advertises PKCE S256 and private_key_jwt, and its ID token carries the claims."""
    discovery = requests.get(eid_test_providers["alpha"].issuer + "/.well-known/openid-configuration", timeout=5).json()
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "private_key_jwt" in discovery["token_endpoint_auth_methods_supported"]
    assert set(ACR.values()) <= set(discovery["acr_values_supported"])
    assert eid_driver.sign_in("alpha", account="bob").status_code == 302
    from joserfc.jws import extract_compact
    import json

    claims = json.loads(extract_compact(client.session[SESSION_ID_TOKEN_KEY].encode()).payload)
    assert claims["national_id"] == BOB["national_id"] and claims["country"] == "gr"
    assert claims["given_name"] == "Bob" and claims["family_name"] == "Beta" and claims["birthdate"] == "1980-02-02"
    assert urlsplit(claims["iss"]).hostname == "127.0.0.1"


def test_the_provider_refuses_an_authorization_request_without_pkce(eid_driver, eid_test_providers):
    start = eid_driver.start("alpha")
    query = {k: v for k, v in eid_driver.query(start).items() if not k.startswith("code_challenge")}
    response = requests.get(f"{eid_test_providers['alpha'].issuer}/auth", params=query, allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303)
    answer = eid_driver.query(response.headers["Location"])
    assert answer["error"] == "invalid_request" and "requires PKCE" in answer["error_description"]


def test_an_identity_whose_national_id_changed_is_refused(eid_driver, eid_test_providers, persons, client):
    from pronoia.accounts.tests.factories import citizen_user

    # alpha's subject for alice is already linked to bob's file: the claim now disagrees.
    citizen_user(persons["bob"], provider="alpha", subject=eid_test_providers["alpha"].subject("alice"))
    response = eid_driver.sign_in("alpha", account="alice")
    assert response.status_code == 403 and error_code(response) == "eid_identity_conflict"
    assert SESSION_KEY not in client.session


def test_sign_out_goes_home_when_the_provider_cannot_be_reached(eid_driver, eid_settings, eid_test_providers, eid_rp_keys, persons, client):
    from pronoia.accounts.eid.oidc import metadata_cache_clear
    from pronoia.accounts.tests.conftest import free_port

    assert eid_driver.sign_in("alpha", account="alice").status_code == 302
    eid_settings.PRONOIA_EID_PROVIDERS = [provider_setting(eid_test_providers["alpha"], eid_rp_keys.key_file, issuer=f"http://127.0.0.1:{free_port()}")]
    metadata_cache_clear()
    response = client.post("/sign-out")
    assert response.status_code == 302 and response["Location"] == "/"
    assert SESSION_KEY not in client.session


def test_attributes_only_at_userinfo_are_fetched_with_the_access_token(eid_driver, persons, client):
    """beta keeps national_id and names out of the ID token: the portal reads them from userinfo."""
    from joserfc.jws import extract_compact
    import json

    assert eid_driver.sign_in("beta", account="alice").status_code == 302
    claims = json.loads(extract_compact(client.session[SESSION_ID_TOKEN_KEY].encode()).payload)
    assert "national_id" not in claims and "given_name" not in claims
    assert EidIdentity.objects.get(provider="beta").person == persons["alice"]
    assert client.session[SESSION_PERSON_KEY] == persons["alice"].pk
