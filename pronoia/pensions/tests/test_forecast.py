"""The citizen's pension forecast page and the forecast selector."""
import datetime
from decimal import Decimal

import pytest

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.pensions.compute import pension_compute
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def _greek_worker():
    person = PersonFactory(country="gr", sex="M", birth_date=datetime.date(1962, 3, 10))
    for year in range(2000, 2026):
        InsurancePeriodFactory(person=person, period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31),
                               days=300, earnings=Decimal("18000.00"))
    return person


def test_forecast_by_claim_age_from_the_record(client, funds):
    person = _greek_worker()
    client_sign_in_citizen(client, person)
    forecast = client.get("/my/pension-forecast?future_days_per_year=0").context["forecast"]
    ages = [r["age"] for r in forecast["rows"]]
    assert ages == list(range(65, 71))  # 60-64 are in the past
    assert forecast["earliest_full_date"] == "2029-03-10"  # 67th birthday, 7,800 days on record
    assert all(r["eligible"] for r in forecast["rows"])
    assert forecast["trace"] and forecast["notice"]


def test_forecast_equals_the_contract_for_the_same_data(client, funds):
    person = _greek_worker()
    client_sign_in_citizen(client, person)
    response = client.get("/my/pension-forecast?future_days_per_year=0&earnings_growth=0&inflation=0")
    assert response.status_code == 200
    forecast = response.context["forecast"]
    row = next(r for r in forecast["rows"] if r["age"] == 67)
    data = {
        "birth_date": "1962-03-10", "sex": "M", "claim_date": row["claim_date"],
        "periods": [{"from": f"{y}-01-01", "to": f"{y}-12-31", "days": 300, "earnings": "18000.00"} for y in range(2000, 2026)],
        "assumptions": {"as_of": forecast["as_of"], "inflation": 0, "earnings_growth": 0},
    }
    contract = pension_compute(country="gr", data=data, today=datetime.date.fromisoformat(forecast["as_of"]))
    assert row["monthly_amount"] == contract["monthly_amount"]
    assert row["components"] == contract["components"]


def test_page_shows_the_table_chart_notice_and_trace(client, funds):
    person = _greek_worker()
    client_sign_in_citizen(client, person)
    response = client.get("/my/pension-forecast")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<table" in html and "not a decision" in html
    assert "Law 4387/2016" in html  # the trace with references
    assert " style=" not in html and "<script>" not in html  # CSP: no inline style or script


def test_htmx_request_gets_only_the_results(client, funds):
    person = _greek_worker()
    client_sign_in_citizen(client, person)
    response = client.get("/my/pension-forecast?future_monthly_earnings=3000", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "<svg" in html
    richer = response.context["forecast"]["rows"][-1]["monthly_amount"]
    poorer = client.get("/my/pension-forecast?future_monthly_earnings=100", HTTP_HX_REQUEST="true").context["forecast"]["rows"][-1]["monthly_amount"]
    assert Decimal(richer) > Decimal(poorer)


@pytest.mark.parametrize("query, field", [
    ("future_monthly_earnings=-5", "future_monthly_earnings"),
    ("future_days_per_year=999", "future_days_per_year"),
    ("inflation=abc", "inflation"),
    ("work_until=2030-02-30", "work_until"),
    ("extra_from=2027-01-01&extra_to=2026-01-01&extra_days=10", "extra_to"),
    ("extra_from=2027-01-01&extra_to=2027-01-31&extra_days=40", "extra_days"),
    ("extra_from=2027-01-01", "extra_to"),
    ("extra_from=1950-01-01&extra_to=1950-12-31&extra_days=10", "extra_from"),
])
def test_bad_what_if_input_is_named(client, funds, query, field):
    person = _greek_worker()
    client_sign_in_citizen(client, person)
    response = client.get(f"/my/pension-forecast?{query}")
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["forecast"] is None
    assert f'href="#{field}"' in response.content.decode()


def test_extra_period_by_hand_raises_the_insured_days(client, funds):
    person = _greek_worker()
    client_sign_in_citizen(client, person)
    base = client.get("/my/pension-forecast?future_days_per_year=0").context["forecast"]
    more = client.get("/my/pension-forecast?future_days_per_year=0&extra_from=2027-01-01&extra_to=2027-12-31&extra_days=300&extra_earnings=18000").context["forecast"]
    assert more["rows"][-1]["insured_days_at_claim"] == base["rows"][-1]["insured_days_at_claim"] + 300


def test_missing_sex_must_be_chosen(client, funds):
    person = _greek_worker()
    person.sex = ""
    person.save()
    client_sign_in_citizen(client, person)
    response = client.get("/my/pension-forecast")
    assert response.context["forecast"] is None and "sex" in response.context["form"].errors
    assert client.get("/my/pension-forecast?sex=F").context["forecast"] is not None


def test_polish_and_bulgarian_records(client, funds):
    for country, fund_code, currency in (("pl", None, "PLN"), ("bg", None, "BGN")):
        person = PersonFactory(country=country, sex="F", birth_date=datetime.date(1966, 5, 1))
        from pronoia.insurance.funds import FUNDS
        from pronoia.insurance.tests.factories import fund
        code = next(f["code"] for f in FUNDS if f.get("country") == country)
        for year in range(2000, 2026):
            InsurancePeriodFactory(person=person, fund=fund(code), period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31),
                                   days=360, earnings=Decimal("40000.00"), currency=currency)
        client.logout()
        client_sign_in_citizen(client, person)
        response = client.get("/my/pension-forecast")
        forecast = response.context["forecast"]
        assert response.status_code == 200 and forecast["rows"], country
        assert forecast["currency"] == ("PLN" if country == "pl" else "EUR")
        assert any(r["eligible"] and Decimal(r["monthly_amount"]) > 0 for r in forecast["rows"])


def test_representative_needs_the_pension_category_and_the_access_is_logged(funds):
    from pronoia.accounts.models import Mandate
    from pronoia.audit.models import DataAccessEntry
    from pronoia.core.errors import PermissionDenied
    from pronoia.insurance.tests.actors import representative_actor
    from pronoia.pensions.forecast import WhatIf, pension_forecast_get

    principal = _greek_worker()
    representative = PersonFactory(country="gr")
    narrow = Mandate.objects.create(principal_person=principal, representative=representative, scope=["insurance_record"], valid_from=datetime.date.today())
    with pytest.raises(PermissionDenied):
        pension_forecast_get(actor=representative_actor(representative, narrow), person=principal, what_if=WhatIf(), today=TODAY)
    wide = Mandate.objects.create(principal_person=principal, representative=representative, scope=["insurance_record", "pension"], valid_from=datetime.date.today())
    before = DataAccessEntry.objects.filter(person_id=principal.pk).count()
    forecast = pension_forecast_get(actor=representative_actor(representative, wide), person=principal, what_if=WhatIf(), today=TODAY)
    assert forecast["rows"]
    assert DataAccessEntry.objects.filter(person_id=principal.pk).count() > before
