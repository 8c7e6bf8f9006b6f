"""The person-data access rule (accounts.access): every role, purposes, mandates, serving, logging."""

import pytest

from pronoia.accounts.access import employer_access_check, person_data_access_check, person_data_access_permits
from pronoia.accounts.actors import ActingFor, Actor, Serving, command_actor
from pronoia.accounts.roles import Role
from pronoia.audit.models import DataAccessEntry
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.insurance.tests.actors import staff_actor

pytestmark = pytest.mark.django_db

PERSON = 4242
CATEGORIES = ["insurance_record"]


def citizen(person_id=PERSON, acting_for=None):
    roles = {Role.CITIZEN} | ({Role.REPRESENTATIVE} if acting_for else set())
    return Actor(user_id=1, username="eid-1", roles=frozenset(roles), person_id=person_id, acting_for=acting_for, request_id="req-access-1")


def acting(principal=PERSON, scope=("insurance_record",), employer=None):
    return ActingFor(mandate_id=77, principal_person_id=None if employer else principal, principal_employer_id=employer, scope=frozenset(scope), principal_name="P")


def test_the_person_themselves_is_allowed_and_not_logged():
    person_data_access_check(citizen(), person_id=PERSON, categories=["insurance_record", "corrections", "pension"])
    assert not DataAccessEntry.objects.exists()


def test_a_citizen_cannot_see_another_person():
    with pytest.raises(PermissionDenied) as exc:
        person_data_access_check(citizen(person_id=1), person_id=PERSON, categories=CATEGORIES)
    assert exc.value.code == "personal_data_denied"


def test_anonymous_is_401():
    with pytest.raises(PronoiaError) as exc:
        person_data_access_check(Actor(), person_id=PERSON, categories=CATEGORIES, purpose="x")
    assert exc.value.status_code == 401


def test_a_representative_sees_the_covered_categories_logged_with_the_mandate():
    actor = citizen(person_id=5, acting_for=acting())
    person_data_access_check(actor, person_id=PERSON, categories=CATEGORIES)
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.mandate_id, entry.actor_role, entry.request_id) == (PERSON, 77, "representative", "req-access-1")
    assert entry.purpose == "Acting under a mandate"
    with pytest.raises(PermissionDenied) as exc:
        person_data_access_check(actor, person_id=PERSON, categories=["insurance_record", "corrections"])
    assert exc.value.code == "mandate_scope" and "Correction requests" in exc.value.message
    with pytest.raises(PermissionDenied):
        person_data_access_check(actor, person_id=999, categories=CATEGORIES)
    assert DataAccessEntry.objects.count() == 1


def test_a_representative_still_sees_their_own_data_unlogged():
    actor = citizen(person_id=5, acting_for=acting())
    person_data_access_check(actor, person_id=5, categories=["mandates"])
    assert not DataAccessEntry.objects.exists()


def test_an_employer_mandate_covers_no_person():
    actor = citizen(person_id=5, acting_for=acting(employer=3, scope=("employer_declarations",)))
    with pytest.raises(PermissionDenied):
        person_data_access_check(actor, person_id=PERSON, categories=CATEGORIES)


@pytest.mark.parametrize("role", [Role.CASE_HANDLER, Role.BRANCH_STAFF, Role.ADMINISTRATOR])
def test_casework_roles_need_a_purpose_and_are_logged(role):
    actor = staff_actor(role)
    with pytest.raises(PermissionDenied) as exc:
        person_data_access_check(actor, person_id=PERSON, categories=CATEGORIES, purpose="   ")
    assert exc.value.code == "purpose_required"
    person_data_access_check(actor, person_id=PERSON, categories=["insurance_record", "corrections"], purpose=" Application 17 ")
    entry = DataAccessEntry.objects.get()
    assert (entry.actor_role, entry.purpose, entry.categories, entry.unit, entry.mandate_id) == (role, "Application 17", "corrections,insurance_record", "Branch 1", None)


def test_staff_without_the_second_factor_are_refused():
    with pytest.raises(PermissionDenied) as exc:
        person_data_access_check(staff_actor(Role.CASE_HANDLER, verified=False), person_id=PERSON, categories=CATEGORIES, purpose="x")
    assert exc.value.code == "second_factor_required"


