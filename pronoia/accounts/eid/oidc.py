"""OpenID Connect client of one provider: discovery, the authorization URL, the code exchange
(private_key_jwt, PKCE) and ID-token validation. HTTP goes through `requests` with timeouts;
discovery documents and key sets are cached per issuer.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from pronoia.accounts.eid.providers import EidProvider, rp_key_load
from pronoia.core.errors import PronoiaError

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 512 * 1024
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]
# A provider's keys are fetched again on an unknown key id, but not more often than this.
JWKS_REFRESH_MIN_SECONDS = 30


class EidError(PronoiaError):
    """A sign-in that cannot go on; the message is for the person, the code for logs and tests."""


def _unreachable(provider: EidProvider) -> EidError:
    return EidError(
        code="eid_provider_unreachable",
        message=_("%(provider)s cannot be reached at the moment. Try again in a few minutes.") % {"provider": provider.name},
        status_code=503,
    )


def _get_json(provider: EidProvider, url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.PRONOIA_EID_HTTP_TIMEOUT, headers={"Accept": "application/json"}, stream=True)
        body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
        response.close()
    except requests.RequestException as exc:
        logger.warning("eID provider %s: %s unreachable: %s", provider.key, url, exc)
        raise _unreachable(provider) from exc
    if response.status_code != 200 or len(body) > MAX_DOCUMENT_BYTES:
        logger.warning("eID provider %s: %s answered %s (%d bytes)", provider.key, url, response.status_code, len(body))
        raise _unreachable(provider)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise _unreachable(provider) from exc
    if not isinstance(document, dict):
        raise _unreachable(provider)
    return document


@dataclass
class _Cached:
    discovery: dict
    jwks: KeySet
    fetched_at: float
    jwks_fetched_at: float


_cache: dict[str, _Cached] = {}
_cache_lock = threading.Lock()
REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def metadata_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


def _discover(provider: EidProvider) -> _Cached:
    issuer = provider.issuer.rstrip("/")
    discovery = _get_json(provider, f"{issuer}/.well-known/openid-configuration")
    # OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one we asked.
    if discovery.get("issuer") != provider.issuer or any(not isinstance(discovery.get(name), str) for name in REQUIRED_ENDPOINTS):
        logger.warning("eID provider %s: discovery document does not match issuer %s", provider.key, provider.issuer)
        raise _unreachable(provider)
    now = time.monotonic()
    return _Cached(discovery=discovery, jwks=_jwks_fetch(provider, discovery["jwks_uri"]), fetched_at=now, jwks_fetched_at=now)


def _jwks_fetch(provider: EidProvider, uri: str) -> KeySet:
    document = _get_json(provider, uri)
    try:
        return KeySet.import_key_set({"keys": [key for key in document.get("keys", []) if key.get("use", "sig") == "sig"]})
    except (JoseError, ValueError, TypeError, AttributeError) as exc:
        logger.warning("eID provider %s: unusable key set: %s", provider.key, exc)
        raise _unreachable(provider) from exc


def _cached(provider: EidProvider) -> _Cached:
    with _cache_lock:
        entry = _cache.get(provider.issuer)
    if entry is None or time.monotonic() - entry.fetched_at > settings.PRONOIA_EID_METADATA_TTL:
        entry = _discover(provider)
        with _cache_lock:
            _cache[provider.issuer] = entry
    return entry


def discovery_get(provider: EidProvider) -> dict:
    """The provider's discovery document (cached)."""
    return _cached(provider).discovery


def _jwks_for(provider: EidProvider, kid: str | None) -> KeySet:
    """The provider's keys; fetched again when the token names a key we do not hold (key rotation)."""
    entry = _cached(provider)
    known = {key.kid for key in entry.jwks.keys}
    if kid and kid not in known and time.monotonic() - entry.jwks_fetched_at > JWKS_REFRESH_MIN_SECONDS:
        entry.jwks = _jwks_fetch(provider, entry.discovery["jwks_uri"])
        entry.jwks_fetched_at = time.monotonic()
    return entry.jwks


