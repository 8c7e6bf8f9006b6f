"""Property tests of the packs' formulas (hypothesis): monotonic in insured days and earnings,
never negative, bounded reductions, later claims never lose eligibility, and one person alone ==
the same person inside a batch."""
import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pronoia.pensions.cases import case_parse
from pronoia.pensions.compute import cases_compute, pension_compute

TODAY = datetime.date(2026, 11, 23)
AS_OF = datetime.date(2026, 6, 1)
PERIOD_FROM = datetime.date(1985, 1, 1)
PERIOD_TO = datetime.date(2026, 5, 31)
CALENDAR_DAYS = (PERIOD_TO - PERIOD_FROM).days + 1
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw, country=None):
    country = country or draw(st.sampled_from(["gr", "pl", "bg"]))
    sex = draw(st.sampled_from(["F", "M"]))
    claim = AS_OF + datetime.timedelta(days=draw(st.integers(0, 365 * 8)))
    # PL life table in the pack covers 60-70: keep the claim age in 55-70.
    # Hypothesis favours the ends of a range: draw the ages where pensions are paid (62-69) often.
    age_days = draw(st.one_of(st.integers(55 * 365 + 14, 70 * 365 - 20), st.integers(62 * 365 + 30, 69 * 365)))
    birth = claim - datetime.timedelta(days=age_days)
    # Half the draws near the thresholds that matter (15-20 and 40 years in gr, 20/25 in pl).
    days = draw(st.one_of(st.integers(0, 12_500), st.integers(4_400, 6_100), st.integers(7_000, 9_100), st.integers(11_900, 12_100)))
    per_day = draw(st.integers(0, 300))
    data = {
        "birth_date": birth.isoformat(), "sex": sex, "claim_date": claim.isoformat(),
        "periods": [{"from": PERIOD_FROM.isoformat(), "to": PERIOD_TO.isoformat(), "days": days, "earnings": str(days * per_day)}],
        "assumptions": {
            "as_of": AS_OF.isoformat(),
            "future_monthly_earnings": str(draw(st.integers(0, 5000))),
            "future_days_per_year": draw(st.sampled_from([0, 150, 300])),
            "earnings_growth": draw(st.sampled_from([0, 0.02, 0.05])),
            "inflation": draw(st.sampled_from([0, 0.02, 0.04])),
        },
    }
    if country == "bg" and draw(st.booleans()):
        data["individual_coefficient"] = draw(st.floats(0.1, 3.0))
    return country, data


def _amount(country, data):
    return Decimal(pension_compute(country=country, data=data, today=TODAY)["monthly_amount"])


@pytest.mark.parametrize("country", ["gr", "pl", "bg"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), extra=st.integers(1, 3000))
def test_more_insured_days_at_the_same_earnings_per_day_never_lower_the_amount(country, data, extra):
    country, data = data.draw(cases(country))
    # No future work: in gr the contributory pension averages earnings, so extra past days at the
    # past rate can lower the average when future earnings are higher (that is the law, not a bug).
    data = {**data, "assumptions": {**data["assumptions"], "future_days_per_year": 0}}
    period = data["periods"][0]
    days = period["days"]
    more = min(days + extra, CALENDAR_DAYS)
    per_day = Decimal(period["earnings"]) / days if days else Decimal(0)
    bigger = {**data, "periods": [{**period, "days": more, "earnings": str(per_day * more)}]}
    before = pension_compute(country=country, data=data, today=TODAY)
    after = pension_compute(country=country, data=bigger, today=TODAY)
    assert Decimal(after["monthly_amount"]) >= Decimal(before["monthly_amount"]) - Decimal("0.01")
    if country == "gr":  # each part grows too (the early reduction is their negative share)
        for part in ("national_pension", "contributory_pension"):
            assert Decimal(after["components"][part]) >= Decimal(before["components"][part]) - Decimal("0.01"), part


@SETTINGS
@given(cases(), st.integers(1, 100_000))
def test_more_earnings_never_lower_the_amount(case, extra):
    country, data = case
    period = data["periods"][0]
    richer = {**data, "periods": [{**period, "earnings": str(Decimal(period["earnings"]) + extra)}]}
    assert _amount(country, richer) >= _amount(country, data)


@SETTINGS
@given(cases(), st.integers(1, 900))
def test_a_later_claim_never_makes_a_person_ineligible(case, later_by):
    country, data = case
    first = pension_compute(country=country, data=data, today=TODAY)
    claim = datetime.date.fromisoformat(data["claim_date"]) + datetime.timedelta(days=later_by)
    birth = datetime.date.fromisoformat(data["birth_date"])
    if (claim - birth).days > 70 * 365:  # beyond the pl table in the pack
        return
    second = pension_compute(country=country, data={**data, "claim_date": claim.isoformat()}, today=TODAY)
    if first["eligible"]:
        assert second["eligible"]
    if first["earliest_full_date"] and first["earliest_full_date"] <= second["claim_date"]:
        assert second["eligible"]


@SETTINGS
@given(cases())
def test_amounts_are_never_negative_and_reductions_stay_in_bounds(case):
    country, data = case
    result = pension_compute(country=country, data=data, today=TODAY)
    amount = Decimal(result["monthly_amount"])
    assert amount >= 0
    assert (amount > 0) <= result["eligible"]
    if not result["eligible"]:
        assert amount == 0 and result["missing"]
    if country == "gr" and result["eligible"]:
        gross = Decimal(result["components"]["national_pension"]) + Decimal(result["components"]["contributory_pension"])
        cut = -Decimal(result["components"]["early_reduction"])
        assert 0 <= cut <= gross * Decimal("0.30") + Decimal("0.01")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["gr", "pl", "bg"]).flatmap(lambda c: st.lists(cases(c), min_size=2, max_size=25)))
def test_one_person_alone_equals_the_same_person_in_a_batch(batch):
    parsed = [case_parse(country, data, today=TODAY) for country, data in batch]
    together, _ = cases_compute(parsed)
    for i in (0, len(parsed) // 2, len(parsed) - 1):
        [alone], _ = cases_compute([parsed[i]])
        assert alone == together[i]
