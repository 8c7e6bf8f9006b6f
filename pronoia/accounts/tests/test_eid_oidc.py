"""ID-token checks and the provider registry, with tokens we sign ourselves (no provider process)."""
from __future__ import annotations

import base64
import json
import stat
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from pronoia.accounts.eid import oidc
from pronoia.accounts.eid.oidc import EidError, id_token_validate
from pronoia.accounts.eid.providers import (
    EidProvider,
    ProviderUnknown,
    level_required_for,
    level_satisfies,
    provider_get,
    providers_all,
    rp_key_generate,
    rp_key_load,
    rp_public_jwks,
)

ISSUER = "https://eid.unit.test"
NOW = 1_900_000_000


@pytest.fixture
def signing_key():
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


@pytest.fixture
def provider(signing_key, tmp_path):
    """A provider whose discovery and keys sit in the cache, as if fetched."""
    provider = EidProvider(key="unit", display_name="Unit eID", issuer=ISSUER, client_id="portal", private_key_file=str(tmp_path / "k.json"), acr_levels={"loa-high": "high"})
    public = KeySet.import_key_set({"keys": [signing_key.as_dict(private=False)]})
    oidc.metadata_cache_clear()
    oidc._cache[ISSUER] = oidc._Cached(discovery={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"}, jwks=public, fetched_at=time.monotonic(), jwks_fetched_at=time.monotonic())
    yield provider
    oidc.metadata_cache_clear()


def claims(**overrides) -> dict:
    base = {"iss": ISSUER, "aud": "portal", "sub": "subject-1", "exp": NOW + 300, "iat": NOW, "nonce": "n-1", "acr": "loa-high"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(key, payload: dict, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, payload, key)


def validate(provider, token: str, nonce: str = "n-1", now: float = NOW) -> dict:
    return id_token_validate(provider, token, nonce=nonce, now=lambda: now)


def test_a_good_token_passes(provider, signing_key):
    assert validate(provider, sign(signing_key, claims()))["sub"] == "subject-1"
    assert validate(provider, sign(signing_key, claims(aud=["portal", "other"], azp="portal")))["azp"] == "portal"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.test"},
        {"iss": None},
        {"aud": "someone-else"},
        {"aud": ["someone-else", "other"]},
        {"aud": None},
        {"aud": ["portal", "other"]},  # several audiences and no azp
        {"azp": "someone-else"},
        {"exp": None},
        {"iat": None},
        {"exp": "tomorrow"},
        {"exp": True},
        {"iat": NOW + 3600},  # issued in the future, beyond the leeway
        {"nonce": "another"},
        {"nonce": None},
        {"sub": None},
        {"sub": ""},
        {"sub": "s" * 256},
        {"sub": 42},
    ],
)
def test_tokens_with_bad_claims_are_refused(provider, signing_key, overrides):
    with pytest.raises(EidError) as caught:
        validate(provider, sign(signing_key, claims(**overrides)))
    assert caught.value.code in {"eid_token_invalid", "eid_nonce_mismatch"}
    assert caught.value.status_code == 400


def test_expiry_honours_the_leeway_and_the_injected_clock(provider, signing_key):
    token = sign(signing_key, claims(exp=NOW + 60))
    assert validate(provider, token, now=NOW + 60 + 29)
    with pytest.raises(EidError) as caught:
        validate(provider, token, now=NOW + 60 + 30)
    assert caught.value.code == "eid_token_expired"


def test_a_token_signed_by_another_key_is_refused(provider):
    stranger = RSAKey.generate_key(2048, private=True, auto_kid=True)
    with pytest.raises(EidError, match="eid_token_invalid"):
        validate(provider, sign(stranger, claims()))


def test_a_key_id_we_hold_with_a_foreign_signature_is_refused(provider, signing_key):
    stranger = RSAKey.generate_key(2048, private=True)
    token = jwt.encode({"alg": "RS256", "kid": signing_key.kid}, claims(), stranger)
    with pytest.raises(EidError, match="eid_token_invalid"):
        validate(provider, token)


def test_unsigned_and_symmetric_tokens_are_refused(provider, signing_key):
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=").decode()
    # alg "none", and HS256 keyed with the provider's public modulus (algorithm confusion).
    hmac_key = OctKey.import_key(signing_key.as_dict(private=False)["n"].encode())
    for token in (f"{header}.{body}.", jwt.encode({"alg": "HS256", "kid": signing_key.kid}, claims(), hmac_key)):
        with pytest.raises(EidError, match="eid_token_invalid"):
            validate(provider, token)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "é.é.é", "x" * 20_000])
def test_garbage_is_refused(provider, token):
    with pytest.raises(EidError, match="eid_token_invalid"):
        validate(provider, token)


def test_a_tampered_payload_is_refused(provider, signing_key):
    header, _body, signature = sign(signing_key, claims()).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims(sub="someone-else")).encode()).rstrip(b"=").decode()
    with pytest.raises(EidError, match="eid_token_invalid"):
        validate(provider, f"{header}.{forged}.{signature}")


def test_levels():
    assert level_satisfies("high", "substantial") and level_satisfies("substantial", "substantial")
    assert not level_satisfies("low", "substantial") and not level_satisfies("", "low") and not level_satisfies("HIGH", "low")
    provider = EidProvider(key="p", display_name="P", issuer="i", client_id="c", private_key_file="f", acr_levels={"a-high": "high", "a-low": "low", "a-sub": "substantial"})
    assert provider.acr_values_for("substantial") == ["a-sub", "a-high"]
    assert provider.level_of("a-low") == "low" and provider.level_of("unknown") == "" and provider.level_of(["a-high"]) == ""


