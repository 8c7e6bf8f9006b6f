"""Employer pages: the employer, its users and the mandates it gave; administrators grant and revoke."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.access import employer_access_check
from pronoia.accounts.mandates.forms import MandateGrantForm
from pronoia.accounts.mandates.services import mandate_revoke
from pronoia.accounts.mandates.views import denied_render, mandate_grant_from_form
from pronoia.accounts.permissions import RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.accounts.selectors import employer_page_get
from pronoia.core.errors import PronoiaError
from pronoia.employers.models import Employer


class EmployerDetailView(RoleRequiredMixin, View):
    """Read-only for employer users and representatives acting for the employer; administrators also manage."""

    allowed_roles = frozenset({Role.EMPLOYER_ADMIN, Role.EMPLOYER_USER, Role.REPRESENTATIVE})

    def get(self, request: HttpRequest, employer_id: int) -> HttpResponse:
        try:
            page = employer_page_get(actor=request.actor, employer_id=employer_id)
        except PronoiaError as exc:
            return denied_render(request, exc)
        return render(request, "employers/detail.html", {"page": page, "form": MandateGrantForm(for_employer=True)})


class EmployerMandateGrantView(RoleRequiredMixin, View):
    allowed_roles = frozenset({Role.EMPLOYER_ADMIN})
    template_name = "employers/mandate_grant.html"

    def _employer(self, request: HttpRequest, employer_id: int) -> Employer:
        employer_access_check(request.actor, employer_id=employer_id, manage=True)
        return Employer.objects.get(pk=employer_id)

    def get(self, request: HttpRequest, employer_id: int) -> HttpResponse:
        try:
            employer = self._employer(request, employer_id)
        except PronoiaError as exc:
            return denied_render(request, exc)
        return render(request, self.template_name, {"employer": employer, "form": MandateGrantForm(for_employer=True)})

    def post(self, request: HttpRequest, employer_id: int) -> HttpResponse:
        try:
            employer = self._employer(request, employer_id)
        except PronoiaError as exc:
            return denied_render(request, exc)
        form = MandateGrantForm(request.POST, for_employer=True)
        mandate = mandate_grant_from_form(request, form, employer_id=employer.pk)
        if mandate is None:
            return render(request, self.template_name, {"employer": employer, "form": form}, status=400)
        messages.success(
            request,
            _("%(name)s can now act for %(employer)s (mandate #%(id)s).")
            % {"name": f"{mandate.representative.given_name} {mandate.representative.surname}", "employer": employer.name, "id": mandate.pk},
        )
        return HttpResponseRedirect(reverse("employers:detail", args=[employer.pk]))


class EmployerMandateRevokeView(RoleRequiredMixin, View):
    allowed_roles = frozenset({Role.EMPLOYER_ADMIN})
    http_method_names = ["post"]

    def post(self, request: HttpRequest, employer_id: int, pk: int) -> HttpResponse:
        try:
            employer_access_check(request.actor, employer_id=employer_id, manage=True)
            mandate = mandate_revoke(actor=request.actor, mandate_id=pk, employer_id=employer_id)
        except PronoiaError as exc:
            return denied_render(request, exc)
        messages.success(request, _("Mandate #%(id)s is revoked.") % {"id": mandate.pk})
        return HttpResponseRedirect(reverse("employers:detail", args=[employer_id]))
