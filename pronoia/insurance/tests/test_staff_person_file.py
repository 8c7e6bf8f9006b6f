"""The staff person file: lookup with a stated purpose, then the record, each view logged."""
import pytest
from django.test import Client

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import DataAccessEntry
from pronoia.insurance.models import CorrectionRequest
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.insurance.views import SESSION_STAFF_PURPOSES_KEY, STAFF_PURPOSES_KEPT
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

LOOKUP = "/staff/persons"


def record_url(person) -> str:
    return f"/staff/persons/{person.pk}/insurance-record"


def staff_client(client, role=Role.CASE_HANDLER, **kwargs):
    user = staff_user(role, unit="Branch Larissa")
    client_sign_in_staff(client, user, **kwargs)
    client.user = user
    return client


def lookup(client, person, purpose="application", details=""):
    return client.post(LOOKUP, {"national_id": person.national_id, "country": person.country, "purpose": purpose, "purpose_details": details})


def test_url_names():
    from django.urls import reverse

    assert reverse("insurance:staff_person_lookup") == LOOKUP
    assert reverse("insurance:staff_person_record", args=[5]) == "/staff/persons/5/insurance-record"


@pytest.mark.parametrize("role", [Role.CASE_HANDLER, Role.BRANCH_STAFF, Role.ADMINISTRATOR])
def test_lookup_then_record_with_the_purpose_banner_and_a_log_entry_per_view(client, role):
    period = InsurancePeriodFactory(person__given_name="Γιώργος", person__surname="Μαρκου")
    CorrectionRequest.objects.create(person=period.person, message="please fix")
    staff_client(client, role)
    form = client.get(LOOKUP).content.decode()
    assert 'for="national_id"' in form and 'value="gr" selected' in form and 'name="purpose"' in form
    response = lookup(client, period.person, details="Application 2026/118")
    assert response.status_code == 302 and response["Location"] == record_url(period.person)
    html = client.get(record_url(period.person)).content.decode()
    purpose = "Handling the person&#x27;s application for a benefit: Application 2026/118"
    assert f"You are viewing Γιώργος Μαρκου&#x27;s file for: {purpose}" in html
    assert "Insurance record of Γιώργος Μαρκου" in html and "Your insurance record" not in html
    assert "/my/insurance-record" not in html.split("<main")[1].split("</main>")[0]  # no citizen links in the page body
    client.get(record_url(period.person))
    entries = list(DataAccessEntry.objects.order_by("id"))
    assert len(entries) == 2
    entry = entries[0]
    assert (entry.person_id, entry.actor_user_id, entry.actor_role, entry.unit) == (period.person_id, client.user.pk, role, "Branch Larissa")
    assert entry.purpose == "Handling the person's application for a benefit: Application 2026/118"
    assert entry.categories == "corrections,insurance_record"


def test_other_purpose_needs_a_description(client):
    person = PersonFactory()
    staff_client(client)
    response = lookup(client, person, purpose="other")
    assert response.status_code == 400 and 'href="#purpose_details"' in response.content.decode()
    assert lookup(client, person, purpose="other", details="Audit of fund GR-17").status_code == 302
    client.get(record_url(person))
    assert DataAccessEntry.objects.get().purpose == "Audit of fund GR-17"


def test_without_a_stated_purpose_the_record_redirects_to_the_lookup(client):
    person = InsurancePeriodFactory().person
    staff_client(client)
    response = client.get(record_url(person))
    assert response.status_code == 302 and response["Location"] == LOOKUP
    # A purpose stated for one person does not open another's file.
    lookup(client, PersonFactory())
    assert client.get(record_url(person))["Location"] == LOOKUP
    assert not DataAccessEntry.objects.exists()


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"purpose": ""}, "purpose", "Choose the purpose of this access"),
        ({"purpose": "curiosity"}, "purpose", "Choose a purpose from the list"),
        ({"purpose_details": "d" * 501}, "purpose_details", "at most 500 characters"),
        ({"purpose_details": "d" * 490}, "purpose_details", "500 characters or fewer"),
        ({"national_id": ""}, "national_id", "Enter the person&#x27;s national identifier"),
        ({"national_id": "1" * 17}, "national_id", "at most 16 characters"),
        ({"national_id": "00000000000"}, "national_id", "No person with this national identifier"),
        ({"national_id": "<b>x</b>"}, "national_id", "No person with this national identifier"),
        ({"country": "de"}, "country", "Choose a country from the list"),
    ],
)
def test_bad_lookup_input_gets_a_specific_error(client, data, field, message):
    person = PersonFactory()
    staff_client(client)
    response = client.post(LOOKUP, {"national_id": person.national_id, "country": "gr", "purpose": "application", **data})
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and f'href="#{field}"' in html and message in html
    assert "<b>x</b>" not in html
    assert SESSION_STAFF_PURPOSES_KEY not in client.session


def test_hostile_purpose_text_is_escaped_on_the_banner_and_stored_verbatim(client):
    person = InsurancePeriodFactory().person
    staff_client(client)
    lookup(client, person, purpose="other", details="<script>alert('x')</script>")
    html = client.get(record_url(person)).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert DataAccessEntry.objects.get().purpose == "<script>alert('x')</script>"


def test_the_session_keeps_the_latest_purposes_only(client):
    staff_client(client)
    persons = [PersonFactory() for _ in range(STAFF_PURPOSES_KEPT + 2)]
    for person in persons:
        lookup(client, person)
    kept = client.session[SESSION_STAFF_PURPOSES_KEY]
    assert len(kept) == STAFF_PURPOSES_KEPT and str(persons[0].pk) not in kept and str(persons[-1].pk) in kept


@pytest.mark.parametrize("role", [Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR, Role.AUDITOR, Role.CONTENT_MANAGER])
def test_other_staff_roles_are_refused(client, role):
    person = InsurancePeriodFactory().person
    staff_client(client, role)
    assert client.get(LOOKUP).status_code == 403
    assert lookup(client, person).status_code == 403
    session = client.session
    session[SESSION_STAFF_PURPOSES_KEY] = {str(person.pk): "forged"}
    session.save()
    assert client.get(record_url(person)).status_code == 403
    assert not DataAccessEntry.objects.exists()


def test_citizens_and_anonymous_are_refused(client):
    person = PersonFactory()
    response = client.get(LOOKUP)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login")
    client_sign_in_citizen(client, person)
    assert client.get(LOOKUP).status_code == 403
    assert client.get(record_url(person)).status_code == 403


def test_the_second_factor_is_required(client):
    staff_client(client, verified=False)
    response = client.get(LOOKUP)
    assert response.status_code == 302 and "otp" in response["Location"]


def test_unknown_person_id_is_404(client):
    staff_client(client)
    session = client.session
    session[SESSION_STAFF_PURPOSES_KEY] = {"999999": "x"}
    session.save()
    assert client.get("/staff/persons/999999/insurance-record").status_code == 404


def test_lookup_needs_the_csrf_token():
    person = PersonFactory()
    client = Client(enforce_csrf_checks=True)
    staff_client(client)
    assert lookup(client, person).status_code == 403
