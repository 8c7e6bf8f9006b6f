"""The person's pages and API of applications: apply, confirmation, list, detail with the answer form."""
from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import PERSON_DATA_CATEGORIES
from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.insurance.tests.factories import DataQualityFlagFactory
from pronoia.people.tests.factories import PersonFactory
from pronoia.services.casework import case_assign, case_information_request
from pronoia.services.models import Application
from pronoia.services.tests.application_factories import A1, HISTORY, a1_answers, application_make, handler, insured_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(funds):
    return insured_person()


@pytest.fixture
def signed_in(client, person):
    client_sign_in_citizen(client, person)
    return client


def test_the_form_is_prefilled_from_the_file(signed_in, person):
    response = signed_in.get(f"/services/{A1}/apply")
    assert response.status_code == 200
    page = response.content.decode()
    assert person.national_id in page and person.surname in page
    assert 'name="work_location"' in page and 'enctype="multipart/form-data"' in page


def test_unknown_service_is_404(signed_in):
    assert signed_in.get("/services/gr-no-such-thing/apply").status_code == 404


def test_a_weak_sign_in_is_told_how_to_sign_in_again(client, person):
    client_sign_in_citizen(client, person, loa="low")
    response = client.get(f"/services/{A1}/apply")
    page = response.content.decode()
    assert "stronger sign-in" in page and f"/sign-in?next=/services/{A1}/apply" in page
    response = client.post(f"/services/{A1}/apply", a1_answers(person))
    assert response.status_code == 403 and not Application.objects.exists()


def test_submitting_shows_the_protocol_and_the_receipt(signed_in, person):
    response = signed_in.post(f"/services/{A1}/apply", a1_answers(person))
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/applications/{application.pk}/submitted"
    page = signed_in.get(response["Location"]).content.decode()
    assert application.protocol in page and "Certificate of submission" in page and "/verify/" in page


