"""Test data for applications: persons with an insurance record, signed-in actors, applications."""
from __future__ import annotations

from django.db import transaction

from pronoia.accounts.actors import Actor, command_actor
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import PERSON_DATA_CATEGORIES, Role
from pronoia.accounts.tests.factories import staff_user
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory
from pronoia.services.catalogue.selectors import catalogue_service_get
from pronoia.services.models import Application
from pronoia.services.services import _application_insert

A1 = "gr-a1-document"
HISTORY = "gr-insurance-history-certificate"
STATUS = "gr-insurance-status-certificate"
CORRECTION = "gr-insurance-data-correction"
PENSION = "gr-old-age-pension-application"


def insured_person(**kwargs):
    """A Greek person with one insurance period (funds must exist: use the `funds` fixture)."""
    person = PersonFactory(**kwargs)
    InsurancePeriodFactory(person=person)
    return person


def citizen_actor(person, *, user_id: int | None = None, loa: str = "high") -> Actor:
    from pronoia.accounts.tests.factories import citizen_user

    user_id = user_id or citizen_user(person).pk
    return Actor(user_id=user_id, username=f"citizen-{person.pk}", roles=frozenset({Role.CITIZEN}), person_id=person.pk, loa=loa, request_id="test")


def representative_actor(representative, principal, *, scope=None, loa: str = "high") -> Actor:
    from django.utils import timezone

    from pronoia.accounts.actors import ActingFor
    from pronoia.accounts.tests.factories import citizen_user

    scope = sorted(scope if scope is not None else PERSON_DATA_CATEGORIES)
    mandate = Mandate.objects.create(principal_person=principal, representative=representative, scope=scope, valid_from=timezone.localdate())
    return Actor(
        user_id=citizen_user(representative).pk,
        username=f"rep-{representative.pk}",
        roles=frozenset({Role.CITIZEN, Role.REPRESENTATIVE}),
        person_id=representative.pk,
        loa=loa,
        acting_for=ActingFor(mandate.pk, principal.pk, None, frozenset(scope), f"{principal.given_name} {principal.surname}"),
        request_id="test",
    )


def staff_actor(user, *, roles=(Role.CASE_HANDLER,), unit: str = "", verified: bool = True) -> Actor:
    return Actor(user_id=user.pk, username=user.get_username(), roles=frozenset(roles), otp_verified=verified, unit=unit, request_id="test")


def handler(unit: str = "international-relations", *roles: str):
    """A case handler of `unit` (a staff user) and their actor."""
    roles = roles or (Role.CASE_HANDLER,)
    user = staff_user(*roles, unit=unit)
    return user, staff_actor(user, roles=roles, unit=unit)


def application_make(person=None, *, service_code: str = A1, unit: str | None = None, data: dict | None = None, actor: Actor | None = None) -> Application:
    """An application inserted as a submission does (numbered, history, event), without the form
    or documents: for tests of the back office that do not need them."""
    person = person or PersonFactory()
    service = catalogue_service_get(service_code)
    with transaction.atomic():
        return _application_insert(
            actor=actor or command_actor("tests"),
            person_id=person.pk,
            service=service,
            form_name=service.form,
            data=data or {"note": "test"},
            fingerprint=f"test-{person.pk}-{Application.objects.count()}",
            language="en",
            unit=unit or service.handling.unit,
        )


def a1_answers(person, *, non_eu: bool = True, **overrides) -> dict:
    """Valid answers of the Greek A1 form (html strings) for `person`."""
    data = {
        "surname": person.surname,
        "given_name": person.given_name,
        "national_id": person.national_id,
        "employer_name": "Example Shipping S.A.",
        "work_situation": "posted_employee",
        "date_from": "2026-03-01",
        "date_to": "2026-08-31",
        "work_address": "1 Harbour Road",
        "declaration": "true",
    }
    if non_eu:
        data.update({"work_location": "non_eu", "non_eu_country": "US", "foreign_employer_name": "Example Inc."})
    else:
        data.update({"work_location": "eu_eea_ch", "work_country": "DE"})
    data.update(overrides)
    return data