def _session(provider: EidProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(client_id=provider.client_id, client_secret=None, scope=provider.scope, redirect_uri=redirect_uri, code_challenge_method="S256")


def authorization_url_build(provider: EidProvider, *, redirect_uri: str, state: str, nonce: str, code_verifier: str, acr_values: list[str]) -> str:
    """Where to send the person: the authorization endpoint with PKCE (S256), state, nonce and acr_values."""
    endpoint = discovery_get(provider)["authorization_endpoint"]
    with _session(provider, redirect_uri) as session:
        url, _state = session.create_authorization_url(endpoint, state=state, code_verifier=code_verifier, nonce=nonce, acr_values=" ".join(acr_values))
    return url


def code_exchange(provider: EidProvider, *, code: str, redirect_uri: str, code_verifier: str) -> dict:
    """The token response for `code`, authenticating with private_key_jwt; raises EidError when refused."""
    token_endpoint = discovery_get(provider)["token_endpoint"]
    key = rp_key_load(provider)
    session = OAuth2Session(
        client_id=provider.client_id,
        client_secret=key,
        token_endpoint_auth_method="private_key_jwt",
        redirect_uri=redirect_uri,
    )
    session.register_client_auth_method(PrivateKeyJWT(token_endpoint, headers={"kid": key.kid}, alg="RS256" if key.key_type == "RSA" else "ES256"))
    try:
        token = session.fetch_token(
            token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=settings.PRONOIA_EID_HTTP_TIMEOUT,
        )
    except OAuthError as exc:
        logger.warning("eID provider %s refused the code exchange: %s %s", provider.key, exc.error, exc.description)
        if exc.error == "invalid_client":
            raise EidError(
                code="eid_client_rejected",
                message=_("%(provider)s did not accept this portal's credentials, so the sign-in could not be completed. Please tell us if this keeps happening.") % {"provider": provider.name},
                status_code=502,
            ) from exc
        raise EidError(
            code="eid_code_rejected",
            message=_("%(provider)s did not confirm your sign-in. Please start again.") % {"provider": provider.name},
            status_code=400,
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        logger.warning("eID provider %s: token endpoint failed: %s", provider.key, exc)
        raise _unreachable(provider) from exc
    finally:
        session.close()
    if not isinstance(token.get("id_token"), str):
        raise EidError(code="eid_token_invalid", message=_("%(provider)s sent an answer we cannot use. Please start again.") % {"provider": provider.name}, status_code=502)
    return dict(token)


def _invalid(provider: EidProvider, reason: str, code: str = "eid_token_invalid") -> EidError:
    logger.warning("eID provider %s: ID token refused: %s", provider.key, reason)
    return EidError(code=code, message=_("We could not verify the answer from %(provider)s. Please start again.") % {"provider": provider.name}, status_code=400)


def id_token_validate(provider: EidProvider, id_token: str, *, nonce: str, now: Callable[[], float] = time.time) -> dict:
    """The claims of `id_token` after checking signature (provider's JWKS), iss, aud/azp, exp, iat and nonce.

    `now` is the clock (seconds since the epoch): a test can validate a real token "later".
    """
    if len(id_token) > 16_384:
        raise _invalid(provider, "too long")
    try:
        header = extract_compact(id_token.encode("ascii")).protected
    except (JoseError, ValueError, UnicodeEncodeError):
        raise _invalid(provider, "not a JWT") from None
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    try:
        token = jwt.decode(id_token, _jwks_for(provider, kid), algorithms=ID_TOKEN_ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        raise _invalid(provider, f"signature: {exc}") from exc
    claims = token.claims
    leeway = settings.PRONOIA_EID_CLOCK_LEEWAY
    moment = now()
    if claims.get("iss") != provider.issuer:
        raise _invalid(provider, f"issuer {claims.get('iss')!r}")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if provider.client_id not in audiences:
        raise _invalid(provider, f"audience {audience!r}")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise _invalid(provider, f"azp {claims.get('azp')!r}")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise _invalid(provider, "exp or iat missing")
    if exp <= moment - leeway:
        logger.warning("eID provider %s: ID token expired %.0f s ago", provider.key, moment - exp)
        raise EidError(code="eid_token_expired", message=_("Your sign-in with %(provider)s took too long and has expired. Please start again.") % {"provider": provider.name}, status_code=400)
    if iat > moment + leeway:
        raise _invalid(provider, "issued in the future")
    if not isinstance(claims.get("nonce"), str) or claims["nonce"] != nonce:
        raise _invalid(provider, "nonce does not match the sign-in", code="eid_nonce_mismatch")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise _invalid(provider, "sub missing or too long")
    return dict(claims)


def userinfo_get(provider: EidProvider, *, access_token: str, subject: str) -> dict:
    """The userinfo claims for providers that keep them out of the ID token; `sub` must match."""
    endpoint = discovery_get(provider).get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not access_token:
        return {}
    try:
        response = requests.get(endpoint, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"}, timeout=settings.PRONOIA_EID_HTTP_TIMEOUT, stream=True)
        body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
        response.close()
    except requests.RequestException as exc:
        logger.warning("eID provider %s: userinfo unreachable: %s", provider.key, exc)
        raise _unreachable(provider) from exc
    if response.status_code != 200 or len(body) > MAX_DOCUMENT_BYTES or not response.headers.get("Content-Type", "").startswith("application/json"):
        logger.warning("eID provider %s: userinfo answered %s", provider.key, response.status_code)
        raise _unreachable(provider)
    try:
        claims = json.loads(body)
    except ValueError as exc:
        raise _unreachable(provider) from exc
    # OpenID Connect Core §5.3.2: the userinfo sub must equal the ID token's, else it is not used.
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise _invalid(provider, "userinfo sub differs from the ID token's")
    return claims


def end_session_url(provider: EidProvider) -> str:
    """The provider's end_session_endpoint, or "" when it has none (or cannot be reached now)."""
    try:
        endpoint = discovery_get(provider).get("end_session_endpoint")
    except EidError:
        return ""
    return endpoint if isinstance(endpoint, str) else ""
