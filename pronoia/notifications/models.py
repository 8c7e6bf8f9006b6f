"""Notifications: one message to one recipient on one channel, its delivery log, the inbox, templates,
preferences, push subscriptions and the records that make the pipeline idempotent."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pronoia.notifications.channels import base

LANGUAGES = ("en", "el", "pl", "bg", "ru")


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", _("Portal inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")
    PUSH = "push", _("Browser notification")


class Category(models.TextChoices):
    APPLICATIONS = "applications", _("Your applications")
    DOCUMENTS = "documents", _("Your documents")
    PENSIONS = "pensions", _("Pensions")
    PROACTIVE = "proactive", _("Reminders about your rights")
    CAMPAIGNS = "campaigns", _("Annual statements and general notices")


class Status(models.TextChoices):
    CREATED = "created", _("Created")
    SENDING = base.SENDING, _("Sending")
    DELIVERED = base.DELIVERED, _("Delivered")
    TEMPORARY_FAILURE = base.TEMPORARY_FAILURE, _("Temporary failure")
    PERMANENT_FAILURE = base.PERMANENT_FAILURE, _("Permanent failure")
    TECHNICAL_FAILURE = base.TECHNICAL_FAILURE, _("Technical failure")


FAILURE_STATUSES = frozenset({Status.TEMPORARY_FAILURE, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE})


class Notification(models.Model):
    """One message to one recipient on one channel.

    The idempotency key is (event, recipient person, channel, resend number): handling the same
    event twice cannot make a second message, the database refuses it. A staff resend is a new row
    with the next resend number. A message is final when delivered, permanently or technically
    failed, or temporarily failed with no retry left (`next_attempt_at` is then empty).
    """

    event = models.ForeignKey("core.DomainEvent", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notifications")
    # The person the event is about (differs from `person` for a representative).
    subject_person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=8, choices=NotificationChannel.choices)
    resend_no = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(max_length=16, choices=Category.choices)
    critical = models.BooleanField(default=False)
    template_version = models.ForeignKey("TemplateVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=8)
    # Values of the template's placeholders (protocol number, service name, dates): never a whole record.
    context = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    destination = models.CharField(max_length=1000, blank=True)
    application_id = models.PositiveIntegerField(null=True, blank=True)
    protocol = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=32, unique=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    fallback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks")
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends")
    created_at = models.DateTimeField()
    sending_at = models.DateTimeField(null=True, blank=True)
    # When the provider answered the current attempt (empty while a send is in doubt).
    answered_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person", "channel", "resend_no"], name="notification_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["status", "sending_at"], name="notification_in_doubt"),
            models.Index(fields=["person", "created_at"], name="notification_person_time"),
            models.Index(fields=["protocol"], name="notification_protocol"),
        ]

    def __str__(self) -> str:
        return f"notification #{self.pk} {self.channel} {self.status}"

    @property
    def is_final(self) -> bool:
        return is_final(self.status, self.next_attempt_at)


def is_final(status: str, next_attempt_at) -> bool:
    if status in (Status.DELIVERED, Status.PERMANENT_FAILURE):
        return True
    if status in (Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE):
        return next_attempt_at is None
    return False


class DeliveryAttempt(models.Model):
    """Append-only log of what happened to a notification: each send result, receipt, lookup, resend."""

    class Kind(models.TextChoices):
        SEND = "send", _("Send")
        RECEIPT = "receipt", _("Receipt")
        LOOKUP = "lookup", _("Provider lookup")
        RESEND = "resend", _("Resend by staff")
        FALLBACK = "fallback", _("Fallback")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="attempt_log")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    raw_status = models.CharField(max_length=40)
    provider_reference = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    # Whether the entry moved the notification's status (a late or duplicate receipt does not).
    applied = models.BooleanField(default=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["notification", "at"], name="delivery_attempt_time")]


class InboxEntry(models.Model):
    """A message in the person's portal inbox: kept with the case, never purged with the delivery log."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="inbox_entries")
    event = models.ForeignKey("core.DomainEvent", on_delete=models.PROTECT, related_name="+")
    notification = models.OneToOneField(Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox_entry")
    category = models.CharField(max_length=16, choices=Category.choices)
    critical = models.BooleanField(default=False)
    application_id = models.PositiveIntegerField(null=True, blank=True)
    protocol = models.CharField(max_length=16, blank=True)
    title = models.CharField(max_length=300)
    body = models.TextField()
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "event"], name="inbox_entry_once_per_event")]
        indexes = [models.Index(fields=["person", "read_at"], name="inbox_entry_unread")]


class NotificationTemplate(models.Model):
    """A message's template for one event (code) and channel; the texts live in versions."""

    code = models.CharField(max_length=80)
    channel = models.CharField(max_length=8, choices=NotificationChannel.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    critical = models.BooleanField(default=False)
    description = models.CharField(max_length=300, blank=True)
    # Names a version's texts may use as {name}; a build must give them all.
    placeholders = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "channel"], name="notification_template_code_channel")]

    def __str__(self) -> str:
        return f"{self.code} ({self.channel})"


class TemplateVersion(models.Model):
    """The texts of a template at one version: {"en": {"subject": ..., "body": ...}, "el": ...}. Never edited."""

    template = models.ForeignKey(NotificationTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    texts = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "version"], name="template_version_unique")]


class Preference(models.Model):
    """The channels a person chose for one category (critical notices reach the inbox whatever this says)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notification_preferences")
    category = models.CharField(max_length=16, choices=Category.choices)
    channels = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "category"], name="preference_person_category")]


class PushSubscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.CharField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["user", "active"], name="push_subscription_user")]


class EventFanout(models.Model):
    """That an event was turned into notifications (the unique event makes a second fan-out impossible)."""

    event = models.OneToOneField("core.DomainEvent", on_delete=models.PROTECT, related_name="+")
    notifications = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField()


class ProactiveNotice(models.Model):
    """A proactive notice sent to a person once per kind (e.g. pension age within six months)."""

    class Kind(models.TextChoices):
        PENSION_AGE = "pension_age", _("Pension age within six months")

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_on = models.DateField()
    event = models.ForeignKey("core.DomainEvent", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind"], name="proactive_notice_once")]


__all__ = [
    "Category",
    "DeliveryAttempt",
    "EventFanout",
    "InboxEntry",
    "Notification",
    "NotificationChannel",
    "NotificationTemplate",
    "Preference",
    "ProactiveNotice",
    "PushSubscription",
    "Status",
    "TemplateVersion",
]
