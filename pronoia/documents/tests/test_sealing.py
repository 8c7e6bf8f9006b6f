"""Issued documents are sealed at PAdES B-LTA and validate with pyHanko and with poppler's pdfsig."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from pronoia.documents import sealing
from pronoia.documents.models import IssuedDocument
from pronoia.documents.selectors import document_content_get
from pronoia.documents.services import insurance_history_certificate_issue, submission_receipt_issue
from pronoia.documents.tests.factories import citizen_actor, person_with_history

pytestmark = pytest.mark.django_db
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _check(pdf: bytes) -> sealing.SealCheck:
    return sealing.sealed_pdf_check(pdf, directory=settings.PRONOIA_PKI_DIR, service_url=settings.PRONOIA_PKI_SERVICE_URL)


def _flip_byte_in_signed_content(pdf: bytes) -> bytes:
    """Change one byte inside the first signed byte range (the page content, before the signature)."""
    position = pdf.index(b"stream", pdf.index(b"/Contents")) + 40
    tampered = bytearray(pdf)
    tampered[position] ^= 0x01
    return bytes(tampered)


@pytest.fixture(scope="session")
def nss_db(pki_service, tmp_path_factory) -> Path | None:
    """An NSS database trusting only the test root, for pdfsig; None when certutil is not installed."""
    if shutil.which("pdfsig") is None:
        if IN_CI:
            pytest.fail("pdfsig (poppler-utils) is required with CI=true: run `make chromium`.")
        pytest.skip("pdfsig (poppler-utils) is not installed: run `make chromium`.")
    if shutil.which("certutil") is None:
        if IN_CI:
            pytest.fail("certutil (libnss3-tools) is required with CI=true: run `make chromium`.")
        return None
    directory = tmp_path_factory.mktemp("nssdb")
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{directory}", "-n", "pronoia-test-root", "-t", "CT,C,C", "-i", str(pki_service.root_pem)],
        check=True,
        capture_output=True,
    )
    return directory


def _pdfsig(pdf: bytes, nss_db: Path | None, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    command = ["pdfsig"] + (["-nssdir", f"sql:{nss_db}"] if nss_db else []) + [str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def _seal_block(output: str) -> str:
    """pdfsig's lines for the seal signature (signature #1), not the archive time stamp."""
    return output.split("Signature #2")[0]


@pytest.fixture
def certificate():
    person = person_with_history(periods=4)
    info = insurance_history_certificate_issue(actor=citizen_actor(person), person_id=person.pk, language="el", protocol="2026/0000042")
    pdf, _ = document_content_get(actor=citizen_actor(person), document_id=info.id)
    return person, info, pdf


def test_certificate_is_sealed_at_b_lta_and_chains_to_the_test_root(certificate):
    _person, info, pdf = certificate
    check = _check(pdf)
    assert check.problems == []
    assert check.intact and check.trusted and check.timestamp_ok and check.revocation_embedded and check.archive_timestamp_ok
    assert check.level == "B-LTA"
    assert "seal" in check.signer
    document = IssuedDocument.objects.get(pk=info.id)
    assert document.seal_level == "B-LTA"
    assert len(document.verification_code) == 24  # 120 bits of base32


def test_certificate_validates_with_pdfsig(certificate, nss_db, tmp_path):
    _person, _info, pdf = certificate
    output = _seal_block(_pdfsig(pdf, nss_db, tmp_path))
    assert "Signature Field Name: PronoiaSeal" in output
    assert "Signature Validation: Signature is Valid." in output
    if nss_db is not None:
        assert "Certificate Validation: Certificate is Trusted." in output, output
    assert "ETSI.CAdES.detached" in output


def test_one_changed_byte_fails_pyhanko_and_pdfsig(certificate, nss_db, tmp_path):
    _person, _info, pdf = certificate
    tampered = _flip_byte_in_signed_content(pdf)
    assert tampered != pdf and len(tampered) == len(pdf)
    check = _check(tampered)
    assert not check.intact
    assert check.level == ""
    output = _seal_block(_pdfsig(tampered, nss_db, tmp_path))
    assert "Signature is Valid." not in output
    assert "Digest Mismatch" in output or "Signature is Invalid" in output, output


def test_a_pdf_sealed_by_another_pki_is_not_trusted(tmp_path, certificate):
    """A seal from a different root (same names, other keys) must not pass as ours."""
    from pronoia.documents.pki import pki_init

    _person, _info, pdf = certificate
    other = pki_init(tmp_path / "other-pki")
    check = sealing.sealed_pdf_check(pdf, directory=other.directory, service_url=settings.PRONOIA_PKI_SERVICE_URL)
    assert check.intact
    assert not check.trusted
    assert check.level == ""


def test_submission_receipt_is_issued_and_stored_with_its_hash(pki_service):
    import hashlib

    person = person_with_history(periods=1)
    info = submission_receipt_issue(
        person_id=person.pk,
        language="bg",
        protocol="2026/0000007",
        service_title="Удостоверение за осигурителен стаж",
        submitted_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc),
        summary=[("Причина", "за банка"), ("Копия", "1")],
    )
    document = IssuedDocument.objects.get(pk=info.id)
    with default_storage.open(document.file.name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == info.sha256 == document.sha256
    assert document.kind == "submission_receipt" and document.protocol == "2026/0000007" and document.language == "bg"
    assert info.verify_url == f"/verify/{info.verification_code}"
    assert info.download_url == f"/my/documents/{info.id}/download"
    assert _check(data).level == "B-LTA"
