"""Writes of the notification pipeline: dispatch, receipts, retries and fallback, push subscriptions,
campaigns, preferences, the inbox's read marks and staff resends.

Lifecycle (GOV.UK Notify's): created → sending → delivered | temporary-failure | permanent-failure |
technical-failure. A temporary or technical failure is retried with exponential backoff until
NOTIFY_MAX_ATTEMPTS; then it is final. A final status never changes: a late or duplicate receipt is
logged and ignored. A final failure sends the same message once on another channel (fallback).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.accounts.actors import Actor
from pronoia.audit.services import audit_record
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.notifications.channels.base import OutgoingMessage, SendResult
from pronoia.notifications.models import (
    FAILURE_STATUSES,
    Category,
    DeliveryAttempt,
    InboxEntry,
    Notification,
    NotificationChannel,
    Preference,
    PushSubscription,
    Status,
    is_final,
)
from pronoia.notifications.selectors import inbox_unread_forget
from pronoia.notifications.templating import CONTROL_CHARACTERS, render

logger = logging.getLogger(__name__)
C = NotificationChannel
RETRYABLE = frozenset({Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE})
DETAIL_MAX_CHARS = 500
ENDPOINT_MAX_CHARS = 1000
USER_AGENT_MAX_CHARS = 300

AdapterFor = Callable[[str], object]


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def reference_for(*, event_id: int, person_id: int, channel: str, resend_no: int = 0) -> str:
    """The provider reference: derived from the idempotency key, stable across retries, 32 hex characters."""
    key = f"{event_id}:{person_id}:{channel}:{resend_no}".encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest()


def retry_delay(*, attempts: int) -> dt.timedelta:
    """Exponential backoff: base, 2×base, 4×base … after the 1st, 2nd, 3rd attempt, capped."""
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def _adapter_for(channel: str):
    # notif-delivery's registry; imported late so this module works before it exists.
    from pronoia.notifications.channels.registry import adapter_for

    return adapter_for(channel)


def _clip(text: str) -> str:
    return CONTROL_CHARACTERS.sub(" ", str(text or ""))[:DETAIL_MAX_CHARS]


# --- status changes ---------------------------------------------------------------------------


def _outcome(notification: Notification, *, status: str, at: dt.datetime, now: dt.datetime) -> tuple[bool, bool]:
    """Apply a provider's status to the in-memory row. Returns (applied, became a final failure)."""
    current = notification.status
    if is_final(current, notification.next_attempt_at):
        return False, False
    if status == Status.SENDING:
        if current != Status.CREATED and not (current == Status.SENDING and notification.answered_at is None):
            return False, False  # duplicate acceptance, or a late one after a failure of this attempt
        notification.status = Status.SENDING
        notification.sending_at = notification.sending_at or at
        return True, False
    if status == Status.DELIVERED:
        notification.status = Status.DELIVERED
        notification.delivered_at = at
        notification.next_attempt_at = None
        return True, False
    if status == Status.PERMANENT_FAILURE:
        notification.status = status
        notification.failed_at = at
        notification.next_attempt_at = None
        return True, True
    if status in RETRYABLE:
        if current in RETRYABLE:
            return False, False  # this attempt has already failed; the retry is scheduled
        notification.status = status
        notification.failed_at = at
        if notification.attempts < settings.NOTIFY_MAX_ATTEMPTS:
            notification.next_attempt_at = now + retry_delay(attempts=notification.attempts)
            return True, False
        notification.next_attempt_at = None
        return True, True
    raise PronoiaError(code="receipt_status_unknown", message=_("Unknown delivery status."), field="status")


_OUTCOME_FIELDS = ["status", "sending_at", "delivered_at", "failed_at", "next_attempt_at", "provider_reference", "detail", "answered_at", "updated_at"]


