"""The citizen's pension forecast page (`/my/pension-forecast`), with what-if controls (htmx)."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import CITIZEN_ROLES, RoleRequiredMixin
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.pensions.forecast import chart_bars, pension_forecast_get
from pronoia.pensions.forms import WhatIfForm
from pronoia.people.models import Person


class PensionForecastView(RoleRequiredMixin, View):
    allowed_roles = CITIZEN_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        person_id = request.actor.subject_person_id
        if person_id is None:
            return denied_render(request, PermissionDenied(
                code="mandate_for_employer", message=_("You are acting for an employer. Stop acting for them to see your own pension forecast.")))
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise Http404
        # Always bound: every field is optional and blank means "from my record".
        form = WhatIfForm(request.GET, birth_date=person.birth_date)
        forecast = None
        if form.is_valid():
            try:
                forecast = pension_forecast_get(actor=request.actor, person=person, what_if=form.what_if(), today=timezone.localdate())
            except PermissionDenied as exc:
                return denied_render(request, exc)
            except PronoiaError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        acting = request.actor.acting_for is not None
        context = {
            "form": form,
            "forecast": forecast,
            "chart": chart_bars(forecast["rows"]) if forecast else None,
            "heading": _("Pension forecast of %(name)s") % {"name": f"{person.given_name} {person.surname}"} if acting else _("Your pension forecast"),
        }
        template = "pensions/_forecast_results.html" if request.htmx else "pensions/forecast.html"
        return render(request, template, context)
