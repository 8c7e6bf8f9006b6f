"""Bulgaria: Кодекс за социално осигуряване, art. 68 (conditions) and 70 (amount).

pension = individual coefficient × average monthly insurable income for the country × 1.35 % ×
years of insurance service. Conditions (art. 68 par. 1-2): age and service by sex, as in force
in the year in which they are met; or (par. 3) age 67 with 15 years of actual service.
"""
from __future__ import annotations

import numpy as np

from pronoia.pensions.engine import Model, add_months, parameter_vector
from pronoia.pensions.rules.common import NEVER, as_days, common_formulas, date_days_reached, later

INPUTS = ("earnings_1997", "days_1997", "individual_coefficient")
COMPONENTS = ("service_pension",)
FIRST_SCHEDULE_YEAR = 2016  # first year of the art. 68 schedule in the pack
SECOND_ROUTE_FROM_YEAR = 2023  # first year of the art. 68 par. 3 values in the pack
LAST_SCAN_YEAR = 2100  # the schedule and the dates of the contract end there
model = Model()
common_formulas(model, "days_per_service_year")


def _conditions_met(v: dict, pack, trace, year: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For `rows`: the day both conditions of `year` are met (NEVER if not within that year), and
    the day they would be met under that year's requirements whenever it falls (a lower bound for
    later years, since the requirements never fall; NEVER if never)."""
    jan1 = np.full(rows.size, np.datetime64(f"{year}-01-01"), dtype="datetime64[D]")
    dec31 = np.datetime64(f"{year}-12-31").astype(np.int64)
    sub = {k: v[k][rows] for k in ("birth", "female", "days_recorded", "future_days_per_year", "as_of", "work_until")}
    days_per_year = parameter_vector(pack, "days_per_service_year", jan1, trace)
    female = sub["female"]
    age = np.where(female, parameter_vector(pack, "retirement_age_women", jan1, trace), parameter_vector(pack, "retirement_age_men", jan1, trace))
    service = np.where(female, parameter_vector(pack, "service_required_women", jan1, trace), parameter_vector(pack, "service_required_men", jan1, trace))
    bound = later(as_days(add_months(sub["birth"], age)), date_days_reached(sub, service / 12.0 * days_per_year), as_days(jan1))
    if year >= SECOND_ROUTE_FROM_YEAR:
        age3 = parameter_vector(pack, "minimum_service_age", jan1, trace)
        years3 = parameter_vector(pack, "minimum_service_years", jan1, trace)
        bound3 = later(as_days(add_months(sub["birth"], age3)), date_days_reached(sub, years3 * days_per_year), as_days(jan1))
        bound = np.minimum(bound, bound3)
    return np.where(bound <= dec31, bound, NEVER), bound


def _requirements_never_fall(pack) -> bool:
    names = ("retirement_age_women", "retirement_age_men", "service_required_women", "service_required_men", "minimum_service_age", "minimum_service_years")
    return all(all(float(b.value) >= float(a.value) for a, b in zip(pack[n].values, pack[n].values[1:])) for n in names)


@model.formula("birth", "female", "as_of", "days_recorded", "future_days_per_year", "work_until")
def earliest_dates(v, pack, trace):
    """The first year whose conditions a person meets within that year. Each person is checked
    only in the years that can matter: the requirements never fall, so the day a year's
    conditions would be met is a lower bound for every later year, and the next check jumps to
    that bound's year (year by year if a pack's schedule ever falls)."""
    n = v["birth"].shape[0]
    earliest = np.full(n, NEVER, dtype=np.int64)
    birth_years = v["birth"].astype("datetime64[Y]").astype(np.int64) + 1970
    # The same years for every batch (never derived from the batch: one person alone must get
    # what they get inside a population).
    next_year = np.maximum(birth_years + 60, FIRST_SCHEDULE_YEAR)
    jump = _requirements_never_fall(pack)
    active = next_year <= LAST_SCAN_YEAR
    while active.any():
        year = int(next_year[active].min())
        rows = np.flatnonzero(active & (next_year == year))
        met, bound = _conditions_met(v, pack, trace, year, rows)
        found = met < NEVER
        earliest[rows[found]] = met[found]
        rest = rows[~found]
        following = np.full(rest.size, year + 1, dtype=np.int64)
        if jump:
            bound_year = np.where(bound[~found] < NEVER, bound[~found], 0).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
            # Before the par. 3 route enters the pack (2023) a later route may still come first.
            target = np.minimum(bound_year, SECOND_ROUTE_FROM_YEAR) if year < SECOND_ROUTE_FROM_YEAR else bound_year
            following = np.maximum(following, target)
            if year >= SECOND_ROUTE_FROM_YEAR:
                following = np.where(bound[~found] >= NEVER, LAST_SCAN_YEAR + 1, following)
        next_year[rest] = following
        active[rows[found]] = False
        active[rest] = following <= LAST_SCAN_YEAR
    return earliest, np.full(n, NEVER, dtype=np.int64)


@model.formula("earliest_dates", "claim")
def eligible(v, pack, trace):
    return v["earliest_dates"][0] <= as_days(v["claim"])


@model.formula("individual_coefficient", "earnings_1997", "days_1997", "future_monthly_earnings", "future_months", "days_per_year", "money_date")
def coefficient(v, pack, trace):
    """Given by NOI, or estimated: the person's average monthly earnings since 1997 (valorised to
    the record date) over the country's average insurable income at the record date."""
    months = v["days_1997"] / (v["days_per_year"] / 12.0) + v["future_months"]
    total = v["earnings_1997"] + v["future_monthly_earnings"] * v["future_months"]
    national = parameter_vector(pack, "average_insurable_income", v["money_date"], trace)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimated = np.where(months > 0, total / np.where(months > 0, months, 1.0) / national, 0.0)
    return np.where(np.isnan(v["individual_coefficient"]), estimated, v["individual_coefficient"])


@model.formula("coefficient", "insured_years", "money_date", "growth_factor", "claim", "eligible")
def service_pension(v, pack, trace):
    national = parameter_vector(pack, "average_insurable_income", v["money_date"], trace) * v["growth_factor"]
    accrual = parameter_vector(pack, "accrual_rate_per_year", v["claim"], trace)
    return np.where(v["eligible"], v["coefficient"] * national * accrual * v["insured_years"], 0.0)


@model.formula("service_pension")
def monthly_amount(v, pack, trace):
    return v["service_pension"]


@model.formula("female", "claim")
def required_age(v, pack, trace):
    return np.where(v["female"], parameter_vector(pack, "retirement_age_women", v["claim"], trace),
                    parameter_vector(pack, "retirement_age_men", v["claim"], trace))


@model.formula("female", "claim", "days_per_year")
def required_service_days(v, pack, trace):
    months = np.where(v["female"], parameter_vector(pack, "service_required_women", v["claim"], trace),
                      parameter_vector(pack, "service_required_men", v["claim"], trace))
    return months / 12.0 * v["days_per_year"]


def missing(row: dict) -> list[dict]:
    if row["eligible"]:
        return []
    out = []
    if row["age_months"] < row["required_age"]:
        out.append({"code": "age", "required_months": int(row["required_age"]), "actual_months": int(row["age_months"])})
    if row["days_at_claim"] < row["required_service_days"]:
        out.append({"code": "insured_days", "required": int(round(row["required_service_days"])), "actual": round(float(row["days_at_claim"]), 1)})
    return out
