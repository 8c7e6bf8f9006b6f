"""Sealing PDFs with the institution's seal (PAdES B-LTA) and checking sealed PDFs.

Sealing, in one pyHanko signing call:
  B-B   CMS signature by the seal certificate (PAdES subfilter ETSI.CAdES.detached),
  B-T   a signature time stamp from the local TSA (RFC 3161 over HTTP),
  B-LT  the chain, OCSP responses and CRLs for the seal and the TSA put in the document
        security store (DSS), fetched over HTTP from the PKI service,
  B-LTA a document time stamp over all of that.

Checking (`sealed_pdf_check`) trusts only the test root, validates offline from what the
document carries (no fetching: the document must stand on its own), and reports the level
reached. Nothing here touches the database.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pronoia.documents import pki

SIGNATURE_FIELD = "PronoiaSeal"
TIMESTAMP_FIELD = "PronoiaArchiveTimestamp"
# What seal_pdf produces, or it raises: the tests check documents reach it (sealed_pdf_check).
SEAL_LEVEL = "B-LTA"


class SealingError(Exception):
    """The PKI or the TSA could not be used (missing PKI, service down, bad answer)."""


@dataclass(frozen=True)
class SealMaterial:
    """What signing needs, loaded once per process and PKI: certificates and key never change."""

    signer: object            # pyhanko SimpleSigner
    root: object              # asn1crypto x509.Certificate
    trust_roots: tuple
    other_certs: tuple
    tsa_url: str
    seal_subject: str
    # Reused across calls (pyHanko supports that): it keeps the size-estimation token it fetched
    # once, so each seal asks the TSA twice (signature and archive time stamps), not three times.
    timestamper: object


_material_lock = threading.Lock()
# Keyed by (directory, service URL, configuration mtime): immutable material derived from files,
# so a per-process cache is safe with many processes (each derives the same bytes).
_material_cache: dict[tuple, SealMaterial] = {}


def seal_material(directory: Path | str, *, service_url: str) -> SealMaterial:
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    paths = pki.PkiPaths(Path(directory))
    try:
        key = (str(paths.directory.resolve()), service_url, paths.config.stat().st_mtime_ns)
    except FileNotFoundError as exc:
        raise SealingError(f"No test PKI in {paths.directory}: run `pronoia pki_init`.") from exc
    with _material_lock:
        cached = _material_cache.get(key)
        if cached is not None:
            return cached
        arch = pki.pki_architecture_load(paths.directory, service_url=service_url)
        root, interm, seal, tsa = (arch.get_cert(label) for label in ("root", "interm", "seal", "tsa"))
        signer = signers.SimpleSigner(
            signing_cert=seal,
            signing_key=arch.key_set.get_private_key("seal"),
            cert_registry=SimpleCertificateStore.from_certs([interm, root]),
        )
        material = SealMaterial(
            signer=signer,
            root=root,
            trust_roots=(root,),
            other_certs=(interm, tsa),
            tsa_url=pki.tsa_url(service_url),
            seal_subject=seal.subject.human_friendly,
            timestamper=HTTPTimeStamper(pki.tsa_url(service_url), timeout=10),
        )
        _material_cache[key] = material
        return material


def _validation_context(material: SealMaterial, *, fetch: bool):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(material.trust_roots),
        other_certs=list(material.other_certs),
        allow_fetching=fetch,
        revocation_mode="require" if fetch else "hard-fail",
    )


def seal_pdf(pdf: bytes, *, directory: Path | str, service_url: str, reason: str = "", location: str = "") -> bytes:
    """`pdf` sealed at PAdES B-LTA; raises SealingError when the PKI or TSA cannot be reached."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    material = seal_material(directory, service_url=service_url)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason or None,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=True,
        use_pades_lta=True,
        timestamp_field_name=TIMESTAMP_FIELD,
        validation_context=_validation_context(material, fetch=True),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        out = signers.sign_pdf(writer, meta, signer=material.signer, timestamper=material.timestamper)
    except Exception as exc:  # pyHanko raises many kinds (TSA, fetch, validation); all mean "not sealed"
        raise SealingError(f"Sealing failed: {type(exc).__name__}: {exc}") from exc
    return out.getvalue()


