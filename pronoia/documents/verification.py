"""Checking a file someone holds against the document a verification code names.

Two independent checks, both must pass for "authentic":
1. the file's sha256 equals the one recorded when the document was issued (it is that document,
   byte for byte; a valid seal alone is not enough: bytes outside the signed ranges, such as data
   appended after the last time stamp, change the hash but not the seal);
2. the file's seal validates with pyHanko offline: integrity, a chain to the institution's test
   root, the signature time stamp, and the level reached (sealing.sealed_pdf_check).
The file is only read into memory; nothing is stored.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from pronoia.documents import sealing, uploads
from pronoia.documents.models import IssuedDocument

AUTHENTIC = "authentic"
OTHER_DOCUMENT = "other_document"      # another document we issued, intact: not the one of this code
NOT_AUTHENTIC = "not_authentic"        # changed after sealing, or not sealed by the institution
REFUSED = "refused"                    # not a PDF, empty or too large: not checked at all


@dataclass
class Verdict:
    outcome: str
    message: str
    sha256: str = ""
    sha256_matches: bool = False
    seal_valid: bool = False
    seal_level: str = ""
    signed_at: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "message": self.message,
            "sha256": self.sha256,
            "sha256_matches": self.sha256_matches,
            "seal_valid": self.seal_valid,
            "seal_level": self.seal_level,
            "signed_at": self.signed_at,
        }


def document_file_verify(document: IssuedDocument, data: bytes, *, max_bytes: int | None = None) -> Verdict:
    """The verdict on `data` as the document `document` (see the module docstring)."""
    max_bytes = max_bytes or settings.PRONOIA_VERIFY_MAX_BYTES
    if not data:
        return Verdict(REFUSED, _("The file is empty."))
    if len(data) > max_bytes:
        return Verdict(REFUSED, _("The file is larger than %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024) or 1})
    if uploads.media_type_detect(data) != uploads.PDF:
        return Verdict(REFUSED, _("Choose the PDF file of the document (the check reads its content, not its name)."))
    digest = hashlib.sha256(data).hexdigest()
    check = sealing.sealed_pdf_check(data, directory=settings.PRONOIA_PKI_DIR, service_url=settings.PRONOIA_PKI_SERVICE_URL)
    verdict = Verdict(
        outcome=NOT_AUTHENTIC,
        message="",
        sha256=digest,
        sha256_matches=digest == document.sha256,
        seal_valid=check.valid,
        seal_level=check.level,
        signed_at=check.signed_at,
        problems=list(check.problems),
    )
    if verdict.sha256_matches and check.valid:
        verdict.outcome = AUTHENTIC
        verdict.message = _("Authentic: this file is the document issued with this code, and its seal is valid.")
    elif check.valid and IssuedDocument.objects.filter(sha256=digest).exclude(pk=document.pk).exists():
        verdict.outcome = OTHER_DOCUMENT
        verdict.message = _(
            "This file carries a valid seal of the institution, but it is not the document issued with this code. "
            "Check that you entered the code printed on this document."
        )
    else:
        verdict.message = _(
            "Not authentic: this file was changed after it was sealed, or it was not sealed by the institution. Do not rely on it."
        )
    return verdict