def _rows_save(rows: Sequence[Notification], fields: Sequence[str], *, per_row: Sequence[str] = ()) -> None:
    """Store `fields` of rows the caller has locked, in few statements.

    Rows of a batch mostly get the same values (status, times, detail), so each set of equal
    values is one `UPDATE … WHERE id IN (…)`; the `per_row` fields (texts, provider references,
    counters) go in one executemany. Django's `bulk_update` builds a CASE per field per row
    instead, which was half of a message's dispatch time (bench/RESULTS.md).
    """
    if not rows:
        return
    shared = [name for name in fields if name not in per_row]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        groups[tuple(getattr(row, name) for name in shared)].append(row.pk)
    for values, pks in groups.items():
        Notification.objects.filter(pk__in=pks).update(**dict(zip(shared, values, strict=True)))
    varying = [name for name in fields if name in per_row]
    if varying:
        meta, quote = Notification._meta, connection.ops.quote_name
        assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in varying)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(*(getattr(row, name) for name in varying), row.pk) for row in rows])


def _outcomes_apply(
    rows: Sequence[Notification], results: Sequence[SendResult], *, kind: str, now: dt.datetime, at: dt.datetime | Sequence[dt.datetime] | None = None
) -> list[Notification]:
    """Apply one result per row (rows locked by the caller), log each, and return the final failures.

    `at` is when the provider says it happened: one time for all, or one per row. A row may appear
    more than once (a batch of receipts may hold two for one message): its results apply in turn.
    """
    log, failed = [], []
    ats = at if isinstance(at, Sequence) else [at] * len(rows)
    for row, result, happened in zip(rows, results, ats, strict=True):
        applied, final_failure = _outcome(row, status=result.status, at=happened or now, now=now)
        if result.provider_reference and (applied or not row.provider_reference):
            row.provider_reference = result.provider_reference[:200]
        if applied:
            row.detail = _clip(result.detail)
            row.answered_at = now
        row.updated_at = now
        log.append(DeliveryAttempt(notification=row, kind=kind, raw_status=result.status[:40], provider_reference=result.provider_reference[:200], detail=_clip(result.detail), applied=applied, at=now))
        if final_failure:
            failed.append(row)
    # Receipts carry their own times: those fields then differ per row and go in the executemany.
    per_row = ("provider_reference", "sending_at", "delivered_at", "failed_at") if isinstance(at, Sequence) else ("provider_reference",)
    _rows_save(list({id(row): row for row in rows}.values()), _OUTCOME_FIELDS, per_row=per_row)
    DeliveryAttempt.objects.bulk_create(log)
    return failed


