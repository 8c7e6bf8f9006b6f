"""The issue's journey across apps: a case handler signs in with password and TOTP, opens a person's
file for a stated purpose, and the person finds that access in "Who accessed my data" (page and
API); a representative's reading under a mandate appears there too, with the mandate."""
import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY
from pronoia.accounts.models import Mandate
from pronoia.accounts.tests.factories import client_sign_in_citizen, staff_user
from pronoia.audit.models import DataAccessEntry
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long staff password 42"


def test_staff_access_with_totp_appears_in_the_persons_list_and_api():
    person = PersonFactory(surname="Δημητρίου", given_name="Ελένη")
    InsurancePeriodFactory(person=person)
    handler = staff_user("case_handler", username="handler", unit="Branch Athens A", password=PASSWORD)
    device = TOTPDevice.objects.get(user=handler)

    staff = Client()
    assert staff.post("/staff/login", {"username": "handler", "password": PASSWORD})["Location"].startswith("/staff/otp/verify")
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert staff.post("/staff/otp/verify", {"kind": "totp", "code": code}).status_code == 302
    lookup = staff.post(
        "/staff/persons",
        {"national_id": person.national_id, "country": person.country, "purpose": "enquiry", "purpose_details": "call 4711"},
    )
    assert lookup.status_code == 302
    record = staff.get(lookup["Location"])
    assert record.status_code == 200 and "Δημητρίου" in record.content.decode()

    citizen = Client()
    client_sign_in_citizen(citizen, person)
    page = citizen.get("/my/data-access").content.decode()
    assert "Case handler" in page and "Branch Athens A" in page and "call 4711" in page
    assert "handler" not in page.replace("Case handler", "")  # staff user names are not shown to citizens
    entries = citizen.get("/api/v1/me/data-access").json()["results"]
    assert [(e["actor_role"], e["unit"], e["mandate_id"]) for e in entries] == [("case_handler", "Branch Athens A", None)]
    assert "insurance_record" in {c["code"] for c in entries[0]["categories"]}

    # The person's own visits are not logged; nobody else's list shows this access.
    assert DataAccessEntry.objects.filter(person_id=person.pk).count() == 1
    other = Client()
    client_sign_in_citizen(other, PersonFactory())
    assert other.get("/api/v1/me/data-access").json()["results"] == []


def test_a_representatives_reading_is_listed_with_the_mandate():
    principal, representative = PersonFactory.create_batch(2)
    InsurancePeriodFactory(person=principal)
    mandate = Mandate.objects.create(
        principal_person=principal, representative=representative, scope=["insurance_record"], valid_from=timezone.localdate()
    )
    agent = Client()
    client_sign_in_citizen(agent, representative)
    assert agent.post(f"/my/mandates/{mandate.pk}/act-for").status_code == 302
    assert agent.session[SESSION_ACTING_MANDATE_KEY] == mandate.pk
    assert agent.get("/my/insurance-record").status_code == 200
    # The mandate does not cover correction requests.
    assert agent.get("/my/insurance-record/corrections/new").status_code == 403

    citizen = Client()
    client_sign_in_citizen(citizen, principal)
    entries = citizen.get("/api/v1/me/data-access").json()["results"]
    assert [(e["actor_role"], e["mandate_id"]) for e in entries] == [("representative", mandate.pk)]
