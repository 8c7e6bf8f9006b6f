"""Applications for e-services and their handling in the back office.

An Application is one request of one person for one catalogue service, numbered with a protocol
`YYYY/NNNNNNN` that is unique and gapless per year (ProtocolCounter, allocated in the insert's
transaction). Its history is a list of StatusChange rows (append-only). Staff ask questions
(InformationRequest), decide (Decision, with an optional second approval) and, on the
international-relations path, record their contacts abroad (ContactRecord). Documents and uploads
live in the documents app; these models keep their ids only.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pronoia.core.errors import PronoiaError


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    INFORMATION_PROVIDED = "information_provided", _("Information provided")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed")


FINAL_STATUSES: frozenset[str] = frozenset({ApplicationStatus.REJECTED, ApplicationStatus.ISSUED, ApplicationStatus.FAILED})
OPEN_STATUSES: frozenset[str] = frozenset(set(ApplicationStatus.values) - FINAL_STATUSES)


class ProtocolCounter(models.Model):
    """The last protocol number handed out in a year; its row is locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class ApprovalState(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No second approval needed")
    PENDING = "pending", _("No decision proposed yet")
    AWAITING = "awaiting", _("Waiting for a second approval")
    CONFIRMED = "confirmed", _("Confirmed by a second handler")


class Application(models.Model):
    protocol = models.CharField(max_length=12, unique=True)  # "2026/0000042"
    year = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="applications")
    service_code = models.CharField(max_length=80)
    form_name = models.CharField(max_length=80)
    data = models.JSONField(default=dict)
    # sha256 of (person, service, data, uploads): the same submission within minutes is one application.
    fingerprint = models.CharField(max_length=64)
    language = models.CharField(max_length=8)
    status = models.CharField(max_length=24, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_by_label = models.CharField(max_length=150, blank=True)
    # The mandate a representative submitted under (None when the person applied themselves).
    acting_mandate_id = models.PositiveIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=16, default="web")
    unit = models.CharField(max_length=40, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_applications")
    assigned_at = models.DateTimeField(null=True, blank=True)
    # The SLA deadline in working days from the catalogue's handling; None when decided at once.
    due_at = models.DateTimeField(null=True, blank=True)
    second_approval_required = models.BooleanField(default=False)
    approval_state = models.CharField(max_length=16, choices=ApprovalState.choices, default=ApprovalState.NOT_NEEDED)
    # Why the application failed (shown to the person with another channel to use).
    failure_reason = models.TextField(blank=True)
    # Blocking data-quality flags found when an automatic service could not decide at once.
    blocking_flag_ids = models.JSONField(default=list, blank=True)
    # ... or records that may be the person's, waiting for a linkage review.
    blocked_by_linkage_review = models.BooleanField(default=False)
    # A correction request of the insurance file tracked as this application (R-FILE-3).
    correction_request = models.OneToOneField(
        "insurance.CorrectionRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="application_protocol_unique_per_year"),
            models.CheckConstraint(condition=Q(number__gte=1), name="application_number_positive"),
        ]
        indexes = [
            models.Index(fields=["person", "-submitted_at"], name="application_person_newest"),
            models.Index(fields=["unit", "status"], name="application_unit_status"),
            models.Index(fields=["assigned_to", "status"], name="application_assignee_status"),
            models.Index(fields=["fingerprint", "submitted_at"], name="application_fingerprint"),
            models.Index(fields=["status", "due_at"], name="application_status_due"),
        ]

    def __str__(self) -> str:
        return self.protocol

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class AppendOnlyModel(models.Model):
    """Rows that are history: written once, never changed or deleted from the application."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PronoiaError(code="append_only", message=f"{type(self).__name__} rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PronoiaError(code="append_only", message=f"{type(self).__name__} rows are never deleted")


class StatusChange(AppendOnlyModel):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=24, blank=True)  # "" for the first ("submitted")
    to_status = models.CharField(max_length=24, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150)  # "system" for the automatic path
    actor_role = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["application", "at"], name="status_change_app_time")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status or '-'} -> {self.to_status}"


class InformationRequest(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="information_requests")
    question = models.TextField()
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    asked_by_label = models.CharField(max_length=150)
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by_label = models.CharField(max_length=150, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class Decision(models.Model):
    """A handler's reasoned decision; with second approval it waits until another handler confirms."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for a second approval")
        FINAL = "final", _("Final")
        RETURNED = "returned", _("Returned by the second approver")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    reasons = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by_label = models.CharField(max_length=150)
    decided_at = models.DateTimeField()
    second_approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    second_approver_label = models.CharField(max_length=150, blank=True)
    second_approved_at = models.DateTimeField(null=True, blank=True)
    second_note = models.TextField(blank=True)
    document_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        constraints = [
            # At most one decision in force (proposed or final) per application.
            models.UniqueConstraint(fields=["application"], condition=~Q(state="returned"), name="decision_one_live_per_application"),
        ]


class ContactRecord(models.Model):
    """A contact of the international-relations unit with a foreign employer or institution."""

    class Counterpart(models.TextChoices):
        FOREIGN_EMPLOYER = "foreign_employer", _("Foreign employer")
        FOREIGN_INSTITUTION = "foreign_institution", _("Foreign social-security institution")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        POST = "post", _("Post")
        EESSI = "eessi", _("EESSI electronic exchange")
        OTHER = "other", _("Other")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="contacts")
    counterpart_kind = models.CharField(max_length=24, choices=Counterpart.choices)
    counterpart_name = models.CharField(max_length=200)
    counterpart_country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    channel = models.CharField(max_length=16, choices=Channel.choices)
    contacted_on = models.DateField()
    summary = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by_label = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["contacted_on", "pk"]


class ApplicationDocument(models.Model):
    """A document issued for the application (documents app id): receipt, decision, certificate."""

    class Role(models.TextChoices):
        RECEIPT = "receipt", _("Certificate of submission")
        DECISION = "decision", _("Decision")
        OUTPUT = "output", _("Issued document")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    document_id = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    kind = models.CharField(max_length=40)
    filename = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "document_id"], name="application_document_once"),
            # One submission receipt per application.
            models.UniqueConstraint(fields=["application"], condition=Q(role="receipt"), name="application_one_receipt"),
        ]


class ApplicationUpload(models.Model):
    """A file the person uploaded (documents app id), with the form or the information request it answered."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="uploads")
    upload_id = models.PositiveIntegerField()
    field = models.CharField(max_length=80, blank=True)
    information_request = models.ForeignKey(InformationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads")
    filename = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
