from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from pronoia.core.signed_in import demo_persons_search, signed_in_person_clear, signed_in_person_get, signed_in_person_set
from pronoia.people.models import Person


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "person": signed_in_person_get(self.request)}


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class DemoSignInForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=Person.objects.all(),
        error_messages={"required": _("Choose a person."), "invalid_choice": _("Choose a person from the list.")},
    )


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse("insurance:record")


class DemoSignInView(View):
    """Demo-only person picker standing in for eID login: 404 unless PRONOIA_DEMO is on."""

    template_name = "core/demo_sign_in.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.PRONOIA_DEMO:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.get("q", "")[:100]
        return self._render(request, query=query, form=DemoSignInForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DemoSignInForm(request.POST)
        if not form.is_valid():
            return self._render(request, query=request.POST.get("q", "")[:100], form=form, status=400)
        signed_in_person_set(request, form.cleaned_data["person"])
        return HttpResponseRedirect(_safe_next(request, request.POST.get("next")))

    def _render(self, request: HttpRequest, *, query: str, form: DemoSignInForm, status: int = 200) -> HttpResponse:
        context = {
            "query": query,
            "persons": list(demo_persons_search(query=query)),
            "form": form,
            "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
        }
        return render(request, self.template_name, context, status=status)


class SignOutView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        signed_in_person_clear(request)
        return HttpResponseRedirect(reverse("core:home"))