def test_required_level_per_service(settings):
    settings.PRONOIA_EID_DEFAULT_LEVEL = "substantial"
    settings.PRONOIA_EID_REQUIRED_LEVELS = {"pension": "high", "broken": "medium"}
    assert level_required_for("") == "substantial" and level_required_for("other") == "substantial"
    assert level_required_for("pension") == "high"
    with pytest.raises(ImproperlyConfigured):
        level_required_for("broken")


def entry(**overrides) -> dict:
    return {"key": "national", "display_name": "National eID", "issuer": "https://eid.example", "client_id": "portal", "private_key_file": "/k.json", "acr_levels": {"h": "high"}, **overrides}


def test_registry_reads_several_providers(settings):
    settings.PRONOIA_EID_PROVIDERS = [
        entry(),
        entry(key="eidas", display_name={"en": "eIDAS node", "el": "Κόμβος eIDAS"}, country_claim="", national_id_claim="person_identifier"),
        entry(key="bank-id", display_name="Bank ID", country="gr"),
    ]
    assert [p.key for p in providers_all()] == ["national", "eidas", "bank-id"]
    assert provider_get("eidas").national_id_claim == "person_identifier"
    from django.utils import translation

    with translation.override("el"):
        assert provider_get("eidas").name == "Κόμβος eIDAS"
    with translation.override("pl"):
        assert provider_get("eidas").name == "eIDAS node"


@pytest.mark.parametrize(
    "entries",
    [
        [entry(key="Bad Key")],
        [entry(acr_levels={"x": "medium"})],
        [entry(), entry()],
        [{k: v for k, v in entry().items() if k != "issuer"}],
    ],
)
def test_registry_refuses_bad_configuration(settings, entries):
    settings.PRONOIA_EID_PROVIDERS = entries
    with pytest.raises(ImproperlyConfigured):
        providers_all()


def test_unknown_provider_is_a_not_found_error(settings):
    settings.PRONOIA_EID_PROVIDERS = [entry()]
    with pytest.raises(ProviderUnknown) as caught:
        provider_get("x" * 500)
    assert caught.value.status_code == 404 and len(caught.value.message) < 200


def test_the_demo_key_is_generated_once_with_owner_only_permissions(tmp_path):
    provider = EidProvider(key="demo", display_name="Demo", issuer="i", client_id="c", private_key_file=str(tmp_path / "var" / "rp-key.json"), acr_levels={}, generate_key=True)
    first = rp_key_load(provider)
    assert stat.S_IMODE((tmp_path / "var" / "rp-key.json").stat().st_mode) == 0o600
    assert rp_key_load(provider).kid == first.kid
    public = rp_public_jwks(provider)["keys"][0]
    assert "d" not in public and public["kid"] == first.kid and public["alg"] == "RS256"
    with pytest.raises(FileExistsError):
        rp_key_generate(tmp_path / "var" / "rp-key.json")


def test_other_providers_never_generate_a_key(tmp_path):
    provider = EidProvider(key="national", display_name="N", issuer="i", client_id="c", private_key_file=str(tmp_path / "missing.json"), acr_levels={})
    with pytest.raises(ImproperlyConfigured, match="missing"):
        rp_key_load(provider)
    (tmp_path / "public.json").write_text(json.dumps(RSAKey.generate_key(2048, private=True).as_dict(private=False)))
    with pytest.raises(ImproperlyConfigured, match="no private key"):
        rp_key_load(EidProvider(key="n", display_name="N", issuer="i", client_id="c", private_key_file=str(tmp_path / "public.json"), acr_levels={}))


@pytest.fixture
def userinfo_server():
    """A loopback HTTP server answering each GET with the next (status, content type, body) queued."""
    import http.server
    import threading

    answers: list[tuple[int, str, bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            status, content_type, body = answers.pop(0)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/userinfo", answers
    server.shutdown()
    server.server_close()
    thread.join()


def test_userinfo_must_name_the_same_subject_and_be_json(provider, userinfo_server):
    url, answers = userinfo_server
    oidc._cache[ISSUER].discovery["userinfo_endpoint"] = url
    answers.append((200, "application/json", json.dumps({"sub": "subject-1", "national_id": "123"}).encode()))
    assert oidc.userinfo_get(provider, access_token="at", subject="subject-1")["national_id"] == "123"
    answers.append((200, "application/json", json.dumps({"sub": "someone-else", "national_id": "999"}).encode()))
    with pytest.raises(EidError, match="eid_token_invalid"):
        oidc.userinfo_get(provider, access_token="at", subject="subject-1")
    for answer in ((200, "text/html", b"<html>"), (401, "application/json", b"{}"), (200, "application/json", b"[1]" + b" " * 600_000), (200, "application/json", b"{not json")):
        answers.append(answer)
        with pytest.raises(EidError) as caught:
            oidc.userinfo_get(provider, access_token="at", subject="subject-1")
        assert caught.value.code in {"eid_provider_unreachable", "eid_token_invalid"}
    assert oidc.userinfo_get(provider, access_token="", subject="subject-1") == {}
