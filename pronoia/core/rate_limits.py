"""Rate limits on the sign-in paths and the API: a sliding window per client address and per user.

Rules come from settings.PRONOIA_RATE_LIMITS (config/settings/security.py): the first rule whose
path prefix matches applies. Counting uses Django's cache (Redis when REDIS_URL is set) with the
sliding-window-counter method: the previous fixed window's count, weighted by how much of it still
overlaps the sliding window, plus the current window's count. Two atomic counters per key, so
memory stays constant however many requests arrive. Over the limit, the answer is 429 with a
Retry-After header: JSON {"code","message","field"} on the API, a page in the user's language
elsewhere.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

# The page lives here, beside the only code that renders it.
_PAGE = """{% extends "core/base.html" %}{% load i18n %}
{% block title %}{% translate "Too many requests" %}{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">{% translate "Too many requests" %}</h1>
<p class="govuk-body">{{ message }}</p>
<p class="govuk-body">{% translate "This limit protects your account and the service from automated attempts." %}</p>
{% endblock %}"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the one the trusted proxies put in X-Forwarded-For.

    With PRONOIA_PROXY_COUNT proxies in front, the client is the entry that many places from the
    end (entries further left are whatever the client sent and cannot be trusted). IPv6 clients
    are keyed by their /64 network, since one subscriber usually holds all of it.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "PRONOIA_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def _retry_after(previous: int, current: int, limit: int, window: int, elapsed: float) -> int:
    """Seconds until one more request fits: the previous window's weight fades, then the current's."""
    room = limit - 1  # requests already counted that still leave room for one more
    if current <= room and previous > 0:
        wait = window * (1 - (room - current) / previous) - elapsed
    else:
        wait = (window - elapsed) + window * (1 - room / current)
    return max(1, math.ceil(wait))


def hit(key: str, *, limit: int, window: int, now: float | None = None) -> Verdict:
    """Count one request for `key` and say whether it is within `limit` per sliding `window` seconds."""
    now = time.time() if now is None else now
    slot, elapsed = divmod(now, window)
    slot = int(slot)
    current_key, previous_key = f"ratelimit:{key}:{slot}", f"ratelimit:{key}:{slot - 1}"
    cache.add(current_key, 0, timeout=2 * window)
    try:
        current = cache.incr(current_key)
    except ValueError:  # expired between add and incr
        cache.add(current_key, 1, timeout=2 * window)
        current = 1
    previous = cache.get(previous_key, 0)
    estimate = previous * (1 - elapsed / window) + current
    if estimate <= limit:
        return Verdict(True)
    return Verdict(False, _retry_after(previous, current, limit, window, elapsed))


def _rule_for(path: str) -> dict | None:
    for rule in getattr(settings, "PRONOIA_RATE_LIMITS", []):
        if any(path.startswith(prefix) for prefix in rule["prefixes"]):
            return rule
    return None


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = ngettext(
        "You have made too many requests. Try again in %(seconds)d second.",
        "You have made too many requests. Try again in %(seconds)d seconds.",
        retry_after,
    ) % {"seconds": retry_after}
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "rate_limited", "message": message, "field": None}, status=429)
    else:
        page = engines["django"].from_string(_PAGE).render({"message": message}, request)
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(retry_after)
    # This middleware answers before the CSP middleware sees the request; the page gets the policy too.
    return CSPMiddleware(lambda _request: response).process_response(request, response)


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if getattr(settings, "PRONOIA_RATE_LIMITS_ENABLED", True):
            rule = _rule_for(request.path)
            if rule is not None:
                denied = self._check(request, rule)
                if denied is not None:
                    return denied
        return self.get_response(request)

    def _check(self, request: HttpRequest, rule: dict) -> HttpResponse | None:
        keys = [f"{rule['name']}:ip:{client_address(request)}"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            keys.append(f"{rule['name']}:user:{user.pk}")
        retry_after = 0
        try:
            for key in keys:
                verdict = hit(key, limit=rule["limit"], window=rule["window"])
                if not verdict.allowed:
                    retry_after = max(retry_after, verdict.retry_after)
        except Exception:
            # A cache outage must not take the portal down; staff lockout still guards sign-in.
            logger.exception("rate limit cache unavailable; request let through")
            return None
        if retry_after:
            logger.warning("rate limit %s exceeded by %s", rule["name"], keys[0])
            return _too_many(request, retry_after)
        return None
