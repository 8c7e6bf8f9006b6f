"""Population projection: new retirees per year with their average and total pension, by sex and
region, computed with the same formulas as one person's forecast (compute.population_evaluate).

Each person is assumed to keep working as now (days a year and earnings from their last year on
record, growing with the assumption) and to claim on their earliest full-pension date.
"""
from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import numpy as np

from pronoia.pensions.compute import CURRENCY, pack_get, population_evaluate
from pronoia.pensions.engine import Trace
from pronoia.pensions.parameters import parameter_at
from pronoia.pensions.rules.common import NEVER

DAYS_PER_YEAR = {"gr": 300.0, "pl": 360.0, "bg": 360.0}
FAR_FUTURE = np.datetime64("2200-01-01")
MONTHLY_EARNINGS = {"gr": 1300.0, "pl": 8000.0, "bg": 1000.0}  # synthetic only: rough national averages
Progress = Callable[[str], None]


def _base(n: int, as_of: datetime.date, growth: float, inflation: float) -> dict[str, np.ndarray]:
    return {
        "as_of": np.full(n, np.datetime64(as_of), dtype="datetime64[D]"),
        "claim": np.full(n, np.datetime64(as_of), dtype="datetime64[D]"),
        "work_until": np.full(n, FAR_FUTURE, dtype="datetime64[D]"),
        "growth": np.full(n, growth), "inflation": np.full(n, inflation),
    }


def population_synthetic(country: str, n: int, *, seed: int, as_of: datetime.date, growth: float = 0.02, inflation: float = 0.02) -> tuple[dict, np.ndarray, list[str]]:
    """`n` synthetic persons as the formulas' input arrays, vectorised (1,000,000 in well under a
    second); regions and their weights are the demo generator's (pronoia.demo.synthetic)."""
    from pronoia.demo.synthetic import PROFILES

    rng = np.random.default_rng(seed)
    regions = [name for name, _ in PROFILES[country].regions]
    weights = np.array([w for _, w in PROFILES[country].regions], dtype=float)
    region = rng.choice(len(regions), size=n, p=weights / weights.sum()).astype(np.int16)
    first_birth = np.datetime64("1956-01-01")
    birth = first_birth + rng.integers(0, 45 * 365, size=n).astype("timedelta64[D]")
    female = rng.random(n) < 0.51
    as_of64 = np.datetime64(as_of)
    start = birth + (rng.uniform(18, 30, size=n) * 365.25).astype("timedelta64[D]")
    participation = rng.uniform(0.45, 1.0, size=n)
    days_per_year = DAYS_PER_YEAR[country]
    worked_years = np.maximum((as_of64 - start).astype(np.float64) / 365.25, 0.0)
    monthly = MONTHLY_EARNINGS[country] * rng.lognormal(0.0, 0.45, size=n)
    arrays = _base(n, as_of, growth, inflation)
    arrays.update({
        "birth": birth, "female": female,
        "days_recorded": np.floor(worked_years * days_per_year * participation),
        "future_days_per_year": np.where(rng.random(n) < 0.1, 0.0, days_per_year * participation),
        "future_monthly_earnings": monthly,
    })

    def since(year: int) -> tuple[np.ndarray, np.ndarray]:
        years = np.maximum((as_of64 - np.maximum(start, np.datetime64(f"{year}-01-01"))).astype(np.float64) / 365.25, 0.0)
        return years * days_per_year * participation, years * 12 * participation * monthly

    if country == "gr":
        arrays["days_2002"], arrays["earnings_2002"] = since(2002)
        arrays["residence_years"] = np.full(n, 40.0)
    elif country == "pl":
        _, earnings = since(1999)
        arrays["capital"] = earnings * float(parameter_at(pack_get("pl"), "pension_contribution_rate", as_of).value)
    else:
        arrays["days_1997"], arrays["earnings_1997"] = since(1997)
        arrays["individual_coefficient"] = np.full(n, np.nan)
    return arrays, region, regions


