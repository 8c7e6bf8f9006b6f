"""Reads of notifications: the person's inbox and choices, the staff delivery log, templates."""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.errors import NotFound
from pronoia.notifications.models import (
    Category,
    DeliveryAttempt,
    InboxEntry,
    Notification,
    NotificationChannel,
    NotificationTemplate,
    Preference,
    Status,
    TemplateVersion,
)

INBOX_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


def inbox_unread_count(*, actor: Actor) -> int:
    """Unread messages of the signed-in person's own inbox (0 for anyone else)."""
    if actor.person_id is None:
        return 0
    return InboxEntry.objects.filter(person_id=actor.person_id, read_at__isnull=True).count()


# The navigation's count is read on every page; it is cached briefly (Redis in production, shared by
# every process) and dropped when the inbox changes. With the embedded per-process cache a message a
# worker delivers shows in the count within UNREAD_CACHE_SECONDS; the inbox page itself always counts.
UNREAD_CACHE_SECONDS = 30


def _unread_key(person_id: int) -> str:
    return f"notifications:unread:{person_id}"


def inbox_unread_count_for_navigation(*, actor: Actor) -> int:
    if actor.person_id is None:
        return 0
    from django.core.cache import cache

    count = cache.get(_unread_key(actor.person_id))
    if count is None:
        count = inbox_unread_count(actor=actor)
        cache.set(_unread_key(actor.person_id), count, UNREAD_CACHE_SECONDS)
    return count


def inbox_unread_forget(*, person_ids) -> None:
    """Drop the cached counts of these persons (after their inbox changed)."""
    from django.core.cache import cache

    cache.delete_many([_unread_key(pid) for pid in set(person_ids)])


def inbox_page(*, actor: Actor, page: int = 1) -> dict:
    """The signed-in person's own inbox, newest first, with the unread count."""
    qs = InboxEntry.objects.filter(person_id=actor.person_id).order_by("-created_at", "-pk") if actor.person_id else InboxEntry.objects.none()
    paginator = Paginator(qs.only("pk", "title", "protocol", "read_at", "created_at", "critical"), INBOX_PAGE_SIZE)
    current = paginator.get_page(page)
    return {"page": current, "entries": list(current.object_list), "unread": inbox_unread_count(actor=actor)}


def inbox_entry_get(*, actor: Actor, entry_id: int) -> InboxEntry:
    entry = InboxEntry.objects.filter(pk=entry_id, person_id=actor.person_id).first() if actor.person_id else None
    if entry is None:
        raise NotFound(code="inbox_entry_not_found", message="There is no such message in your inbox.")
    return entry


def preferences_for(*, actor: Actor) -> dict[str, list[str]]:
    """The signed-in person's channels per category (the defaults where they have not chosen)."""
    saved = dict(Preference.objects.filter(person_id=actor.person_id).values_list("category", "channels")) if actor.person_id else {}
    return {category: list(saved.get(category, settings.NOTIFY_DEFAULT_CHANNELS)) for category in Category.values}


@dataclass(frozen=True)
class LogFilters:
    national_id: str = ""
    protocol: str = ""
    status: str = ""
    channel: str = ""
    purpose: str = ""


def delivery_log_page(*, actor: Actor, filters: LogFilters, page: int = 1) -> dict:
    """Notifications for support staff, newest first. Searching by national id opens that person's
    data: the access rule decides and the access log records it."""
    from pronoia.people.selectors import person_get_by_national_id

    qs: QuerySet[Notification] = Notification.objects.all()
    person = None
    if filters.national_id:
        try:
            person = person_get_by_national_id(national_id=filters.national_id)
        except NotFound:
            qs = qs.none()
        else:
            person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.IDENTITY, DataCategory.APPLICATIONS], purpose=filters.purpose)
            qs = qs.filter(Q(person_id=person.pk) | Q(subject_person_id=person.pk))
    if filters.protocol:
        qs = qs.filter(protocol=filters.protocol)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    qs = qs.select_related("template_version__template").annotate(log_entries=Count("attempt_log")).order_by("-created_at", "-pk")
    paginator = Paginator(qs.only("pk", "channel", "status", "category", "critical", "protocol", "attempts", "next_attempt_at", "created_at", "destination", "detail", "person_id", "resend_no", "fallback_of_id", "template_version__version", "template_version__template__code"), LOG_PAGE_SIZE)
    current = paginator.get_page(page)
    rows = list(current.object_list)
    for row in rows:
        row.destination_masked = destination_mask(row.destination, row.channel)
    return {"page": current, "rows": rows, "person": person}


def notification_log(*, notification_id: int) -> list[DeliveryAttempt]:
    return list(DeliveryAttempt.objects.filter(notification_id=notification_id).order_by("at", "pk"))


def destination_mask(value: str, channel: str) -> str:
    """Enough to tell addresses apart in the log, not enough to read them."""
    if not value:
        return ""
    if channel == NotificationChannel.EMAIL and "@" in value:
        local, _sep, domain = value.partition("@")
        return f"{local[:1]}…@{domain}"
    if channel == NotificationChannel.SMS:
        return f"…{value[-3:]}"
    if channel == NotificationChannel.PUSH:
        return value.split("/")[2] if value.count("/") >= 2 else "…"
    return ""


def templates_list() -> list[NotificationTemplate]:
    return list(NotificationTemplate.objects.annotate(version_count=Count("versions")).order_by("code", "channel"))


def template_latest_version(*, template_id: int) -> TemplateVersion:
    version = TemplateVersion.objects.filter(template_id=template_id).select_related("template").order_by("-version").first()
    if version is None:
        raise NotFound(code="template_not_found", message="No such template.")
    return version


# Sample values for the staff preview: synthetic, never a real person's data.
PREVIEW_SAMPLES = {
    "protocol_number": "2026/0000042",
    "service_name": "Insurance history certificate",
    "status": "In review",
    "outcome": "Approved",
    "portal_url": "https://portal.example/my/inbox",
    "reaches_on": "1 June 2027",
    "year": "2026",
}

STATUS_CHOICES = Status.choices
