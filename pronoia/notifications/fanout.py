"""From a domain event to notifications: who is concerned, on which channels, with which texts.

The DomainEvent table is the durable source. `event_fanout` is idempotent twice over: the
EventFanout row (unique per event) records that an event was handled, and each notification's
idempotency key (event, person, channel, resend number) is a database constraint.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.formats import date_format

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.errors import PronoiaError
from pronoia.core.models import DomainEvent
from pronoia.notifications.models import (
    LANGUAGES,
    Category,
    EventFanout,
    Notification,
    NotificationChannel,
    NotificationTemplate,
    Preference,
    PushSubscription,
    Status,
    TemplateVersion,
)
from pronoia.notifications.templating import render

logger = logging.getLogger(__name__)
C = NotificationChannel
COUNTRY_LANGUAGE = {"gr": "el", "pl": "pl", "bg": "bg"}
# The mandate category a representative needs to be told about a notification category.
MANDATE_CATEGORY = {
    Category.APPLICATIONS: DataCategory.APPLICATIONS,
    Category.DOCUMENTS: DataCategory.APPLICATIONS,
    Category.PENSIONS: DataCategory.PENSION,
    Category.PROACTIVE: DataCategory.PENSION,
    Category.CAMPAIGNS: DataCategory.INSURANCE_RECORD,
}


@dataclass(frozen=True)
class EventSpec:
    template_code: str
    category: str
    critical: bool = False


EVENT_SPECS: dict[str, EventSpec] = {
    "application.submitted": EventSpec("application.submitted", Category.APPLICATIONS),
    "application.status_changed": EventSpec("application.status_changed", Category.APPLICATIONS),
    # The person must act (answer the question) or learn a decision with appeal deadlines: critical.
    "application.information_requested": EventSpec("application.information_requested", Category.APPLICATIONS, critical=True),
    "application.decided": EventSpec("application.decided", Category.APPLICATIONS, critical=True),
    "document.ready": EventSpec("document.ready", Category.DOCUMENTS),
    "notice.pension_age": EventSpec("notice.pension_age", Category.PROACTIVE),
}
HANDLED_EVENTS = tuple(EVENT_SPECS)
# Status changes that have their own event (decision, question) or document notice are not told twice.
STATUS_CHANGES_NOTIFIED = frozenset({"in_review", "failed"})
# The certificate of submission comes with every application: "we received your application"
# already says so, and a second notice of the same moment would only repeat it.
DOCUMENT_KINDS_NOT_NOTIFIED = frozenset({"submission_receipt"})


def _portal_url(path: str = "") -> str:
    return settings.NOTIFY_PORTAL_URL.rstrip("/") + path


def _language(payload: dict, person) -> str:
    language = str(payload.get("language") or "")[:8]
    if language in LANGUAGES:
        return language
    return COUNTRY_LANGUAGE.get(getattr(person, "country", ""), "en")


def event_context(event: DomainEvent, *, language: str) -> dict[str, str]:
    """The placeholder values of an event in one language (short facts, never a whole record)."""
    from django.urls import reverse

    p = event.payload or {}
    # The page the message points to: where the person acts on it.
    page = {"application": "applications:list", "document": "documents:mine", "notice": "pensions:forecast"}.get(event.name.split(".")[0], "notifications:inbox")
    values = {"portal_url": _portal_url(reverse(page))}
    with translation.override(language):
        if event.name.startswith("application."):
            from pronoia.services.catalogue.selectors import catalogue_service_get

            values["protocol_number"] = str(p.get("protocol", ""))
            try:
                values["service_name"] = str(catalogue_service_get(str(p.get("service_code", ""))).title(language))
            except PronoiaError:
                values["service_name"] = str(p.get("service_code", ""))
            status = str(p.get("to_status") or p.get("status") or "")
            values["status"] = _status_label(status)
            values["outcome"] = _status_label(str(p.get("outcome") or ""))
        elif event.name == "notice.pension_age":
            try:
                values["reaches_on"] = date_format(dt.date.fromisoformat(str(p.get("reaches_on"))), "DATE_FORMAT")
            except ValueError:
                values["reaches_on"] = ""
        elif event.name == "document.ready":
            from pronoia.documents.selectors import document_kind_label

            values["protocol_number"] = str(p.get("protocol", ""))
            values["document_name"] = document_kind_label(str(p.get("kind", ""))) or _("Document")
    return values


def _status_label(value: str) -> str:
    from pronoia.services.models import ApplicationStatus

    return str(ApplicationStatus(value).label) if value in ApplicationStatus.values else value


def _latest_versions(code: str) -> dict[str, TemplateVersion]:
    """The newest version of each channel's template for `code`."""
    versions: dict[str, TemplateVersion] = {}
    for version in TemplateVersion.objects.filter(template__code=code).select_related("template").order_by("template__channel", "-version"):
        versions.setdefault(version.template.channel, version)
    return versions


