"""A person's pension forecast from their insurance record, with editable assumptions.

`pension_forecast_get` reads the record through the insurance app's selector (access checked and
logged there), turns the counted periods into a case, and computes the same formulas as the
outside contract for several claim ages at once (one evaluation over one row per claim age).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.errors import PronoiaError
from pronoia.insurance.selectors import insurance_record_get
from pronoia.pensions.cases import DEFAULT_GROWTH, DEFAULT_INFLATION, Assumptions, Case, Period
from pronoia.pensions.compute import CURRENCY, NOTICE, cases_compute, pack_get
from pronoia.pensions.engine import add_months, dates_array
from pronoia.pensions.parameters import parameter_at
from pronoia.people.models import Person

CLAIM_AGES = tuple(range(60, 71))  # the ages shown; the pl life table in the pack covers 60-70
DAYS_PER_YEAR = {"gr": 300, "pl": 360, "bg": 360}  # full-time days a year when work continues


@dataclass(frozen=True)
class WhatIf:
    """The assumptions a person can edit on the page (None: the default from their record)."""

    sex: str | None = None
    future_monthly_earnings: Decimal | None = None
    future_days_per_year: float | None = None
    work_until: datetime.date | None = None
    earnings_growth: float = DEFAULT_GROWTH
    inflation: float = DEFAULT_INFLATION
    extra_period: Period | None = None


def record_period(country: str, start: datetime.date, end: datetime.date, days: int, earnings: Decimal, currency: str, kind: str) -> Period:
    """One counted period of an insurance record as the formulas' Period (bg: BGN converted to EUR,
    the pack's currency since 1 January 2026)."""
    if country == "bg" and currency == "BGN":
        rate = Decimal(str(parameter_at(pack_get("bg"), "bgn_per_eur", datetime.date(2026, 1, 1)).value))
        earnings = (earnings / rate).quantize(Decimal("0.01"))
    return Period(start, end, int(days), earnings, kind)


def _record_periods(record: dict, country: str) -> list[Period]:
    return [
        record_period(country, datetime.date.fromisoformat(p["period_from"]), datetime.date.fromisoformat(p["period_to"]),
                      p["days"], Decimal(p["earnings"]), p["currency"], p["insurance_type"])
        for p in record["periods"] if p["counts"]
    ]


def future_defaults(periods: list[Period], country: str, as_of: datetime.date) -> tuple[Decimal, float]:
    """Future monthly earnings = the last 12 months on record / 12; keep working full time if the
    record has insurance in the last year, otherwise not. Shared by the page and the projection."""
    year_ago = as_of - datetime.timedelta(days=365)
    recent = [p for p in periods if p.end >= year_ago]
    if not recent:
        return Decimal("0"), 0.0
    earnings = sum((p.earnings * Decimal(((p.end - max(p.start, year_ago)).days + 1) / ((p.end - p.start).days + 1)) for p in recent), Decimal(0))
    return (earnings / 12).quantize(Decimal("0.01")), float(DAYS_PER_YEAR[country])


def pension_forecast_get(*, actor: Actor, person: Person, what_if: WhatIf, today: datetime.date) -> dict:
    """The forecast for `person` as seen by `actor`: rows by claim age, earliest dates, what is
    missing, the trace and the assumptions used."""
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.PENSION], purpose="pension forecast")
    record = insurance_record_get(actor=actor, person=person, purpose="pension forecast")
    country = person.country
    periods = _record_periods(record, country)
    if what_if.extra_period is not None:
        periods.append(what_if.extra_period)
    periods.sort(key=lambda p: p.start)
    last_end = max((p.end for p in periods), default=None)
    as_of = max(today, last_end) if last_end else today
    default_earnings, default_days = future_defaults(periods, country, as_of)
    sex = what_if.sex or person.sex
    if sex not in ("F", "M"):
        raise PronoiaError(code="pension_sex_missing", field="sex", message=_("Choose the sex the pension rules should use: it is not in your record."))
    assumptions = Assumptions(
        as_of=as_of,
        future_monthly_earnings=default_earnings if what_if.future_monthly_earnings is None else what_if.future_monthly_earnings,
        future_days_per_year=default_days if what_if.future_days_per_year is None else what_if.future_days_per_year,
        work_until=what_if.work_until,
        earnings_growth=what_if.earnings_growth,
        inflation=what_if.inflation,
    )
    base = Case(country, person.birth_date, sex, as_of, tuple(periods), assumptions, case_extra_default(country))
    ages = [a for a in CLAIM_AGES]
    claim_dates = add_months(dates_array([person.birth_date] * len(ages)), [a * 12 for a in ages]).tolist()
    rows = [(age, claim) for age, claim in zip(ages, claim_dates) if claim >= as_of]
    cases = [replace(base, claim_date=claim) for _, claim in rows]
    results, trace = cases_compute(cases) if cases else ([], None)
    earliest = None
    if cases:
        earliest_full = results[0]["earliest_full_date"]
        if earliest_full and earliest_full >= as_of.isoformat():
            [earliest], _trace = cases_compute([replace(base, claim_date=datetime.date.fromisoformat(earliest_full))])
    by_age = [{"age": age, **result} for (age, _claim), result in zip(rows, results)]
    first = by_age[0] if by_age else None
    return {
        "country": country,
        "currency": CURRENCY[country],
        "as_of": as_of.isoformat(),
        "record_totals": record["totals"],
        "assumptions": assumptions,
        "sex": sex,
        "rows": by_age,
        "earliest_full_date": first["earliest_full_date"] if first else None,
        "earliest_reduced_date": first["earliest_reduced_date"] if first else None,
        "at_earliest": earliest,
        "missing_first": missing_describe(first["missing"], person.birth_date) if first else [],
        "trace": trace.as_list() if trace else [],
        "notice": _(NOTICE),
    }


def case_extra_default(country: str) -> dict:
    if country == "gr":
        return {"residence_years": 40.0}
    if country == "pl":
        return {"capital": None}
    return {"individual_coefficient": None}


def chart_bars(rows: list[dict], *, width: int = 640, height: int = 240) -> dict:
    """Coordinates of an inline SVG bar chart of the nominal amount by claim age (server-side)."""
    top = max((float(r["monthly_amount"]) for r in rows), default=0.0) or 1.0
    left, bottom, gap = 48, 28, 6
    band = (width - left) / max(len(rows), 1)
    bars = []
    for i, row in enumerate(rows):
        value = float(row["monthly_amount"])
        h = (height - bottom - 10) * value / top
        bars.append({
            "x": round(left + i * band + gap / 2, 1), "y": round(height - bottom - h, 1), "width": round(band - gap, 1),
            "height": round(h, 1), "label_x": round(left + i * band + band / 2, 1), "label_y": height - bottom + 16,
            "age": row["age"], "amount": row["monthly_amount"], "eligible": row["eligible"],
        })
    return {"width": width, "height": height, "bars": bars, "axis_y": height - bottom, "top_label": f"{top:,.0f}", "left": left}


def missing_describe(items: list[dict], birth_date: datetime.date) -> list[str]:
    """Plain sentences for the `missing` entries of a result."""
    out = []
    for item in items:
        if item["code"] == "age":
            months = item["required_months"]
            on = add_months(dates_array([birth_date]), [months]).tolist()[0]
            out.append(_("Age: %(years)s years %(months)s months is required; you reach it on %(date)s.") % {
                "years": months // 12, "months": months % 12, "date": on.isoformat()})
        elif item["code"] == "insured_days":
            out.append(_("Insurance: %(required)s days are required; you would have %(actual)s by then.") % {
                "required": item["required"], "actual": item["actual"]})
    return out
