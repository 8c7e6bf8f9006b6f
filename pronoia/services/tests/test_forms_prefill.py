"""form_prefill: what the file knows is filled in (read-only), through the access rule."""
from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from pronoia.accounts.actors import ANONYMOUS
from pronoia.accounts.roles import Role
from pronoia.audit.models import DataAccessEntry
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.tests.actors import person_actor, staff_actor
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory
from pronoia.services.forms import PREFILL_PURPOSE, form_context, form_definition_get, form_prefill, form_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return PersonFactory(surname="Παπαδοπούλου", given_name="Μαρία", email="maria@example.org", phone="+30 210 1234567", birth_date=dt.date(1961, 4, 2))


def test_the_person_gets_identity_and_contact_from_the_file(person):
    definition = form_definition_get("gr-old-age-pension-application")
    values = form_prefill(definition, actor=person_actor(person), person_id=person.pk)
    assert values == {
        "surname": "Παπαδοπούλου",
        "given_name": "Μαρία",
        "national_id": person.national_id,
        "birth_date": "1961-04-02",
        "email": "maria@example.org",
        "phone": "+30 210 1234567",
    }
    # The person reading their own file is not logged.
    assert not DataAccessEntry.objects.filter(person_id=person.pk).exists()


def test_last_employer_comes_from_the_insurance_record(person, funds):
    old = EmployerFactory(name="Old Bakery")
    last = EmployerFactory(name="Harbour Logistics")
    InsurancePeriodFactory(person=person, employer=old, period_from=dt.date(2001, 1, 1), period_to=dt.date(2005, 12, 31))
    InsurancePeriodFactory(person=person, employer=last, period_from=dt.date(2006, 1, 1), period_to=dt.date(2024, 12, 31))
    values = form_prefill(form_definition_get("gr-a1-document"), actor=person_actor(person), person_id=person.pk)
    assert values["employer_name"] == "Harbour Logistics"


def test_empty_values_are_left_for_the_person(person):
    person.email = ""
    person.save()
    values = form_prefill(form_definition_get("gr-old-age-pension-application"), actor=person_actor(person), person_id=person.pk)
    assert "email" not in values
    assert "employer_name" not in form_prefill(form_definition_get("gr-a1-document"), actor=person_actor(person), person_id=person.pk)


def test_values_that_fail_the_field_schema_are_not_prefilled(person):
    person.phone = "call me maybe"
    person.save()
    values = form_prefill(form_definition_get("gr-old-age-pension-application"), actor=person_actor(person), person_id=person.pk)
    assert "phone" not in values


def test_a_case_handler_prefilling_is_checked_and_logged_with_the_purpose(person):
    actor = staff_actor(Role.CASE_HANDLER)
    values = form_prefill(form_definition_get("gr-insurance-history-certificate"), actor=actor, person_id=person.pk)
    assert values["national_id"] == person.national_id
    entry = DataAccessEntry.objects.get(person_id=person.pk)
    assert entry.purpose == PREFILL_PURPOSE
    assert entry.categories == "identity"


def test_someone_without_access_gets_nothing(person):
    other = PersonFactory()
    with pytest.raises(PermissionDenied):
        form_prefill(form_definition_get("gr-insurance-history-certificate"), actor=person_actor(other), person_id=person.pk)
    with pytest.raises(PronoiaError) as caught:
        form_prefill(form_definition_get("gr-insurance-history-certificate"), actor=ANONYMOUS, person_id=person.pk)
    assert caught.value.code == "not_signed_in"


def test_prefilled_fields_are_read_only_on_the_page_and_on_the_server(person):
    definition = form_definition_get("gr-insurance-history-certificate")
    prefilled = form_prefill(definition, actor=person_actor(person), person_id=person.pk)
    context = form_context(definition, values={}, errors={}, prefilled=prefilled)
    inputs = {field["name"] for field in context["fields"]}
    assert not inputs & set(prefilled)  # not inputs at all
    assert [row["label"] for row in context["known"]] == ["Surname", "Given name", "AMKA (social security number)", "Date of birth"]
    forged = QueryDict(mutable=True)
    forged.update({"surname": "Impostor", "national_id": "99999999999", "birth_date": "1999-01-01", "certificate_language": "el"})
    result = form_validate(definition, forged, prefilled=prefilled)
    assert result.errors == {}
    assert result.cleaned["surname"] == "Παπαδοπούλου"
    assert result.cleaned["national_id"] == person.national_id
    assert result.cleaned["birth_date"] == "1961-04-02"


def test_a_mandate_without_the_insurance_record_leaves_the_employer_empty(person, funds):
    from pronoia.accounts.models import Mandate
    from pronoia.insurance.tests.actors import representative_actor

    InsurancePeriodFactory(person=person, employer=EmployerFactory(name="Harbour Logistics"))
    representative = PersonFactory()
    mandate = Mandate.objects.create(
        principal_person=person, representative=representative, scope=["identity", "applications"],
        valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2099, 12, 31),
    )  # fmt: skip
    values = form_prefill(form_definition_get("gr-a1-document"), actor=representative_actor(representative, mandate), person_id=person.pk)
    assert values["national_id"] == person.national_id
    assert "employer_name" not in values
    # Identity is logged as read under the mandate; the record was not read at all.
    assert list(DataAccessEntry.objects.filter(person_id=person.pk).values_list("categories", flat=True)) == ["identity"]


@pytest.mark.parametrize("country", ["gr", "pl", "bg"])
def test_each_country_national_id_fits_its_forms(country):
    # A pattern that rejected the country's real identifiers would silently ask for them again.
    person = PersonFactory(country=country)
    for kind in ("insurance-history-certificate", "insurance-status-certificate", "a1-document", "insurance-data-correction", "old-age-pension-application"):
        values = form_prefill(form_definition_get(f"{country}-{kind}"), actor=person_actor(person), person_id=person.pk)
        assert values["national_id"] == person.national_id, kind