def notification_build(
    *,
    event_id: int,
    person,
    subject_person_id: int,
    user_id: int | None,
    channel: str,
    template_code: str,
    category: str,
    critical: bool,
    language: str,
    context: dict,
    application_id: int | None = None,
    protocol: str = "",
    resend_no: int = 0,
    now: dt.datetime,
    version: TemplateVersion | None = None,
) -> Notification | None:
    """An unsaved notification with its texts rendered; None when the channel has no template.

    Raises PronoiaError when the template needs a value the context lacks.
    """
    from pronoia.notifications.services import reference_for

    if version is None:
        version = _latest_versions(template_code).get(channel)
    if version is None:
        return None
    rendered = render(texts=version.texts, language=language, declared=version.template.placeholders, values=context)
    return Notification(
        event_id=event_id,
        person=person,
        subject_person_id=subject_person_id,
        user_id=user_id,
        channel=channel,
        resend_no=resend_no,
        category=category,
        critical=critical or version.template.critical,
        template_version=version,
        language=language,
        context=context,
        subject=rendered.subject,
        body=rendered.body,
        application_id=application_id,
        protocol=protocol[:16],
        reference=reference_for(event_id=event_id, person_id=person.pk, channel=channel, resend_no=resend_no),
        created_at=now,
    )


def _users_by_person(person_ids: Iterable[int]) -> dict[int, int]:
    """One user per person (the most recent eID login) for push."""
    users: dict[int, int] = {}
    rows = get_user_model().objects.filter(eid_identities__person_id__in=list(person_ids)).order_by("eid_identities__person_id", "-eid_identities__last_login_at", "-pk")
    for person_id, user_id in rows.values_list("eid_identities__person_id", "pk"):
        users.setdefault(person_id, user_id)
    return users


def _channels_for(*, person, category: str, critical: bool, preferences: dict, has_push: bool) -> list[str]:
    from pronoia.notifications.services import channel_reachable

    chosen = preferences.get((person.pk, category))
    chosen = list(chosen if chosen is not None else settings.NOTIFY_DEFAULT_CHANNELS)
    if critical and C.INBOX not in chosen:
        chosen.append(C.INBOX)  # critical notices always reach the inbox
    return [c for c in dict.fromkeys(chosen) if c in C.values and channel_reachable(c, person=person, has_push=has_push)]


def _recipients(subject, category: str, today: dt.date) -> list:
    """The person concerned and each representative whose active mandate covers the category."""
    from pronoia.accounts.selectors import MandateStatus, mandates_given_list

    needed = MANDATE_CATEGORY.get(category)
    people = [subject]
    for mandate in mandates_given_list(actor=Actor(person_id=subject.pk), today=today):
        if mandate.status == MandateStatus.ACTIVE and needed and mandate.covers(needed) and mandate.representative_id != subject.pk:
            people.append(mandate.representative)
    return list({p.pk: p for p in people}.values())


def _enqueue(ids: list[int]) -> None:
    from pronoia.notifications.services import _dispatch_enqueue

    if ids:
        transaction.on_commit(lambda: _dispatch_enqueue(ids))


