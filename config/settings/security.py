"""Security baseline: HTTPS, cookies, content security policy, rate limits and the cache they use.

Imported at the end of base.py. Production is the same code with these environment variables
(docs/security.md, "Deploying"):
  PRONOIA_HTTPS=1             served over HTTPS: http is redirected, cookies are Secure, HSTS is sent.
                              Off by default so the embedded demo on http://127.0.0.1 keeps working.
  PRONOIA_HSTS_SECONDS        HSTS max-age when PRONOIA_HTTPS is on; default 31536000 (a year)
  PRONOIA_HSTS_PRELOAD        1 (default) asks for the browsers' preload list, with subdomains
  PRONOIA_BEHIND_PROXY=1      a reverse proxy terminates TLS: trust its X-Forwarded-Proto header
                              (the proxy must overwrite that header, never pass the client's on)
  PRONOIA_PROXY_COUNT         reverse proxies in front that append to X-Forwarded-For (default 0:
                              the client address is REMOTE_ADDR); rate limits key on that address
  PRONOIA_RATE_LIMIT_LOGIN    requests per window per client address and per user on the sign-in
                              paths, as LIMIT/SECONDS; default 60/300
  PRONOIA_RATE_LIMIT_API      the same for /api/; default 300/60
  PRONOIA_RATE_LIMITS         0 switches rate limiting off (default on)
  PRONOIA_RATE_LIMIT_VERIFY   requests per window on the public verification page, "30/60"
  PRONOIA_CSP_REPORT_URI      where browsers report policy violations (none by default)
  REDIS_URL                   when set, the cache (rate-limit counters) is Redis; otherwise memory
                              of each process (fine for the single-process embedded portal)
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from csp.constants import NONE, SELF

from config.settings.base import REDIS_URL, env_flag

# --- HTTPS and cookies ---------------------------------------------------------------------------
PRONOIA_HTTPS = env_flag("PRONOIA_HTTPS")
SECURE_SSL_REDIRECT = PRONOIA_HTTPS
SESSION_COOKIE_SECURE = PRONOIA_HTTPS
CSRF_COOKIE_SECURE = PRONOIA_HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("PRONOIA_HSTS_SECONDS", "31536000")) if PRONOIA_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRONOIA_HTTPS and env_flag("PRONOIA_HSTS_PRELOAD", True)
SECURE_HSTS_PRELOAD = PRONOIA_HTTPS and env_flag("PRONOIA_HSTS_PRELOAD", True)
if env_flag("PRONOIA_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check is probed over plain http by the load balancer inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: the eID provider sends the browser back to /sign-in/callback with a top-level
# GET, and that request must carry the session holding state, nonce and the PKCE verifier.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRONOIA_HTTPS:
    # __Host-: the browser accepts it only Secure, for this host and path / (no subdomain can set it).
    SESSION_COOKIE_NAME = "__Host-pronoia_session"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


# --- Content security policy (django-csp 4) ----------------------------------------------------
def identity_provider_origins(providers: list[dict]) -> list[str]:
    """Origins a sign-in or sign-out form may end up at: each provider's issuer and endpoints.

    form-action also governs the redirects that follow a form submission (sign-out posts to us,
    we redirect to the provider's end-session endpoint), so these origins must be listed.
    """
    origins: list[str] = []
    for provider in providers:
        for key in ("issuer", "authorization_endpoint", "end_session_endpoint"):
            url = str(provider.get(key) or "")
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc:
                origin = f"{parts.scheme}://{parts.netloc}"
                if origin not in origins:
                    origins.append(origin)
    return origins


class FormActionSources(list):
    """form-action sources: 'self' and the origins of the providers configured when the header is built.

    django-csp copies and iterates each directive's list on every response, so reading the provider
    list here keeps the policy right when it changes at run time (tests start providers on free
    ports). Items added by a view's csp_update are kept after these.
    """

    def __iter__(self):
        from django.conf import settings

        yield SELF
        yield from identity_provider_origins(getattr(settings, "PRONOIA_EID_PROVIDERS", []))
        yield from super().__iter__()


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": FormActionSources(),
        "upgrade-insecure-requests": PRONOIA_HTTPS,
    },
}
if os.environ.get("PRONOIA_CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [os.environ["PRONOIA_CSP_REPORT_URI"]]


# --- Cache and rate limits ---------------------------------------------------------------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "pronoia"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pronoia"}}


def _rate(name: str, default: str) -> tuple[int, int]:
    text = os.environ.get(name, default)
    try:
        limit, seconds = (int(part) for part in text.split("/"))
    except ValueError as exc:
        raise ValueError(f"{name} must look like LIMIT/SECONDS, e.g. {default}") from exc
    if limit < 1 or seconds < 1:
        raise ValueError(f"{name}: the limit and the window must be at least 1")
    return limit, seconds


PRONOIA_RATE_LIMITS_ENABLED = env_flag("PRONOIA_RATE_LIMITS", True)
PRONOIA_PROXY_COUNT = int(os.environ.get("PRONOIA_PROXY_COUNT", "0"))
_login_limit, _login_window = _rate("PRONOIA_RATE_LIMIT_LOGIN", "60/300")
_api_limit, _api_window = _rate("PRONOIA_RATE_LIMIT_API", "300/60")
# The public verification page: codes have 120 bits, but checking uploaded files costs CPU.
_verify_limit, _verify_window = _rate("PRONOIA_RATE_LIMIT_VERIFY", "30/60")
# Checked in order; the first rule whose prefix matches the path applies.
PRONOIA_RATE_LIMITS = [
    {"name": "login", "prefixes": ["/sign-in", "/staff/login", "/staff/otp", "/staff/reauth", "/admin/login"], "limit": _login_limit, "window": _login_window},
    {"name": "verify", "prefixes": ["/verify/", "/api/v1/verify/"], "limit": _verify_limit, "window": _verify_window},
    {"name": "api", "prefixes": ["/api/"], "limit": _api_limit, "window": _api_window},
]