def notification_receipt_apply(
    *, reference: str, status: str, provider_reference: str = "", detail: str = "", received_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Notification | None:
    """A provider's delivery receipt. Logged always; moves the status only along the lifecycle.

    None when no notification has this reference. An unknown status raises PronoiaError.
    """
    receipt = {"reference": reference, "status": status, "provider_reference": provider_reference, "detail": detail, "received_at": received_at}
    return notification_receipts_apply(receipts=[receipt], now=now)[0]


def notification_receipts_apply(*, receipts: Sequence[Mapping], now: dt.datetime | None = None) -> list[Notification | None]:
    """A provider's delivery receipts (dicts with the arguments of `notification_receipt_apply`), in order.

    One transaction for all: the gateway sends receipts in batches, and one lock and one update per
    receipt was what limited the pipeline (bench/RESULTS.md). Returns each receipt's notification,
    None for an unknown reference. An unknown status raises PronoiaError before anything changes.
    """
    for receipt in receipts:
        if receipt["status"] not in (Status.SENDING, Status.DELIVERED, *FAILURE_STATUSES):
            raise PronoiaError(code="receipt_status_unknown", message=_("Unknown delivery status."), field="status")
    now = _now(now)
    references = [str(receipt["reference"])[:32] for receipt in receipts]
    with transaction.atomic():
        # Locked in id order, as the workers lock theirs: two batches never wait on each other in a circle.
        by_reference = {row.reference: row for row in Notification.objects.select_for_update().filter(reference__in=set(references)).order_by("pk")}
        found = [(by_reference[ref], receipt) for ref, receipt in zip(references, receipts, strict=True) if ref in by_reference]
        if found:
            results = [SendResult(status=r["status"], provider_reference=str(r.get("provider_reference") or ""), detail=r.get("detail") or "") for _row, r in found]
            failed = _outcomes_apply([row for row, _r in found], results, kind=DeliveryAttempt.Kind.RECEIPT, now=now, at=[r.get("received_at") or now for _row, r in found])
            for notification in failed:
                fallback_create(notification=notification, now=now)
    return [by_reference.get(ref) for ref in references]


# --- fallback -----------------------------------------------------------------------------------


def _person_channels(person, category: str, *, has_push: bool) -> list[str]:
    """The channels a person can be reached on for a category, as they chose (or the defaults)."""
    pref = Preference.objects.filter(person=person, category=category).values_list("channels", flat=True).first()
    chosen = pref if pref is not None else settings.NOTIFY_DEFAULT_CHANNELS
    return [c for c in chosen if channel_reachable(c, person=person, has_push=has_push)]


def channel_reachable(channel: str, *, person, has_push: bool) -> bool:
    if channel == C.EMAIL:
        return bool(person.email)
    if channel == C.SMS:
        return bool(person.phone)
    if channel == C.PUSH:
        return has_push
    return channel == C.INBOX


def fallback_create(*, notification: Notification, now: dt.datetime | None = None) -> Notification | None:
    """After a final failure: the same message once on the next channel the person has.

    The person's chosen channels come first in NOTIFY_FALLBACK_ORDER, then the others; a channel
    already used for this event is skipped. A fallback is not itself fallen back from (once).
    """
    from pronoia.notifications.fanout import notification_build

    now = _now(now)
    if notification.fallback_of_id is not None:
        return None
    if Notification.objects.filter(fallback_of=notification).exists():
        return None
    person = notification.person
    chosen = _person_channels(person, notification.category, has_push=False)
    order = settings.NOTIFY_FALLBACK_ORDER
    candidates = [c for c in order if c in chosen] + [c for c in order if c not in chosen]
    used = set(Notification.objects.filter(event_id=notification.event_id, person=person, resend_no=notification.resend_no).values_list("channel", flat=True))
    for channel in candidates:
        if channel in used or channel == C.PUSH or not channel_reachable(channel, person=person, has_push=False):
            continue
        code = notification.template_version.template.code if notification.template_version_id else ""
        built = notification_build(
            event_id=notification.event_id,
            person=person,
            subject_person_id=notification.subject_person_id,
            user_id=notification.user_id,
            channel=channel,
            template_code=code,
            category=notification.category,
            critical=notification.critical,
            language=notification.language,
            context=notification.context,
            application_id=notification.application_id,
            protocol=notification.protocol,
            resend_no=notification.resend_no,
            now=now,
        )
        if built is None:
            continue
        built.fallback_of = notification
        built.save()
        if channel == C.INBOX:
            inbox_deliver(notifications=[built], now=now)
        else:
            transaction.on_commit(lambda pk=built.pk: _dispatch_enqueue([pk]))
        DeliveryAttempt.objects.create(notification=notification, kind=DeliveryAttempt.Kind.FALLBACK, raw_status=channel, detail=f"fallback #{built.pk}", at=now)
        return built
    return None


def _dispatch_enqueue(ids: list[int]) -> None:
    from pronoia.notifications.tasks import notifications_dispatch_task

    size = settings.NOTIFY_BATCH_SIZE
    for start in range(0, len(ids), size):
        notifications_dispatch_task(ids[start : start + size])


# --- inbox ----------------------------------------------------------------------------------------


def inbox_deliver(*, notifications: Sequence[Notification], now: dt.datetime | None = None) -> int:
    """Put inbox notifications (already saved, rendered) into their person's inbox; delivered at once.

    Idempotent: one inbox entry per person and event.
    """
    now = _now(now)
    entries = [
        InboxEntry(
            person_id=n.person_id,
            event_id=n.event_id,
            notification=n,
            category=n.category,
            critical=n.critical,
            application_id=n.application_id,
            protocol=n.protocol,
            title=n.subject,
            body=n.body,
            created_at=now,
        )
        for n in notifications
    ]
    InboxEntry.objects.bulk_create(entries, ignore_conflicts=True)
    ids = [n.pk for n in notifications]
    Notification.objects.filter(pk__in=ids).exclude(status=Status.DELIVERED).update(status=Status.DELIVERED, sending_at=now, delivered_at=now, attempts=1, updated_at=now)
    DeliveryAttempt.objects.bulk_create([DeliveryAttempt(notification_id=pk, kind=DeliveryAttempt.Kind.SEND, raw_status=Status.DELIVERED, at=now) for pk in ids])
    for n in notifications:
        n.status = Status.DELIVERED
    person_ids = [n.person_id for n in notifications]
    transaction.on_commit(lambda: inbox_unread_forget(person_ids=person_ids))
    return len(entries)


def inbox_entry_mark_read(*, actor: Actor, entry_id: int, now: dt.datetime | None = None) -> InboxEntry:
    """Mark the signed-in person's own entry read (first time only). Anyone else's: not found."""
    entry = InboxEntry.objects.filter(pk=entry_id, person_id=actor.person_id).first() if actor.person_id else None
    if entry is None:
        raise NotFound(code="inbox_entry_not_found", message=_("There is no such message in your inbox."))
    if entry.read_at is None:
        entry.read_at = _now(now)
        InboxEntry.objects.filter(pk=entry.pk, read_at__isnull=True).update(read_at=entry.read_at)
        inbox_unread_forget(person_ids=[entry.person_id])
    return entry


# --- dispatch ----------------------------------------------------------------------------------


def _destination(row: Notification, subscriptions: Mapping[int, Sequence[PushSubscription]]) -> tuple[str, list[tuple[str, dict]]]:
    """Where the row goes, and for push every browser the person turned notifications on in."""
    if row.channel == C.EMAIL:
        return row.person.email, []
    if row.channel == C.SMS:
        return row.person.phone, []
    targets = [(sub.endpoint, {"p256dh": sub.p256dh, "auth": sub.auth}) for sub in subscriptions.get(row.user_id, ())] if row.user_id else []
    return (targets[0][0] if targets else ""), targets


def _push_result(results: Sequence[SendResult]) -> SendResult:
    """One push notification's outcome from its sends to each of the person's browsers.

    Delivered when any browser's push service took it; not sent when none was tried; a permanent
    failure only when every subscription is gone; otherwise a temporary failure, retried.
    """
    delivered = [r for r in results if r.status == Status.DELIVERED]
    if delivered:
        detail = f"delivered to {len(delivered)} of {len(results)} browsers" if len(results) > 1 else delivered[0].detail
        return SendResult(status=Status.DELIVERED, provider_reference=delivered[0].provider_reference, detail=detail)
    if all(not r.sent for r in results):
        return results[0]
    if all(r.status == Status.PERMANENT_FAILURE for r in results):
        return results[0]
    failing = next((r for r in results if r.sent and r.status != Status.PERMANENT_FAILURE), results[0])
    return SendResult(status=Status.TEMPORARY_FAILURE, provider_reference=failing.provider_reference, detail=failing.detail)


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.CREATED) | Q(status__in=RETRYABLE, next_attempt_at__lte=now)


