"""The Django admin behind the staff sign-in: 2FA verified and an admin role, or no entry.

- not signed in as staff: to staff:login (the admin's own login page redirects there too);
- signed in but second factor not verified: to staff:otp_verify;
- verified staff without an administrator or case-handler role: 403.

Also here: the ModelAdmin mixins that log personal data opened in the admin and that demand a
fresh second factor before sensitive changes.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import update_wrapper
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.roles import DataCategory
from pronoia.accounts.services import session_end
from pronoia.accounts.staff.reauth import reauth_fresh, reauth_redirect
from pronoia.accounts.staff.role_permissions import ADMIN_SITE_ROLES
from pronoia.core.errors import PronoiaError

# Purposes written to the personal-data access log (translated where the log is shown).
PURPOSE_BACK_OFFICE = gettext_noop("back-office administration")
PURPOSE_LINKAGE_REVIEW = gettext_noop("linkage review")


def admin_access_denied(request: HttpRequest) -> HttpResponse | None:
    """None when the request may use the admin, else the redirect or 403 to send."""
    user = request.user
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return HttpResponseRedirect(f"{reverse('staff:login')}?{urlencode({'next': request.get_full_path()})}")
    if not user.is_verified():
        return HttpResponseRedirect(f"{reverse('staff:otp_verify')}?{urlencode({'next': request.get_full_path()})}")
    if not request.actor.has_role(*ADMIN_SITE_ROLES):
        return render(request, "403.html", {"reason": _("Your role does not give access to the back office.")}, status=403)
    return None


class PronoiaAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Pronoia back office")
    site_title = gettext_lazy("Pronoia back office")
    index_title = gettext_lazy("Back office")

    def has_permission(self, request: HttpRequest) -> bool:
        return admin_access_denied(request) is None

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args, **kwargs):
            denied = admin_access_denied(request)
            if denied is not None:
                return denied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('staff:login')}?{urlencode({'next': next_url})}")

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # The admin's "Log out" button posts here; it ends the session like staff:logout.
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        session_end(request)
        return HttpResponseRedirect(reverse("staff:login"))


def _denied_page(request: HttpRequest, exc: PronoiaError) -> HttpResponse:
    return render(request, "403.html", {"reason": exc.message}, status=exc.status_code)


class PersonDataAccessAdminMixin:
    """Log (through person_data_access_check) each person whose data a change view shows.

    Set `person_data_categories` and `person_data_purpose`; override `person_ids_for(obj)` when
    the object is not a person and has no `person_id`. Changelists log nothing per row.
    """

    person_data_categories: tuple[str, ...] = (DataCategory.IDENTITY,)
    person_data_purpose: str = PURPOSE_BACK_OFFICE

    def person_ids_for(self, obj) -> Iterable[int]:
        person_id = getattr(obj, "person_id", None)
        return [person_id] if person_id is not None else []

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            for person_id in sorted(set(self.person_ids_for(obj))):
                try:
                    person_data_access_check(
                        request.actor, person_id=person_id, categories=self.person_data_categories, purpose=self.person_data_purpose
                    )
                except PronoiaError as exc:
                    return _denied_page(request, exc)
        return super().change_view(request, object_id, form_url, extra_context)


class ReauthRequiredAdminMixin:
    """Adding, changing and deleting (one or selected objects) need a fresh second-factor check."""

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        if not reauth_fresh(request):
            return reauth_redirect(request)
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        if not reauth_fresh(request):
            return reauth_redirect(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        if not reauth_fresh(request):
            return reauth_redirect(request)
        return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # A POST to the changelist runs an action (delete selected) or saves list-editable rows.
        if request.method == "POST" and not reauth_fresh(request):
            return reauth_redirect(request)
        return super().changelist_view(request, extra_context)
