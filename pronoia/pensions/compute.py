"""Pension computation: cases -> person arrays -> the pack's formulas -> the contract's result.

`pension_compute` serves the CLI and the API (one case); `population_evaluate` serves forecasts
at several claim ages and population projections (many rows). Both run the same formulas on
arrays: a person alone and the same person inside a population give identical results.
"""
from __future__ import annotations

import datetime
import functools
from decimal import ROUND_HALF_UP, Decimal
from types import ModuleType

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pronoia.core.errors import PronoiaError
from pronoia.pensions.cases import Case, case_parse
from pronoia.pensions.engine import Trace
from pronoia.pensions.parameters import Parameter, pack_load, parameter_at
from pronoia.pensions.rules import bg, gr, pl
from pronoia.pensions.rules.common import COMMON_INPUTS, NEVER

RULES: dict[str, ModuleType] = {"gr": gr, "pl": pl, "bg": bg}
CURRENCY = {"gr": "EUR", "pl": "PLN", "bg": "EUR"}
CENT = Decimal("0.01")
FAR_FUTURE = np.datetime64("2200-01-01")
BASE_TARGETS = ("monthly_amount", "eligible", "earliest_dates", "price_factor", "days_at_claim", "age_months")


@functools.lru_cache(maxsize=8)
def pack_get(country: str) -> dict[str, Parameter]:
    """The country's parameters, read once per process (pack files are immutable at run time)."""
    return pack_load(country)


def _rules(country: str) -> ModuleType:
    if country not in RULES:
        raise PronoiaError(code="pension_country_unknown", message=_("Unknown country pack %(country)s.") % {"country": str(country)[:8]}, field="country")
    return RULES[country]


# -- cases to arrays ----------------------------------------------------------------------------

def _share_from(period, cut: datetime.date) -> float:
    """Fraction of a period's calendar days on or after `cut` (days and earnings pro rata)."""
    if period.start >= cut:
        return 1.0
    if period.end < cut:
        return 0.0
    return ((period.end - cut).days + 1) / ((period.end - period.start).days + 1)


def _valorised(amount: float, period_end: datetime.date, as_of: datetime.date, rate: float) -> float:
    return amount * (1.0 + rate) ** max((as_of - period_end).days / 365.25, 0.0)


def case_row(case: Case, pack: dict[str, Parameter]) -> dict:
    """One person's input row: the case's periods summed as each pack's formulas need them."""
    a = case.assumptions
    row = {
        "birth": case.birth_date, "female": case.sex == "F", "claim": case.claim_date, "as_of": a.as_of,
        "days_recorded": float(sum(p.days for p in case.periods)),
        "future_days_per_year": a.future_days_per_year,
        "work_until": a.work_until or FAR_FUTURE.astype(datetime.date),
        "future_monthly_earnings": float(a.future_monthly_earnings),
        "growth": a.earnings_growth, "inflation": a.inflation,
    }
    if case.country == "gr":
        cut = datetime.date(1970, 1, 1) + datetime.timedelta(days=int(parameter_at(pack, "contributory_earnings_from", case.claim_date).value))
        row["earnings_2002"] = sum(_valorised(float(p.earnings) * _share_from(p, cut), p.end, a.as_of, a.inflation) for p in case.periods)
        row["days_2002"] = sum(p.days * _share_from(p, cut) for p in case.periods)
        row["residence_years"] = case.extra["residence_years"]
    elif case.country == "pl":
        if case.extra["capital"] is not None:
            row["capital"] = float(case.extra["capital"])
        else:
            # Periods before the reformed system (1999) make the initial capital, which ZUS
            # computes from documents this engine does not have: they add nothing here.
            first = pack["pension_contribution_rate"].values[0].in_force_from
            row["capital"] = sum(
                _valorised(float(p.earnings) * float(parameter_at(pack, "pension_contribution_rate", p.end).value) * _share_from(p, first),
                           p.end, a.as_of, a.earnings_growth)
                for p in case.periods if p.end >= first)
    else:
        cut = datetime.date(1997, 1, 1)
        row["earnings_1997"] = sum(_valorised(float(p.earnings) * _share_from(p, cut), p.end, a.as_of, a.earnings_growth) for p in case.periods)
        row["days_1997"] = sum(p.days * _share_from(p, cut) for p in case.periods)
        coefficient = case.extra["individual_coefficient"]
        row["individual_coefficient"] = np.nan if coefficient is None else coefficient
    return row


