"""Formulas every pack shares: time to the claim, insured days at the claim, growth factors.

Conventions (all packs):
- amounts are computed in the money of the record date (`as_of`) and then made nominal at the
  claim date with the growth assumptions; "today's money" divides the nominal amount by
  (1 + inflation) ** years from `as_of` to the claim;
- rules (ages, rates, scales) are read as in force at the claim date; money parameters as in
  force at the earlier of the claim date and the record date (later values are not known yet);
- dates are int64 days since 1970-01-01 inside the earliest-date formulas, NEVER meaning "not
  reachable under the assumptions".
"""
from __future__ import annotations

import numpy as np

from pronoia.pensions.engine import Model, age_in_months, parameter_vector, years_between

NEVER = np.int64(10**8)  # far beyond any datetime64[D] we use (year ~ 275,000)

# Inputs every pack takes (arrays of equal length, one row per person):
COMMON_INPUTS = (
    "birth", "female", "claim", "as_of", "days_recorded", "future_days_per_year", "work_until",
    "future_monthly_earnings", "growth", "inflation",
)


def common_formulas(model: Model, days_per_year_parameter: str) -> None:
    @model.formula("as_of", "claim")
    def years_to_claim(v, pack, trace):
        return np.maximum(years_between(v["as_of"], v["claim"]), 0.0)

    @model.formula("as_of", "claim", "work_until")
    def future_years_worked(v, pack, trace):
        end = np.minimum(v["claim"], v["work_until"])
        return np.maximum(years_between(v["as_of"], end), 0.0)

    @model.formula("future_days_per_year", "future_years_worked")
    def future_days(v, pack, trace):
        return v["future_days_per_year"] * v["future_years_worked"]

    @model.formula("days_recorded", "future_days")
    def days_at_claim(v, pack, trace):
        return v["days_recorded"] + v["future_days"]

    @model.formula("claim")
    def days_per_year(v, pack, trace):
        return parameter_vector(pack, days_per_year_parameter, v["claim"], trace)

    @model.formula("days_at_claim", "days_per_year")
    def insured_years(v, pack, trace):
        return v["days_at_claim"] / v["days_per_year"]

    @model.formula("future_days", "days_per_year")
    def future_months(v, pack, trace):
        return v["future_days"] / (v["days_per_year"] / 12.0)

    @model.formula("birth", "claim")
    def age_months(v, pack, trace):
        return age_in_months(v["birth"], v["claim"]).astype(np.float64)

    @model.formula("claim", "as_of")
    def money_date(v, pack, trace):
        return np.minimum(v["claim"], v["as_of"])

    @model.formula("inflation", "years_to_claim")
    def price_factor(v, pack, trace):
        return (1.0 + v["inflation"]) ** v["years_to_claim"]

    @model.formula("growth", "years_to_claim")
    def growth_factor(v, pack, trace):
        return (1.0 + v["growth"]) ** v["years_to_claim"]


def as_days(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[D]").astype(np.int64)


def date_days_reached(v: dict, threshold_days: np.ndarray) -> np.ndarray:
    """Day (int64) on which the insured days reach `threshold_days` when working from `as_of`
    at `future_days_per_year` until `work_until`; NEVER if not. When the record already holds
    them the day is unknown but past: 0 (1970-01-01), so that the other conditions decide."""
    need = threshold_days - v["days_recorded"]
    rate = v["future_days_per_year"]
    as_of = as_days(v["as_of"])
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(rate > 0, np.ceil(need / np.where(rate > 0, rate, 1.0) * 365.25), 0)
    reached = as_of + wait.astype(np.int64)
    reachable = (need <= 0) | ((rate > 0) & (reached <= as_days(v["work_until"])))
    return np.where(need <= 0, 0, np.where(reachable, reached, NEVER))


def later(*days: np.ndarray) -> np.ndarray:
    out = days[0]
    for d in days[1:]:
        out = np.maximum(out, d)
    return out


def earlier(*days: np.ndarray) -> np.ndarray:
    out = days[0]
    for d in days[1:]:
        out = np.minimum(out, d)
    return out

