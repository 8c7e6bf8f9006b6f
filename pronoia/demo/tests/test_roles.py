import datetime as dt

import pytest
from django.utils import timezone

from pronoia.accounts.models import Mandate, RoleAssignment
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.demo.roles import demo_roles_ensure
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.models import Person
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def demo_persons():
    # Sorted by surname, as the demo eID lists them; the one without periods is skipped.
    PersonFactory(surname="Aaa-without-periods")
    return [InsurancePeriodFactory(person__surname=surname).person for surname in ("Bbb", "Ccc", "Ddd", "Eee")]


def test_too_few_persons_sets_up_nothing():
    InsurancePeriodFactory()
    assert demo_roles_ensure(today=TODAY) == []
    assert not Mandate.objects.exists() and not RoleAssignment.objects.exists()


def test_a_mandate_and_an_employer_administrator_are_set_up_once(demo_persons):
    principal, representative, administrator = demo_persons[:3]
    notes = demo_roles_ensure(today=TODAY)
    again = demo_roles_ensure(today=TODAY)
    assert notes == again
    mandate = Mandate.objects.get()
    assert (mandate.principal_person, mandate.representative, mandate.scope) == (principal, representative, ["insurance_record"])
    assert (mandate.valid_from, mandate.valid_to) == (TODAY, dt.date(2031, 11, 22))
    assignment = RoleAssignment.objects.get()
    assert (assignment.person, assignment.user, assignment.role) == (administrator, None, Role.EMPLOYER_ADMIN)
    assert assignment.employer == administrator.periods.get().employer
    assert [n.national_id for n in notes] == [representative.national_id, administrator.national_id]
    assert principal.national_id in notes[0].description


def test_a_revoked_demo_mandate_is_replaced(demo_persons):
    demo_roles_ensure(today=TODAY)
    Mandate.objects.update(revoked_at=timezone.now())
    demo_roles_ensure(today=TODAY)
    assert Mandate.objects.count() == 2 and Mandate.objects.filter(revoked_at__isnull=True).count() == 1


def test_the_roles_apply_when_the_demo_persons_sign_in(client, demo_persons):
    demo_roles_ensure()
    principal, representative, administrator = demo_persons[:3]
    client_sign_in_citizen(client, representative)
    mandate = Mandate.objects.get()
    assert client.post(f"/my/mandates/{mandate.pk}/act-for").status_code == 302
    assert client.get("/api/v1/me/insurance-record").json()["person"]["id"] == principal.pk
    client.logout()
    client_sign_in_citizen(client, administrator)
    employer = RoleAssignment.objects.get().employer
    assert employer.name in client.get("/my/mandates").content.decode()
    assert client.get(f"/employer/{employer.pk}/").status_code == 200
    assert Person.objects.count() == 5
