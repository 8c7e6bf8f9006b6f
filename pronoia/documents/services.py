"""Issuing sealed documents and storing uploads.

Each `*_issue` function renders a PDF in the person's language, seals it (PAdES B-LTA: the
institution's seal from the test PKI, a time stamp from the local TSA, revocation data and an
archive time stamp), stores it with its sha256 and a fresh verification code, records an audit
event and emits `document.ready`. Rendering and sealing happen before the database write (sealing
talks to the TSA over HTTP and must not hold a transaction open); the write itself is atomic and
removes the stored file again if the row cannot be written.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pronoia.accounts.actors import Actor
from pronoia.audit.services import audit_record
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.documents import content, sealing, uploads
from pronoia.documents.codes import verification_code_new
from pronoia.documents.models import DocumentKind, IssuedDocument, StoredUpload
from pronoia.documents.rendering import DocumentSpec, FontMissing, pdf_render
from pronoia.documents.selectors import IssuedDocumentInfo, document_info
from pronoia.documents.uploads import UploadInfo
from pronoia.people.models import Person

PROTOCOL = re.compile(r"^\d{4}/\d{7}$")
TEXT_MAX_CHARS = 4000
SUMMARY_MAX_PAIRS = 60
SUMMARY_VALUE_MAX_CHARS = 1000
_FILENAME_STEMS = {
    DocumentKind.INSURANCE_HISTORY_CERTIFICATE: "insurance-history",
    DocumentKind.INSURANCE_STATUS_CERTIFICATE: "insurance-status",
    DocumentKind.SUBMISSION_RECEIPT: "submission-receipt",
    DocumentKind.DECISION: "decision",
    DocumentKind.A1_DOCUMENT: "a1-document",
}


def pki_location() -> tuple[Path, str]:
    return Path(settings.PRONOIA_PKI_DIR), settings.PRONOIA_PKI_SERVICE_URL


def _language_check(language: str) -> str:
    codes = {code for code, _label in settings.LANGUAGES}
    if language not in codes:
        raise PronoiaError(code="language_unknown", message=_("Unknown language: choose one of %(codes)s.") % {"codes": ", ".join(sorted(codes))}, field="language")
    return language


def _protocol_check(protocol: str, *, required: bool) -> str:
    protocol = (protocol or "").strip()
    if not protocol and not required:
        return ""
    if not PROTOCOL.match(protocol):
        raise PronoiaError(code="protocol_invalid", message=_("The application number must look like 2026/0000001."), field="protocol")
    return protocol


def _text_check(value: str, field: str, *, required: bool = True, max_chars: int = TEXT_MAX_CHARS) -> str:
    # Browsers send textarea line breaks as CRLF.
    value = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise PronoiaError(code="field_required", message=_("This field is required."), field=field)
    if len(value) > max_chars:
        raise PronoiaError(code="field_too_long", message=_("Use at most %(max)s characters.") % {"max": max_chars}, field=field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise PronoiaError(code="field_control_characters", message=_("Remove control characters from this text."), field=field)
    return value


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise PronoiaError(code="datetime_invalid", message=_("Give a date and time with its time zone."), field=field)
    return value


def _person(person_id: int) -> Person:
    # The documents app needs only identity fields to print; people has no by-id selector.
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound(code="person_not_found", message=_("There is no such person."), field="person_id")
    return person


def _person_dict(person: Person) -> dict:
    from pronoia.core.countries import country_rules

    return {
        "given_name": person.given_name,
        "surname": person.surname,
        "given_name_latin": person.given_name_latin,
        "surname_latin": person.surname_latin,
        "national_id": person.national_id,
        "national_id_name": country_rules(person.country).national_id_name,
        "birth_date": person.birth_date.isoformat(),
    }


def document_seal(pdf: bytes) -> bytes:
    """`pdf` sealed at B-LTA, or PronoiaError(seal_unavailable) when the PKI or TSA cannot be used."""
    directory, service_url = pki_location()
    try:
        return sealing.seal_pdf(pdf, directory=directory, service_url=service_url, reason=_("Issued by %(institution)s") % {"institution": settings.PRONOIA_INSTITUTION})
    except sealing.SealingError as exc:
        raise PronoiaError(
            code="seal_unavailable",
            message=_("The document could not be sealed right now. Try again in a few minutes."),
            status_code=503,
        ) from exc


def _issue(
    *,
    kind: str,
    person: Person,
    language: str,
    protocol: str,
    build: Callable[[str, dt.datetime], DocumentSpec],
    actor_label: str,
    actor_user_id: int | None = None,
) -> IssuedDocumentInfo:
    issued_at = timezone.now()
    code = verification_code_new()
    with translation.override(language):
        spec = build(code, issued_at)
        try:
            pdf = pdf_render(spec)
        except FontMissing as exc:
            raise PronoiaError(code="font_missing", message=_("Documents cannot be produced on this server (a font is missing)."), status_code=503) from exc
    sealed = document_seal(pdf)
    directory, service_url = pki_location()
    material = sealing.seal_material(directory, service_url=service_url)
    digest = hashlib.sha256(sealed).hexdigest()
    # Named by application and time, never by any part of the code (the code must stay unguessable).
    label = f"{protocol.replace('/', '-')}-{issued_at:%Y%m%d}" if protocol else f"{issued_at:%Y%m%d-%H%M%S}"
    filename = f"{_FILENAME_STEMS[kind]}-{label}.pdf"
    # A random stored name (never derived from personal data) in the storage backend.
    stored_name = default_storage.save(f"documents/issued/{issued_at:%Y/%m}/{secrets.token_hex(16)}.pdf", ContentFile(sealed))
    try:
        with transaction.atomic():
            document = IssuedDocument.objects.create(
                kind=kind,
                person=person,
                language=language,
                protocol=protocol,
                verification_code=code,
                sha256=digest,
                size=len(sealed),
                filename=filename,
                file=stored_name,
                issuer=material.seal_subject,
                seal_level=sealing.SEAL_LEVEL,
                issued_at=issued_at,
            )
            audit_record(
                action="document.issued",
                object_type="documents.IssuedDocument",
                object_id=document.pk,
                actor_label=actor_label,
                person_id=person.pk,
                data={"kind": kind, "protocol": protocol, "sha256": digest, "language": language},
            )
            _event_emit(document)
    except Exception:
        default_storage.delete(stored_name)
        raise
    return document_info(document)


def _event_emit(document: IssuedDocument) -> None:
    from pronoia.core.events import event_emit

    event_emit(
        "document.ready",
        payload={"document_id": document.pk, "kind": document.kind, "person_id": document.person_id, "protocol": document.protocol, "language": document.language},
    )


def _record_certificate_issue(*, actor: Actor, person_id: int, language: str, protocol: str, kind: str, purpose: str, spec) -> IssuedDocumentInfo:
    """A certificate built from the person's insurance record, read under `actor`'s access rights
    for `purpose`; `spec(record=, code=, protocol=, issued_at=, language=)` lays it out."""
    from pronoia.insurance.selectors import insurance_record_get

    language = _language_check(language)
    protocol = _protocol_check(protocol, required=False)
    person = _person(person_id)
    with translation.override(language):
        record = insurance_record_get(actor=actor, person=person, purpose=str(purpose))
    return _issue(
        kind=kind,
        person=person,
        language=language,
        protocol=protocol,
        build=lambda code, at: spec(record=record, code=code, protocol=protocol, issued_at=at, language=language),
        actor_label=actor.username,
    )


def insurance_history_certificate_issue(*, actor: Actor, person_id: int, language: str, protocol: str) -> IssuedDocumentInfo:
    """The person's insurance history certificate, sealed."""
    return _record_certificate_issue(
        actor=actor, person_id=person_id, language=language, protocol=protocol, kind=DocumentKind.INSURANCE_HISTORY_CERTIFICATE,
        purpose=gettext_lazy("Issue an insurance history certificate"), spec=content.insurance_history_spec,
    )