def _in_doubt_cutoff(now: dt.datetime) -> dt.datetime:
    """A message marked "sending" before this and still without an answer is in doubt.

    The worker that claimed it starts no send once its lease has run out (the adapters check
    `OutgoingMessage.claim_expired`), and a send it started before then ends within the grace; past
    both, asking the provider gives the final word, and a resend cannot race the first worker.
    """
    return now - dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS + settings.NOTIFY_SEND_GRACE_SECONDS)


def _in_doubt_reconcile(ids: list[int], *, adapter_for: AdapterFor, now: dt.datetime) -> None:
    """A message left "sending" with no answer past the lease and grace: ask the provider before any resend."""
    cutoff = _in_doubt_cutoff(now)
    doubtful = list(Notification.objects.filter(pk__in=ids, status=Status.SENDING, answered_at__isnull=True, sending_at__lt=cutoff).values_list("pk", "channel", "reference"))
    for pk, channel, reference in doubtful:
        try:
            found = adapter_for(channel).lookup(reference)
        except Exception:  # provider unreachable: stay in doubt, the next sweep asks again
            logger.warning("lookup of notification %s failed; still in doubt", pk, exc_info=True)
            continue
        with transaction.atomic():
            # Still in doubt under the lock, and still the same claim: another sweep may have
            # reconciled it meanwhile and a worker claimed it again (a fresh `sending_at`); that
            # worker may be sending it now, so it must not be reset and sent a second time.
            row = Notification.objects.select_for_update().filter(pk=pk, status=Status.SENDING, answered_at__isnull=True, sending_at__lt=cutoff).first()
            if row is None:
                continue
            if found is None:
                # The provider never got it: the message may be sent again under the same reference.
                row.status = Status.CREATED
                row.save(update_fields=["status", "updated_at"])
                DeliveryAttempt.objects.create(notification=row, kind=DeliveryAttempt.Kind.LOOKUP, raw_status="not-found", at=now)
                continue
            for failed in _outcomes_apply([row], [found], kind=DeliveryAttempt.Kind.LOOKUP, now=now):
                fallback_create(notification=failed, now=now)


