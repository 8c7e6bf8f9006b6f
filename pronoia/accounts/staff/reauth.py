"""Re-authentication before sensitive actions: a second-factor check no older than a few minutes.

`second_factor_checked(request)` is called whenever a staff member passes a second factor
(sign-in, enrolment, the re-authentication page, a passkey). `reauth_required` (functions and
ModelAdmin methods) and `ReauthRequiredMixin` (class-based views) send anyone whose last check
is older than PRONOIA_STAFF_REAUTH_MAX_AGE to staff:reauth, which brings them back.
"""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

SESSION_FACTOR_AT_KEY = "pronoia_staff_factor_at"


def _now() -> float:
    return time.time()


def second_factor_checked(request: HttpRequest) -> None:
    """Record that the signed-in user has just passed a second-factor check."""
    request.session[SESSION_FACTOR_AT_KEY] = _now()


def reauth_fresh(request: HttpRequest) -> bool:
    """True when the user is 2FA-verified and passed a second factor within the allowed age."""
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    if user is None or not user.is_authenticated or not callable(is_verified) or not is_verified():
        return False
    checked_at = request.session.get(SESSION_FACTOR_AT_KEY)
    if not isinstance(checked_at, (int, float)):
        return False
    age = _now() - checked_at
    return 0 <= age <= settings.PRONOIA_STAFF_REAUTH_MAX_AGE


def safe_next(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """`candidate` when it is a local URL of this site, else `default` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def reauth_redirect(request: HttpRequest) -> HttpResponse:
    """Send the user to staff:reauth; a GET comes back to itself, a POST to the page it came from."""
    if request.method in ("GET", "HEAD"):
        back = request.get_full_path()
    else:
        # The form data cannot survive the detour: the user repeats the action afterwards.
        referer = safe_next(request, request.headers.get("Referer"), default=reverse("staff:home"))
        parts = urlsplit(referer)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
        messages.warning(request, _("For your security, confirm your second factor again, then repeat the action."))
    return HttpResponseRedirect(f"{reverse('staff:reauth')}?{urlencode({'next': back})}")


def reauth_required(view):
    """Decorator for function views and ModelAdmin methods: demand a fresh second-factor check."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        request = next(arg for arg in args if isinstance(arg, HttpRequest))
        if not reauth_fresh(request):
            return reauth_redirect(request)
        return view(*args, **kwargs)

    wrapper.reauth_required = True
    return wrapper


class ReauthRequiredMixin:
    """Class-based views: a fresh second-factor check before any method is dispatched."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not reauth_fresh(request):
            return reauth_redirect(request)
        return super().dispatch(request, *args, **kwargs)
