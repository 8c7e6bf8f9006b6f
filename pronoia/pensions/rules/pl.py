"""Poland: ustawa o emeryturach i rentach z FUS (17.12.1998), art. 24-26 and 87.

pension = (valorised account + sub-account + initial capital) / average further life expectancy
in months at the claim age (GUS table in force at the claim), raised to the minimum pension when
the person has 20 (women) / 25 (men) years of contributory and non-contributory periods.
"""
from __future__ import annotations

import numpy as np

from pronoia.pensions.engine import Model, add_months, parameter_vector, scale_interpolate_vector
from pronoia.pensions.rules.common import NEVER, as_days, common_formulas

INPUTS = ("capital",)
COMPONENTS = ("capital_pension", "minimum_pension_top_up")
model = Model()
common_formulas(model, "days_per_service_year")


@model.formula("female", "claim")
def statutory_age(v, pack, trace):
    women = parameter_vector(pack, "retirement_age_women", v["claim"], trace)
    men = parameter_vector(pack, "retirement_age_men", v["claim"], trace)
    return np.where(v["female"], women, men)


@model.formula("age_months", "statutory_age")
def eligible(v, pack, trace):
    return v["age_months"] >= v["statutory_age"]


@model.formula("capital", "future_monthly_earnings", "future_months", "growth_factor", "claim")
def capital_at_claim(v, pack, trace):
    """Recorded capital (valorised to the record date) and future contributions, both valorised to
    the claim with the earnings-growth assumption (each future month's contribution grows with
    earnings until paid and with valorisation after: (1 + g) ** years to the claim in total)."""
    rate = parameter_vector(pack, "pension_contribution_rate", v["claim"], trace)
    future = v["future_monthly_earnings"] * v["future_months"] * rate
    return (v["capital"] + future) * v["growth_factor"]


@model.formula("age_months", "claim")
def life_expectancy(v, pack, trace):
    """NaN outside the ages of the table in the pack (the caller reports it)."""
    return scale_interpolate_vector(pack, "life_expectancy_months", v["claim"], v["age_months"], trace)


@model.formula("capital_at_claim", "life_expectancy", "eligible")
def capital_pension(v, pack, trace):
    with np.errstate(invalid="ignore"):
        return np.where(v["eligible"], v["capital_at_claim"] / v["life_expectancy"], 0.0)


@model.formula("female", "claim", "insured_years", "eligible", "capital_pension", "money_date", "price_factor")
def minimum_pension_top_up(v, pack, trace):
    women = parameter_vector(pack, "minimum_pension_service_years_women", v["claim"], trace)
    men = parameter_vector(pack, "minimum_pension_service_years_men", v["claim"], trace)
    qualifies = v["eligible"] & (v["insured_years"] >= np.where(v["female"], women, men))
    if not qualifies.any():
        return np.zeros(qualifies.shape)
    minimum = parameter_vector(pack, "minimum_pension", v["money_date"], trace) * v["price_factor"]
    return np.where(qualifies, np.maximum(minimum - np.nan_to_num(v["capital_pension"], nan=np.inf), 0.0), 0.0)


@model.formula("capital_pension", "minimum_pension_top_up")
def monthly_amount(v, pack, trace):
    return v["capital_pension"] + v["minimum_pension_top_up"]


@model.formula("birth", "female", "as_of")
def earliest_dates(v, pack, trace):
    """The statutory age is the only condition: no reduced pension in the reformed system."""
    women = parameter_vector(pack, "retirement_age_women", v["as_of"], trace)
    men = parameter_vector(pack, "retirement_age_men", v["as_of"], trace)
    full = as_days(add_months(v["birth"], np.where(v["female"], women, men)))
    return full, np.full(full.shape, NEVER)


def missing(row: dict) -> list[dict]:
    if row["eligible"]:
        return []
    return [{"code": "age", "required_months": int(row["statutory_age"]), "actual_months": int(row["age_months"])}]