@dataclass
class SealCheck:
    """What a sealed PDF proves, checked offline against the test root."""

    intact: bool = False              # the signature covers the signed bytes and the math holds
    trusted: bool = False             # the seal chains to our root and was valid (not revoked) at signing
    timestamp_ok: bool = False        # a signature time stamp from a trusted TSA is present and valid
    revocation_embedded: bool = False  # the DSS carries what validation needs (validated with fetching off)
    archive_timestamp_ok: bool = False  # a document time stamp covers the signature and the DSS
    whole_document: bool = False      # nothing but the DSS and time stamps was added after signing
    level: str = ""                   # "B-B", "B-T", "B-LT", "B-LTA" or "" when not valid
    signer: str = ""
    signed_at: str = ""               # the time stamp's time (ISO), when there is one
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and self.whole_document


def sealed_pdf_check(pdf: bytes, *, directory: Path | str, service_url: str) -> SealCheck:
    """Validate the seal of `pdf` with pyHanko: integrity, trust to the test root, time stamps, level."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp

    check = SealCheck()
    material = seal_material(directory, service_url=service_url)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    # The PDF may come from anyone (the public verification page): any parsing failure, whatever
    # pyHanko or asn1crypto raise for malformed input, means "not a valid sealed document".
    except Exception as exc:  # noqa: BLE001
        check.problems.append(f"not a readable PDF: {type(exc).__name__}")
        return check
    seals = [s for s in signatures if s.field_name == SIGNATURE_FIELD]
    if not seals:
        check.problems.append("no seal signature in the document")
        return check
    sig = seals[0]
    try:
        status = validate_pdf_signature(sig, signer_validation_context=_offline_context(material, reader))
    except Exception as exc:  # noqa: BLE001 - malformed signatures raise many kinds (see above)
        check.problems.append(f"signature could not be validated: {type(exc).__name__}")
        return check
    check.intact = bool(status.intact and status.valid)
    check.trusted = bool(status.trusted) and not status.revoked
    check.signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    ts = status.timestamp_validity
    check.timestamp_ok = bool(ts is not None and ts.intact and ts.valid and ts.trusted)
    if ts is not None:
        check.signed_at = ts.timestamp.isoformat()
    # Only revisions that add the DSS or document time stamps may follow the seal.
    check.whole_document = status.coverage in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION) and (
        status.modification_level is None or status.modification_level.name in ("NONE", "LTA_UPDATES")
    )
    if not check.intact:
        check.problems.append("the signed bytes were changed")
    if not check.trusted:
        check.problems.append("the seal does not chain to the Pronoia test root or was revoked")
    if not check.whole_document:
        check.problems.append("the document was changed after sealing")
    # B-LT: revocation data for the seal chain is in the DSS (validated above with fetching off).
    check.revocation_embedded = check.trusted and _dss_has_revocation(reader)
    doc_timestamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    if doc_timestamps:
        try:
            last = doc_timestamps[-1]
            ts_status = validate_pdf_timestamp(last, validation_context=_offline_context(material, reader))
            check.archive_timestamp_ok = bool(ts_status.intact and ts_status.valid and ts_status.trusted)
            if not check.archive_timestamp_ok:
                check.problems.append("the archive time stamp does not validate")
        except Exception as exc:  # noqa: BLE001 - as above
            check.problems.append(f"archive time stamp could not be validated: {type(exc).__name__}")
    if check.valid:
        check.level = "B-B"
        if check.timestamp_ok:
            check.level = "B-T"
            if check.revocation_embedded:
                check.level = "B-LT"
                if check.archive_timestamp_ok:
                    check.level = "B-LTA"
    return check


def _offline_context(material: SealMaterial, reader):
    """A validation context that trusts the test root and uses only what the document carries."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext

    base = {"trust_roots": list(material.trust_roots), "other_certs": list(material.other_certs), "allow_fetching": False}
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS: validate without revocation data (the level stops at B-T)
        return ValidationContext(**base, revocation_mode="soft-fail")
    return dss.as_validation_context({**base, "revocation_mode": "hard-fail"})


def _dss_has_revocation(reader) -> bool:
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:
        return False
    return bool(dss.ocsps) or bool(dss.crls)

