"""Catalogue pages (public): the list of services of a country pack and one service; the CPSV-AP exports."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from pronoia.accounts.permissions import ANYONE, RoleRequiredMixin
from pronoia.core.countries import Country
from pronoia.core.errors import NotFound
from pronoia.services.catalogue.cpsv_ap import catalogue_jsonld, catalogue_turtle
from pronoia.services.catalogue.selectors import catalogue_countries, catalogue_service_get, catalogue_services

ACR_LABELS = {
    "low": _("low"),
    "substantial": _("substantial"),
    "high": _("high"),
}


def portal_country() -> str:
    """The country pack the portal serves (PRONOIA_COUNTRY), when it has a catalogue; else Greece."""
    country = getattr(settings, "PRONOIA_COUNTRY", "gr")
    return country if country in catalogue_countries() else "gr"


class ServiceFilterForm(forms.Form):
    """The list's filters (GET). A wrong value is reported and that filter is left out."""

    country = forms.ChoiceField(label=_("Country"), required=False)
    q = forms.CharField(label=_("Search services"), required=False, max_length=100, strip=True)
    online_only = forms.BooleanField(label=_("Only services you can use fully online"), required=False)
    at_once = forms.BooleanField(label=_("Only services answered at once"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Country.choices)
        self.fields["country"].choices = [(code, labels.get(code, code)) for code in catalogue_countries()]

    def clean_q(self) -> str:
        value = self.cleaned_data["q"]
        if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
            raise forms.ValidationError(_("Search words cannot contain control characters."))
        return value


def _matches(entry, words: list[str], language: str) -> bool:
    haystack = " ".join([entry.title(language), entry.description(language), entry.title("en"), entry.code, " ".join(entry.keywords)]).casefold()
    return all(word in haystack for word in words)


class ServiceListView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ServiceFilterForm(request.GET or None)
        country = portal_country()
        filters = {}
        if form.is_bound:
            form.is_valid()
            filters = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors}
            country = filters.get("country") or country
        language = request.LANGUAGE_CODE
        services = catalogue_services(country=country)
        if filters.get("q"):
            words = filters["q"].casefold().split()
            services = [entry for entry in services if _matches(entry, words, language)]
        if filters.get("online_only"):
            services = [entry for entry in services if any(channel.kind == "portal" for channel in entry.channels)]
        if filters.get("at_once"):
            services = [entry for entry in services if entry.is_automatic]
        return render(
            request,
            "services/catalogue/list.html",
            {
                "form": form,
                "first_field": "id_q",
                "country": country,
                "country_label": dict(Country.choices).get(country, country),
                "countries": form.fields["country"].choices,
                "services": [{"entry": entry, "title": entry.title(language), "description": entry.description(language)} for entry in services],
                "filtered": bool(filters.get("q") or filters.get("online_only") or filters.get("at_once")),
            },
        )


class ServiceDetailView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            entry = catalogue_service_get(code)
        except NotFound:
            raise Http404 from None
        language = request.LANGUAGE_CODE
        return render(
            request,
            "services/catalogue/detail.html",
            {
                "entry": entry,
                "language": language,
                "title": entry.title(language),
                "description": entry.description(language),
                "who_can_apply": entry.who_can_apply.get(language),
                "evidence": [{"name": item.name.get(language), "description": item.description.get(language)} for item in entry.evidence],
                "output": {"name": entry.output.name.get(language), "description": entry.output.description.get(language)},
                "processing_time": entry.processing_time_text.get(language),
                "cost": entry.cost.description.get(language),
                "cost_value": entry.cost.value,
                # The Apply button is the portal channel; the others are listed as alternatives.
                "channels": [{"name": channel.name.get(language), "url": channel.url} for channel in entry.channels if channel.kind != "portal"],
                "legal_resources": [{"title": law.title.get(language), "url": law.url} for law in entry.legal_resources],
                "authority": {"name": entry.authority.name.get(language), "homepage": entry.authority.homepage},
                "acr_label": ACR_LABELS[entry.handling.min_acr],
                "apply_url": f"/services/{entry.code}/apply",
            },
        )


def _catalogue_base(request: HttpRequest) -> str:
    """The portal's public address: linked-data identifiers must not depend on the Host header."""
    return getattr(settings, "PRONOIA_PUBLIC_URL", "") or request.build_absolute_uri("/")


class CpsvApJsonLdView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest) -> HttpResponse:
        body = catalogue_jsonld(catalogue_services(), base=_catalogue_base(request))
        return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


class CpsvApTurtleView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest) -> HttpResponse:
        body = catalogue_turtle(catalogue_services(), base=_catalogue_base(request))
        return HttpResponse(body, content_type="text/turtle; charset=utf-8")
