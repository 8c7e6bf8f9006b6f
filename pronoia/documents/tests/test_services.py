"""Issuing services: input checks, access rules, storage, audit and events; the citizen's pages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.core.models import DomainEvent
from pronoia.documents.models import IssuedDocument
from pronoia.documents.selectors import document_content_get, documents_for_person
from pronoia.documents.services import decision_document_issue, insurance_history_certificate_issue, submission_receipt_issue
from pronoia.documents.tests.factories import citizen_actor, person_with_history
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
WHEN = dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.timezone.utc)


def _receipt(person, **overrides):
    arguments = {
        "person_id": person.pk,
        "language": "en",
        "protocol": "2026/0000009",
        "service_title": "Certificate of insurance status",
        "submitted_at": WHEN,
        "summary": [("Purpose", "employer")],
    }
    return submission_receipt_issue(**{**arguments, **overrides})


BAD_RECEIPT_INPUT = [
    ({"language": "xx"}, "language", "language_unknown"),
    ({"language": ""}, "language", "language_unknown"),
    ({"protocol": ""}, "protocol", "protocol_invalid"),
    ({"protocol": "2026/12"}, "protocol", "protocol_invalid"),
    ({"protocol": "2026/0000001; DROP TABLE"}, "protocol", "protocol_invalid"),
    ({"service_title": ""}, "service_title", "field_required"),
    ({"service_title": "x" * 301}, "service_title", "field_too_long"),
    ({"service_title": "bad\x00title"}, "service_title", "field_control_characters"),
    ({"submitted_at": dt.datetime(2026, 2, 3, 12, 0)}, "submitted_at", "datetime_invalid"),
    ({"submitted_at": "2026-02-03"}, "submitted_at", "datetime_invalid"),
    ({"summary": [("only label",)]}, "summary", "summary_invalid"),
    ({"summary": [("label", "value")] * 61}, "summary", "summary_invalid"),
    ({"summary": [("", "value")]}, "summary", "field_required"),
    ({"summary": "label: value"}, "summary", "summary_invalid"),
    ({"person_id": 99999999}, "person_id", "person_not_found"),
]


@pytest.mark.parametrize("overrides,field,code", BAD_RECEIPT_INPUT, ids=[c for _o, _f, c in BAD_RECEIPT_INPUT])
def test_bad_receipt_input_is_refused_and_writes_nothing(overrides, field, code):
    person = PersonFactory()
    with pytest.raises(PronoiaError) as refused:
        _receipt(person, **overrides)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert refused.value.message
    assert not IssuedDocument.objects.exists() and not DomainEvent.objects.filter(name="document.ready").exists()


def test_summary_text_is_printed_clean_and_long_answers_shortened():
    from pronoia.documents.services import _summary_check

    cleaned = _summary_check([("Reason\x07", "line one\r\nline two\x00"), ("Details", "x" * 1500), ("Empty", None)])
    assert cleaned[0] == ("Reason", "line one\nline two")
    assert len(cleaned[1][1]) == 1000 and cleaned[1][1].endswith("…")
    assert cleaned[2] == ("Empty", "")


def test_decision_rejects_empty_reasons_and_overlong_text():
    person = PersonFactory()
    base = dict(person_id=person.pk, language="en", protocol="2026/0000010", service_title="A1", outcome="Rejected", decided_by="Handler", decided_at=WHEN)
    with pytest.raises(PronoiaError) as refused:
        decision_document_issue(**base, reasons="   ")
    assert refused.value.field == "reasons"
    with pytest.raises(PronoiaError) as refused:
        decision_document_issue(**base, reasons="x" * 4001)
    assert refused.value.code == "field_too_long"
    with pytest.raises(PronoiaError) as refused:
        decision_document_issue(**base, reasons="bell\x07")
    assert refused.value.code == "field_control_characters"


def test_decision_keeps_textarea_line_breaks(tmp_path):
    person = person_with_history(periods=1)
    info = decision_document_issue(
        person_id=person.pk, language="en", protocol="2026/0000011", service_title="A1", outcome="Approved",
        reasons="First line.\r\nSecond line.", decided_by="Handler", decided_at=WHEN,
    )
    assert IssuedDocument.objects.get(pk=info.id).kind == "decision"


def test_issue_records_audit_and_event_and_the_document_is_listed():
    person = person_with_history(periods=1)
    info = _receipt(person)
    document = IssuedDocument.objects.get(pk=info.id)
    assert document.person_id == person.pk and document.size > 1000
    audit = AuditEvent.objects.get(action="document.issued")
    assert audit.object_id == str(info.id) and audit.person_id == person.pk and audit.data["sha256"] == info.sha256
    event = DomainEvent.objects.get(name="document.ready")
    assert event.payload == {"document_id": info.id, "kind": "submission_receipt", "person_id": person.pk, "protocol": "2026/0000009", "language": "en"}
    assert documents_for_person(actor=citizen_actor(person), person_id=person.pk) == [info]


def test_verification_codes_are_unique_and_random():
    person = PersonFactory()
    codes = {_receipt(person).verification_code for _ in range(3)}
    assert len(codes) == 3


def test_someone_else_cannot_get_a_certificate_of_a_person():
    person = person_with_history(periods=1)
    stranger = PersonFactory()
    with pytest.raises(PermissionDenied):
        insurance_history_certificate_issue(actor=citizen_actor(stranger), person_id=person.pk, language="en", protocol="")
    assert not IssuedDocument.objects.exists()


def test_content_is_access_checked_and_hash_checked():
    person = person_with_history(periods=1)
    info = _receipt(person)
    stranger = PersonFactory()
    with pytest.raises(PermissionDenied):
        document_content_get(actor=citizen_actor(stranger), document_id=info.id)
    # A file changed in storage is never served as the institution's document.
    document = IssuedDocument.objects.get(pk=info.id)
    default_storage.delete(document.file.name)
    default_storage.save(document.file.name, __import__("io").BytesIO(b"%PDF-1.7 forged"))
    with pytest.raises(PronoiaError) as refused:
        document_content_get(actor=citizen_actor(person), document_id=info.id)
    assert refused.value.code == "document_corrupted"


def test_sealing_failure_is_a_clear_error_and_stores_nothing(settings):
    settings.PRONOIA_PKI_SERVICE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    person = PersonFactory()
    with pytest.raises(PronoiaError) as refused:
        _receipt(person)
    assert refused.value.code == "seal_unavailable" and refused.value.status_code == 503
    assert not IssuedDocument.objects.exists()


def test_my_documents_page_and_download(client):
    person = person_with_history(periods=1)
    info = _receipt(person)
    client_sign_in_citizen(client, person)
    page = client.get("/my/documents")
    assert page.status_code == 200
    html = page.content.decode()
    assert info.download_url in html and info.verify_url in html and "Certificate of submission" in html
    response = client.get(info.download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{info.filename}"'
    assert __import__("hashlib").sha256(response.content).hexdigest() == info.sha256


def test_another_persons_document_is_404(client):
    owner = person_with_history(periods=1)
    info = _receipt(owner)
    client_sign_in_citizen(client, PersonFactory())
    assert client.get(info.download_url).status_code == 404
    assert info.download_url not in client.get("/my/documents").content.decode()
    assert client.get("/my/documents/999999/download").status_code == 404


def test_staff_and_anonymous_cannot_open_my_documents(client):
    person = person_with_history(periods=1)
    info = _receipt(person)
    assert client.get(info.download_url).status_code in (302, 401, 403)
    client_sign_in_staff(client, staff_user("case_handler"))
    assert client.get("/my/documents").status_code == 403


def test_my_documents_page_queries_do_not_grow_with_documents(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = person_with_history(periods=1)
    _receipt(person)
    client_sign_in_citizen(client, person)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/my/documents").status_code == 200
    for number in range(2, 5):
        _receipt(person, protocol=f"2026/000002{number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/my/documents")
    assert response.content.decode().count("Download PDF") == 4