def event_fanout(*, event_id: int, now: dt.datetime | None = None) -> int:
    """Turn one domain event into notifications (once); returns how many were created."""
    from pronoia.notifications.services import inbox_deliver

    now = now or timezone.now()
    try:
        with transaction.atomic():
            event = DomainEvent.objects.filter(pk=event_id).first()
            if event is None or EventFanout.objects.filter(event_id=event_id).exists():
                return 0
            notifications = _event_notifications(event, now)
            created = [n for n in notifications]
            Notification.objects.bulk_create(created)
            inbox = [n for n in created if n.channel == C.INBOX]
            if inbox:
                inbox_deliver(notifications=inbox, now=now)
            EventFanout.objects.create(event_id=event_id, notifications=len(created), done_at=now)
            _enqueue([n.pk for n in created if n.channel != C.INBOX])
            return len(created)
    except IntegrityError:
        # Another worker fanned the same event out at the same time; its work stands.
        if EventFanout.objects.filter(event_id=event_id).exists():
            return 0
        raise


def _event_notifications(event: DomainEvent, now: dt.datetime) -> list[Notification]:
    from pronoia.people.selectors import person_by_id

    spec = EVENT_SPECS.get(event.name)
    payload = event.payload or {}
    if spec is None:
        return []
    if event.name == "application.status_changed" and payload.get("to_status") not in STATUS_CHANGES_NOTIFIED:
        return []
    if event.name == "document.ready" and payload.get("kind") in DOCUMENT_KINDS_NOT_NOTIFIED:
        return []
    subject = person_by_id(payload.get("person_id"))
    if subject is None:
        return []
    recipients = _recipients(subject, spec.category, timezone.localdate(now))
    ids = [p.pk for p in recipients]
    preferences = {(pid, cat): channels for pid, cat, channels in Preference.objects.filter(person_id__in=ids).values_list("person_id", "category", "channels")}
    users = _users_by_person(ids)
    pushable = set(PushSubscription.objects.filter(user_id__in=users.values(), active=True).values_list("user_id", flat=True))
    versions = _latest_versions(spec.template_code)
    language = _language(payload, subject)
    context = event_context(event, language=language)
    application_id = payload.get("application_id") if event.name.startswith("application.") else None
    if event.name == "document.ready" and isinstance(payload.get("document_id"), int):
        from pronoia.services.selectors import application_id_for_document

        application_id = application_id_for_document(payload["document_id"])  # the entry links to its case
    out = []
    for person in recipients:
        user_id = users.get(person.pk)
        for channel in _channels_for(person=person, category=spec.category, critical=spec.critical, preferences=preferences, has_push=user_id in pushable):
            try:
                n = notification_build(
                    event_id=event.pk,
                    person=person,
                    subject_person_id=subject.pk,
                    user_id=user_id,
                    channel=channel,
                    template_code=spec.template_code,
                    category=spec.category,
                    critical=spec.critical,
                    language=language,
                    context=context,
                    application_id=application_id if isinstance(application_id, int) else None,
                    protocol=str(payload.get("protocol") or ""),
                    now=now,
                    version=versions.get(channel),
                )
            except PronoiaError:
                logger.exception("template %s (%s) cannot be built for event #%s", spec.template_code, channel, event.pk)
                continue
            if n is None:
                logger.warning("no %s template for %s; event #%s not sent on %s", channel, spec.template_code, event.pk, channel)
                continue
            out.append(n)
    return out


