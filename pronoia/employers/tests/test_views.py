"""Employer pages: administrators manage mandates for their employer, users read, others are refused."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY
from pronoia.accounts.models import Mandate, RoleAssignment
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def page(employer) -> str:
    return f"/employer/{employer.pk}/"


def sign_in_with_role(client, role, employer, person=None):
    person = person or PersonFactory()
    RoleAssignment.objects.create(person=person, role=role, employer=employer)
    client_sign_in_citizen(client, person)
    return person


def grant_data(representative, **overrides):
    return {
        "representative_national_id": representative.national_id,
        "representative_country": representative.country,
        "scope": ["employer_declarations"],
        "valid_from": timezone.localdate().isoformat(),
        **overrides,
    }


def test_an_administrator_sees_users_and_mandates_and_manages(client):
    employer = EmployerFactory(name="Αλφα ΑΕ")
    admin = sign_in_with_role(client, Role.EMPLOYER_ADMIN, employer, PersonFactory(surname="Αδμιν"))
    staff_side = staff_user(Role.EMPLOYER_USER, employer=employer, username="payroll-clerk")
    representative = PersonFactory(surname="Λογιστής")
    # An employee's periods exist, but no personal data of employees is shown.
    InsurancePeriodFactory(employer=employer, person__surname="Εργαζόμενος")
    html = client.get(page(employer)).content.decode()
    assert "Αλφα ΑΕ" in html and "Αδμιν" in html and staff_side.username in html
    assert "Εργαζόμενος" not in html
    assert 'name="scope"' in html and "Employer declarations" in html and "Insurance record" not in html

    response = client.post(f"/employer/{employer.pk}/mandates/new", grant_data(representative))
    assert response.status_code == 302 and response["Location"] == page(employer)
    mandate = Mandate.objects.get()
    assert (mandate.principal_employer, mandate.representative, mandate.scope) == (employer, representative, ["employer_declarations"])
    assert AuditEvent.objects.get(action="mandate_granted").data["principal_employer_id"] == employer.pk
    html = client.get(page(employer)).content.decode()
    assert "Λογιστής" in html and f"/employer/{employer.pk}/mandates/{mandate.pk}/revoke" in html

    assert client.post(f"/employer/{employer.pk}/mandates/{mandate.pk}/revoke").status_code == 302
    assert Mandate.objects.get().revoked_at is not None
    assert "Revoked" in client.get(page(employer)).content.decode()
    assert not DataAccessEntry.objects.exists()
    assert admin.pk


def test_an_administrator_of_another_employer_is_refused(client):
    mine, theirs = EmployerFactory(), EmployerFactory()
    sign_in_with_role(client, Role.EMPLOYER_ADMIN, mine)
    their_mandate = Mandate.objects.create(principal_employer=theirs, representative=PersonFactory(), scope=["employer_declarations"], valid_from=timezone.localdate())
    assert client.get(page(theirs)).status_code == 403
    assert client.get(f"/employer/{theirs.pk}/mandates/new").status_code == 403
    assert client.post(f"/employer/{theirs.pk}/mandates/new", grant_data(PersonFactory())).status_code == 403
    assert client.post(f"/employer/{theirs.pk}/mandates/{their_mandate.pk}/revoke").status_code == 403
    # Through my own employer's URL, their mandate is not found.
    assert client.post(f"/employer/{mine.pk}/mandates/{their_mandate.pk}/revoke").status_code == 404
    assert client.get("/employer/999999/").status_code == 403
    assert Mandate.objects.get().revoked_at is None and Mandate.objects.count() == 1


def test_an_employer_user_reads_only(client):
    employer = EmployerFactory()
    sign_in_with_role(client, Role.EMPLOYER_USER, employer)
    mandate = Mandate.objects.create(principal_employer=employer, representative=PersonFactory(), scope=["employer_declarations"], valid_from=timezone.localdate())
    html = client.get(page(employer)).content.decode()
    assert "Only its administrators can give or revoke mandates" in html and "/mandates/new" not in html and "/revoke" not in html
    assert client.get(f"/employer/{employer.pk}/mandates/new").status_code == 403
    assert client.post(f"/employer/{employer.pk}/mandates/new", grant_data(PersonFactory())).status_code == 403
    assert client.post(f"/employer/{employer.pk}/mandates/{mandate.pk}/revoke").status_code == 403
    assert Mandate.objects.get().revoked_at is None


def test_staff_user_accounts_with_employer_roles_work_too(client):
    employer = EmployerFactory()
    client_sign_in_staff(client, staff_user(Role.EMPLOYER_ADMIN, employer=employer))
    assert client.get(page(employer)).status_code == 200


def test_citizens_without_a_role_and_staff_are_refused_and_anonymous_sign_in(client):
    employer = EmployerFactory()
    response = client.get(page(employer))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")
    client_sign_in_citizen(client, PersonFactory())
    assert client.get(page(employer)).status_code == 403
    other = Client()
    client_sign_in_staff(other, staff_user(Role.ADMINISTRATOR))
    assert other.get(page(employer)).status_code == 403


def test_a_representative_acting_for_the_employer_reads_its_page(client):
    employer = EmployerFactory(name="Βήτα ΕΠΕ")
    representative = PersonFactory()
    mandate = Mandate.objects.create(principal_employer=employer, representative=representative, scope=["employer_declarations"], valid_from=timezone.localdate())
    client_sign_in_citizen(client, representative)
    response = client.post(f"/my/mandates/{mandate.pk}/act-for")
    assert response.status_code == 302 and response["Location"] == page(employer)
    html = client.get(page(employer)).content.decode()
    assert "You are acting for Βήτα ΕΠΕ" in html and "/mandates/new" not in html
    assert client.post(f"/employer/{employer.pk}/mandates/new", grant_data(PersonFactory())).status_code == 403
    # Acting for an employer is not acting for a person: "my" record pages refuse clearly.
    response = client.get("/my/insurance-record")
    assert response.status_code == 403 and "acting for an employer" in response.content.decode()
    assert client.session[SESSION_ACTING_MANDATE_KEY] == mandate.pk


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"scope": ["insurance_record"]}, "scope"),
        ({"scope": []}, "scope"),
        ({"representative_national_id": "00000000000"}, "representative_national_id"),
        ({"valid_to": (dt.date.today() - dt.timedelta(days=3)).isoformat()}, "valid_to"),
        ({"valid_from": "not-a-date"}, "valid_from"),
    ],
)
def test_bad_employer_grants_are_refused(client, overrides, field):
    employer = EmployerFactory()
    sign_in_with_role(client, Role.EMPLOYER_ADMIN, employer)
    response = client.post(f"/employer/{employer.pk}/mandates/new", grant_data(PersonFactory(), **overrides))
    assert response.status_code == 400 and f'href="#{field}"' in response.content.decode()
    assert not Mandate.objects.exists()


def test_employer_grant_needs_the_csrf_token():
    employer = EmployerFactory()
    client = Client(enforce_csrf_checks=True)
    sign_in_with_role(client, Role.EMPLOYER_ADMIN, employer)
    assert client.post(f"/employer/{employer.pk}/mandates/new", grant_data(PersonFactory())).status_code == 403
    assert not Mandate.objects.exists()


def test_a_revoked_role_gives_nothing(client):
    employer = EmployerFactory()
    person = sign_in_with_role(client, Role.EMPLOYER_ADMIN, employer)
    RoleAssignment.objects.filter(person=person).update(revoked_at=timezone.now())
    assert client.get(page(employer)).status_code == 403


def test_employer_page_queries_do_not_grow_with_users_and_mandates(client, django_assert_max_num_queries):
    employer = EmployerFactory()
    sign_in_with_role(client, Role.EMPLOYER_ADMIN, employer)
    for _ in range(5):
        RoleAssignment.objects.create(person=PersonFactory(), role=Role.EMPLOYER_USER, employer=employer)
        staff_user(Role.EMPLOYER_USER, employer=employer)
        Mandate.objects.create(principal_employer=employer, representative=PersonFactory(), scope=["employer_declarations"], valid_from=timezone.localdate())
    client.get(page(employer))
    # Session, user, roles (the actor), employer, assignments with users and persons, mandates with representatives.
    with django_assert_max_num_queries(6):
        assert client.get(page(employer)).status_code == 200
