"""Mandate pages and API: grant, revoke, act for, the acting banner and the access log."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.insurance.models import CorrectionRequest
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

MANDATES = "/my/mandates"
NEW = "/my/mandates/new"


def grant_data(representative, **overrides):
    return {
        "representative_national_id": representative.national_id,
        "representative_country": representative.country,
        "scope": ["insurance_record"],
        "valid_from": timezone.localdate().isoformat(),
        "valid_to": "",
        **overrides,
    }


def mandate_for(principal, representative, scope=("insurance_record",), **fields):
    fields.setdefault("valid_from", timezone.localdate())
    return Mandate.objects.create(principal_person=principal, representative=representative, scope=list(scope), **fields)


def signed_in(client, person):
    client_sign_in_citizen(client, person)
    return client


def test_urls_keep_their_names():
    from django.urls import reverse

    assert reverse("accounts:mandates") == MANDATES
    assert reverse("accounts:mandate_new") == NEW
    assert reverse("accounts:mandate_revoke", args=[3]) == "/my/mandates/3/revoke"
    assert reverse("accounts:mandate_act_for", args=[3]) == "/my/mandates/3/act-for"
    assert reverse("accounts:mandate_stop_acting") == "/my/mandates/stop-acting"


def test_anonymous_go_to_sign_in_and_staff_get_403(client):
    for url in (MANDATES, NEW):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in?next=")
    assert client.post("/my/mandates/1/revoke").status_code == 302
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    assert client.get(MANDATES).status_code == 403


def test_grant_from_the_page_then_listed_for_both_sides(client):
    principal = PersonFactory(surname="Οικονόμου", given_name="Άννα")
    representative = PersonFactory(surname="Δημητρίου", given_name="Νίκος")
    signed_in(client, principal)
    page = client.get(MANDATES).content.decode()
    assert 'for="representative_national_id"' in page and 'name="scope"' in page and "Employer declarations" not in page
    response = client.post(NEW, grant_data(representative, scope=["insurance_record", "corrections"]))
    mandate = Mandate.objects.get()
    assert response.status_code == 302 and response["Location"] == MANDATES
    html = client.get(MANDATES).content.decode()
    assert "Δημητρίου" in html and f"/my/mandates/{mandate.pk}/revoke" in html and "Correction requests, Insurance record" in html

    other = Client()
    signed_in(other, representative)
    held = other.get(MANDATES).content.decode()
    assert "Οικονόμου" in held and f"/my/mandates/{mandate.pk}/act-for" in held


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"representative_national_id": ""}, "representative_national_id", "Enter the national identifier of your representative"),
        ({"representative_national_id": "1" * 33}, "representative_national_id", "at most 32 characters"),
        ({"representative_national_id": "00000000000"}, "representative_national_id", "No person with this national identifier"),
        ({"representative_national_id": "<img src=x onerror=alert(1)>"}, "representative_national_id", "No person with this national identifier"),
        ({"representative_country": "zz"}, "representative_country", "Choose a country from the list"),
        ({"scope": []}, "scope", "Choose at least one thing"),
        ({"scope": ["insurance_record", "superuser"]}, "scope", "Choose only from the listed categories"),
        ({"scope": ["employer_declarations"]}, "scope", "Choose only from the listed categories"),
        ({"valid_from": "2001-01-01"}, "valid_from", "must start today or later"),
        ({"valid_from": "31/12/2026"}, "valid_from", "Enter a real date"),
        ({"valid_from": "9999-12-31"}, "valid_from", "within a year"),
        ({"valid_to": "2000-01-01"}, "valid_to", "same as or after the start date"),
        ({"valid_to": "2099-01-01"}, "valid_to", "at most 5 years"),
    ],
)
def test_bad_grant_input_gets_a_specific_error_linked_to_its_field(client, overrides, field, message):
    signed_in(client, PersonFactory())
    response = client.post(NEW, grant_data(PersonFactory(), **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and f'href="#{field}"' in html and message in html
    assert f'id="{field}"' in html
    assert "<img src=x" not in html
    assert not Mandate.objects.exists()


def test_self_mandate_and_duplicate_are_refused_on_the_page(client):
    principal, representative = PersonFactory(), PersonFactory()
    signed_in(client, principal)
    response = client.post(NEW, grant_data(principal))
    assert response.status_code == 400 and "cannot give a mandate to yourself" in response.content.decode()
    assert client.post(NEW, grant_data(representative)).status_code == 302
    response = client.post(NEW, grant_data(representative))
    assert response.status_code == 400 and "already holds a current mandate" in response.content.decode()
    assert Mandate.objects.count() == 1


def test_grant_and_revoke_need_the_csrf_token():
    principal, representative = PersonFactory(), PersonFactory()
    mandate = mandate_for(principal, representative)
    client = Client(enforce_csrf_checks=True)
    signed_in(client, principal)
    assert client.post(NEW, grant_data(PersonFactory())).status_code == 403
    assert client.post(f"/my/mandates/{mandate.pk}/revoke").status_code == 403
    assert Mandate.objects.get().revoked_at is None and Mandate.objects.count() == 1


def test_revoke_from_the_page_and_it_stays_visible_as_revoked(client):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = mandate_for(principal, representative)
    signed_in(client, principal)
    assert client.get(f"/my/mandates/{mandate.pk}/revoke").status_code == 405
    response = client.post(f"/my/mandates/{mandate.pk}/revoke")
    assert response.status_code == 302
    html = client.get(MANDATES).content.decode()
    assert "Revoked" in html and f"/my/mandates/{mandate.pk}/revoke" not in html
    assert client.get("/api/v1/me/mandates").json()["given"][0]["status"] == "revoked"


def test_someone_elses_mandate_id_is_404_for_revoke_and_act_for(client):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = mandate_for(principal, representative)
    signed_in(client, PersonFactory())
    assert client.post(f"/my/mandates/{mandate.pk}/revoke").status_code == 404
    assert client.post(f"/my/mandates/{mandate.pk}/act-for").status_code == 404
    assert client.post("/my/mandates/99999999/act-for").status_code == 404
    assert Mandate.objects.get().revoked_at is None and SESSION_ACTING_MANDATE_KEY not in client.session


def test_act_for_shows_the_principals_record_with_a_banner_and_logs_every_read(client):
    period = InsurancePeriodFactory(person__surname="Παππά", person__given_name="Ελένη")
    principal, representative = period.person, PersonFactory()
    mandate = mandate_for(principal, representative)
    signed_in(client, representative)
    response = client.post(f"/my/mandates/{mandate.pk}/act-for", headers={"X-Request-ID": "act-for-request-1"})
    assert response.status_code == 302 and response["Location"] == "/my/insurance-record"
    html = client.get("/my/insurance-record", headers={"X-Request-ID": "record-request-1"}).content.decode()
    assert "You are acting for Ελένη Παππά under mandate" in html and "Insurance record of Ελένη Παππά" in html
    assert "Stop acting for them" in html
    # The mandate covers the record only: no correction links, no correction list.
    assert "corrections/new" not in html
    assert client.get("/my/insurance-record.csv").status_code == 200
    assert client.get("/api/v1/me/insurance-record").status_code == 200
    entries = list(DataAccessEntry.objects.order_by("id"))
    assert len(entries) == 3
    assert {(e.person_id, e.mandate_id, e.actor_role) for e in entries} == {(principal.pk, mandate.pk, "representative")}
    assert [e.channel for e in entries] == ["web", "web", "api"] and entries[0].request_id == "record-request-1"
    assert AuditEvent.objects.get(action="mandate_act_for_started").person_id == principal.pk
    # The banner is on the mandates page too.
    assert "You are acting for" in client.get(MANDATES).content.decode()


def test_corrections_outside_the_scope_get_a_clear_403(client):
    period = InsurancePeriodFactory()
    representative = PersonFactory()
    mandate = mandate_for(period.person, representative)
    signed_in(client, representative)
    client.post(f"/my/mandates/{mandate.pk}/act-for")
    response = client.get(f"/my/insurance-record/corrections/new?period={period.pk}")
    assert response.status_code == 403 and "Your mandate does not cover: Correction requests" in response.content.decode()
    assert client.post(f"/my/insurance-record/corrections/new?period={period.pk}", {"message": "x"}).status_code == 403
    assert not CorrectionRequest.objects.exists()


def test_record_outside_the_scope_gets_a_clear_403(client):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = mandate_for(principal, representative, scope=("pension",))
    signed_in(client, representative)
    client.post(f"/my/mandates/{mandate.pk}/act-for")
    response = client.get("/my/insurance-record")
    assert response.status_code == 403 and "Your mandate does not cover: Insurance record" in response.content.decode()
    assert not DataAccessEntry.objects.exists()


def test_correction_under_a_mandate_is_recorded_with_the_mandate(client):
    period = InsurancePeriodFactory()
    representative = PersonFactory()
    mandate = mandate_for(period.person, representative, scope=("insurance_record", "corrections"))
    signed_in(client, representative)
    client.post(f"/my/mandates/{mandate.pk}/act-for")
    assert "corrections/new" in client.get("/my/insurance-record").content.decode()
    response = client.post(f"/my/insurance-record/corrections/new?period={period.pk}", {"message": "The employer is wrong"})
    correction = CorrectionRequest.objects.get()
    assert response.status_code == 302 and correction.person == period.person
    assert AuditEvent.objects.get(action="correction_request_submitted").data["mandate_id"] == mandate.pk
    assert client.get(response["Location"]).status_code == 200
    assert DataAccessEntry.objects.exclude(mandate_id=mandate.pk).count() == 0


def test_revoking_while_the_representative_acts_ends_the_acting(client):
    period = InsurancePeriodFactory()
    representative = PersonFactory()
    InsurancePeriodFactory(person=representative, days=123)
    mandate = mandate_for(period.person, representative)
    signed_in(client, representative)
    client.post(f"/my/mandates/{mandate.pk}/act-for")
    Mandate.objects.filter(pk=mandate.pk).update(revoked_at=timezone.now())
    html = client.get("/my/insurance-record").content.decode()
    assert "You are acting for" not in html and "Your insurance record" in html
    assert SESSION_ACTING_MANDATE_KEY not in client.session
    assert not DataAccessEntry.objects.exists()


def test_stop_acting(client):
    principal, representative = PersonFactory(), PersonFactory()
    mandate = mandate_for(principal, representative)
    signed_in(client, representative)
    client.post(f"/my/mandates/{mandate.pk}/act-for")
    response = client.post("/my/mandates/stop-acting")
    assert response.status_code == 302 and SESSION_ACTING_MANDATE_KEY not in client.session
    assert "You are acting for Ελένη" not in client.get(MANDATES).content.decode() and "Acting for someone else" not in client.get(MANDATES).content.decode()


@pytest.mark.parametrize("state", ["revoked", "expired", "future"])
def test_act_for_an_invalid_mandate_is_refused_on_the_page(client, state):
    principal, representative = PersonFactory(), PersonFactory()
    today = timezone.localdate()
    fields = {
        "revoked": {"revoked_at": timezone.now()},
        "expired": {"valid_from": today - dt.timedelta(days=30), "valid_to": today - dt.timedelta(days=1)},
        "future": {"valid_from": today + dt.timedelta(days=1)},
    }[state]
    mandate = mandate_for(principal, representative, **fields)
    signed_in(client, representative)
    response = client.post(f"/my/mandates/{mandate.pk}/act-for")
    assert response.status_code == 403 and SESSION_ACTING_MANDATE_KEY not in client.session
    assert f"/my/mandates/{mandate.pk}/act-for" not in client.get(MANDATES).content.decode()


def test_a_forged_session_mandate_grants_nothing(client):
    principal, representative, stranger = InsurancePeriodFactory().person, PersonFactory(), PersonFactory()
    mandate = mandate_for(principal, representative)
    signed_in(client, stranger)
    session = client.session
    session[SESSION_ACTING_MANDATE_KEY] = mandate.pk
    session.save()
    body = client.get("/api/v1/me/insurance-record").json()
    assert body["person"]["id"] == stranger.pk
    assert not DataAccessEntry.objects.exists()


def test_api_lists_given_and_held(client):
    me, a, b = PersonFactory(), PersonFactory(), PersonFactory()
    given = mandate_for(me, a, scope=("insurance_record", "pension"), valid_to=timezone.localdate() + dt.timedelta(days=30))
    held = mandate_for(b, me, revoked_at=timezone.now())
    mandate_for(a, b)  # not mine
    signed_in(client, me)
    body = client.get("/api/v1/me/mandates").json()
    assert [m["id"] for m in body["given"]] == [given.pk] and [m["id"] for m in body["held"]] == [held.pk]
    assert body["given"][0]["representative"] == {"kind": "person", "id": a.pk, "name": f"{a.given_name} {a.surname}"}
    assert body["given"][0]["scope"] == ["insurance_record", "pension"] and body["given"][0]["status"] == "active"
    assert body["held"][0]["status"] == "revoked" and body["held"][0]["principal"]["id"] == b.pk


def test_api_requires_a_citizen(client):
    assert client.get("/api/v1/me/mandates").status_code == 401
    client_sign_in_staff(client, staff_user(Role.ADMINISTRATOR))
    assert client.get("/api/v1/me/mandates").status_code == 403


def test_mandates_page_queries_do_not_grow_with_mandates(client, django_assert_max_num_queries):
    me = PersonFactory()
    for _ in range(5):
        mandate_for(me, PersonFactory())
        mandate_for(PersonFactory(), me)
    signed_in(client, me)
    client.get(MANDATES)
    # Session, user, roles, given, held (employers only when the person holds an employer role).
    with django_assert_max_num_queries(5):
        assert client.get(MANDATES).status_code == 200
