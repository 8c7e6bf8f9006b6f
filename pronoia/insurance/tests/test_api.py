import datetime as dt

import pytest

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY, SESSION_SERVING_KEY
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import DataAccessEntry
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/insurance-record"


def person_url(person, **query) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/persons/{person.national_id}/insurance-record" + (f"?{suffix}" if suffix else "")


def test_me_without_a_person_is_401_json(client):
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json() == {"code": "not_signed_in", "message": "Sign in to see your insurance record.", "field": None}


def test_me_returns_the_record_and_is_not_logged(client):
    period = InsurancePeriodFactory()
    client_sign_in_citizen(client, period.person)
    body = client.get(ME).json()
    assert body["person"]["national_id"] == period.person.national_id
    assert body["totals"] == {
        "days": 300, "insured_years": 1.0, "days_per_insured_year": 300, "earnings": "15000.00",
        "currency": "EUR", "periods_counted": 1, "periods_not_counted": 0,
    }  # fmt: skip
    assert body["by_year"] == [{"year": 2010, "days": 300, "earnings": "15000.00"}]
    assert body["by_fund"][0]["fund"] == "IKA-ETAM"
    assert body["periods"][0]["provenance"]["source"] == "IKA"
    assert body["flags"] == []
    assert not DataAccessEntry.objects.exists()


def test_me_for_staff_is_403(client):
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    response = client.get(ME)
    assert response.status_code == 403 and response.json()["code"] == "role_denied"


def test_me_under_a_mandate_is_the_principals_record_and_logged(client):
    period = InsurancePeriodFactory()
    representative = PersonFactory()
    mandate = Mandate.objects.create(
        principal_person=period.person, representative=representative, scope=["insurance_record"], valid_from=dt.date.today()
    )
    client_sign_in_citizen(client, representative)
    session = client.session
    session[SESSION_ACTING_MANDATE_KEY] = mandate.pk
    session.save()
    body = client.get(ME, headers={"X-Request-ID": "api-request-0001"}).json()
    assert body["person"]["id"] == period.person_id
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.mandate_id, entry.actor_role, entry.channel) == (period.person_id, mandate.pk, "representative", "api")
    assert entry.request_id == "api-request-0001"


def test_me_under_a_mandate_without_the_record_in_scope_is_403(client):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = Mandate.objects.create(principal_person=principal, representative=representative, scope=["corrections"], valid_from=dt.date.today())
    client_sign_in_citizen(client, representative)
    session = client.session
    session[SESSION_ACTING_MANDATE_KEY] = mandate.pk
    session.save()
    response = client.get(ME)
    assert response.status_code == 403 and response.json()["code"] == "mandate_scope"
    assert not DataAccessEntry.objects.exists()


def test_staff_endpoint_refuses_anonymous_citizens_and_other_roles(client):
    person = PersonFactory()
    assert client.get(person_url(person, purpose="x")).status_code == 401
    client_sign_in_citizen(client, PersonFactory())
    assert client.get(person_url(person, purpose="x")).json()["code"] == "role_denied"
    employer = InsurancePeriodFactory().employer
    for role in (Role.OPERATOR_L1, Role.SUPERVISOR, Role.AUDITOR, Role.CONTENT_MANAGER, Role.EMPLOYER_ADMIN, Role.EMPLOYER_USER):
        client.logout()
        client_sign_in_staff(client, staff_user(role, employer=employer))
        response = client.get(person_url(person, purpose="x"))
        assert response.status_code == 403, role
    assert not DataAccessEntry.objects.exists()


def test_staff_endpoint_requires_the_second_factor(client):
    person = PersonFactory()
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER), verified=False)
    response = client.get(person_url(person, purpose="x"))
    assert response.status_code == 403 and response.json()["code"] == "second_factor_required"


@pytest.mark.parametrize("purpose", ["", "%20%20"])
def test_staff_endpoint_requires_a_purpose(client, purpose):
    person = PersonFactory()
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    response = client.get(person_url(person, purpose=purpose) if purpose else person_url(person))
    assert response.status_code == 400
    assert response.json()["code"] == "purpose_required" and response.json()["field"] == "purpose"
    assert not DataAccessEntry.objects.exists()


def test_staff_endpoint_refuses_an_overlong_purpose(client):
    person = PersonFactory()
    client_sign_in_staff(client, staff_user(Role.BRANCH_STAFF))
    response = client.get(person_url(person, purpose="x" * 501))
    assert response.status_code == 400 and response.json()["field"] == "purpose"


@pytest.mark.parametrize("role", [Role.CASE_HANDLER, Role.BRANCH_STAFF, Role.ADMINISTRATOR])
def test_casework_staff_read_any_record_and_the_read_is_logged(client, role):
    period = InsurancePeriodFactory()
    user = staff_user(role, unit="Branch Athens")
    client_sign_in_staff(client, user)
    response = client.get(person_url(period.person, purpose="Pension application 123"))
    assert response.status_code == 200 and response.json()["totals"]["days"] == 300
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.actor_user_id, entry.actor_role) == (period.person_id, user.pk, role)
    assert (entry.purpose, entry.categories, entry.channel, entry.unit) == ("Pension application 123", "insurance_record", "api", "Branch Athens")


def test_staff_unknown_person_is_404(client):
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    response = client.get("/api/v1/persons/99999999999/insurance-record?purpose=x")
    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found" and response.json()["field"] == "national_id"
    assert client.get("/api/v1/persons/" + "9" * 200 + "/insurance-record?purpose=x").status_code == 404


def test_second_line_operator_reads_only_the_person_served(client):
    served, other = InsurancePeriodFactory().person, InsurancePeriodFactory().person
    user = staff_user(Role.OPERATOR_L2)
    client_sign_in_staff(client, user)
    assert client.get(person_url(served)).json()["code"] == "not_serving"
    session = client.session
    session[SESSION_SERVING_KEY] = {"person_id": served.pk, "reason": "Caller asks about missing 2010 days"}
    session.save()
    assert client.get(person_url(served)).status_code == 200
    response = client.get(person_url(other))
    assert response.status_code == 403 and response.json()["code"] == "not_serving"
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.actor_role, entry.purpose) == (served.pk, "operator_l2", "Caller asks about missing 2010 days")


def test_openapi_documents_the_record_schema(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me/insurance-record" in spec["paths"]
    assert "InsuranceRecordOut" in spec["components"]["schemas"]
