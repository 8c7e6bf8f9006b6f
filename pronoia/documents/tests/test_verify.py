"""The public verification page and API: by code, then by checking an uploaded file."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pronoia.documents.content import display_code
from pronoia.documents.selectors import document_content_get
from pronoia.documents.services import submission_receipt_issue
from pronoia.documents.tests.factories import citizen_actor, person_with_history

pytestmark = pytest.mark.django_db


def _issue(person, *, protocol="2026/0000101"):
    info = submission_receipt_issue(
        person_id=person.pk,
        language="en",
        protocol=protocol,
        service_title="Insurance history certificate",
        submitted_at=dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.timezone.utc),
        summary=[("Purpose", "bank loan")],
    )
    pdf, _ = document_content_get(actor=citizen_actor(person), document_id=info.id)
    return info, pdf


@pytest.fixture
def issued():
    person = person_with_history(periods=1, given_name="Ελένη", surname="Κωνσταντίνου")
    info, pdf = _issue(person)
    return person, info, pdf


def _post(client, info, content: bytes, name="document.pdf", content_type="application/pdf"):
    return client.post(info.verify_url, {"document": SimpleUploadedFile(name, content, content_type=content_type)})


def test_code_page_shows_metadata_and_initials_only(client, issued):
    person, info, _pdf = issued
    response = client.get(info.verify_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert info.sha256 in page and "2026/0000101" in page and display_code(info.verification_code) in page
    assert "Ε.Κ." in page
    assert person.surname not in page and person.given_name not in page and person.national_id not in page


def test_entering_a_code_with_hyphens_and_lower_case_leads_to_the_document(client, issued):
    _person, info, _pdf = issued
    typed = display_code(info.verification_code).lower()
    response = client.get(reverse("documents:verify"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == info.verify_url
    response = client.get(f"/verify/{typed}")
    assert response.status_code == 302 and response["Location"] == info.verify_url


def test_malformed_code_is_refused_with_a_message(client):
    response = client.get(reverse("documents:verify"), {"code": "not-a-code<script>"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A verification code has 24 letters" in page and "govuk-error-summary" in page
    assert "<script>" not in page.split("</header>")[-1].replace("&lt;script&gt;", "")


def test_unknown_code_shows_a_404_page(client):
    response = client.get("/verify/ABCDEFGHIJKLMNOPQRSTUVWX")
    assert response.status_code == 404
    assert "No document has this verification code" in response.content.decode()
    response = client.post("/verify/ABCDEFGHIJKLMNOPQRSTUVWX", {"document": SimpleUploadedFile("a.pdf", b"%PDF-1.7")})
    assert response.status_code == 404


def test_the_genuine_file_is_authentic(client, issued):
    _person, info, pdf = issued
    response = _post(client, info, pdf)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-panel--confirmation" in page and "Authentic: this file is the document issued with this code" in page
    assert "PAdES B-LTA" in page


def test_a_tampered_file_is_not_authentic(client, issued):
    from pronoia.documents.tests.test_sealing import _flip_byte_in_signed_content

    _person, info, pdf = issued
    response = _post(client, info, _flip_byte_in_signed_content(pdf))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not authentic" in page and "govuk-panel--confirmation" not in page


def test_another_genuine_document_is_named_as_such(client, issued):
    person, info, _pdf = issued
    _other_info, other_pdf = _issue(person, protocol="2026/0000102")
    page = _post(client, info, other_pdf).content.decode()
    assert "A different document" in page and "govuk-panel--confirmation" not in page


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"", "empty.pdf", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "looks-like.pdf", "Choose the PDF file of the document"),
        (b"MZ\x90\x00 evil", "invoice.pdf", "Choose the PDF file of the document"),
    ],
)
def test_non_pdf_and_empty_files_are_refused(client, issued, content, name, message):
    _person, info, _pdf = issued
    response = _post(client, info, content, name=name)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "govuk-error-summary" in page


def test_oversize_upload_is_refused_before_it_is_read(client, issued, settings):
    settings.PRONOIA_VERIFY_MAX_BYTES = 1024 * 1024
    _person, info, pdf = issued
    response = _post(client, info, pdf + b"\n%" + b"x" * (1024 * 1024 + 100 * 1024))
    assert response.status_code == 413
    assert "The file is larger than 1 MB." in response.content.decode()


def test_oversize_file_within_the_envelope_is_refused_too(client, issued, settings):
    settings.PRONOIA_VERIFY_MAX_BYTES = 1024 * 1024
    _person, info, pdf = issued
    padded = pdf + b"\n%" + b"x" * (1024 * 1024 - len(pdf) + 10)
    assert 1024 * 1024 < len(padded) < 1024 * 1024 + 1024
    response = _post(client, info, padded)
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.content.decode()


def test_missing_file_is_refused_with_a_message(client, issued):
    _person, info, _pdf = issued
    response = client.post(info.verify_url, {})
    assert response.status_code == 400
    assert "Choose the PDF file to check." in response.content.decode()


def test_api_returns_public_metadata(client, issued):
    _person, info, _pdf = issued
    response = client.get(f"/api/v1/verify/{info.verification_code}")
    assert response.status_code == 200
    body = response.json()
    assert body["sha256"] == info.sha256 and body["kind"] == "submission_receipt" and body["holder_initials"] == "Ε.Κ."
    assert body["seal_level"] == "B-LTA" and body["protocol"] == "2026/0000101"
    assert not ({"national_id", "surname", "given_name", "birth_date"} & set(body))


def test_api_unknown_and_malformed_codes_are_404(client):
    for code in ("ABCDEFGHIJKLMNOPQRSTUVWX", "x" * 70, "%00"):
        response = client.get(f"/api/v1/verify/{code}")
        assert response.status_code == 404
        assert response.json()["code"] == "verification_code_unknown"


def test_root_certificate_is_downloadable(client, pki_service):
    response = client.get("/verify/root-certificate.pem")
    assert response.status_code == 200
    assert response.content == pki_service.root_pem.read_bytes()
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")


def _unsigned_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "a look-alike without a seal")
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        lambda pdf: b"%PDF-1.7\n" + bytes(range(256)) * 20,                       # junk after a PDF header
        lambda pdf: pdf[: len(pdf) // 2],                                           # cut in half
        lambda pdf: pdf.replace(b"/ByteRange", b"/ByteRangX"),                      # signature dictionary broken
        lambda pdf: pdf.replace(b"startxref", b"startxreX"),                        # cross-reference lost
        lambda pdf: _unsigned_pdf(),                                                # a PDF without any seal
        lambda pdf: pdf + b"\n1 0 obj << /Type /Annot >> endobj\n%%EOF\n",        # bytes appended after sealing
    ],
    ids=["junk", "truncated", "byterange", "xref", "unsigned", "appended"],
)
def test_hostile_pdfs_are_not_authentic_and_never_crash(client, issued, make):
    _person, info, pdf = issued
    response = _post(client, info, make(pdf))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not authentic" in page and "govuk-panel--confirmation" not in page
