"""Greece: Law 4387/2016 as amended by Law 4670/2020 (parameters in packs/gr/parameters.yaml).

pension = (national pension + contributory pension) × (1 − early reduction)
  national pension   = full amount × (1 − 2 % per whole year short of 20) × residence / 40
  contributory       = average monthly earnings since 2002 × replacement rate(years of insurance)
  early reduction    = 0.5 % per month short of 67, at most 60 months, for the reduced pension at 62
"""
from __future__ import annotations

import numpy as np

from pronoia.pensions.engine import Model, add_months, parameter_vector, scale_marginal_vector
from pronoia.pensions.rules.common import NEVER, as_days, common_formulas, date_days_reached, earlier, later

INPUTS = ("earnings_2002", "days_2002", "residence_years")
COMPONENTS = ("national_pension", "contributory_pension", "early_reduction")
model = Model()
common_formulas(model, "days_per_insurance_year")


@model.formula("claim")
def full_age(v, pack, trace):
    return parameter_vector(pack, "full_pension_age", v["claim"], trace)


@model.formula("claim")
def full_min_days(v, pack, trace):
    return parameter_vector(pack, "full_pension_min_days", v["claim"], trace)


@model.formula("claim")
def long_age(v, pack, trace):
    return parameter_vector(pack, "long_career_age", v["claim"], trace)


@model.formula("claim")
def long_min_days(v, pack, trace):
    return parameter_vector(pack, "long_career_min_days", v["claim"], trace)


@model.formula("claim")
def reduced_age(v, pack, trace):
    return parameter_vector(pack, "reduced_pension_age", v["claim"], trace)


@model.formula("age_months", "days_at_claim", "full_age", "full_min_days", "long_age", "long_min_days")
def full(v, pack, trace):
    return ((v["age_months"] >= v["full_age"]) & (v["days_at_claim"] >= v["full_min_days"])) | (
        (v["age_months"] >= v["long_age"]) & (v["days_at_claim"] >= v["long_min_days"]))


@model.formula("full", "age_months", "days_at_claim", "reduced_age", "full_min_days")
def reduced(v, pack, trace):
    return ~v["full"] & (v["age_months"] >= v["reduced_age"]) & (v["days_at_claim"] >= v["full_min_days"])


@model.formula("full", "reduced")
def eligible(v, pack, trace):
    return v["full"] | v["reduced"]


@model.formula("reduced", "full_age", "age_months", "claim")
def early_months(v, pack, trace):
    if not v["reduced"].any():
        return np.zeros(v["reduced"].shape)
    cap = parameter_vector(pack, "early_reduction_max_months", v["claim"], trace)
    return np.where(v["reduced"], np.clip(v["full_age"] - v["age_months"], 0, cap), 0.0)


@model.formula("early_months", "claim")
def reduction_rate(v, pack, trace):
    if not v["early_months"].any():
        return np.zeros(v["early_months"].shape)
    return v["early_months"] * parameter_vector(pack, "early_reduction_per_month", v["claim"], trace)


@model.formula("insured_years", "residence_years", "money_date", "price_factor", "claim", "eligible")
def national_pension(v, pack, trace):
    amount = parameter_vector(pack, "national_pension_full_amount", v["money_date"], trace) * v["price_factor"]
    full_years = parameter_vector(pack, "national_pension_full_years", v["claim"], trace)
    min_years = parameter_vector(pack, "national_pension_min_years", v["claim"], trace)
    per_year = parameter_vector(pack, "national_pension_reduction_per_year", v["claim"], trace)
    full_residence = parameter_vector(pack, "national_pension_full_residence_years", v["claim"], trace)
    # Whole years short of 20 (small epsilon: 5,999.9999 days of float noise must not lose a year).
    short = np.clip(full_years - np.floor(v["insured_years"] + 1e-9), 0.0, full_years - min_years)
    residence = np.clip(v["residence_years"], 0.0, full_residence) / full_residence
    return np.where(v["eligible"], amount * (1.0 - per_year * short) * residence, 0.0)


@model.formula("earnings_2002", "days_2002", "future_days", "future_months", "future_monthly_earnings", "claim")
def average_monthly_earnings(v, pack, trace):
    days_per_month = parameter_vector(pack, "days_per_insurance_month", v["claim"], trace)
    months = (v["days_2002"] + v["future_days"]) / days_per_month
    total = v["earnings_2002"] + v["future_monthly_earnings"] * v["future_months"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(months > 0, total / np.where(months > 0, months, 1.0), 0.0)


@model.formula("insured_years", "claim")
def replacement_rate(v, pack, trace):
    return scale_marginal_vector(pack, "replacement_rate_per_year", v["claim"], v["insured_years"], trace)


@model.formula("average_monthly_earnings", "replacement_rate", "price_factor", "eligible")
def contributory_pension(v, pack, trace):
    return np.where(v["eligible"], v["average_monthly_earnings"] * v["replacement_rate"] * v["price_factor"], 0.0)


@model.formula("national_pension", "contributory_pension", "reduction_rate")
def early_reduction(v, pack, trace):
    return -(v["national_pension"] + v["contributory_pension"]) * v["reduction_rate"]


@model.formula("national_pension", "contributory_pension", "early_reduction")
def monthly_amount(v, pack, trace):
    return v["national_pension"] + v["contributory_pension"] + v["early_reduction"]


@model.formula("birth", "as_of", "days_recorded", "future_days_per_year", "work_until")
def earliest_dates(v, pack, trace):
    """(earliest full, earliest reduced) as int64 days; rules as in force at the record date."""
    on = v["as_of"]
    age67 = as_days(add_months(v["birth"], parameter_vector(pack, "full_pension_age", on, trace)))
    age62 = as_days(add_months(v["birth"], parameter_vector(pack, "long_career_age", on, trace)))
    age_reduced = as_days(add_months(v["birth"], parameter_vector(pack, "reduced_pension_age", on, trace)))
    d_min = date_days_reached(v, parameter_vector(pack, "full_pension_min_days", on, trace))
    d_long = date_days_reached(v, parameter_vector(pack, "long_career_min_days", on, trace))
    earliest_full = earlier(np.where(d_min < NEVER, later(age67, d_min), NEVER), np.where(d_long < NEVER, later(age62, d_long), NEVER))
    reduced = np.where(d_min < NEVER, later(age_reduced, d_min), NEVER)
    return earliest_full, np.where(reduced < earliest_full, reduced, NEVER)


def missing(row: dict) -> list[dict]:
    """What one person lacks at the claim date (row: scalars of the evaluated values)."""
    if row["eligible"]:
        return []
    out = []
    if row["age_months"] < row["reduced_age"]:
        out.append({"code": "age", "required_months": int(row["reduced_age"]), "actual_months": int(row["age_months"])})
    if row["days_at_claim"] < row["full_min_days"]:
        out.append({"code": "insured_days", "required": int(row["full_min_days"]), "actual": round(float(row["days_at_claim"]), 1)})
    return out
