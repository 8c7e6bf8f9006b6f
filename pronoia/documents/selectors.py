"""Reads of issued documents: a person's documents, their content, and public verification."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.documents import uploads
from pronoia.documents.codes import verification_code_normalise
from pronoia.documents.models import DocumentKind, IssuedDocument


@dataclass(frozen=True)
class IssuedDocumentInfo:
    id: int
    kind: str
    verification_code: str
    sha256: str
    filename: str
    download_url: str   # the owner's download route
    verify_url: str     # absolute path /verify/<code>


# Certificates show the insurance record; receipts and decisions belong to applications.
_KIND_CATEGORY = {
    DocumentKind.INSURANCE_HISTORY_CERTIFICATE: DataCategory.INSURANCE_RECORD,
    DocumentKind.INSURANCE_STATUS_CERTIFICATE: DataCategory.INSURANCE_RECORD,
    DocumentKind.A1_DOCUMENT: DataCategory.APPLICATIONS,
    DocumentKind.SUBMISSION_RECEIPT: DataCategory.APPLICATIONS,
    DocumentKind.DECISION: DataCategory.APPLICATIONS,
}


def document_info(document: IssuedDocument) -> IssuedDocumentInfo:
    return IssuedDocumentInfo(
        id=document.pk,
        kind=document.kind,
        verification_code=document.verification_code,
        sha256=document.sha256,
        filename=document.filename,
        download_url=reverse("documents:download", args=[document.pk]),
        verify_url=reverse("documents:verify-code", args=[document.verification_code]),
    )


def documents_for_person(*, actor: Actor, person_id: int) -> list[IssuedDocumentInfo]:
    """The person's issued documents, newest first (access checked: the applications category)."""
    person_data_access_check(actor, person_id=person_id, categories=[DataCategory.APPLICATIONS], purpose=_("List issued documents"))
    return [document_info(d) for d in IssuedDocument.objects.filter(person_id=person_id)]


def documents_rows_for_person(*, actor: Actor, person_id: int) -> list[dict]:
    """What the "my documents" page lists: info plus kind label, date, protocol, language."""
    person_data_access_check(actor, person_id=person_id, categories=[DataCategory.APPLICATIONS], purpose=_("List issued documents"))
    return [
        {
            "info": document_info(d),
            "kind_label": d.get_kind_display(),
            "issued_at": d.issued_at,
            "protocol": d.protocol,
            "language": d.language,
            "size": d.size,
            "seal_level": d.seal_level,
        }
        for d in IssuedDocument.objects.filter(person_id=person_id)
    ]


def document_content_get(*, actor: Actor, document_id: int, person_id: int | None = None) -> tuple[bytes, str]:
    """(pdf bytes, filename) of a document, for its owner or someone the access rules allow.

    With `person_id`, only that person's documents exist (others are NotFound, not "forbidden",
    so the "my documents" route does not reveal which numbers belong to someone else).

    The stored bytes are checked against the sha256 recorded at issue: a file changed in storage
    is never served as the institution's document.
    """
    documents = IssuedDocument.objects.filter(pk=document_id)
    if person_id is not None:
        documents = documents.filter(person_id=person_id)
    document = documents.first()
    if document is None:
        raise NotFound(code="document_unknown", message=_("There is no such document."))
    person_data_access_check(actor, person_id=document.person_id, categories=[_KIND_CATEGORY[document.kind]], purpose=_("Download an issued document"))
    with default_storage.open(document.file.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise PronoiaError(code="document_corrupted", message=_("The stored copy of this document is damaged; contact the institution."), status_code=500)
    return data, document.filename


def document_get_by_code(code: str) -> IssuedDocument:
    """The document with this verification code (as typed); NotFound otherwise."""
    normalised = verification_code_normalise(code)
    document = IssuedDocument.objects.select_related("person").filter(verification_code=normalised).first() if normalised else None
    if document is None:
        raise NotFound(code="verification_code_unknown", message=_("No document has this verification code. Check the code and try again."))
    return document


def person_initials(document: IssuedDocument) -> str:
    """The holder's initials, the most the public verification page shows of who the document is about."""
    person = document.person
    return "".join(f"{(part or '?')[:1].upper()}." for part in (person.given_name, person.surname))


def document_public_metadata(document: IssuedDocument) -> dict:
    """What anyone holding the code may see: no personal data beyond the holder's initials."""
    return {
        "verification_code": document.verification_code,
        "kind": document.kind,
        "kind_label": str(document.get_kind_display()),
        "issued_at": document.issued_at.isoformat(),
        "issuer": document.issuer,
        "protocol": document.protocol,
        "sha256": document.sha256,
        "size": document.size,
        "language": document.language,
        "seal_level": document.seal_level,
        "holder_initials": person_initials(document),
        "institution": settings.PRONOIA_INSTITUTION,
    }


def upload_sniff(file, *, accept: Sequence[str], max_bytes: int) -> str | None:
    """None when `file` may be accepted (type by content, size, no hostile shape), else a translated reason."""
    data = uploads.file_read_capped(file, max_bytes=max_bytes)
    try:
        uploads.upload_check(data, accept=accept, max_bytes=max_bytes)
    except uploads.UploadRefused as refused:
        return refused.message
    return None


def document_kind_label(kind: str) -> str:
    """What a kind of document is called, in the active language ("" for an unknown kind)."""
    from pronoia.documents.models import DocumentKind

    return str(DocumentKind(kind).label) if kind in DocumentKind.values else ""
