"""Mandate pages: the principal grants, sees and revokes; the representative chooses whom to act for."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.mandates.forms import MandateGrantForm
from pronoia.accounts.mandates.services import mandate_act_for_start, mandate_act_for_stop, mandate_grant, mandate_revoke
from pronoia.accounts.permissions import CITIZEN_ROLES, RoleRequiredMixin
from pronoia.accounts.selectors import employers_of_actor_list, mandates_given_list, mandates_held_list
from pronoia.core.errors import NotFound, PronoiaError


def denied_render(request: HttpRequest, exc: PronoiaError) -> HttpResponse:
    """The 403 (or 404) page naming why, e.g. what a mandate does not cover."""
    status = 404 if isinstance(exc, NotFound) else exc.status_code
    return render(request, "accounts/mandates/denied.html", {"reason": exc.message}, status=status)


def form_error_add(form, exc: PronoiaError) -> None:
    """A service error shown on the field it names (or above the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def mandate_grant_from_form(request: HttpRequest, form: MandateGrantForm, *, employer_id: int | None = None):
    """Grant from a bound form; the mandate, or None with the errors added to the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return mandate_grant(
            actor=request.actor,
            representative_national_id=data["representative_national_id"],
            representative_country=data["representative_country"],
            scope=data["scope"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            employer_id=employer_id,
        )
    except PronoiaError as exc:
        form_error_add(form, exc)
        return None


class MandateListView(RoleRequiredMixin, View):
    """The mandates I gave (revocable), the mandates I hold (to act under) and a grant form."""

    allowed_roles = CITIZEN_ROLES
    template_name = "accounts/mandates/list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = request.actor
        context = {
            "given": mandates_given_list(actor=actor),
            "held": mandates_held_list(actor=actor),
            "employers": employers_of_actor_list(actor=actor),
            "form": MandateGrantForm(),
        }
        return render(request, self.template_name, context)


class MandateGrantView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES
    template_name = "accounts/mandates/grant.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": MandateGrantForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = MandateGrantForm(request.POST)
        mandate = mandate_grant_from_form(request, form)
        if mandate is None:
            return render(request, self.template_name, {"form": form}, status=400)
        messages.success(
            request,
            _("%(name)s can now act for you (mandate #%(id)s).")
            % {"name": f"{mandate.representative.given_name} {mandate.representative.surname}", "id": mandate.pk},
        )
        return HttpResponseRedirect(reverse("accounts:mandates"))


class MandateRevokeView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            mandate = mandate_revoke(actor=request.actor, mandate_id=pk)
        except PronoiaError as exc:
            return denied_render(request, exc)
        messages.success(request, _("Mandate #%(id)s is revoked.") % {"id": mandate.pk})
        return HttpResponseRedirect(reverse("accounts:mandates"))


class MandateActForView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            mandate = mandate_act_for_start(actor=request.actor, session=request.session, mandate_id=pk)
        except PronoiaError as exc:
            return denied_render(request, exc)
        if mandate.principal_employer_id is not None:
            return HttpResponseRedirect(reverse("employers:detail", args=[mandate.principal_employer_id]))
        return HttpResponseRedirect(reverse("insurance:record"))


class MandateActingStopView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        mandate_act_for_stop(actor=request.actor, session=request.session)
        messages.success(request, _("You are acting for yourself again."))
        return HttpResponseRedirect(reverse("accounts:mandates"))