def test_errors_are_shown_next_to_the_fields_and_in_a_summary(signed_in, person):
    response = signed_in.post(f"/services/{A1}/apply", a1_answers(person, foreign_employer_name="", date_from="31/02/2026"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and "govuk-error-message" in page
    assert "1 Harbour Road" in page  # answers kept
    assert not Application.objects.exists()


def test_a_wrong_upload_is_refused_and_nothing_is_stored(signed_in, person):
    from pronoia.documents.models import StoredUpload

    fake = SimpleUploadedFile("contract.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = signed_in.post(f"/services/{A1}/apply", {**a1_answers(person), "contract": fake})
    assert response.status_code == 400
    assert not Application.objects.exists() and not StoredUpload.objects.exists()


def test_the_list_shows_status_next_step_and_documents(signed_in, person):
    DataQualityFlagFactory(person=person, code="conflicting_month", key="2011-03")
    signed_in.post(f"/services/{HISTORY}/apply", {"certificate_language": "en", "purpose": "other", "purpose_other": "Bank"})
    application_make(PersonFactory())  # someone else's
    page = signed_in.get("/my/applications").content.decode()
    mine = Application.objects.get(person=person)
    assert mine.protocol in page and "Submitted" in page and "correction" in page
    assert Application.objects.count() == 2 and page.count("/my/applications/") == 1
    detail = signed_in.get(f"/my/applications/{mine.pk}").content.decode()
    assert "/my/insurance-record/corrections/new?flag=" in detail


def test_someone_elses_application_is_404(signed_in):
    other = application_make(PersonFactory())
    assert signed_in.get(f"/my/applications/{other.pk}").status_code == 404
    assert signed_in.get(f"/api/v1/me/applications/{other.pk}").status_code == 404
    assert signed_in.post(f"/my/applications/{other.pk}", {"answer": "x"}).status_code == 404


def test_the_person_answers_a_question_in_the_portal(signed_in, person):
    application = application_make(person)
    _user, actor = handler()
    case_assign(actor=actor, application_id=application.pk)
    case_information_request(actor=actor, application_id=application.pk, question="Which US state?")
    page = signed_in.get(f"/my/applications/{application.pk}").content.decode()
    assert "Which US state?" in page and 'name="answer"' in page
    response = signed_in.post(f"/my/applications/{application.pk}", {"answer": ""})
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
    response = signed_in.post(f"/my/applications/{application.pk}", {"answer": "New York"})
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).status == "information_provided"


def test_a_representative_sees_and_applies_for_the_principal(client, person):
    representative = PersonFactory()
    mandate = Mandate.objects.create(principal_person=person, representative=representative, scope=sorted(PERSON_DATA_CATEGORIES), valid_from="2020-01-01")
    client_sign_in_citizen(client, representative)
    session = client.session
    session[SESSION_ACTING_MANDATE_KEY] = mandate.pk
    session.save()
    response = client.post(f"/services/{A1}/apply", a1_answers(person))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.person_id == person.pk and application.acting_mandate_id == mandate.pk
    assert application.protocol in client.get("/my/applications").content.decode()


# --- API ----------------------------------------------------------------------------------------


def test_api_lists_the_same_applications_as_the_page(signed_in, person):
    first = application_make(person)
    second = application_make(person)
    response = signed_in.get("/api/v1/me/applications")
    assert response.status_code == 200
    body = response.json()
    assert [row["protocol"] for row in body] == [second.protocol, first.protocol]
    assert body[0]["status"] == "submitted" and body[0]["next_step"]
    detail = signed_in.get(f"/api/v1/me/applications/{first.pk}").json()
    assert detail["timeline"][0]["to_status"] == "submitted"


def test_api_submission_uses_the_same_form_definition(signed_in, person):
    data = a1_answers(person)
    data["declaration"] = True
    response = signed_in.post("/api/v1/me/applications", json.dumps({"service": A1, "data": data}), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["protocol"] == Application.objects.get().protocol and body["status"] == "submitted"
    assert any(doc["role"] == "receipt" for doc in body["documents"])


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"service": A1, "data": {"work_location": "mars"}}, 400, "form_invalid"),
        ({"service": A1, "data": {"declaration": "true"}}, 400, "form_invalid"),  # JSON: a string is not a boolean
        ({"service": "gr-nope", "data": {}}, 404, "service_unknown"),
        ({"service": "x" * 500, "data": {}}, 404, "service_unknown"),
    ],
)
def test_api_refuses_bad_submissions_with_the_field(signed_in, person, payload, status, code):
    response = signed_in.post("/api/v1/me/applications", json.dumps(payload), content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    if code == "form_invalid":
        assert response.json()["errors"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ("not json", "body_invalid", None),
        ("[1, 2]", "body_invalid", None),
        ('{"service": 5, "data": {}}', "service_required", "service"),
        ('{"service": "gr-a1-document", "data": []}', "data_invalid", "data"),
        ('{"service": "gr-a1-document", "data": {}, "admin": true}', "field_unknown", "admin"),
    ],
)
def test_api_refuses_malformed_bodies_in_its_own_words(signed_in, body, code, field):
    response = signed_in.post("/api/v1/me/applications", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["field"] == field
    assert not Application.objects.exists()


def test_api_needs_a_signed_in_person(client, funds):
    assert client.get("/api/v1/me/applications").status_code == 401
    response = client.post("/api/v1/me/applications", json.dumps({"service": A1, "data": {}}), content_type="application/json")
    assert response.status_code == 401


def test_api_writes_need_the_csrf_token(person):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client_sign_in_citizen(client, person)
    response = client.post("/api/v1/me/applications", json.dumps({"service": A1, "data": {}}), content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


# --- the correction service through its form -----------------------------------------------------


def correction_answers(**overrides) -> dict:
    data = {"problem": "wrong_days", "employer_concerned": "Example Construction Ltd", "explanation": "March 2011 shows 15 days; I worked 25.", "declaration": "true"}
    data.update(overrides)
    return data


def test_the_correction_service_writes_the_correction_request_with_the_flag(signed_in, person):
    from pronoia.insurance.models import CorrectionRequest

    flag = DataQualityFlagFactory(person=person, code="conflicting_month", key="2011-03")
    page = signed_in.get(f"/services/gr-insurance-data-correction/apply?flag_id={flag.pk}").content.decode()
    assert f'value="{flag.pk}"' in page  # preselected by the link
    response = signed_in.post("/services/gr-insurance-data-correction/apply", correction_answers(flag_id=str(flag.pk)))
    assert response.status_code == 302
    application = Application.objects.get()
    correction = CorrectionRequest.objects.get()
    assert application.correction_request_id == correction.pk and correction.flag_id == flag.pk
    assert "I worked 25" in correction.message and "Example Construction Ltd" in correction.message
    # The insurance page of the request shows its protocol.
    assert application.protocol in signed_in.get(f"/my/insurance-record/corrections/{correction.pk}").content.decode()


def test_the_correction_service_refuses_someone_elses_flag(signed_in, person):
    from pronoia.insurance.models import CorrectionRequest

    foreign = DataQualityFlagFactory(person=PersonFactory(), code="conflicting_month", key="2012-01")
    response = signed_in.post("/services/gr-insurance-data-correction/apply", correction_answers(flag_id=str(foreign.pk)))
    assert response.status_code == 400 and "not in your insurance record" in response.content.decode()
    assert not Application.objects.exists() and not CorrectionRequest.objects.exists()


def test_the_list_query_count_does_not_grow_with_applications(signed_in, person, django_assert_max_num_queries):
    for _ in range(6):
        application_make(person)
    with django_assert_max_num_queries(15):
        response = signed_in.get("/my/applications")
    assert response.status_code == 200 and response.content.decode().count("/my/applications/") == 6
    with django_assert_max_num_queries(15):
        assert len(signed_in.get("/api/v1/me/applications").json()) == 6


def test_an_accepted_upload_is_stored_and_linked_to_the_application(signed_in, person):
    from pronoia.services.tests.test_backoffice import PDF

    contract = SimpleUploadedFile("posting contract.pdf", PDF, content_type="application/pdf")
    response = signed_in.post(f"/services/{A1}/apply", {**a1_answers(person), "contract": contract})
    assert response.status_code == 302
    upload = Application.objects.get().uploads.get()
    assert upload.field == "contract" and upload.filename.endswith(".pdf") and upload.information_request_id is None
