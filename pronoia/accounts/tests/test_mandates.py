"""Mandate services: grant, revoke, act for; and what a representative may then see."""
import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY
from pronoia.accounts.mandates.services import (
    mandate_act_for_start,
    mandate_act_for_stop,
    mandate_grant,
    mandate_latest_end,
    mandate_revoke,
    years_after,
)
from pronoia.accounts.models import Mandate, RoleAssignment
from pronoia.accounts.roles import Role
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.corrections import correction_request_submit
from pronoia.insurance.models import CorrectionRequest
from pronoia.insurance.selectors import correction_requests_for_person, insurance_record_get
from pronoia.insurance.tests.actors import person_actor, representative_actor
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def grant(principal, representative, **kwargs):
    args = {
        "actor": person_actor(principal),
        "representative_national_id": representative.national_id,
        "representative_country": representative.country,
        "scope": ["insurance_record"],
        "valid_from": TODAY,
        "today": TODAY,
        **kwargs,
    }
    return mandate_grant(**args)


def test_years_after_and_the_latest_end():
    assert years_after(dt.date(2024, 2, 29), 5) == dt.date(2029, 2, 28)
    assert mandate_latest_end(dt.date(2026, 11, 23)) == dt.date(2031, 11, 22)


def test_a_citizen_grants_a_mandate_and_an_audit_event_is_written():
    principal, representative = PersonFactory(), PersonFactory()
    mandate = grant(principal, representative, scope=["corrections", "insurance_record", "corrections"], valid_to=dt.date(2027, 6, 30))
    assert (mandate.principal_person, mandate.representative, mandate.principal_employer) == (principal, representative, None)
    assert mandate.scope == ["corrections", "insurance_record"]
    assert (mandate.valid_from, mandate.valid_to) == (TODAY, dt.date(2027, 6, 30))
    event = AuditEvent.objects.get(action="mandate_granted")
    assert event.object_id == str(mandate.pk) and event.person_id == principal.pk
    assert event.data["representative_id"] == representative.pk and event.data["scope"] == ["corrections", "insurance_record"]


def test_without_an_end_date_a_mandate_lasts_five_years():
    mandate = grant(PersonFactory(), PersonFactory())
    assert mandate.valid_to == dt.date(2031, 11, 22)


@pytest.mark.parametrize(
    "kwargs,code,field",
    [
        ({"scope": []}, "scope_required", "scope"),
        ({"scope": ["insurance_record", "root"]}, "scope_unknown", "scope"),
        ({"scope": ["employer_declarations"]}, "scope_unknown", "scope"),
        ({"scope": "insurance_record<script>"}, "scope_unknown", "scope"),
        ({"valid_from": TODAY - dt.timedelta(days=1)}, "valid_from_past", "valid_from"),
        ({"valid_from": dt.date(9999, 12, 31)}, "valid_from_too_late", "valid_from"),
        ({"valid_to": TODAY - dt.timedelta(days=1)}, "valid_to_before_valid_from", "valid_to"),
        ({"valid_to": dt.date(2031, 11, 23)}, "mandate_too_long", "valid_to"),
        ({"representative_national_id": ""}, "representative_required", "representative_national_id"),
        ({"representative_national_id": "00000000000"}, "representative_unknown", "representative_national_id"),
        ({"representative_national_id": "9" * 5000}, "representative_unknown", "representative_national_id"),
        ({"representative_national_id": "' OR '1'='1"}, "representative_unknown", "representative_national_id"),
        ({"representative_country": "pl"}, "representative_unknown", "representative_national_id"),
    ],
)
def test_bad_grants_are_refused_with_a_specific_error_and_write_nothing(kwargs, code, field):
    with pytest.raises(PronoiaError) as exc:
        grant(PersonFactory(), PersonFactory(country="gr"), **kwargs)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not Mandate.objects.exists() and not AuditEvent.objects.exists()


def test_the_longest_mandate_is_accepted_to_the_day():
    assert grant(PersonFactory(), PersonFactory(), valid_to=dt.date(2031, 11, 22)).valid_to == dt.date(2031, 11, 22)


def test_a_mandate_to_oneself_is_refused():
    person = PersonFactory()
    with pytest.raises(PronoiaError) as exc:
        grant(person, person)
    assert exc.value.code == "mandate_to_self"