def rows_to_arrays(rows: list[dict], country: str) -> dict[str, np.ndarray]:
    names = COMMON_INPUTS + _rules(country).INPUTS
    arrays = {}
    for name in names:
        column = [r[name] for r in rows]
        if name in ("birth", "claim", "as_of", "work_until"):
            arrays[name] = np.array(column, dtype="datetime64[D]")
        elif name == "female":
            arrays[name] = np.array(column, dtype=bool)
        else:
            arrays[name] = np.array(column, dtype=np.float64)
    return arrays


# -- evaluation ---------------------------------------------------------------------------------

def population_evaluate(country: str, arrays: dict[str, np.ndarray], trace: Trace, extra_targets: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Evaluate the pack's formulas over arrays of persons (see rules.common.COMMON_INPUTS and
    each pack's INPUTS); returns every computed variable."""
    rules = _rules(country)
    targets = BASE_TARGETS + rules.COMPONENTS + extra_targets
    return rules.model.evaluate(arrays, targets, pack=pack_get(country), trace=trace)


def _day(value) -> str | None:
    value = int(value)
    return None if value >= NEVER else (datetime.date(1970, 1, 1) + datetime.timedelta(days=value)).isoformat()


def _money(value: float) -> str:
    value = float(value) + 0.0  # no "-0.00"
    if value == 0:
        value = 0.0
    return str(Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP))


MISSING_TARGETS = {
    "gr": ("reduced_age", "full_min_days"),
    "pl": ("statutory_age",),
    "bg": ("required_age", "required_service_days"),
}


def results_for_rows(country: str, arrays: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> list[dict]:
    """The contract's result fields for each row (amounts as decimal strings, rounded to cents)."""
    rules = _rules(country)
    earliest_full, earliest_reduced = values["earliest_dates"]
    out = []
    for i in range(arrays["birth"].shape[0]):
        amount = float(values["monthly_amount"][i])
        if np.isnan(amount):
            raise PronoiaError(code="pension_claim_outside_tables", field="claim_date",
                               message=_("The claim age is outside the tables of this country pack."))
        row = {name: values[name][i] for name in ("eligible", "age_months", "days_at_claim") + MISSING_TARGETS[country] if name in values}
        out.append({
            "eligible": bool(values["eligible"][i]),
            "claim_date": str(arrays["claim"][i]),
            "earliest_full_date": _day(earliest_full[i]),
            "earliest_reduced_date": _day(earliest_reduced[i]),
            "monthly_amount": _money(amount),
            "monthly_amount_today": _money(amount / float(values["price_factor"][i])),
            "currency": CURRENCY[country],
            "components": {name: _money(values[name][i]) for name in rules.COMPONENTS},
            "insured_days_at_claim": round(float(values["days_at_claim"][i]), 1),
            "missing": rules.missing(row),
        })
    return out


def cases_compute(cases: list[Case]) -> tuple[list[dict], Trace]:
    """Results for cases of one country, computed together (one evaluation over all rows)."""
    country = cases[0].country
    pack = pack_get(country)
    arrays = rows_to_arrays([case_row(c, pack) for c in cases], country)
    trace = Trace()
    values = population_evaluate(country, arrays, trace, MISSING_TARGETS[country])
    return results_for_rows(country, arrays, values), trace


NOTICE = gettext_noop("This is a forecast, not a decision. The amount is decided only when you apply, on the record and the rules in force then.")


def pension_compute(*, country: str, data, today: datetime.date) -> dict:
    """The outside contract: one case's JSON in, the result with its trace out (see docs/pensions.md)."""
    _rules(country)
    case = case_parse(country, data, today=today)
    [result], trace = cases_compute([case])
    a = case.assumptions
    return {
        **result,
        "country": country,
        "assumptions": {
            "as_of": a.as_of.isoformat(), "future_monthly_earnings": _money(float(a.future_monthly_earnings)),
            "future_days_per_year": a.future_days_per_year, "work_until": a.work_until.isoformat() if a.work_until else None,
            "earnings_growth": a.earnings_growth, "inflation": a.inflation,
        },
        "trace": trace.as_list(),
        "notice": _(NOTICE),
    }