def insurance_status_certificate_issue(*, actor: Actor, person_id: int, language: str, protocol: str) -> IssuedDocumentInfo:
    """The person's certificate of insurance status (insured now or not, the latest period), sealed."""
    return _record_certificate_issue(
        actor=actor, person_id=person_id, language=language, protocol=protocol, kind=DocumentKind.INSURANCE_STATUS_CERTIFICATE,
        purpose=gettext_lazy("Issue a certificate of insurance status"), spec=content.insurance_status_spec,
    )


def _summary_check(summary: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not isinstance(summary, (list, tuple)) or len(summary) > SUMMARY_MAX_PAIRS:
        raise PronoiaError(code="summary_invalid", message=_("The summary must be a list of at most %(max)s pairs.") % {"max": SUMMARY_MAX_PAIRS}, field="summary")
    cleaned = []
    for pair in summary:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise PronoiaError(code="summary_invalid", message=_("Each summary entry must be a (label, value) pair."), field="summary")
        cleaned.append((_text_check(_printable(pair[0], 300), "summary", max_chars=300), _printable(pair[1], SUMMARY_VALUE_MAX_CHARS)))
    return cleaned


def _printable(value, max_chars: int) -> str:
    """Summary text as printed: newlines normalised, other control characters dropped, long
    values shortened with an ellipsis (the summary repeats answers already validated by the form;
    a receipt must not fail because an answer was long)."""
    text = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ord(ch) >= 32 or ch in "\n\t").strip()
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def submission_receipt_issue(
    *, person_id: int, language: str, protocol: str, service_title: str, submitted_at: dt.datetime, summary: list[tuple[str, str]]
) -> IssuedDocumentInfo:
    """The temporary certificate of submission of an application, sealed."""
    language = _language_check(language)
    protocol = _protocol_check(protocol, required=True)
    service_title = _text_check(service_title, "service_title", max_chars=300)
    submitted_at = _aware(submitted_at, "submitted_at")
    summary = _summary_check(summary)
    person = _person(person_id)
    person_data = _person_dict(person)
    return _issue(
        kind=DocumentKind.SUBMISSION_RECEIPT,
        person=person,
        language=language,
        protocol=protocol,
        build=lambda code, at: content.submission_receipt_spec(
            person=person_data, code=code, protocol=protocol, service_title=service_title, submitted_at=submitted_at, summary=summary, issued_at=at, language=language
        ),
        actor_label="system:applications",
    )


