"""Knowledge base: items, their versions and review (see pronoia/contact/services/knowledge.py).

An item (public id such as `hist-001`, unique per country) has numbered versions. A version is a
draft while its author works on it, goes into review, is approved by another content manager (or
rejected with a note) and is then published: it becomes the item's current text and the one it
replaces becomes "superseded" (kept as history). A published version is never edited: editing a
published item makes a new draft version. The revision counter lets every process tell, with one
cheap query, that its cached search index is stale.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pronoia.core.countries import Country

__all__ = [
    "KNOWLEDGE_LANGUAGES",
    "KnowledgeCategory",
    "KnowledgeItem",
    "KnowledgeItemStatus",
    "KnowledgeProposal",
    "KnowledgeRevision",
    "KnowledgeVersion",
    "KnowledgeVersionStatus",
]

KNOWLEDGE_LANGUAGES = ("en", "el", "pl", "bg", "ru")


class KnowledgeCategory(models.TextChoices):
    """The categories content managers choose from; imported sets may bring their own (e.g. clinc150)."""

    INSURANCE_HISTORY = "insurance-history", _("Insurance history")
    CONTRIBUTIONS = "contributions", _("Contributions")
    CERTIFICATES = "certificates", _("Certificates")
    PENSIONS = "pensions", _("Pensions")
    BENEFITS = "benefits", _("Benefits")
    APPOINTMENTS = "appointments", _("Appointments")
    PORTAL = "portal", _("Using the portal")


class KnowledgeItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class KnowledgeVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class KnowledgeItem(models.Model):
    item_id = models.CharField(max_length=100)
    country = models.CharField(max_length=2, choices=Country.choices)
    # Mirrors the category of the latest version (for the list filter).
    category = models.CharField(max_length=50)
    status = models.CharField(max_length=16, choices=KnowledgeItemStatus.choices, default=KnowledgeItemStatus.DRAFT)
    published_version = models.ForeignKey("KnowledgeVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    latest_version = models.ForeignKey("KnowledgeVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Case- and accent-folded texts of the latest and published versions: one substring filter on
    # both databases (JSON text is stored \u-escaped on SQLite, so the JSON itself is not searchable).
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["country", "item_id"], name="kb_item_id_unique_per_country"),
            models.CheckConstraint(condition=~Q(item_id=""), name="kb_item_id_not_empty"),
            models.CheckConstraint(condition=~Q(category=""), name="kb_item_category_not_empty"),
            models.CheckConstraint(condition=Q(status__in=KnowledgeItemStatus.values), name="kb_item_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=KnowledgeItemStatus.PUBLISHED) | Q(published_version__isnull=False),
                name="kb_item_published_has_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country}/{self.item_id}"


class KnowledgeVersion(models.Model):
    item = models.ForeignKey(KnowledgeItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=KnowledgeVersionStatus.choices, default=KnowledgeVersionStatus.DRAFT)
    category = models.CharField(max_length=50)
    # {lang: {"question": str, "variants": [str, ...], "answer": str}}, validated by the services.
    translations = models.JSONField(default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=150)  # the username, or "system" for the starter set
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewer_label = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by_label = models.CharField(max_length=150, blank=True)
    proposal = models.ForeignKey("KnowledgeProposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="versions")

    class Meta:
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="kb_version_number_unique_per_item"),
            models.CheckConstraint(condition=Q(number__gte=1), name="kb_version_number_positive"),
            models.CheckConstraint(condition=Q(status__in=KnowledgeVersionStatus.values), name="kb_version_status_valid"),
            # Approved, published and superseded versions went through review (the system's included).
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "published", "superseded"]) | Q(reviewed_at__isnull=False),
                name="kb_version_reviewed",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["published", "superseded"]) | Q(published_at__isnull=False),
                name="kb_version_published_at",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(submitted_at__isnull=False),
                name="kb_version_reviewed_after_submitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in (KnowledgeVersionStatus.DRAFT, KnowledgeVersionStatus.REJECTED)


class KnowledgeRevision(models.Model):
    """One row per country, incremented on every publish, retire and import that changed something.

    `vectors_number` is the revision whose dense vectors the worker has encoded and stored: until it
    catches up, web processes answer with BM25 instead of encoding every text inside a request.
    """

    country = models.CharField(max_length=2, choices=Country.choices, unique=True)
    number = models.PositiveBigIntegerField(default=0)
    vectors_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=0), name="kb_revision_not_negative"),
            models.CheckConstraint(condition=Q(vectors_number__lte=F("number")), name="kb_revision_vectors_not_ahead"),
        ]


class KnowledgeProposal(models.Model):
    """An operator's proposal of a new item, or of a change to `item`, usually from a conversation."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DRAFTED = "drafted", _("Turned into a draft")
        DECLINED = "declined", _("Declined")

    country = models.CharField(max_length=2, choices=Country.choices)
    item = models.ForeignKey(KnowledgeItem, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals")
    text = models.TextField()
    language = models.CharField(max_length=2)
    # The conversation it came from: a plain number, the conversations app owns that model.
    conversation_id = models.PositiveBigIntegerField(null=True, blank=True)
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposer_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="kb_proposal_text_not_empty"),
            models.CheckConstraint(condition=Q(language__in=KNOWLEDGE_LANGUAGES), name="kb_proposal_language_valid"),
            models.CheckConstraint(condition=Q(status__in=["open", "drafted", "declined"]), name="kb_proposal_status_valid"),
            models.CheckConstraint(condition=Q(status="open") | Q(decided_at__isnull=False), name="kb_proposal_decided_at"),
        ]