def _claim(ids: list[int], now: dt.datetime) -> list[Notification]:
    """Take the due messages of `ids` for this worker and mark them sending (committed on return)."""
    with transaction.atomic():  # IMMEDIATE on SQLite: one claimer at a time
        qs = Notification.objects.filter(_claimable(now), pk__in=ids).exclude(channel=C.INBOX).select_related("person", "template_version__template")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        rows = list(qs.order_by("pk"))
        if not rows:
            return []
        user_ids = {r.user_id for r in rows if r.channel == C.PUSH and r.user_id}
        subscriptions: dict[int, list[PushSubscription]] = defaultdict(list)
        for sub in PushSubscription.objects.filter(user_id__in=user_ids, active=True).order_by("user_id", "-last_success_at", "-pk"):
            if len(subscriptions[sub.user_id]) < settings.NOTIFY_PUSH_BROWSERS_MAX:
                subscriptions[sub.user_id].append(sub)
        claimed = []
        for row in rows:
            row.push_targets = []
            row.updated_at = now
            if not row.body and row.template_version_id:
                try:
                    rendered = render(texts=row.template_version.texts, language=row.language, declared=row.template_version.template.placeholders, values=row.context)
                except PronoiaError as exc:
                    row.status, row.detail, row.failed_at, row.next_attempt_at = Status.TECHNICAL_FAILURE, _clip(exc.message), now, None
                    continue
                row.subject, row.body = rendered.subject, rendered.body
            row.destination, row.push_targets = _destination(row, subscriptions)
            if not row.destination:
                row.status, row.detail, row.failed_at, row.next_attempt_at = Status.PERMANENT_FAILURE, "no address for this channel", now, None
                continue
            row.status, row.sending_at, row.answered_at, row.next_attempt_at = Status.SENDING, now, None, None
            row.attempts += 1
            claimed.append(row)
        _rows_save(rows, ["status", "sending_at", "answered_at", "next_attempt_at", "attempts", "subject", "body", "destination", "detail", "failed_at", "updated_at"], per_row=("attempts", "subject", "body", "destination"))
        for row in rows:
            if row.status != Status.SENDING:
                DeliveryAttempt.objects.create(notification=row, kind=DeliveryAttempt.Kind.SEND, raw_status=row.status, detail=row.detail, at=now)
                fallback_create(notification=row, now=now)
    return claimed