def decision_document_issue(
    *, person_id: int, language: str, protocol: str, service_title: str, outcome: str, reasons: str, decided_by: str, decided_at: dt.datetime
) -> IssuedDocumentInfo:
    """The reasoned decision on an application, sealed."""
    language = _language_check(language)
    protocol = _protocol_check(protocol, required=True)
    service_title = _text_check(service_title, "service_title", max_chars=300)
    outcome = _text_check(outcome, "outcome", max_chars=200)
    reasons = _text_check(reasons, "reasons")
    decided_by = _text_check(decided_by, "decided_by", max_chars=200)
    decided_at = _aware(decided_at, "decided_at")
    person = _person(person_id)
    person_data = _person_dict(person)
    return _issue(
        kind=DocumentKind.DECISION,
        person=person,
        language=language,
        protocol=protocol,
        build=lambda code, at: content.decision_spec(
            person=person_data,
            code=code,
            protocol=protocol,
            service_title=service_title,
            outcome=outcome,
            reasons=reasons,
            decided_by=decided_by,
            decided_at=decided_at,
            issued_at=at,
            language=language,
        ),
        actor_label="system:applications",
    )


def upload_store(file, *, person_id: int, accept: Sequence[str], max_bytes: int, field: str = "file") -> UploadInfo:
    """Store an uploaded file after re-checking its type (by content) and size.

    Refuses with PronoiaError(field=`field`) before anything is written, so a refused file leaves
    nothing behind; the stored name is random, under documents/uploads/ in the default storage.
    """
    data = uploads.file_read_capped(file, max_bytes=max_bytes)
    try:
        media_type = uploads.upload_check(data, accept=accept, max_bytes=max_bytes)
    except uploads.UploadRefused as refused:
        raise PronoiaError(code=refused.code, message=refused.message, field=field) from None
    person = _person(person_id)
    filename = uploads.filename_sanitise(getattr(file, "name", "") or "", media_type=media_type)
    digest = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    stored_name = default_storage.save(f"documents/uploads/{now:%Y/%m}/{secrets.token_hex(16)}{uploads.EXTENSIONS[media_type]}", ContentFile(data))
    try:
        with transaction.atomic():
            upload = StoredUpload.objects.create(person=person, filename=filename, media_type=media_type, size=len(data), sha256=digest, file=stored_name)
    except Exception:
        default_storage.delete(stored_name)
        raise
    return UploadInfo(id=upload.pk, filename=filename, media_type=media_type, size=len(data), sha256=digest)