def test_a_second_current_mandate_to_the_same_person_is_refused_until_the_first_is_revoked():
    principal, representative = PersonFactory(), PersonFactory()
    first = grant(principal, representative)
    with pytest.raises(PronoiaError) as exc:
        grant(principal, representative, scope=["corrections"])
    assert exc.value.code == "mandate_exists"
    mandate_revoke(actor=person_actor(principal), mandate_id=first.pk)
    assert grant(principal, representative, scope=["corrections"]).pk != first.pk
    assert Mandate.objects.count() == 2


def test_an_expired_mandate_does_not_block_a_new_one():
    principal, representative = PersonFactory(), PersonFactory()
    Mandate.objects.create(principal_person=principal, representative=representative, scope=["pension"], valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2021, 1, 1))
    assert grant(principal, representative).pk


def test_a_representative_acting_for_someone_cannot_grant_for_themselves():
    principal, representative = PersonFactory(), PersonFactory()
    mandate = grant(principal, representative, scope=["mandates", "insurance_record"])
    with pytest.raises(PermissionDenied) as exc:
        grant(representative, PersonFactory(), actor=representative_actor(representative, mandate))
    assert exc.value.code == "acting_for_someone"


def test_revoke_by_the_principal_keeps_the_mandate_marked_revoked():
    principal, representative = PersonFactory(), PersonFactory()
    mandate = grant(principal, representative)
    actor = person_actor(principal)
    revoked = mandate_revoke(actor=actor, mandate_id=mandate.pk)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == actor.user_id
    again = mandate_revoke(actor=actor, mandate_id=mandate.pk)
    assert again.revoked_at == revoked.revoked_at
    assert AuditEvent.objects.filter(action="mandate_revoked").count() == 1
    assert Mandate.objects.filter(pk=mandate.pk).exists()


@pytest.mark.parametrize("who", ["representative", "stranger"])
def test_only_the_principal_revokes_others_get_not_found(who):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = grant(principal, representative)
    actor = person_actor(representative if who == "representative" else PersonFactory())
    with pytest.raises(NotFound):
        mandate_revoke(actor=actor, mandate_id=mandate.pk)
    with pytest.raises(NotFound):
        mandate_revoke(actor=actor, mandate_id=999_999)
    assert Mandate.objects.get().revoked_at is None


def _session():
    session = SessionStore()
    session.create()
    return session


def test_act_for_a_valid_mandate_and_stop():
    principal, representative = PersonFactory(), PersonFactory()
    mandate = grant(principal, representative)
    session = _session()
    actor = person_actor(representative)
    assert mandate_act_for_start(actor=actor, session=session, mandate_id=mandate.pk, today=TODAY) == mandate
    assert session[SESSION_ACTING_MANDATE_KEY] == mandate.pk
    event = AuditEvent.objects.get(action="mandate_act_for_started")
    assert event.person_id == principal.pk and event.data["representative_id"] == representative.pk
    mandate_act_for_stop(actor=representative_actor(representative, mandate), session=session)
    assert SESSION_ACTING_MANDATE_KEY not in session
    assert AuditEvent.objects.filter(action="mandate_act_for_stopped", person_id=principal.pk).exists()


@pytest.mark.parametrize(
    "state,code",
    [("revoked", "mandate_revoked"), ("expired", "mandate_expired"), ("future", "mandate_not_yet_valid")],
)
def test_act_for_refuses_revoked_expired_and_not_yet_valid_mandates(state, code):
    principal, representative = PersonFactory(), PersonFactory()
    fields = {"valid_from": dt.date(2026, 1, 1), "valid_to": None, "revoked_at": None}
    if state == "revoked":
        fields["revoked_at"] = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    elif state == "expired":
        fields["valid_to"] = dt.date(2026, 11, 22)
    else:
        fields["valid_from"] = dt.date(2026, 11, 24)
    mandate = Mandate.objects.create(principal_person=principal, representative=representative, scope=["insurance_record"], **fields)
    session = _session()
    with pytest.raises(PermissionDenied) as exc:
        mandate_act_for_start(actor=person_actor(representative), session=session, mandate_id=mandate.pk, today=TODAY)
    assert exc.value.code == code
    assert SESSION_ACTING_MANDATE_KEY not in session


