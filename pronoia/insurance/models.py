"""The insurance file: funds, source registries, import batches, periods with provenance,
linkage review queue, data-quality flags and correction requests.

Nothing is overwritten: a corrected record supersedes the old one (status SUPERSEDED,
`superseded_by` set); a record repeated by another source is kept with `duplicate_of` set and
counted once.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pronoia.core.countries import Country


class Fund(models.Model):
    """An insurance fund or scheme (e.g. IKA-ETAM, OAEE, ZUS, KRUS, NOI)."""

    code = models.CharField(max_length=32, unique=True)
    country = models.CharField(max_length=2, choices=Country.choices)
    name = models.CharField(max_length=200)
    # main (primary pension), auxiliary, farmers, self-employed, ...
    kind = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return self.code


class SourceRegistry(models.Model):
    """A registry that sends us records: a legacy fund's export, a declaration system, a ministry."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, choices=Country.choices, blank=True)

    class Meta:
        verbose_name_plural = _("source registries")

    def __str__(self) -> str:
        return self.code


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    source = models.ForeignKey(SourceRegistry, on_delete=models.PROTECT, related_name="batches")
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField(max_length=32, default="utf-8")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_superseding = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_unmatched = models.PositiveIntegerField(default=0)
    rows_review = models.PositiveIntegerField(default=0)
    rows_error = models.PositiveIntegerField(default=0)
    # Last physical line fully processed: lets a re-run report where an interrupted run stopped.
    last_line = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.source.code} {self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportRowError(models.Model):
    """One rejected line of an import file: which line, which field, why."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    line_no = models.PositiveIntegerField()
    field = models.CharField(max_length=64, blank=True)
    code = models.CharField(max_length=64)
    message = models.CharField(max_length=500)
    # A safe, truncated excerpt of the raw line for staff.
    excerpt = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "line_no"]


class InsuranceType(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    SELF_EMPLOYMENT = "self_employment", _("Self-employment")
    FARMING = "farming", _("Farming")
    UNEMPLOYMENT_CREDIT = "unemployment_credit", _("Unemployment credit")
    MATERNITY_CREDIT = "maternity_credit", _("Maternity credit")
    SICKNESS_CREDIT = "sickness_credit", _("Sickness credit")
    MILITARY_SERVICE = "military_service", _("Military service")


class LinkMethod(models.TextChoices):
    NATIONAL_ID = "national_id", _("National identifier")
    LEGACY_ID = "legacy_id", _("Legacy fund member number")
    NAME_BIRTH_DATE = "name_birth_date", _("Name and birth date")
    MANUAL = "manual", _("Linked by staff")
    NONE = "none", _("Not linked")


class InsurancePeriod(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")
        SUPERSEDED = "superseded", _("Superseded")

    # Null until the record is linked to a person (unmatched, or waiting in the review queue).
    # No index of its own: the (person, period_from) index serves every lookup by person.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="periods", db_index=False
    )
    # Null for self-employment and credited periods without an employer.
    employer = models.ForeignKey("employers.Employer", null=True, blank=True, on_delete=models.PROTECT, related_name="periods")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="periods")
    insurance_type = models.CharField(max_length=32, choices=InsuranceType.choices)
    period_from = models.DateField()
    period_to = models.DateField()
    days = models.PositiveIntegerField()
    earnings = models.DecimalField(max_digits=14, decimal_places=2)
    contributions = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes")
    # The same facts reported by another source earlier: kept for provenance, counted once.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")
    link_method = models.CharField(max_length=20, choices=LinkMethod.choices, default=LinkMethod.NONE)
    review = models.ForeignKey("LinkageReview", null=True, blank=True, on_delete=models.SET_NULL, related_name="periods")

    # Provenance.
    source = models.ForeignKey(SourceRegistry, on_delete=models.PROTECT, related_name="periods")
    source_record_id = models.CharField(max_length=64)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="periods")
    source_line = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()
    # sha256 of the record's normalised content: same id + same hash = unchanged on re-import.
    record_hash = models.CharField(max_length=64)
    # sha256 of (person, employer, dates, type, days, earnings): finds the same facts from another source.
    # Not indexed: duplicates are looked up through the (person, period_from) index (the hash covers
    # both); an index on a random 64-character key is costly to maintain on a large table.
    fact_hash = models.CharField(max_length=64, blank=True)

    # The identity as the source reported it (for linkage, review and re-linking).
    reported_national_id = models.CharField(max_length=16, blank=True)
    legacy_fund_code = models.CharField(max_length=32, blank=True)
    legacy_member_no = models.CharField(max_length=40, blank=True)
    reported_surname = models.CharField(max_length=100, blank=True)
    reported_given_name = models.CharField(max_length=100, blank=True)
    reported_birth_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(period_from__lte=F("period_to")), name="period_dates_ordered"),
            models.CheckConstraint(condition=Q(earnings__gte=0), name="period_earnings_not_negative"),
            models.CheckConstraint(condition=Q(contributions__gte=0), name="period_contributions_not_negative"),
            # One live version of each source record; superseded versions stay beside it.
            models.UniqueConstraint(
                fields=["source", "source_record_id"],
                condition=~Q(status="superseded"),
                name="period_one_live_version_per_source_record",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "period_from"], name="period_person_from_idx"),
            models.Index(fields=["link_method", "status"], name="period_link_status_idx"),
            models.Index(fields=["legacy_fund_code", "legacy_member_no"], name="period_legacy_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.period_from}..{self.period_to} {self.days}d"

    @property
    def counts(self) -> bool:
        """Whether the period counts in totals (live, not a duplicate of another source's record)."""
        return self.status != self.Status.SUPERSEDED and self.duplicate_of_id is None


class LinkageReview(models.Model):
    """An uncertain match waiting for staff: records that may belong to a known person.

    One review covers all records of one reported identity (source, legacy fund and member
    number, name, birth date). It is never merged automatically.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged into a person")
        REJECTED = "rejected", _("No match: kept apart")

    identity_key = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    merged_into = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"review #{self.pk} ({self.get_status_display()})"


class LinkageCandidate(models.Model):
    review = models.ForeignKey(LinkageReview, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "person"], name="candidate_unique_per_review")]
        ordering = ["-score"]


class DataQualityFlag(models.Model):
    class Code(models.TextChoices):
        CAREER_GAP = "career_gap", _("Gap in the career")
        OVERLAP_EXCESS_DAYS = "overlap_excess_days", _("Overlapping periods exceed the calendar")
        CONFLICTING_MONTH = "conflicting_month", _("Same month reported differently by two sources")
        EARNINGS_OUTLIER = "earnings_outlier", _("Earnings far from the usual")
        UNMATCHED_RECORD = "unmatched_record", _("Record not linked to a person")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    period = models.ForeignKey(InsurancePeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=32, choices=Code.choices)
    # Distinguishes flags of one code for one person (e.g. "2011-03" for a month); recomputation upserts on it.
    key = models.CharField(max_length=100)
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "code", "key"], name="flag_unique_per_person_code_key"),
            # NULLs are distinct in the constraint above, so flags of unlinked records need their own.
            models.UniqueConstraint(
                fields=["code", "key"], condition=Q(person__isnull=True), name="flag_unique_unlinked_code_key"
            ),
        ]
        indexes = [models.Index(fields=["code", "status"], name="flag_code_status_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.key}"


class CorrectionRequest(models.Model):
    """A person asks to correct a period or a flagged problem. Handled by the e-services issue."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="correction_requests")
    period = models.ForeignKey(InsurancePeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="correction_requests")
    flag = models.ForeignKey(DataQualityFlag, null=True, blank=True, on_delete=models.SET_NULL, related_name="correction_requests")
    message = models.TextField(max_length=4000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"correction #{self.pk} ({self.status})"
