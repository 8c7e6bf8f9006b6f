"""Uploads: type by content, size limits, hostile shapes; a refusal leaves no file behind."""
from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from pronoia.core.errors import PronoiaError
from pronoia.documents.models import StoredUpload
from pronoia.documents.selectors import upload_sniff
from pronoia.documents.services import upload_store
from pronoia.documents.uploads import filename_sanitise
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
ALL = ("application/pdf", "image/png", "image/jpeg")
LIMIT = 200 * 1024


def _png(size=(8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _pdf(extra: bytes = b"") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "evidence")
    page.save()
    data = buffer.getvalue()
    return data.replace(b"%%EOF", extra + b"%%EOF") if extra else data


def _stored_files() -> list[str]:
    """Every file under documents/uploads/ in the storage, however deep."""
    found = []

    def walk(prefix: str) -> None:
        try:
            directories, files = default_storage.listdir(prefix)
        except FileNotFoundError:
            return
        found.extend(f"{prefix}/{name}" for name in files)
        for directory in directories:
            walk(f"{prefix}/{directory}")

    walk("documents/uploads")
    return found


@pytest.fixture
def person():
    return PersonFactory()


@pytest.mark.parametrize("maker,media_type,extension", [(_pdf, "application/pdf", ".pdf"), (_png, "image/png", ".png"), (_jpeg, "image/jpeg", ".jpg")])
def test_accepted_types_are_stored_under_a_random_name(person, maker, media_type, extension):
    data = maker()
    info = upload_store(SimpleUploadedFile("My scan (1).PDF", data, content_type="text/plain"), person_id=person.pk, accept=ALL, max_bytes=LIMIT)
    assert info.media_type == media_type and info.size == len(data) and info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.filename == f"My scan_1{extension}"
    stored = StoredUpload.objects.get(pk=info.id)
    assert "My scan" not in stored.file.name and stored.file.name.startswith("documents/uploads/")
    assert stored.file.name.endswith(extension)
    with default_storage.open(stored.file.name, "rb") as handle:
        assert handle.read() == data
    assert upload_sniff(SimpleUploadedFile("x", data), accept=ALL, max_bytes=LIMIT) is None


HOSTILE = [
    ("fake extension: an executable named .pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100, "evil.pdf", "upload_type"),
    ("HTML named .png", b"<html><script>alert(1)</script></html>", "photo.png", "upload_type"),
    ("empty file", b"", "empty.pdf", "upload_empty"),
    ("polyglot: PNG with a ZIP after its end", _png() + b"PK\x03\x04" + b"\x00" * 40, "image.png", "upload_polyglot"),
    ("polyglot: JPEG with a PDF after its end", _jpeg() + _pdf(), "image.jpg", "upload_polyglot"),
    ("polyglot: PDF with data after %%EOF", _pdf() + b"PK\x03\x04payload-after-eof", "doc.pdf", "upload_polyglot"),
    ("PDF with JavaScript", _pdf(extra=b"1 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\n"), "doc.pdf", "upload_active_content"),
    ("PDF with an embedded file", _pdf(extra=b"9 0 obj << /EmbeddedFiles 10 0 R >> endobj\n"), "doc.pdf", "upload_active_content"),
    ("truncated PDF", _pdf()[:300], "doc.pdf", "upload_damaged"),
    ("PNG header with garbage", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10 + b"IEND\xaeB`\x82", "x.png", "upload_damaged"),
    ("oversize", b"%PDF-1.7\n" + b"0" * (LIMIT + 1), "big.pdf", "upload_too_large"),
]


@pytest.mark.parametrize("label,data,name,code", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_uploads_are_refused_and_leave_no_file(person, label, data, name, code):
    before = _stored_files()
    with pytest.raises(PronoiaError) as refused:
        upload_store(SimpleUploadedFile(name, data, content_type="application/pdf"), person_id=person.pk, accept=ALL, max_bytes=LIMIT, field="evidence")
    assert refused.value.code == code, label
    assert refused.value.field == "evidence" and refused.value.message
    assert _stored_files() == before
    assert not StoredUpload.objects.exists()
    assert upload_sniff(SimpleUploadedFile(name, data), accept=ALL, max_bytes=LIMIT) == refused.value.message


def test_a_type_outside_accept_is_refused_naming_the_allowed_types(person):
    with pytest.raises(PronoiaError) as refused:
        upload_store(SimpleUploadedFile("scan.png", _png()), person_id=person.pk, accept=["application/pdf"], max_bytes=LIMIT)
    assert refused.value.code == "upload_type" and "PDF" in refused.value.message and "PNG" not in refused.value.message
    assert _stored_files() == []


def test_unknown_accept_values_are_a_programming_error(person):
    with pytest.raises(ValueError):
        upload_store(SimpleUploadedFile("a.pdf", _pdf()), person_id=person.pk, accept=["text/html"], max_bytes=LIMIT)


def test_unknown_person_stores_nothing():
    with pytest.raises(PronoiaError) as refused:
        upload_store(SimpleUploadedFile("a.pdf", _pdf()), person_id=987654, accept=ALL, max_bytes=LIMIT)
    assert refused.value.code == "person_not_found"
    assert _stored_files() == []


@pytest.mark.parametrize(
    "name,expected",
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.pdf"),
        ("/var/www/static/evil.js", "evil.pdf"),
        ("....pdf", "upload.pdf"),
        ("", "upload.pdf"),
        ("a\x00b\x1fc.pdf", "abc.pdf"),
        ("Βεβαίωση εργοδότη.pdf", "Βεβαίωση εργοδότη.pdf"),
        ("x" * 500 + ".pdf", "x" * 95 + ".pdf"),
        ("report.pdf.exe", "report_pdf.pdf"),
    ],
)
def test_filenames_are_sanitised(name, expected):
    assert filename_sanitise(name, media_type="application/pdf") == expected


def test_path_traversal_name_is_stored_under_a_random_name(person):
    info = upload_store(SimpleUploadedFile("../../../settings.py.pdf", _pdf()), person_id=person.pk, accept=ALL, max_bytes=LIMIT)
    stored = StoredUpload.objects.get(pk=info.id)
    assert ".." not in stored.file.name and "settings" not in stored.file.name
    assert info.filename == "settings_py.pdf"
