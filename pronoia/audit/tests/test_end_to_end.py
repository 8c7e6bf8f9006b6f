"""A staff member opens a person's file; the person sees it under "Who accessed my data"; the chain holds."""
import pytest
from django.test import Client

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.access_log import data_access_chain_verify
from pronoia.audit.models import DataAccessEntry
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_case_handlers_visit_appears_in_the_persons_list(settings):
    settings.PRONOIA_INSTITUTION = "Hellenic e-EFKA"
    person = PersonFactory()
    handler = staff_user(Role.CASE_HANDLER, username="k.handler", unit="Branch Larissa")
    staff = Client()
    client_sign_in_staff(staff, handler)
    lookup = staff.post("/staff/persons", {
        "national_id": person.national_id, "country": person.country, "purpose": "other", "purpose_details": "Appeal 2026/991",
    }, HTTP_X_REQUEST_ID="visit-0001-abcdef")
    assert lookup.status_code == 302, lookup.content.decode()[:2000]
    opened = staff.get(lookup["Location"], HTTP_X_REQUEST_ID="visit-0002-abcdef")
    assert opened.status_code == 200

    entry = DataAccessEntry.objects.get(person_id=person.pk)
    assert (entry.actor_label, entry.actor_role, entry.unit, entry.channel) == ("k.handler", Role.CASE_HANDLER, "Branch Larissa", "web")
    assert entry.purpose == "Appeal 2026/991" and entry.request_id == "visit-0002-abcdef"

    citizen = Client()
    client_sign_in_citizen(citizen, person)
    html = citizen.get("/my/data-access").content.decode()
    assert "Appeal 2026/991" in html and "Case handler" in html and "Branch Larissa" in html and "Hellenic e-EFKA" in html
    assert "visit-0002-abcdef" in html and "k.handler" not in html
    api = citizen.get("/api/v1/me/data-access").json()
    assert api["count"] == 1 and api["results"][0]["purpose"] == "Appeal 2026/991"
    # The person reading their own log and their own file adds nothing to it.
    citizen.get("/my/insurance-record")
    assert DataAccessEntry.objects.filter(person_id=person.pk).count() == 1
    assert data_access_chain_verify().ok
