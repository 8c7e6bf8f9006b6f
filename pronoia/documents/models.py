"""Issued (sealed) documents and stored uploads.

The files live in Django's default storage (MEDIA_ROOT, var/media in the embedded set-up; an
object store in production), not in the database: sealed PDFs are write-once blobs of tens of
kilobytes that the database would only carry around in backups and replicas, while a storage
backend scales out and serves them. The database keeps what makes them trustworthy: the sha256
of the exact bytes issued (checked on every download) and the verification code.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    INSURANCE_HISTORY_CERTIFICATE = "insurance_history_certificate", _("Insurance history certificate")
    INSURANCE_STATUS_CERTIFICATE = "insurance_status_certificate", _("Certificate of insurance status")
    SUBMISSION_RECEIPT = "submission_receipt", _("Certificate of submission")
    DECISION = "decision", _("Decision")
    A1_DOCUMENT = "a1_document", _("A1 document")


class IssuedDocument(models.Model):
    """One sealed PDF issued to a person; never changed after issue."""

    kind = models.CharField(max_length=40, choices=DocumentKind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="issued_documents")
    language = models.CharField(max_length=8)
    # The application's protocol number (YYYY/NNNNNNN) the document belongs to; blank if none.
    protocol = models.CharField(max_length=20, blank=True)
    # Stored without separators, upper-case base32 of 15 random bytes (120 bits).
    verification_code = models.CharField(max_length=32, unique=True)
    # Indexed: the verification page tells a holder which other document a file is.
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    filename = models.CharField(max_length=120)
    file = models.FileField(upload_to="documents/issued/%Y/%m/", max_length=200)
    issuer = models.CharField(max_length=300)
    seal_level = models.CharField(max_length=8, help_text="PAdES baseline level reached at issue (B-T, B-LT, B-LTA).")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["person", "-issued_at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(verification_code=""), name="documents_issued_code_not_blank"),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="documents_issued_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class StoredUpload(models.Model):
    """A file a person uploaded (evidence for an application), kept under a random name."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="uploads")
    # The sanitised original name, for display only; the stored name is random.
    filename = models.CharField(max_length=120)
    media_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="documents/uploads/%Y/%m/", max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="documents_upload_not_empty"),
        ]
