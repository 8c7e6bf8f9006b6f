import pytest
from django.contrib.auth import get_user_model

from pronoia.audit.models import AuditEvent
from pronoia.core.signed_in import SESSION_PERSON_KEY
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_me_without_a_person_is_401_json(client):
    response = client.get("/api/v1/me/insurance-record")
    assert response.status_code == 401
    assert response.json() == {"code": "not_signed_in", "message": "Sign in to see your insurance record.", "field": None}


def test_me_returns_the_record(client):
    period = InsurancePeriodFactory()
    session = client.session
    session[SESSION_PERSON_KEY] = period.person_id
    session.save()
    body = client.get("/api/v1/me/insurance-record").json()
    assert body["person"]["national_id"] == period.person.national_id
    assert body["totals"] == {
        "days": 300, "insured_years": 1.0, "days_per_insured_year": 300, "earnings": "15000.00",
        "currency": "EUR", "periods_counted": 1, "periods_not_counted": 0,
    }  # fmt: skip
    assert body["by_year"] == [{"year": 2010, "days": 300, "earnings": "15000.00"}]
    assert body["by_fund"][0]["fund"] == "IKA-ETAM"
    assert body["periods"][0]["provenance"]["source"] == "IKA"
    assert body["flags"] == []


def test_staff_endpoint_requires_staff(client):
    person = PersonFactory()
    response = client.get(f"/api/v1/persons/{person.national_id}/insurance-record")
    assert response.status_code == 403 and response.json()["code"] == "staff_only"
    get_user_model().objects.create_user("citizen", password="x" * 12)
    client.login(username="citizen", password="x" * 12)
    assert client.get(f"/api/v1/persons/{person.national_id}/insurance-record").status_code == 403


def test_staff_reads_any_record_and_the_read_is_audited(client):
    period = InsurancePeriodFactory()
    staff = get_user_model().objects.create_user("clerk", password="x" * 12, is_staff=True)
    client.force_login(staff)
    response = client.get(f"/api/v1/persons/{period.person.national_id}/insurance-record")
    assert response.status_code == 200
    assert response.json()["totals"]["days"] == 300
    event = AuditEvent.objects.get(action="insurance_record_viewed")
    assert event.actor == staff and event.person_id == period.person_id


def test_staff_unknown_person_is_404(client):
    staff = get_user_model().objects.create_user("clerk", password="x" * 12, is_staff=True)
    client.force_login(staff)
    response = client.get("/api/v1/persons/99999999999/insurance-record")
    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found" and response.json()["field"] == "national_id"


def test_openapi_documents_the_record_schema(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/me/insurance-record" in spec["paths"]
    assert "InsuranceRecordOut" in spec["components"]["schemas"]