def test_act_for_someone_elses_mandate_is_not_found():
    principal, representative, stranger = PersonFactory(), PersonFactory(), PersonFactory()
    mandate = grant(principal, representative)
    session = _session()
    for actor in (person_actor(stranger), person_actor(principal)):
        with pytest.raises(NotFound):
            mandate_act_for_start(actor=actor, session=session, mandate_id=mandate.pk, today=TODAY)
    assert SESSION_ACTING_MANDATE_KEY not in session


def test_scope_is_enforced_record_allowed_corrections_refused():
    period = InsurancePeriodFactory()
    principal, representative = period.person, PersonFactory()
    mandate = grant(principal, representative, scope=["insurance_record"])
    actor = representative_actor(representative, mandate)
    assert insurance_record_get(actor=actor, person=principal)["person"]["id"] == principal.pk
    with pytest.raises(PermissionDenied) as exc:
        correction_requests_for_person(actor=actor, person=principal)
    assert exc.value.code == "mandate_scope"
    with pytest.raises(PermissionDenied):
        correction_request_submit(actor=actor, person=principal, period=period, message="Wrong")
    assert not CorrectionRequest.objects.exists()
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.mandate_id, entry.actor_role, entry.categories) == (principal.pk, mandate.pk, Role.REPRESENTATIVE, "insurance_record")


def test_a_correction_under_a_mandate_records_the_mandate():
    period = InsurancePeriodFactory()
    representative = PersonFactory()
    mandate = grant(period.person, representative, scope=["insurance_record", "corrections"])
    actor = representative_actor(representative, mandate)
    correction = correction_request_submit(actor=actor, person=period.person, period=period, message="Employer is wrong")
    assert correction.created_by_id == actor.user_id
    event = AuditEvent.objects.get(action="correction_request_submitted")
    assert event.data["mandate_id"] == mandate.pk and event.data["actor_role"] == "representative"
    entry = DataAccessEntry.objects.get()
    assert (entry.mandate_id, entry.categories) == (mandate.pk, "corrections")


def test_a_representative_cannot_see_a_third_person():
    principal, representative = PersonFactory(), PersonFactory()
    third = InsurancePeriodFactory().person
    mandate = grant(principal, representative, scope=["insurance_record", "corrections"])
    with pytest.raises(PermissionDenied) as exc:
        insurance_record_get(actor=representative_actor(representative, mandate), person=third)
    assert exc.value.code == "personal_data_denied"
    assert not DataAccessEntry.objects.exists()


def test_an_employer_administrator_grants_for_the_employer_only_employer_categories(django_user_model):
    employer = EmployerFactory()
    admin_person, representative = PersonFactory(), PersonFactory()
    RoleAssignment.objects.create(person=admin_person, role=Role.EMPLOYER_ADMIN, employer=employer)
    actor = person_actor(admin_person)
    actor = type(actor)(**{**actor.__dict__, "roles": actor.roles | {Role.EMPLOYER_ADMIN}, "employer_roles": {employer.pk: frozenset({Role.EMPLOYER_ADMIN})}})
    with pytest.raises(PronoiaError) as exc:
        grant(admin_person, representative, actor=actor, employer_id=employer.pk, scope=["insurance_record"])
    assert exc.value.code == "scope_unknown"
    mandate = grant(admin_person, representative, actor=actor, employer_id=employer.pk, scope=["employer_declarations"])
    assert (mandate.principal_employer, mandate.principal_person) == (employer, None)
    # The administrator's own person may even be the representative of their employer.
    assert grant(admin_person, admin_person, actor=actor, employer_id=employer.pk, scope=["employer_declarations"]).representative == admin_person
    other = EmployerFactory()
    with pytest.raises(PermissionDenied):
        grant(admin_person, representative, actor=actor, employer_id=other.pk, scope=["employer_declarations"])
    revoked = mandate_revoke(actor=actor, mandate_id=mandate.pk, employer_id=employer.pk)
    assert revoked.revoked_at is not None
    with pytest.raises(NotFound):
        mandate_revoke(actor=actor, mandate_id=mandate.pk, employer_id=other.pk)
    # The administrator cannot revoke it as a person (it is the employer's, not theirs).
    with pytest.raises(NotFound):
        mandate_revoke(actor=person_actor(representative), mandate_id=mandate.pk)
