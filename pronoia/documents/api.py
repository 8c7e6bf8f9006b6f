"""Document API operations: public verification metadata by code."""
from django.http import HttpRequest
from ninja import Router, Schema

from pronoia.documents.selectors import document_get_by_code, document_public_metadata

router = Router(tags=["documents"])


class DocumentPublicOut(Schema):
    verification_code: str
    kind: str
    kind_label: str
    issued_at: str
    issuer: str
    protocol: str
    sha256: str
    size: int
    language: str
    seal_level: str
    holder_initials: str
    institution: str


@router.get("/verify/{verification_code}", response=DocumentPublicOut, auth=None, summary="Public metadata of an issued document")
def verify_document(request: HttpRequest, verification_code: str):
    """What the verification page shows for a code: kind, issue time, issuer, protocol, sha256 and
    the holder's initials. 404 `verification_code_unknown` when no document has the code."""
    return document_public_metadata(document_get_by_code(verification_code))
