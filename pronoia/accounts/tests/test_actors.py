"""Building the request's actor: roles, person-bound employer roles, mandates, serving, request ids."""
import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import timezone

from pronoia.accounts.actors import (
    SESSION_ACTING_MANDATE_KEY,
    SESSION_PERSON_KEY,
    SESSION_SERVING_KEY,
    actor_build,
    request_id_for,
)
from pronoia.accounts.models import Mandate, RoleAssignment
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import citizen_user, staff_user
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def request_for(user, path="/my/insurance-record", **session_values):
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    for key, value in session_values.items():
        request.session[key] = value
    return request


def test_anonymous():
    actor = actor_build(request_for(AnonymousUser()))
    assert not actor.is_authenticated and actor.roles == frozenset() and actor.request_id


def test_a_citizen_and_the_employer_roles_given_to_their_person():
    person = PersonFactory()
    employer, other_employer = EmployerFactory(), EmployerFactory()
    RoleAssignment.objects.create(person=person, role=Role.EMPLOYER_ADMIN, employer=employer)
    RoleAssignment.objects.create(person=person, role=Role.EMPLOYER_USER, employer=other_employer, revoked_at=timezone.now())
    RoleAssignment.objects.create(person=PersonFactory(), role=Role.EMPLOYER_ADMIN, employer=other_employer)
    actor = actor_build(request_for(citizen_user(person), **{SESSION_PERSON_KEY: person.pk}))
    assert actor.roles == {Role.CITIZEN, Role.EMPLOYER_ADMIN}
    assert actor.employer_roles == {employer.pk: {Role.EMPLOYER_ADMIN}}
    assert actor.person_id == actor.subject_person_id == person.pk and actor.primary_role == Role.EMPLOYER_ADMIN


def test_staff_roles_come_from_the_users_assignments_and_the_channel_from_the_path():
    user = staff_user(Role.CASE_HANDLER, Role.AUDITOR, unit="Branch Patras")
    actor = actor_build(request_for(user, path="/api/v1/persons/1/insurance-record"))
    assert actor.roles == {Role.CASE_HANDLER, Role.AUDITOR} and actor.unit == "Branch Patras"
    assert actor.channel == "api" and actor.is_staff and actor.person_id is None
    assert actor.primary_role == Role.CASE_HANDLER


def test_acting_under_a_valid_mandate():
    principal, representative = PersonFactory(given_name="Ρένα", surname="Σταύρου"), PersonFactory()
    mandate = Mandate.objects.create(principal_person=principal, representative=representative, scope=["insurance_record"], valid_from=dt.date(2026, 1, 1))
    request = request_for(citizen_user(representative), **{SESSION_PERSON_KEY: representative.pk, SESSION_ACTING_MANDATE_KEY: mandate.pk})
    actor = actor_build(request, today=dt.date(2026, 6, 1))
    assert actor.acting_for.mandate_id == mandate.pk and actor.acting_for.scope == {"insurance_record"}
    assert actor.acting_for.principal_name == "Ρένα Σταύρου"
    assert actor.subject_person_id == principal.pk and actor.primary_role == Role.REPRESENTATIVE
    assert Role.REPRESENTATIVE in actor.roles


@pytest.mark.parametrize("case", ["expired", "revoked", "not_yet", "not_theirs"])
def test_an_invalid_mandate_in_the_session_is_dropped(case):
    principal, representative = PersonFactory(), PersonFactory()
    fields = {"valid_from": dt.date(2026, 1, 1)}
    if case == "expired":
        fields["valid_to"] = dt.date(2026, 5, 31)
    elif case == "revoked":
        fields["revoked_at"] = timezone.now()
    elif case == "not_yet":
        fields["valid_from"] = dt.date(2026, 6, 2)
    holder = PersonFactory() if case == "not_theirs" else representative
    mandate = Mandate.objects.create(principal_person=principal, representative=representative, scope=["insurance_record"], **fields)
    request = request_for(citizen_user(holder), **{SESSION_PERSON_KEY: holder.pk, SESSION_ACTING_MANDATE_KEY: mandate.pk})
    actor = actor_build(request, today=dt.date(2026, 6, 1))
    assert actor.acting_for is None and Role.REPRESENTATIVE not in actor.roles
    assert actor.subject_person_id == holder.pk
    assert SESSION_ACTING_MANDATE_KEY not in request.session


def test_serving_counts_only_for_second_line_operators():
    serving = {"person_id": 5, "reason": "Caller"}
    l2 = actor_build(request_for(staff_user(Role.OPERATOR_L2), **{SESSION_SERVING_KEY: serving}))
    assert l2.serving.person_id == 5 and l2.serving.reason == "Caller"
    l1 = actor_build(request_for(staff_user(Role.OPERATOR_L1), **{SESSION_SERVING_KEY: serving}))
    assert l1.serving is None


def test_request_id_is_taken_only_when_well_formed():
    good = RequestFactory().get("/", headers={"X-Request-ID": "abc-123.XYZ_9"})
    assert request_id_for(good) == "abc-123.XYZ_9"
    for bad in ("short", "x" * 65, "evil\r\nheader: 1", "<script>alert(1)</script>"):
        generated = request_id_for(RequestFactory().get("/", headers={"X-Request-ID": bad}))
        assert generated != bad and len(generated) == 32


def test_the_middleware_echoes_the_request_id(client):
    response = client.get("/", headers={"X-Request-ID": "from-the-gateway-1"})
    assert response["X-Request-ID"] == "from-the-gateway-1"
