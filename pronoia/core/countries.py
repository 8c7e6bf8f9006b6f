"""Country packs: the per-country facts the foundation needs (identifiers, insured-year rule).

Pension rules live in pronoia/pensions/countries/<cc>/; this module holds only what the
insurance file itself needs.
"""
from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    GREECE = "gr", _("Greece")
    POLAND = "pl", _("Poland")
    BULGARIA = "bg", _("Bulgaria")


@dataclass(frozen=True)
class CountryRules:
    code: str
    national_id_name: str
    # Contribution days that make one insured year (Greece: 300, Law 4387/2016 art. 8 practice of e-EFKA).
    days_per_insured_year: int
    # Most contribution days one calendar month can carry for one person (all employers together).
    max_days_per_month: int
    currency: str
    locale: str  # Faker / native-script locale


COUNTRY_RULES: dict[str, CountryRules] = {
    # Greece: 25 insurance days a month for full-time employment (6-day week = 26 in some funds), 300 a year.
    "gr": CountryRules("gr", "AMKA", 300, 26, "EUR", "el_GR"),
    # Poland: ZUS counts periods in months of 30 days; a year of contribution periods is 12 months = 360 days.
    "pl": CountryRules("pl", "PESEL", 360, 31, "PLN", "pl_PL"),
    # Bulgaria: insurance length in years of 12 months; days here are calendar days of insurance.
    "bg": CountryRules("bg", "EGN", 360, 31, "BGN", "bg_BG"),
}


def country_rules(code: str) -> CountryRules:
    return COUNTRY_RULES[code]


# Times are stored in UTC and shown in the institution's local time (the country pack's), unless
# PRONOIA_DISPLAY_TIME_ZONE names another.
COUNTRY_TIME_ZONES = {"gr": "Europe/Athens", "pl": "Europe/Warsaw", "bg": "Europe/Sofia"}


def display_time_zone() -> datetime.tzinfo:
    name = getattr(settings, "PRONOIA_DISPLAY_TIME_ZONE", "") or COUNTRY_TIME_ZONES.get(settings.PRONOIA_COUNTRY, "UTC")
    return zoneinfo.ZoneInfo(name)


class DisplayTimeZoneMiddleware:
    """Pages show times in the institution's time zone: a citizen in Athens who applied at 19:51
    reads 19:51, not the UTC 17:51 the database holds. "Today" in a request is that zone's day too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(display_time_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
