"""Bad input to the contract gets a clear error naming the field, whatever the country."""
import datetime

import pytest

from pronoia.pensions.cases import PensionInputError, case_parse
from pronoia.pensions.compute import pension_compute

TODAY = datetime.date(2026, 11, 23)
GOOD = {
    "birth_date": "1960-01-15", "sex": "M", "claim_date": "2027-02-01",
    "periods": [
        {"from": "1990-01-01", "to": "1999-12-31", "days": 3000, "earnings": "50000.00", "type": "employment"},
        {"from": "2000-01-01", "to": "2026-10-31", "days": 8000, "earnings": "400000.00"},
    ],
    "assumptions": {"future_monthly_earnings": "1200", "future_days_per_year": 300, "inflation": 0.02},
}


def _with(**changes):
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not ...}


def _period(i, **changes):
    periods = [dict(p) for p in GOOD["periods"]]
    periods[i].update(changes)
    return _with(periods=periods)


@pytest.mark.parametrize("data, field", [
    (_with(birth_date=...), "birth_date"),
    (_with(sex=...), "sex"),
    (_with(claim_date=...), "claim_date"),
    (_with(birth_date="1960-02-30"), "birth_date"),
    (_with(birth_date="15/01/1960"), "birth_date"),
    (_with(birth_date=19600115), "birth_date"),
    (_with(birth_date="2030-01-01"), "birth_date"),
    (_with(claim_date="1959-01-01"), "claim_date"),
    (_with(claim_date="2070-01-01"), "claim_date"),
    (_with(sex="X"), "sex"),
    (_with(periods="many"), "periods"),
    (_with(periods=[GOOD["periods"][0]] * 1001), "periods"),
    (_with(nickname="x"), "nickname"),
    (_with(capital="1000"), "capital"),  # a pl field sent to gr
    (_period(0, to="1989-12-31"), "periods[0].to"),
    (_period(0, days=-1), "periods[0].days"),
    (_period(0, days=4000), "periods[0].days"),
    (_period(0, days=12.5), "periods[0].days"),
    (_period(0, days=True), "periods[0].days"),
    (_period(0, earnings="-5"), "periods[0].earnings"),
    (_period(0, earnings="NaN"), "periods[0].earnings"),
    (_period(0, earnings="1e20"), "periods[0].earnings"),
    (_period(0, earnings="abc"), "periods[0].earnings"),
    (_period(0, earnings=[1]), "periods[0].earnings"),
    (_period(1, **{"from": "1999-06-01"}), "periods[1]"),
    (_period(1, to="2027-03-01"), "periods[1].to"),
    (_period(0, **{"from": "1950-01-01"}), "periods[0].from"),
    (_period(0, colour="red"), "periods[0].colour"),
    (_period(0, type="x" * 41), "periods[0].type"),
    (_with(periods=[{"from": "1990-01-01", "to": "1990-12-31"}]), "periods[0].days"),
    (_with(periods=["1990"]), "periods[0]"),
    (_with(assumptions={"inflation": "high"}), "assumptions.inflation"),
    (_with(assumptions={"inflation": 5}), "assumptions.inflation"),
    (_with(assumptions={"earnings_growth": float("nan")}), "assumptions.earnings_growth"),
    (_with(assumptions={"future_days_per_year": 400}), "assumptions.future_days_per_year"),
    (_with(assumptions={"as_of": "2020-01-01"}), "assumptions.as_of"),
    (_with(assumptions={"work_until": "soon"}), "assumptions.work_until"),
    (_with(assumptions={"salary": 1}), "assumptions.salary"),
    (_with(assumptions=[1, 2]), "assumptions"),
    (_with(residence_years=-1), "residence_years"),
])
def test_bad_input_names_the_field(data, field):
    with pytest.raises(PensionInputError) as exc:
        pension_compute(country="gr", data=data, today=TODAY)
    assert exc.value.field == field, exc.value.message
    assert exc.value.code == "pension_input_invalid" and exc.value.message


def test_unknown_country_and_non_object_input():
    with pytest.raises(Exception) as exc:
        pension_compute(country="xx", data=GOOD, today=TODAY)
    assert exc.value.code == "pension_country_unknown" and exc.value.field == "country"
    with pytest.raises(PensionInputError) as exc:
        pension_compute(country="gr", data=[GOOD], today=TODAY)
    assert exc.value.field == ""


def test_pack_specific_fields():
    with pytest.raises(PensionInputError) as exc:
        case_parse("pl", {**GOOD, "capital": "-1"}, today=TODAY)
    assert exc.value.field == "capital"
    with pytest.raises(PensionInputError) as exc:
        case_parse("bg", {**GOOD, "individual_coefficient": "lots"}, today=TODAY)
    assert exc.value.field == "individual_coefficient"
    assert case_parse("pl", {**GOOD, "capital": "1000.50"}, today=TODAY).extra["capital"] == 1000.5


def test_good_input_is_parsed_and_the_record_date_defaults_to_today():
    case = case_parse("gr", GOOD, today=TODAY)
    assert case.assumptions.as_of == TODAY
    assert [p.days for p in case.periods] == [3000, 8000]
    result = pension_compute(country="gr", data=GOOD, today=TODAY)
    assert set(result) >= {"eligible", "earliest_full_date", "earliest_reduced_date", "monthly_amount", "components", "missing", "trace"}
