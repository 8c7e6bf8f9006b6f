"""Back-office pages: queues, the overdue view, the case view (logged) and its actions."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import DataAccessEntry
from pronoia.services.models import Application, ContactRecord
from pronoia.services.tests.application_factories import PENSION, application_make, insured_person

pytestmark = pytest.mark.django_db


def staff_client(*roles: str, unit: str = "international-relations"):
    user = staff_user(*roles, unit=unit)
    client = Client()
    client_sign_in_staff(client, user)
    return client, user


@pytest.fixture
def case(funds):
    return application_make(insured_person())


def test_the_queue_lists_protocols_of_the_handlers_unit_without_personal_data(case, funds):
    other_unit = application_make(insured_person(), service_code=PENSION)
    client, _user = staff_client(Role.CASE_HANDLER)
    page = client.get("/staff/cases/").content.decode()
    assert case.protocol in page and other_unit.protocol not in page  # default: the handler's unit
    assert case.person.surname not in page and case.person.national_id not in page
    page = client.get("/staff/cases/?unit=").content.decode()
    assert other_unit.protocol in page
    page = client.get(f"/staff/cases/?unit=&service={PENSION}").content.decode()
    assert other_unit.protocol in page and case.protocol not in page


def test_the_queue_query_count_does_not_grow_with_rows(case, funds, django_assert_max_num_queries):
    for _ in range(10):
        application_make(insured_person())
    client, _user = staff_client(Role.SUPERVISOR)
    with django_assert_max_num_queries(25):
        response = client.get("/staff/cases/")
    assert response.status_code == 200 and response.content.decode().count("/staff/cases/") > 10


@pytest.mark.parametrize("query", ["unit=mars", "service=<script>", "status=lost"])
def test_bad_filters_get_a_clear_message(case, query):
    client, _user = staff_client(Role.CASE_HANDLER)
    response = client.get(f"/staff/cases/?{query}")
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_the_overdue_view_shows_only_open_cases_past_their_deadline(case, funds):
    late = application_make(insured_person())
    Application.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    closed = application_make(insured_person())
    Application.objects.filter(pk=closed.pk).update(due_at=timezone.now() - dt.timedelta(days=1), status="issued")
    waiting = application_make(insured_person())  # waits for the person's answer
    Application.objects.filter(pk=waiting.pk).update(due_at=timezone.now() - dt.timedelta(days=1), status="information_requested")
    client, _user = staff_client(Role.SUPERVISOR)
    page = client.get("/staff/cases/overdue?unit=").content.decode()
    assert late.protocol in page and case.protocol not in page and closed.protocol not in page and waiting.protocol not in page


def test_opening_a_case_is_logged_with_the_case_as_purpose(case):
    client, user = staff_client(Role.CASE_HANDLER)
    page = client.get(f"/staff/cases/{case.pk}").content.decode()
    assert case.person.national_id in page and case.protocol in page
    entry = DataAccessEntry.objects.get(person_id=case.person_id, actor_user_id=user.pk)
    assert case.protocol in entry.purpose


def test_supervisors_assign_from_the_queue_but_do_not_open_cases(case):
    client, _supervisor = staff_client(Role.SUPERVISOR)
    assert client.get(f"/staff/cases/{case.pk}").status_code == 403
    handler_user = staff_user(Role.CASE_HANDLER, unit="international-relations")
    response = client.post(f"/staff/cases/{case.pk}/assign", {"assignee": handler_user.pk})
    assert response.status_code == 302 and Application.objects.get(pk=case.pk).assigned_to_id == handler_user.pk
    response = client.post(f"/staff/cases/{case.pk}/assign", {"assignee": "1; DROP TABLE"})
    assert response.status_code == 302 and Application.objects.get(pk=case.pk).assigned_to_id == handler_user.pk


def test_citizens_and_second_factorless_staff_are_kept_out(case):
    citizen = Client()
    client_sign_in_citizen(citizen, case.person)
    assert citizen.get("/staff/cases/").status_code == 403
    unverified = Client()
    client_sign_in_staff(unverified, staff_user(Role.CASE_HANDLER), verified=False)
    assert unverified.get(f"/staff/cases/{case.pk}")["Location"].startswith("/staff/otp/verify")


def test_a_handler_takes_asks_and_decides_through_the_pages(case):
    client, user = staff_client(Role.CASE_HANDLER)
    response = client.post(f"/staff/cases/{case.pk}/decision", {"outcome": "approve", "reasons": "ok"})
    assert response.status_code == 409 and "not assigned to you" in response.content.decode()
    assert client.post(f"/staff/cases/{case.pk}/assign").status_code == 302
    response = client.post(f"/staff/cases/{case.pk}/information-request", {"question": ""})
    assert response.status_code == 400 and 'id="information-question-error"' in response.content.decode()
    assert client.post(f"/staff/cases/{case.pk}/information-request", {"question": "Which state?"}).status_code == 302
    assert Application.objects.get(pk=case.pk).status == "information_requested"
    response = client.post(f"/staff/cases/{case.pk}/decision", {"outcome": "approve", "reasons": "Fine."})
    assert response.status_code == 400  # waiting for the person's answer
    Application.objects.filter(pk=case.pk).update(status="information_provided")
    response = client.post(f"/staff/cases/{case.pk}/decision", {"outcome": "reject", "reasons": "The posting is longer than 24 months."})
    assert response.status_code == 302
    assert Application.objects.get(pk=case.pk).status == "rejected"
    page = client.get(f"/staff/cases/{case.pk}").content.decode()
    assert "Rejected" in page and "Decision" in page


def test_contacts_are_recorded_with_field_errors(case):
    client, _user = staff_client(Role.CASE_HANDLER)
    client.post(f"/staff/cases/{case.pk}/assign")
    form = {"counterpart_kind": "foreign_institution", "counterpart_name": "SSA", "counterpart_country": "US", "channel": "post", "contacted_on": "yesterday", "summary": "Sent the request."}
    response = client.post(f"/staff/cases/{case.pk}/contacts", form)
    assert response.status_code == 400 and 'id="contact-contacted_on-error"' in response.content.decode()
    assert "Sent the request." in response.content.decode()  # kept
    form["contacted_on"] = timezone.localdate().isoformat()
    assert client.post(f"/staff/cases/{case.pk}/contacts", form).status_code == 302
    assert ContactRecord.objects.get().counterpart_name == "SSA"
    assert Application.objects.get(pk=case.pk).status == "in_review"


def test_second_approval_through_the_pages(funds):
    case = application_make(insured_person(), service_code=PENSION)
    first, first_user = staff_client(Role.CASE_HANDLER, unit="benefits")
    second, _ = staff_client(Role.CASE_HANDLER, unit="benefits")
    first.post(f"/staff/cases/{case.pk}/assign")
    assert first.post(f"/staff/cases/{case.pk}/decision", {"outcome": "approve", "reasons": "Conditions met."}).status_code == 302
    response = first.post(f"/staff/cases/{case.pk}/second-approval", {"choice": "confirm"})
    assert response.status_code == 409 and "another handler" in response.content.decode()
    response = second.post(f"/staff/cases/{case.pk}/second-approval", {"choice": ""})
    assert response.status_code == 400
    assert second.post(f"/staff/cases/{case.pk}/second-approval", {"choice": "confirm"}).status_code == 302
    assert Application.objects.get(pk=case.pk).status == "issued"


def test_failing_a_case_through_the_page(case):
    client, _user = staff_client(Role.CASE_HANDLER)
    client.post(f"/staff/cases/{case.pk}/assign")
    assert client.post(f"/staff/cases/{case.pk}/fail", {"reason": ""}).status_code == 400
    assert client.post(f"/staff/cases/{case.pk}/fail", {"reason": "No agreement covers this country."}).status_code == 302
    citizen = Client()
    client_sign_in_citizen(citizen, case.person)
    page = citizen.get(f"/my/applications/{case.pk}").content.decode()
    assert "No agreement covers this country." in page and 'id="other-channels"' in page