def notifications_dispatch(*, notification_ids: Iterable[int], adapter_for: AdapterFor | None = None, now: dt.datetime | None = None) -> int:
    """Send the due notifications among `notification_ids`; returns how many were handed to providers.

    Marks each `sending` and commits before the provider is called, so a worker that dies mid-send
    leaves a row in doubt that the sweep reconciles with `lookup` instead of sending it twice.
    `adapter_for` is the seam for tests; by default the channel registry.
    """
    ids = sorted({int(i) for i in notification_ids})
    if not ids:
        return 0
    # One adapter per channel for the whole task: its connections and threads serve every chunk.
    make = adapter_for or _adapter_for
    adapters: dict[str, object] = {}

    def adapter_kept(channel: str):
        if channel not in adapters:
            adapters[channel] = make(channel)
        return adapters[channel]

    try:
        _in_doubt_reconcile(ids, adapter_for=adapter_kept, now=_now(now))
        # Claim and send in small chunks: a row's "sending" time is then when its own chunk started,
        # so the lease measures one chunk's send, not a whole batch's (a slow batch is not taken for dead).
        size = max(1, settings.NOTIFY_SEND_CHUNK)
        handed = 0
        for start in range(0, len(ids), size):
            handed += _chunk_send(ids[start : start + size], adapter_for=adapter_kept, now=_now(now))
        return handed
    finally:
        for channel, adapter in adapters.items():
            close = getattr(adapter, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - closing must not hide the result or the real error
                    logger.warning("closing the %s adapter failed", channel, exc_info=True)


def _chunk_send(ids: list[int], *, adapter_for: AdapterFor, now: dt.datetime) -> int:
    # The claim's lease starts when the rows are marked (`now`, taken just before the claim): no
    # send may start after it, measured on the wall clock the sweep's cutoff uses too.
    send_before = time.time() + settings.NOTIFY_LEASE_SECONDS
    claimed = _claim(ids, now)
    by_channel: dict[str, list[Notification]] = defaultdict(list)
    for row in claimed:
        by_channel[row.channel].append(row)
    for channel, rows in by_channel.items():
        # One message per row; a push row has one per browser (`targets` says whose each message is).
        targets = [(index, r, to, keys) for index, r in enumerate(rows) for to, keys in (r.push_targets if channel == C.PUSH else [(r.destination, {})])]
        messages = [
            OutgoingMessage(notification_id=r.pk, reference=r.reference, channel=channel, to=to, subject=r.subject, body=r.body, language=r.language, push_keys=keys, send_before=send_before)
            for _index, r, to, keys in targets
        ]
        try:
            sent = list(adapter_for(channel).send_many(messages))
            if len(sent) != len(messages):
                raise RuntimeError(f"{channel} adapter returned {len(sent)} results for {len(messages)} messages")
            per_row: list[list[SendResult]] = [[] for _ in rows]
            for (index, *_rest), result in zip(targets, sent, strict=True):
                per_row[index].append(result)
            results = [_push_result(found) if channel == C.PUSH else found[0] for found in per_row]
        except Exception as exc:  # the adapter broke its contract: nothing is known, the lease + lookup decide
            logger.exception("%s adapter failed for a batch of %s", channel, len(rows))
            DeliveryAttempt.objects.bulk_create([DeliveryAttempt(notification=r, kind=DeliveryAttempt.Kind.SEND, raw_status="adapter-error", detail=_clip(exc), applied=False, at=now) for r in rows])
            continue
        with transaction.atomic():
            # Only rows still under this claim (`sending_at` is the claim's): a chunk slower than the
            # lease and grace may have been reconciled and claimed again by another worker meanwhile.
            locked = {
                r.pk: r
                for r in Notification.objects.select_for_update(of=("self",)).filter(pk__in=[r.pk for r in rows], sending_at=now).select_related("person", "template_version__template").order_by("pk")
            }
            pairs = [(locked[r.pk], res) for r, res in zip(rows, results, strict=True) if r.pk in locked]
            _unsent_requeue([row for row, res in pairs if not res.sent], now=now)
            pairs = [(row, res) for row, res in pairs if res.sent]
            failed = _outcomes_apply([p[0] for p in pairs], [p[1] for p in pairs], kind=DeliveryAttempt.Kind.SEND, now=now)
            if channel == C.PUSH:
                # Per browser: a push service that took the message marks its subscription alive, one
                # that says the subscription is gone (404/410) ends it; the person's others stay.
                took = [(r.user_id, m.to) for (_i, r, *_rest), m, res in zip(targets, messages, sent, strict=True) if res.status == Status.DELIVERED and r.user_id]
                if took:
                    PushSubscription.objects.filter(user_id__in={u for u, _e in took}, endpoint__in=[e for _u, e in took]).update(last_success_at=now)
                gone = [m.to for m, res in zip(messages, sent, strict=True) if res.status == Status.PERMANENT_FAILURE]
                PushSubscription.objects.filter(endpoint__in=gone).update(active=False)
            for row in failed:
                fallback_create(notification=row, now=now)
    return len(claimed)


def _unsent_requeue(rows: Sequence[Notification], *, now: dt.datetime) -> None:
    """Rows the adapter did not send (the claim ran out first) go back to the queue, that attempt not counted.

    They wait for the periodic sweep rather than a task of their own: a worker too busy to send
    within its lease is not helped by more work at once.
    """
    rows = [row for row in rows if row.status == Status.SENDING and row.answered_at is None]
    if not rows:
        return
    Notification.objects.filter(pk__in=[row.pk for row in rows], status=Status.SENDING, answered_at__isnull=True, sending_at=now).update(status=Status.CREATED, attempts=F("attempts") - 1, updated_at=now)
    DeliveryAttempt.objects.bulk_create([DeliveryAttempt(notification=row, kind=DeliveryAttempt.Kind.SEND, raw_status="not-sent", detail="the claim ran out before its turn", applied=False, at=now) for row in rows])


def notifications_due_ids(*, now: dt.datetime | None = None, limit: int = 10000) -> list[int]:
    """Ids the sweep hands to dispatch: never tried (or not sent in time), retries due, and sends in doubt past the lease and grace."""
    now = _now(now)
    cutoff = _in_doubt_cutoff(now)
    qs = Notification.objects.filter(_claimable(now) | Q(status=Status.SENDING, answered_at__isnull=True, sending_at__lt=cutoff)).exclude(channel=C.INBOX)
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


# --- staff resend --------------------------------------------------------------------------------


@transaction.atomic
def notification_resend(*, actor: Actor, notification_id: int, reason: str = "", now: dt.datetime | None = None) -> Notification:
    """Staff send a failed message again: a new notification (next resend number) on the same channel, audited."""
    now = _now(now)
    original = Notification.objects.select_for_update(of=("self",)).filter(pk=notification_id).select_related("person", "template_version__template").first()
    if original is None:
        raise NotFound(code="notification_not_found", message=_("No such notification."))
    if original.status not in FAILURE_STATUSES or not original.is_final:
        raise PronoiaError(code="notification_not_failed", message=_("Only a message that has finally failed can be sent again."), status_code=409)
    reason = CONTROL_CHARACTERS.sub(" ", reason or "").strip()[:500]
    resend_no = (Notification.objects.filter(event_id=original.event_id, person_id=original.person_id, channel=original.channel).order_by("-resend_no").values_list("resend_no", flat=True).first() or 0) + 1
    copy = Notification(
        event_id=original.event_id,
        person_id=original.person_id,
        subject_person_id=original.subject_person_id,
        user_id=original.user_id,
        channel=original.channel,
        resend_no=resend_no,
        category=original.category,
        critical=original.critical,
        template_version_id=original.template_version_id,
        language=original.language,
        context=original.context,
        subject=original.subject,
        body=original.body,
        application_id=original.application_id,
        protocol=original.protocol,
        reference=reference_for(event_id=original.event_id, person_id=original.person_id, channel=original.channel, resend_no=resend_no),
        resend_of=original,
        created_at=now,
    )
    try:
        with transaction.atomic():
            copy.save()
    except IntegrityError:
        raise PronoiaError(code="notification_resend_duplicate", message=_("This message is already being sent again."), status_code=409) from None
    DeliveryAttempt.objects.create(notification=original, kind=DeliveryAttempt.Kind.RESEND, raw_status="resend", detail=f"resent as #{copy.pk}", at=now)
    audit_record(
        action="notification_resent",
        object_type="notification",
        object_id=original.pk,
        actor=_user(actor),
        actor_label=actor.username,
        person_id=original.person_id,
        reason=reason,
        data={"new_notification_id": copy.pk, "channel": copy.channel},
    )
    transaction.on_commit(lambda: _dispatch_enqueue([copy.pk]))
    return copy


def _user(actor: Actor):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=actor.user_id).first() if actor.user_id else None