def events_pending_ids(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Events of the handled kinds, recent enough, that were not fanned out (missed by the handler)."""
    from django.db.models import Exists, OuterRef

    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.NOTIFY_SWEEP_DAYS)
    done = EventFanout.objects.filter(event_id=OuterRef("pk"))
    qs = DomainEvent.objects.filter(name__in=HANDLED_EVENTS, occurred_at__gte=since).exclude(Exists(done))
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


# --- campaigns ----------------------------------------------------------------------------------

CAMPAIGN_CHUNK = 2000


def _campaign_event(event_name: str, campaign_key: str, template_code: str) -> DomainEvent:
    from pronoia.core.events import event_emit

    with transaction.atomic():
        existing = DomainEvent.objects.filter(name=event_name, payload__campaign_key=campaign_key).order_by("pk").first()
        if existing is not None:
            return existing
        return event_emit(event_name, payload={"campaign_key": campaign_key, "template_code": template_code})


def campaign_notifications_create(
    *, template_code: str, person_ids: Iterable[int], event_name: str, context: dict, category: str, channels: Sequence[str] | None, campaign_key: str, now: dt.datetime, enqueue: bool
) -> dict:
    """Many notifications from one event in chunks with bulk inserts; texts rendered at dispatch."""
    from pronoia.notifications.services import _dispatch_enqueue, inbox_deliver, reference_for
    from pronoia.people.selectors import persons_contacts_by_ids

    if category not in Category.values:
        raise PronoiaError(code="campaign_category_unknown", message="unknown category", field="category")
    versions = _latest_versions(template_code)
    if not versions:
        raise PronoiaError(code="campaign_template_unknown", message="no template with this code", field="template_code")
    context = {"portal_url": _portal_url(), **{str(k): str(v) for k, v in context.items()}}
    # Refuse before inserting anything when a needed value is missing (checked in every language).
    for version in versions.values():
        for language in LANGUAGES:
            render(texts=version.texts, language=language, declared=version.template.placeholders, values=context)
    event = _campaign_event(event_name, campaign_key, template_code)
    counts = {"event_id": event.pk, "created": 0, "skipped": 0}
    chunk: list[int] = []
    ids_iter = iter(person_ids)
    while True:
        chunk = [int(x) for _, x in zip(range(CAMPAIGN_CHUNK), ids_iter)]
        if not chunk:
            break
        with transaction.atomic():
            persons = persons_contacts_by_ids(chunk)
            preferences = {(pid, cat): ch for pid, cat, ch in Preference.objects.filter(person_id__in=chunk, category=category).values_list("person_id", "category", "channels")}
            users = _users_by_person(chunk) if (channels is None or C.PUSH in channels) else {}
            pushable = set(PushSubscription.objects.filter(user_id__in=users.values(), active=True).values_list("user_id", flat=True)) if users else set()
            rows = []
            for person in persons:
                wanted = _channels_for(person=person, category=category, critical=False, preferences=preferences, has_push=users.get(person.pk) in pushable)
                if channels is not None:
                    wanted = [c for c in wanted if c in channels]
                language = COUNTRY_LANGUAGE.get(person.country, "en")
                for channel in wanted:
                    version = versions.get(channel)
                    if version is None:
                        continue
                    rows.append(
                        Notification(
                            event_id=event.pk, person=person, subject_person_id=person.pk, user_id=users.get(person.pk), channel=channel,
                            category=category, critical=False, template_version=version, language=language, context=context,
                            reference=reference_for(event_id=event.pk, person_id=person.pk, channel=channel), created_at=now,
                        )
                    )
            refs = [r.reference for r in rows]
            before = set(Notification.objects.filter(reference__in=refs).values_list("reference", flat=True))
            new = [r for r in rows if r.reference not in before]
            Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
            stored = list(Notification.objects.filter(reference__in=[r.reference for r in new], status=Status.CREATED).select_related("template_version__template"))
            inbox = [n for n in stored if n.channel == C.INBOX]
            for n in inbox:
                rendered = render(texts=n.template_version.texts, language=n.language, declared=n.template_version.template.placeholders, values=n.context)
                n.subject, n.body = rendered.subject, rendered.body
            if inbox:
                Notification.objects.bulk_update(inbox, ["subject", "body"], batch_size=500)
                inbox_deliver(notifications=inbox, now=now)
            counts["created"] += len(stored)
            counts["skipped"] += len(rows) - len(new)
            ids = [n.pk for n in stored if n.channel != C.INBOX]
            if enqueue and ids:
                transaction.on_commit(lambda ids=ids: _dispatch_enqueue(ids))
    EventFanout.objects.get_or_create(event_id=event.pk, defaults={"notifications": counts["created"], "done_at": now})
    return counts


def templates_by_code() -> dict[str, list[NotificationTemplate]]:
    grouped: dict[str, list[NotificationTemplate]] = defaultdict(list)
    for template in NotificationTemplate.objects.order_by("code", "channel"):
        grouped[template.code].append(template)
    return grouped
