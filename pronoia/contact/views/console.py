"""Contact-centre console: general information for every operator; second-line operators serve a
caller (national identifier and a stated reason) and then see that caller's record only."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.mandates.views import denied_render, form_error_add
from pronoia.accounts.permissions import RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.contact.forms import ServeForm
from pronoia.contact.services import serving_end, serving_start
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.insurance.selectors import insurance_file_get
from pronoia.people.models import Person

OPERATOR_ROLES = frozenset({Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR})


class ConsoleHomeView(RoleRequiredMixin, View):
    """General information for callers; no person is shown here. Second line: whom they serve."""

    allowed_roles = OPERATOR_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = request.actor
        serving = actor.serving
        # No personal data here (not even the served caller's name): it is shown only behind the access check.
        context = {"can_serve": actor.has_role(Role.OPERATOR_L2), "serving": serving}
        return render(request, "contact/console.html", context)


class ServeStartView(RoleRequiredMixin, View):
    allowed_roles = frozenset({Role.OPERATOR_L2})
    template_name = "contact/serve.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ServeForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ServeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                serving_start(actor=request.actor, session=request.session, national_id=data["national_id"], country=data["country"], reason=data["reason"])
            except PermissionDenied as exc:
                return denied_render(request, exc)
            except PronoiaError as exc:
                form_error_add(form, exc)
            else:
                return HttpResponseRedirect(reverse("contact:serving_record"))
        return render(request, self.template_name, {"form": form}, status=400)


class ServingRecordView(RoleRequiredMixin, View):
    """The served caller's insurance record, through the access check (logged with the reason)."""

    allowed_roles = frozenset({Role.OPERATOR_L2})

    def get(self, request: HttpRequest) -> HttpResponse:
        serving = request.actor.serving
        if serving is None:
            return HttpResponseRedirect(reverse("contact:serve"))
        person = Person.objects.filter(pk=serving.person_id).first()
        if person is None:
            raise Http404
        try:
            data = insurance_file_get(actor=request.actor, person=person)
        except PermissionDenied as exc:
            return denied_render(request, exc)
        name = f"{person.given_name} {person.surname}"
        context = {
            **data,
            "heading": _("Insurance record of %(name)s") % {"name": name},
            "own_record": False,
            "can_request_corrections": False,
            "access_banner": _("You are serving %(name)s. Reason: %(reason)s") % {"name": name, "reason": serving.reason},
            "access_banner_end_url": reverse("contact:serve_end"),
        }
        return render(request, "insurance/record.html", context)


class ServeEndView(RoleRequiredMixin, View):
    allowed_roles = frozenset({Role.OPERATOR_L2})
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        serving_end(actor=request.actor, session=request.session)
        messages.success(request, _("You are no longer serving this caller."))
        return HttpResponseRedirect(reverse("contact:console"))