# --- preferences ----------------------------------------------------------------------------------


@transaction.atomic
def preferences_save(*, actor: Actor, choices: Mapping[str, Iterable[str]]) -> None:
    """The signed-in person's own channels per category (a representative sets their own, never the principal's)."""
    if actor.person_id is None:
        raise PronoiaError(code="preferences_denied", message=_("Only you can choose how you are told about your own matters."), status_code=403)
    for category, channels in choices.items():
        if category not in Category.values:
            raise PronoiaError(code="preference_category_unknown", message=_("Unknown category."), field=str(category)[:40])
        channels = list(dict.fromkeys(str(c) for c in channels))
        bad = [c for c in channels if c not in C.values]
        if bad or len(channels) > len(C.values):
            raise PronoiaError(code="preference_channel_unknown", message=_("Unknown channel for %(category)s.") % {"category": Category(category).label}, field=category)
        ordered = [c for c in C.values if c in channels]  # stored in one order: inbox, email, sms, push
        Preference.objects.update_or_create(person_id=actor.person_id, category=category, defaults={"channels": ordered})


# --- push subscriptions ----------------------------------------------------------------------------


def _b64url_decode(value: str, *, field: str) -> bytes:
    if not value or len(value) > 200 or any(ch not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=" for ch in value):
        raise PronoiaError(code="push_key_invalid", message=_("The %(field)s key is not base64url.") % {"field": field}, field=field)
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise PronoiaError(code="push_key_invalid", message=_("The %(field)s key is not base64url.") % {"field": field}, field=field) from None


def push_endpoint_check(endpoint: str) -> str:
    """An https endpoint, or http on the loopback host (local push service); bounded length."""
    endpoint = (endpoint or "").strip()
    if not endpoint or len(endpoint) > ENDPOINT_MAX_CHARS or CONTROL_CHARACTERS.search(endpoint) or any(ch.isspace() for ch in endpoint):
        raise PronoiaError(code="push_endpoint_invalid", message=_("The push endpoint is missing, too long or malformed."), field="endpoint")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise PronoiaError(code="push_endpoint_invalid", message=_("The push endpoint is missing, too long or malformed."), field="endpoint") from None
    if parts.username or parts.password or not host:
        raise PronoiaError(code="push_endpoint_invalid", message=_("The push endpoint is missing, too long or malformed."), field="endpoint")
    if parts.scheme == "https" or (parts.scheme == "http" and host in ("127.0.0.1", "localhost")):
        return endpoint
    raise PronoiaError(code="push_endpoint_insecure", message=_("The push endpoint must use https."), field="endpoint")


@transaction.atomic
def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Store (or refresh) the browser's push subscription for `user`. Keys as RFC 8291 requires."""
    endpoint = push_endpoint_check(endpoint)
    if len(_b64url_decode(p256dh, field="p256dh")) != 65 or not _b64url_decode(p256dh, field="p256dh").startswith(b"\x04"):
        raise PronoiaError(code="push_key_invalid", message=_("The p256dh key must be an uncompressed P-256 point (65 bytes)."), field="p256dh")
    if len(_b64url_decode(auth, field="auth")) != 16:
        raise PronoiaError(code="push_key_invalid", message=_("The auth secret must be 16 bytes."), field="auth")
    user_agent = CONTROL_CHARACTERS.sub(" ", user_agent or "")[:USER_AGENT_MAX_CHARS]
    existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if existing is not None and existing.user_id != user.pk:
        # An endpoint belongs to one browser; another account may not take it over silently.
        raise PronoiaError(code="push_endpoint_taken", message=_("This browser is registered to another account."), field="endpoint", status_code=409)
    if existing is None:
        return PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth, user_agent=user_agent)
    existing.p256dh, existing.auth, existing.user_agent, existing.active = p256dh, auth, user_agent, True
    existing.save(update_fields=["p256dh", "auth", "user_agent", "active"])
    return existing


