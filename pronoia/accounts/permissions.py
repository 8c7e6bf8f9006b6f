"""Page and endpoint rules: which roles may open a route at all (object-level rules live in access.py).

Every view declares `allowed_roles` through RoleRequiredMixin (or `roles_required` for functions),
and every API operation calls `api_roles_require`. docs/permission-matrix.md lists the expected
outcome for every route and role; pronoia/accounts/tests/test_permission_matrix.py walks them all.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from pronoia.accounts.roles import STAFF_ROLES, Role
from pronoia.core.errors import PermissionDenied, PronoiaError

ANYONE = "anyone"  # public pages
CITIZEN_ROLES = frozenset({Role.CITIZEN, Role.REPRESENTATIVE})


def _sign_in_url(request: HttpRequest, roles: frozenset[str]) -> str:
    staff_page = bool(roles) and roles <= STAFF_ROLES
    target = reverse("staff:login") if staff_page else reverse("accounts:sign_in")
    return f"{target}?{urlencode({'next': request.get_full_path()})}"


def roles_check(request: HttpRequest, roles: Iterable[str]) -> HttpResponse | None:
    """None when the actor may open the page, else the response to send (sign-in, 2FA or 403)."""
    roles = frozenset(roles)
    if ANYONE in roles:
        return None
    actor = request.actor
    if not actor.is_authenticated:
        return HttpResponseRedirect(_sign_in_url(request, roles))
    held = actor.roles & roles
    if not held:
        return render(request, "403.html", {"reason": _("Your role does not give access to this page.")}, status=403)
    if held <= STAFF_ROLES and not actor.otp_verified:
        return HttpResponseRedirect(f"{reverse('staff:otp_verify')}?{urlencode({'next': request.get_full_path()})}")
    return None


class RoleRequiredMixin:
    """Class-based views: set `allowed_roles`; checked before the method is dispatched."""

    allowed_roles: frozenset[str] = frozenset()

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        denied = roles_check(request, self.allowed_roles)
        if denied is not None:
            return denied
        return super().dispatch(request, *args, **kwargs)


def roles_required(*roles: str):
    """Function views: @roles_required(Role.CASE_HANDLER, ...)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            denied = roles_check(request, roles)
            if denied is not None:
                return denied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)
        return wrapper

    return decorate


def api_roles_require(request: HttpRequest, *roles: str) -> None:
    """API operations: 401 when nobody is signed in, 403 when the role does not fit or 2FA is missing."""
    actor = request.actor
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in first."), status_code=401)
    held = actor.roles & frozenset(roles)
    if not held:
        raise PermissionDenied(code="role_denied", message=_("Your role does not give access to this endpoint."))
    if held <= STAFF_ROLES and not actor.otp_verified:
        raise PermissionDenied(code="second_factor_required", message=_("Confirm your second factor first."))
