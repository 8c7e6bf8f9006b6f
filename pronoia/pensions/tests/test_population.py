"""Population projection: same results alone and inside the population, stored results, the command."""
import datetime
import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from pronoia.pensions.compute import _money, population_evaluate
from pronoia.pensions.engine import Trace
from pronoia.pensions.models import PensionProjection
from pronoia.pensions.population import population_from_db, population_project, population_synthetic
from pronoia.pensions.rules import bg

AS_OF = datetime.date(2026, 2, 1)


@pytest.mark.parametrize("country", ["gr", "pl", "bg"])
def test_a_person_alone_equals_the_same_person_in_the_population(country):
    arrays, _, _ = population_synthetic(country, 3000, seed=3, as_of=AS_OF)
    arrays["claim"] = arrays["birth"] + np.timedelta64(66 * 365, "D")
    arrays["claim"] = np.maximum(arrays["claim"], arrays["as_of"])
    together = population_evaluate(country, arrays, Trace())
    for i in (0, 1234, 2999):
        alone = population_evaluate(country, {k: v[i:i + 1] for k, v in arrays.items()}, Trace())
        assert alone["monthly_amount"][0] == together["monthly_amount"][i]
        assert alone["eligible"][0] == together["eligible"][i]
        assert alone["earliest_dates"][0][0] == together["earliest_dates"][0][i]


def test_bg_earliest_dates_jump_equals_year_by_year(monkeypatch):
    arrays, _, _ = population_synthetic("bg", 4000, seed=5, as_of=AS_OF)
    fast = population_evaluate("bg", arrays, Trace())["earliest_dates"][0]
    monkeypatch.setattr(bg, "_requirements_never_fall", lambda pack: False)
    slow = population_evaluate("bg", arrays, Trace())["earliest_dates"][0]
    assert (fast == slow).all()
    assert (fast < 10**8).mean() > 0.8  # most persons retire at some point


def test_projection_counts_and_averages_add_up():
    arrays, region, names = population_synthetic("gr", 20_000, seed=2, as_of=AS_OF)
    result = population_project("gr", arrays, region, names, from_year=2026, years=5)
    assert len(result["by_year"]) == 5
    assert sum(y["new_retirees"] for y in result["by_year"]) == result["retiring"] - result["not_computable"]
    for year in result["by_year"]:
        assert year["by_sex"]["F"]["new_retirees"] + year["by_sex"]["M"]["new_retirees"] == year["new_retirees"]
        assert sum(r["new_retirees"] for r in year["by_region"].values()) == year["new_retirees"]
        assert abs(sum(r["total_monthly"] for r in year["by_region"].values()) - year["total_monthly"]) < 1
        assert year["average_monthly"] > 0
    assert result["trace"]


@pytest.mark.django_db
def test_command_over_the_database_stores_the_result(funds):
    from decimal import Decimal

    from pronoia.insurance.tests.factories import InsurancePeriodFactory
    from pronoia.people.tests.factories import PersonFactory
    for i, birth in enumerate((datetime.date(1960, 6, 1), datetime.date(1961, 1, 10), datetime.date(1990, 1, 1))):
        person = PersonFactory(country="gr", sex="MF"[i % 2], birth_date=birth)
        for year in range(2002, 2026):
            InsurancePeriodFactory(person=person, period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31), days=300, earnings=Decimal("20000"))
    arrays, _, names = population_from_db("gr", as_of=AS_OF)
    assert arrays["birth"].shape == (3,) and arrays["days_recorded"].tolist() == [7200.0] * 3
    out, err = io.StringIO(), io.StringIO()
    call_command("pension_project", country="gr", from_year=2026, years=5, json=True, stdout=out, stderr=err)
    result = json.loads(out.getvalue())
    assert result["persons"] == 3 and result["retiring"] == 2  # the 1990-born retires after 2030
    assert "[pension_project]" in err.getvalue()
    stored = PensionProjection.objects.get()
    assert stored.results["retiring"] == 2 and stored.source == "database"


@pytest.mark.django_db
@pytest.mark.parametrize("options", [{"from_year": 1990}, {"years": 0}, {"synthetic": -1}, {"growth": 5.0}])
def test_command_refuses_bad_options(options):
    from django.core.management.base import CommandError
    with pytest.raises(CommandError):
        call_command("pension_project", country="gr", **{"from_year": 2026, "years": 5, **options}, stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_latest_projection_selector():
    from pronoia.pensions.selectors import pension_projection_latest
    assert pension_projection_latest(country="gr") is None
    out = io.StringIO()
    call_command("pension_project", country="gr", from_year=2026, years=2, synthetic=500, seed=4, stdout=out, stderr=io.StringIO())
    call_command("pension_project", country="gr", from_year=2027, years=3, synthetic=500, seed=4, stdout=out, stderr=io.StringIO())
    latest = pension_projection_latest(country="gr")
    assert latest.from_year == 2027 and latest.source == "synthetic:500:4" and len(latest.results["by_year"]) == 3
    assert pension_projection_latest(country="pl") is None
    assert "2027:" in out.getvalue()


@pytest.mark.django_db
def test_a_person_in_the_database_projection_gets_the_amount_of_their_own_forecast(client, funds):
    from decimal import Decimal

    from pronoia.accounts.tests.factories import client_sign_in_citizen
    from pronoia.insurance.tests.factories import InsurancePeriodFactory
    from pronoia.people.tests.factories import PersonFactory
    people = []
    for i, birth in enumerate((datetime.date(1961, 6, 1), datetime.date(1963, 1, 10), datetime.date(1966, 9, 30))):
        person = PersonFactory(country="gr", sex="MF"[i % 2], birth_date=birth)
        for year in range(1995 + i, 2026):
            InsurancePeriodFactory(person=person, period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31),
                                   days=280 + i * 5, earnings=Decimal(15000 + 1000 * i + 37 * year))
        people.append(person)
    today = datetime.date.today()
    arrays, _, _ = population_from_db("gr", as_of=today)
    client_sign_in_citizen(client, people[1])
    forecast = client.get("/my/pension-forecast").context["forecast"]
    assert forecast["as_of"] == str(arrays["as_of"][1])
    for row in forecast["rows"]:
        population = {**arrays, "claim": np.full(3, np.datetime64(row["claim_date"]), dtype="datetime64[D]")}
        values = population_evaluate("gr", population, Trace())
        assert _money(values["monthly_amount"][1]) == row["monthly_amount"], row["age"]