def population_from_db(country: str, *, as_of: datetime.date, growth: float = 0.02, inflation: float = 0.02,
                       progress: Progress = lambda _: None) -> tuple[dict, np.ndarray, list[str]]:
    """Everyone of `country` in the database with counted insurance periods, as input arrays built
    by the same functions as the forecast page (forecast.record_period, forecast.future_defaults,
    compute.case_row): a person gets here exactly the inputs their own forecast uses for the same
    record date. Persons without a recorded sex are left out (the rules need it).

    A bulk analytics read of the insurance tables, streamed in person order; no personal data
    leaves this function (only the arrays of numbers the formulas need).
    """
    from pronoia.insurance.models import InsurancePeriod

    from pronoia.pensions.cases import Assumptions, Case
    from pronoia.pensions.compute import case_row, rows_to_arrays
    from pronoia.pensions.forecast import case_extra_default, future_defaults, record_period

    pack = pack_get(country)
    # Periods that do not count (superseded, duplicates) are skipped here rather than in SQL: with
    # stale statistics (large loads, autovacuum off) PostgreSQL otherwise plans an index AND per
    # person that rescans every live period (a minute for 5,000 persons instead of a second).
    periods_qs = (InsurancePeriod.objects.filter(person__country=country).exclude(person__sex="")
                  .order_by("person_id", "period_from", "period_to", "pk")
                  .values_list("person_id", "person__birth_date", "person__sex", "period_from", "period_to", "days", "earnings",
                               "currency", "insurance_type", "employer__region", "status", "duplicate_of_id"))
    superseded = InsurancePeriod.Status.SUPERSEDED
    rows, region_of = [], []

    def flush(person: tuple, periods: list, region: str) -> None:
        last_end = max(p.end for p in periods)
        person_as_of = max(as_of, last_end)
        earnings, days = future_defaults(periods, country, person_as_of)
        assumptions = Assumptions(as_of=person_as_of, future_monthly_earnings=earnings, future_days_per_year=days,
                                  earnings_growth=growth, inflation=inflation)
        case = Case(country, person[1], person[2], person_as_of, tuple(periods), assumptions, case_extra_default(country))
        rows.append(case_row(case, pack))
        region_of.append(region or "?")
        if len(rows) % 20_000 == 0:
            progress(f"{len(rows)} persons read")

    current, periods, region = None, [], ""
    for person_id, birth, sex, start, end, days, earnings, currency, kind, employer_region, status, duplicate_of in periods_qs.iterator(chunk_size=20_000):
        if status == superseded or duplicate_of is not None:
            continue
        if current is not None and person_id != current[0]:
            flush(current, periods, region)
            periods, region = [], ""
        current = (person_id, birth, sex)
        periods.append(record_period(country, start, end, days, earnings, currency, kind))
        if employer_region is not None:
            region = employer_region  # of the latest period with an employer
    if current is not None:
        flush(current, periods, region)
    arrays = rows_to_arrays(rows, country)
    names = sorted(set(region_of) | {"?"})
    code = {name: i for i, name in enumerate(names)}
    return arrays, np.array([code[r] for r in region_of], dtype=np.int16), names


def population_project(country: str, arrays: dict, region: np.ndarray, region_names: list[str], *, from_year: int, years: int,
                       progress: Progress = lambda _: None) -> dict:
    """New retirees per year (claiming on their earliest full date) in [from_year, from_year + years):
    count, average and total monthly pension (nominal), by sex and region."""
    started = time.perf_counter()
    n = arrays["birth"].shape[0]
    progress(f"{n} persons: earliest dates")
    trace = Trace()
    earliest_full, earliest_reduced = population_evaluate(country, arrays, trace)["earliest_dates"]
    first = np.datetime64(f"{from_year}-01-01").astype(np.int64)
    end = np.datetime64(f"{from_year + years}-01-01").astype(np.int64)
    chosen = np.flatnonzero((earliest_full >= first) & (earliest_full < end) & (earliest_full < NEVER))
    progress(f"{chosen.size} retire in {from_year}-{from_year + years - 1}: amounts")
    subset = {k: v[chosen] for k, v in arrays.items()}
    # A claim is not dated before the record date (money values after it are not known yet).
    subset["claim"] = np.maximum(earliest_full[chosen], subset["as_of"].astype(np.int64)).astype("datetime64[D]")
    # The earliest dates do not depend on the claim date: given as an input, they are not recomputed.
    subset["earliest_dates"] = (earliest_full[chosen], earliest_reduced[chosen])
    values = population_evaluate(country, subset, trace)
    amount = values["monthly_amount"]
    year_index = subset["claim"].astype("datetime64[Y]").astype(np.int64) + 1970 - from_year
    female = subset["female"].astype(np.int64)
    reg = region[chosen].astype(np.int64)
    ok = ~np.isnan(amount)
    progress("aggregating")

    def group(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        return (np.bincount(keys[ok], minlength=size), np.bincount(keys[ok], weights=amount[ok], minlength=size))

    by_year = group(year_index, years)
    by_sex = group(year_index * 2 + female, years * 2)
    nreg = len(region_names)
    by_region = group(year_index * nreg + reg, years * nreg)

    def cell(count: int, total: float) -> dict:
        return {"new_retirees": int(count), "total_monthly": round(float(total), 2),
                "average_monthly": round(float(total / count), 2) if count else None}

    result_years = []
    for y in range(years):
        result_years.append({
            "year": from_year + y,
            **cell(by_year[0][y], by_year[1][y]),
            "by_sex": {sex: cell(by_sex[0][y * 2 + f], by_sex[1][y * 2 + f]) for sex, f in (("F", 1), ("M", 0))},
            "by_region": {name: cell(by_region[0][y * nreg + r], by_region[1][y * nreg + r])
                          for r, name in enumerate(region_names) if by_region[0][y * nreg + r]},
        })
    return {
        "country": country, "currency": CURRENCY[country], "from_year": from_year, "years": years, "persons": n,
        "retiring": int(chosen.size), "not_computable": int((~ok).sum()),
        "by_year": result_years, "trace": trace.as_list(), "seconds": round(time.perf_counter() - started, 3),
    }
