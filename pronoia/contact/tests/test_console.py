import pytest
from django.test import Client

from pronoia.accounts.actors import SESSION_SERVING_KEY
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

CONSOLE = "/contact/"
SERVE = "/contact/serve"
RECORD = "/contact/serving/insurance-record"
END = "/contact/serve/end"


def operator_client(client, role=Role.OPERATOR_L2, *, verified=True):
    user = staff_user(role, unit="Call centre Thessaloniki")
    client_sign_in_staff(client, user, verified=verified)
    client.user = user
    return client


def serve(client, person, reason="Caller asks why 2010 is missing"):
    return client.post(SERVE, {"national_id": person.national_id, "country": person.country, "reason": reason})


@pytest.mark.parametrize("role", [Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR])
def test_console_home_is_for_operators_and_shows_no_person(client, role):
    InsurancePeriodFactory(person__surname="Κωνσταντίνου")
    operator_client(client, role)
    response = client.get(CONSOLE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Answers for callers" in html and "Κωνσταντίνου" not in html
    assert ("Serve a caller" in html) == (role == Role.OPERATOR_L2)
    assert 'href="/contact/knowledge/propose"' in html  # operators propose items from the console


@pytest.mark.parametrize("role", [Role.CASE_HANDLER, Role.AUDITOR, Role.CONTENT_MANAGER])
def test_console_is_403_for_other_staff(client, role):
    operator_client(client, role)
    assert client.get(CONSOLE).status_code == 403


def test_console_sends_anonymous_to_staff_login_and_citizens_get_403(client):
    response = client.get(CONSOLE)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login")
    client_sign_in_citizen(client, PersonFactory())
    assert client.get(CONSOLE).status_code == 403


def test_console_requires_the_second_factor(client):
    operator_client(client, Role.OPERATOR_L1, verified=False)
    response = client.get(CONSOLE)
    assert response.status_code == 302 and "otp" in response["Location"]


def test_first_line_can_never_open_personal_data(client):
    person = InsurancePeriodFactory().person
    operator_client(client, Role.OPERATOR_L1)
    assert client.get(SERVE).status_code == 403
    assert serve(client, person).status_code == 403
    # Even with a serving entry forged into the session, neither the page nor the API opens.
    session = client.session
    session[SESSION_SERVING_KEY] = {"person_id": person.pk, "reason": "forged"}
    session.save()
    assert client.get(RECORD).status_code == 403
    assert client.get(f"/api/v1/persons/{person.national_id}/insurance-record").status_code == 403
    assert client.get(f"/api/v1/persons/{person.national_id}/insurance-record?purpose=x").status_code == 403
    assert not DataAccessEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="contact_serving_started").exists()


def test_second_line_serves_a_caller_and_sees_only_their_record(client):
    period = InsurancePeriodFactory(person__surname="Αλεξίου")
    other = InsurancePeriodFactory(person__surname="Βασιλείου").person
    operator_client(client)
    assert client.get(RECORD)["Location"] == SERVE  # nobody served yet
    response = serve(client, period.person)
    assert response.status_code == 302 and response["Location"] == RECORD
    event = AuditEvent.objects.get(action="contact_serving_started")
    assert event.person_id == period.person_id and event.reason == "Caller asks why 2010 is missing" and event.actor == client.user

    html = client.get(RECORD).content.decode()
    assert "Αλεξίου" in html and "You are serving" in html and "Caller asks why 2010 is missing" in html
    assert "/my/insurance-record/corrections/new" not in html
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.actor_role, entry.purpose, entry.unit) == (
        period.person_id, "operator_l2", "Caller asks why 2010 is missing", "Call centre Thessaloniki",
    )  # fmt: skip
    assert client.get(f"/api/v1/persons/{other.national_id}/insurance-record").status_code == 403
    assert client.get(f"/api/v1/persons/{period.person.national_id}/insurance-record").status_code == 200
    assert DataAccessEntry.objects.filter(person_id=other.pk).count() == 0


def test_serving_another_caller_replaces_the_first(client):
    first, second = InsurancePeriodFactory().person, InsurancePeriodFactory().person
    operator_client(client)
    serve(client, first)
    serve(client, second, reason="Second caller")
    assert client.session[SESSION_SERVING_KEY] == {"person_id": second.pk, "reason": "Second caller"}
    assert client.get(f"/api/v1/persons/{first.national_id}/insurance-record").status_code == 403


def test_ending_serving_stops_access(client):
    person = InsurancePeriodFactory().person
    operator_client(client)
    serve(client, person)
    assert client.get(RECORD).status_code == 200
    response = client.post(END)
    assert response.status_code == 302 and response["Location"] == CONSOLE
    assert SESSION_SERVING_KEY not in client.session
    assert client.get(RECORD)["Location"] == SERVE
    assert client.get(f"/api/v1/persons/{person.national_id}/insurance-record").status_code == 403
    assert AuditEvent.objects.filter(action="contact_serving_ended", person_id=person.pk).exists()
    assert client.post(END).status_code == 302  # ending twice is harmless
    assert client.get(END).status_code == 405


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"reason": ""}, "reason", "State why you need the caller"),
        ({"reason": "   "}, "reason", "State why you need the caller"),
        ({"reason": "x" * 501}, "reason", "at most 500 characters"),
        ({"national_id": ""}, "national_id", "Enter the caller"),
        ({"national_id": "1" * 17}, "national_id", "at most 16 characters"),
        ({"national_id": "00000000000"}, "national_id", "No person with this national identifier"),
        ({"national_id": "<script>alert(1)</script>"}, "national_id", "at most 16 characters"),
        ({"national_id": "' OR 1=1 --"}, "national_id", "No person with this national identifier"),
        ({"country": "xx"}, "country", "Choose a country from the list"),
    ],
)
def test_serve_form_rejects_bad_input_with_a_specific_error(client, data, field, message):
    person = PersonFactory()
    operator_client(client)
    response = client.post(SERVE, {"national_id": person.national_id, "country": person.country, "reason": "ok", **data})
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and f'href="#{field}"' in html and message in html
    assert "<script>alert(1)</script>" not in html
    assert SESSION_SERVING_KEY not in client.session
    assert not AuditEvent.objects.exists()


def test_serve_form_needs_the_csrf_token():
    person = PersonFactory()
    client = Client(enforce_csrf_checks=True)
    operator_client(client)
    assert serve(client, person).status_code == 403
    assert SESSION_SERVING_KEY not in client.session