@pytest.mark.parametrize("role", [Role.OPERATOR_L1, Role.SUPERVISOR, Role.CONTENT_MANAGER, Role.AUDITOR, Role.EMPLOYER_ADMIN, Role.EMPLOYER_USER])
def test_other_roles_never_see_personal_data(role):
    serving = Serving(person_id=PERSON, reason="forged")
    actor = Actor(user_id=3, username="x", roles=frozenset({role}), otp_verified=True, serving=serving, employer_roles={1: frozenset({role})} if role.startswith("employer") else {})
    assert not person_data_access_permits(actor, person_id=PERSON, categories=CATEGORIES, purpose="x")
    with pytest.raises(PermissionDenied):
        person_data_access_check(actor, person_id=PERSON, categories=CATEGORIES, purpose="x")
    assert not DataAccessEntry.objects.exists()


def test_second_line_operator_sees_only_the_served_person_with_the_reason():
    with pytest.raises(PermissionDenied) as exc:
        person_data_access_check(staff_actor(Role.OPERATOR_L2), person_id=PERSON, categories=CATEGORIES, purpose="x")
    assert exc.value.code == "not_serving"
    actor = staff_actor(Role.OPERATOR_L2, serving_person_id=PERSON, reason="Missing 2019")
    with pytest.raises(PermissionDenied) as exc:
        person_data_access_check(actor, person_id=PERSON + 1, categories=CATEGORIES)
    assert exc.value.code == "not_serving"
    person_data_access_check(actor, person_id=PERSON, categories=CATEGORIES, purpose="ignored")
    entry = DataAccessEntry.objects.get()
    assert (entry.actor_role, entry.purpose) == ("operator_l2", "Missing 2019")


def test_commands_need_a_purpose():
    with pytest.raises(PermissionDenied):
        person_data_access_check(command_actor("test"), person_id=PERSON, categories=CATEGORIES)
    person_data_access_check(command_actor("test"), person_id=PERSON, categories=CATEGORIES, purpose="Yearly statement")
    assert DataAccessEntry.objects.get().actor_label == "command:test"


@pytest.mark.parametrize("categories", [[], ["insurance_record", "nonsense"], ["employer_declarations"]])
def test_unknown_or_employer_categories_are_a_programming_error(categories):
    with pytest.raises(ValueError):
        person_data_access_check(citizen(), person_id=PERSON, categories=categories)


def test_an_overlong_purpose_is_cut_to_the_log_column():
    person_data_access_check(staff_actor(Role.CASE_HANDLER), person_id=PERSON, categories=CATEGORIES, purpose="p" * 2000)
    assert len(DataAccessEntry.objects.get().purpose) == 500


def test_permits_logs_nothing():
    assert person_data_access_permits(staff_actor(Role.CASE_HANDLER), person_id=PERSON, categories=CATEGORIES, purpose="x")
    assert not DataAccessEntry.objects.exists()


def employer_actor(employer_roles, acting_for=None):
    roles = {role for held in employer_roles.values() for role in held} | {Role.CITIZEN}
    return Actor(user_id=1, username="u", roles=frozenset(roles), person_id=9, employer_roles={k: frozenset(v) for k, v in employer_roles.items()}, acting_for=acting_for)


def test_employer_access():
    admin = employer_actor({1: {Role.EMPLOYER_ADMIN}})
    employer_access_check(admin, employer_id=1)
    employer_access_check(admin, employer_id=1, manage=True)
    with pytest.raises(PermissionDenied):
        employer_access_check(admin, employer_id=2)
    user = employer_actor({1: {Role.EMPLOYER_USER}})
    employer_access_check(user, employer_id=1)
    with pytest.raises(PermissionDenied) as exc:
        employer_access_check(user, employer_id=1, manage=True)
    assert exc.value.code == "employer_admin_required"
    representative = employer_actor({}, acting_for=acting(employer=1, scope=("employer_declarations",)))
    employer_access_check(representative, employer_id=1)
    with pytest.raises(PermissionDenied):
        employer_access_check(representative, employer_id=1, manage=True)
    with pytest.raises(PermissionDenied):
        employer_access_check(representative, employer_id=2)
    with pytest.raises(PronoiaError) as exc:
        employer_access_check(Actor(), employer_id=1)
    assert exc.value.status_code == 401
