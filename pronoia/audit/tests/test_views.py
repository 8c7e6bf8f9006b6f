import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY, Actor
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import DataCategory, Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent
from pronoia.audit.tests.factories import data_access_entry
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
MY_PAGE = "/my/data-access"
STAFF_PAGE = "/staff/audit/data-access"


def case_handler_opens(person, *, purpose="Pension claim 2026/17", unit="Branch Patras 2"):
    actor = Actor(
        user_id=4242, username="h.secretname", roles=frozenset({Role.CASE_HANDLER}), otp_verified=True,
        unit=unit, request_id="req-abcdef123",
    )
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.INSURANCE_RECORD, DataCategory.IDENTITY], purpose=purpose)


def test_urls_keep_their_names():
    assert reverse("audit:my_data_access") == MY_PAGE
    assert reverse("audit:staff_data_access") == STAFF_PAGE


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(MY_PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))


def test_staff_without_a_person_cannot_open_the_citizen_page(client):
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    assert client.get(MY_PAGE).status_code == 403


def test_a_citizen_sees_who_accessed_their_data_without_staff_user_names(client, settings):
    settings.PRONOIA_INSTITUTION = "Hellenic e-EFKA"
    me, someone_else = PersonFactory(), PersonFactory()
    case_handler_opens(me)
    case_handler_opens(someone_else, purpose="Not about me")
    person_data_access_check(Actor(user_id=me.pk, person_id=me.pk, roles=frozenset({Role.CITIZEN})), person_id=me.pk, categories=["identity"])
    client_sign_in_citizen(client, me)
    response = client.get(MY_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pension claim 2026/17" in html and "Not about me" not in html
    assert "Case handler" in html and "Hellenic e-EFKA" in html and "Branch Patras 2" in html
    assert "Insurance record" in html and "Identity and contact details" in html
    assert "req-abcdef123" in html
    assert "h.secretname" not in html and "4242" not in html
    assert html.count('id="access-') == 1  # the person's own visit is not logged


def test_times_are_shown_in_local_time_and_marked_up_in_utc(client, settings):
    settings.PRONOIA_DISPLAY_TIME_ZONE = "Europe/Athens"
    me = PersonFactory()
    entry = data_access_entry(person_id=me.pk)
    client_sign_in_citizen(client, me)
    html = client.get(MY_PAGE).content.decode()
    local = timezone.localtime(entry.occurred_at, zoneinfo.ZoneInfo("Europe/Athens"))
    assert local.strftime("%Y-%m-%d %H:%M") in html
    assert entry.occurred_at.astimezone(datetime.UTC).strftime('datetime="%Y-%m-%dT%H:%M:%SZ"') in html
    assert "Europe/Athens" in html


def test_newest_first_and_paginated_with_constant_queries(client, django_assert_max_num_queries):
    me = PersonFactory()
    entries = [data_access_entry(person_id=me.pk, purpose=f"purpose {n:02d}") for n in range(30)]
    client_sign_in_citizen(client, me)
    first = client.get(MY_PAGE).content.decode()
    ids = [int(i) for i in re.findall(r'id="access-(\d+)"', first)]
    assert ids == [e.pk for e in reversed(entries)][:25]
    second = client.get(MY_PAGE + "?page=2").content.decode()
    assert [int(i) for i in re.findall(r'id="access-(\d+)"', second)] == [e.pk for e in reversed(entries)][25:]
    assert 'rel="prev"' in second and "Page 2 of 2" in second
    # Hostile or malformed page numbers show a page, never an error or another person's data.
    for page in ["abc", "-1", "0", "99999999999999999999", "1' OR '1'='1"]:
        response = client.get(MY_PAGE, {"page": page})
        assert response.status_code == 200
    client.get(MY_PAGE)  # warm the session
    with django_assert_max_num_queries(8) as few:
        client.get(MY_PAGE)
    for n in range(20):
        data_access_entry(person_id=me.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(MY_PAGE)


def test_a_representative_sees_their_own_log_not_the_principals(client):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = Mandate.objects.create(
        principal_person=principal, representative=representative, scope=[DataCategory.INSURANCE_RECORD],
        valid_from=timezone.localdate() - datetime.timedelta(days=1),
    )
    case_handler_opens(principal, purpose="principal's file")
    case_handler_opens(representative, purpose="representative's own file")
    client_sign_in_citizen(client, representative)
    session = client.session
    session[SESSION_ACTING_MANDATE_KEY] = mandate.pk
    session.save()
    html = client.get(MY_PAGE).content.decode()
    assert "representative&#x27;s own file" in html and "principal" not in html


def test_access_under_a_mandate_names_the_mandate(client):
    principal, representative = PersonFactory(), PersonFactory()
    data_access_entry(person_id=principal.pk, actor_role=Role.REPRESENTATIVE, mandate_id=77, unit="", purpose="Acting under a mandate")
    client_sign_in_citizen(client, principal)
    html = client.get(MY_PAGE).content.decode()
    assert "under mandate #77" in html and "Representative" in html


# --- the API -----------------------------------------------------------------------------------

API = "/api/v1/me/data-access"


def test_api_needs_a_signed_in_person(client):
    response = client.get(API)
    assert response.status_code == 401 and response.json()["code"] == "not_signed_in"
    client_sign_in_staff(client, staff_user(Role.AUDITOR))
    assert client.get(API).status_code == 403


def test_api_lists_the_same_entries_as_the_page(client):
    me = PersonFactory()
    case_handler_opens(me)
    entries = [data_access_entry(person_id=me.pk, mandate_id=5, actor_role=Role.REPRESENTATIVE) for _ in range(3)]
    data_access_entry(person_id=PersonFactory().pk)
    client_sign_in_citizen(client, me)
    body = client.get(API, {"page_size": "2"}).json()
    assert body["count"] == 4 and body["pages"] == 2 and body["page"] == 1 and body["page_size"] == 2
    assert [r["id"] for r in body["results"]] == [entries[2].pk, entries[1].pk]
    assert body["results"][0]["mandate_id"] == 5 and body["results"][0]["actor_role_label"] == "Representative"
    last = client.get(API, {"page_size": "2", "page": "2"}).json()["results"][-1]
    assert last["categories"] == [{"code": "identity", "label": "Identity and contact details"}, {"code": "insurance_record", "label": "Insurance record"}]
    assert last["purpose"] == "Pension claim 2026/17" and last["reference"] == "req-abcdef123"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", last["occurred_at"])
    assert "actor_label" not in last and "actor_user_id" not in last and "h.secretname" not in str(body)


@pytest.mark.parametrize(
    "query, status, code",
    [
        ({"page": "abc"}, 400, "invalid_page"),
        ({"page": "0"}, 400, "invalid_page"),
        ({"page": "-3"}, 400, "invalid_page"),
        ({"page": "9" * 40}, 400, "invalid_page"),
        ({"page": "٣"}, 400, "invalid_page"),  # Arabic-Indic digit
        ({"page": "5"}, 404, "invalid_page"),
        ({"page_size": "0"}, 400, "invalid_page_size"),
        ({"page_size": "101"}, 400, "invalid_page_size"),
        ({"page_size": "ten"}, 400, "invalid_page_size"),
    ],
)
def test_api_refuses_malformed_paging_with_a_coded_error(client, query, status, code):
    me = PersonFactory()
    data_access_entry(person_id=me.pk)
    client_sign_in_citizen(client, me)
    response = client.get(API, query)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["field"] in ("page", "page_size") and body["message"]


# --- the auditor's search ----------------------------------------------------------------------


def test_the_auditor_page_needs_the_auditor_role_and_a_second_factor(client):
    assert client.get(STAFF_PAGE).status_code == 302
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    assert client.get(STAFF_PAGE).status_code == 403
    client.logout()
    client_sign_in_staff(client, staff_user(Role.AUDITOR), verified=False)
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:otp_verify"))
    client.logout()
    me = PersonFactory()
    client_sign_in_citizen(client, me)
    assert client.get(STAFF_PAGE).status_code == 403


def test_an_auditor_searches_by_national_id_actor_and_dates_and_the_search_is_recorded(client):
    auditor = staff_user(Role.AUDITOR)
    client_sign_in_staff(client, auditor)
    one, two = PersonFactory(), PersonFactory()
    case_handler_opens(one, purpose="first")
    data_access_entry(person_id=two.pk, actor_label="m.other", purpose="second")
    assert client.get(STAFF_PAGE).status_code == 200  # the empty form: no search, nothing recorded
    assert not AuditEvent.objects.exists()
    html = client.get(STAFF_PAGE, {"national_id": one.national_id}).content.decode()
    assert "first" in html and "second" not in html and "h.secretname" in html
    html = client.get(STAFF_PAGE, {"actor": "m.other"}).content.decode()
    assert "second" in html and ">first<" not in html
    html = client.get(STAFF_PAGE, {"actor": "4242"}).content.decode()
    assert "first" in html and "second" not in html
    today = timezone.localdate().isoformat()
    html = client.get(STAFF_PAGE, {"date_from": today, "date_to": today}).content.decode()
    assert "2 entries found" in html
    html = client.get(STAFF_PAGE, {"date_to": "2001-01-01"}).content.decode()
    assert "0 entries found" in html
    html = client.get(STAFF_PAGE, {"national_id": "000000000"}).content.decode()
    assert "0 entries found" in html
    event = AuditEvent.objects.filter(action="data_access_log_search").first()
    assert event.actor == auditor and AuditEvent.objects.filter(action="data_access_log_search").count() == 6


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"date_from": "27/03/2026"}, "date_from", "Enter the date as year-month-day"),
        ({"date_from": "1900-01-01"}, "date_from", "2000 or later"),
        ({"date_to": "9999-12-31"}, "date_to", "before 2100"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "same as or after the start date"),
        ({"national_id": "' OR 1=1 --"}, "national_id", "letters and digits only"),
        ({"national_id": "1" * 33}, "national_id", "at most 32 characters"),
        ({"person_id": "12abc"}, "person_id", "digits only"),
        ({"person_id": "0"}, "person_id", "1 or more"),
        ({"person_id": "9" * 30}, "person_id", "too large"),
        ({"person_id": "5", "national_id": "123"}, "person_id", "not both"),
        ({"actor": "x" * 151}, "actor", "at most 150 characters"),
        ({"actor": "bad\x1bname"}, "actor", "control characters"),
        ({"actor": "bad\x00name"}, "actor", "Null characters are not allowed"),
    ],
)
def test_the_auditor_search_explains_bad_input(client, query, field, message):
    client_sign_in_staff(client, staff_user(Role.AUDITOR))
    response = client.get(STAFF_PAGE, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<a href="#{field}">' in html and message in html and f'id="{field}"' in html
    assert f'id="{field}-error"' in html
    assert not AuditEvent.objects.exists()


def test_the_auditor_page_reads_with_constant_queries(client, django_assert_max_num_queries):
    client_sign_in_staff(client, staff_user(Role.AUDITOR))
    for n in range(3):
        data_access_entry(person_id=n + 1)
    client.get(STAFF_PAGE, {"actor": ""})
    with django_assert_max_num_queries(20) as few:
        client.get(STAFF_PAGE, {"actor": ""})
    for n in range(40):
        data_access_entry(person_id=n + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(STAFF_PAGE, {"actor": ""}).content.decode()
    assert "43 entries found" in html