def push_subscription_remove(*, user, endpoint: str) -> None:
    """Forget the user's subscription for `endpoint` (nothing happens for someone else's)."""
    PushSubscription.objects.filter(user=user, endpoint=(endpoint or "")[:ENDPOINT_MAX_CHARS]).delete()


# --- campaigns -----------------------------------------------------------------------------------


def campaign_enqueue(
    *,
    template_code: str,
    person_ids: Iterable[int],
    event_name: str,
    context: Mapping[str, str] | None = None,
    category: str = Category.CAMPAIGNS,
    channels: Sequence[str] | None = None,
    campaign_key: str = "",
    now: dt.datetime | None = None,
    enqueue: bool = True,
) -> dict:
    """One event, many notifications (an annual statement to every insured person). Idempotent on re-run.

    `campaign_key` names the campaign (e.g. "annual-statement-2026"); a re-run with the same key
    reuses its event, and the idempotency key skips people already notified. Returns counts.
    """
    from pronoia.notifications.fanout import campaign_notifications_create

    return campaign_notifications_create(
        template_code=template_code,
        person_ids=person_ids,
        event_name=event_name,
        context=dict(context or {}),
        category=category,
        channels=list(channels) if channels is not None else None,
        campaign_key=campaign_key or f"{event_name}:{template_code}",
        now=_now(now),
        enqueue=enqueue,
    )
