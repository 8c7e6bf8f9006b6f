"""The status lifecycle: dispatch, receipts, retries with backoff, fallback, reconciliation of sends in doubt."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pronoia.notifications.channels.base import SendResult
from pronoia.notifications.models import DeliveryAttempt, InboxEntry, Notification, Preference
from pronoia.notifications.services import notification_receipt_apply, notifications_dispatch, notifications_due_ids, retry_delay
from pronoia.notifications.fanout import event_fanout
from pronoia.notifications.tests.factories import Adapters, application_event, notification_for, person_with_contacts
from pronoia.core.errors import PronoiaError

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def email_notification(templates_ready=True, **prefs):
    person = person_with_contacts()
    if prefs:
        Preference.objects.create(person=person, category="applications", channels=prefs["channels"])
    event = application_event(person)
    event_fanout(event_id=event.pk, now=T0)
    return Notification.objects.get(event=event, channel="email")


def sent(notification, adapters, *, now=T0) -> Notification:
    notifications_dispatch(notification_ids=[notification.pk], adapter_for=adapters, now=now)
    notification.refresh_from_db()
    return notification


def test_created_then_sending_then_delivered(templates, adapters):
    n = email_notification()
    assert n.status == "created" and n.attempts == 0
    n = sent(n, adapters)
    assert n.status == "sending" and n.attempts == 1 and n.sending_at == T0 and n.answered_at == T0
    (message,) = adapters.sent("email")
    assert message.reference == n.reference and message.to == n.person.email and "2026/0000042" in message.subject
    assert message.body.endswith("http://127.0.0.1:8000/my/applications")  # where the person follows it
    later = T0 + dt.timedelta(seconds=5)
    notification_receipt_apply(reference=n.reference, status="delivered", provider_reference="prov-1", received_at=later, now=later)
    n.refresh_from_db()
    assert n.status == "delivered" and n.delivered_at == later and n.is_final
    assert [a.kind for a in n.attempt_log.order_by("pk")] == ["send", "receipt"]


@pytest.mark.parametrize("final", ["delivered", "permanent-failure"])
@pytest.mark.parametrize("late", ["sending", "delivered", "temporary-failure", "permanent-failure", "technical-failure"])
def test_a_final_status_never_changes(templates, adapters, final, late):
    n = sent(email_notification(), adapters)
    notification_receipt_apply(reference=n.reference, status=final, now=T0)
    notification_receipt_apply(reference=n.reference, status=late, detail="late", now=T0 + dt.timedelta(minutes=1))
    n.refresh_from_db()
    assert n.status == final and n.next_attempt_at is None
    last = n.attempt_log.order_by("-pk").first()
    assert last.raw_status == late and last.applied is False  # logged, ignored


def test_a_duplicate_receipt_is_logged_and_ignored(templates, adapters):
    n = sent(email_notification(), adapters)
    for _ in range(2):
        notification_receipt_apply(reference=n.reference, status="temporary-failure", now=T0)
    n.refresh_from_db()
    assert n.status == "temporary-failure" and n.attempts == 1
    receipts = n.attempt_log.filter(kind="receipt").order_by("pk")
    assert [r.applied for r in receipts] == [True, False]


def test_out_of_order_receipts_end_correct(templates, adapters):
    n = email_notification()
    adapters.by_channel["email"].status = "delivered"  # the provider answers delivered at once
    n = sent(n, adapters)
    notification_receipt_apply(reference=n.reference, status="sending", now=T0 + dt.timedelta(seconds=1))
    n.refresh_from_db()
    assert n.status == "delivered"


def test_a_receipt_for_an_unknown_reference_is_none_and_an_unknown_status_refused(templates, adapters):
    assert notification_receipt_apply(reference="0" * 32, status="delivered") is None
    n = sent(email_notification(), adapters)
    with pytest.raises(PronoiaError) as caught:
        notification_receipt_apply(reference=n.reference, status="<script>")
    assert caught.value.code == "receipt_status_unknown"
    n.refresh_from_db()
    assert n.status == "sending" and not n.attempt_log.filter(kind="receipt").exists()


def test_retries_back_off_exponentially_then_fail_finally(templates, adapters, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_BASE_SECONDS = 60
    n = email_notification()
    adapters.by_channel["email"].status = "temporary-failure"
    now = T0
    expected = [60, 120]
    for attempt, delay in enumerate(expected, start=1):
        n = sent(n, adapters, now=now)
        assert n.status == "temporary-failure" and n.attempts == attempt
        assert n.next_attempt_at == now + dt.timedelta(seconds=delay)
        # Not due before its time: a dispatch a second early sends nothing.
        assert notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=n.next_attempt_at - dt.timedelta(seconds=1)) == 0
        assert n.pk in notifications_due_ids(now=n.next_attempt_at)
        now = n.next_attempt_at
    n = sent(n, adapters, now=now)
    assert n.attempts == 3 and n.status == "temporary-failure" and n.next_attempt_at is None and n.is_final
    assert len(adapters.sent("email")) == 3
    assert retry_delay(attempts=30) == dt.timedelta(seconds=settings.NOTIFY_RETRY_MAX_SECONDS)


def test_a_final_failure_falls_back_to_the_next_channel_once(templates, adapters):
    n = email_notification(channels=["email"])  # the person chose e-mail only
    assert not InboxEntry.objects.filter(person=n.person).exists()
    n = sent(n, adapters)
    notification_receipt_apply(reference=n.reference, status="permanent-failure", detail="550 no such user", now=T0)
    sms = Notification.objects.get(fallback_of=n)
    assert sms.channel == "sms" and sms.status == "created" and "2026/0000042" in sms.body
    # The sms fails too: no fallback from a fallback.
    sms = sent(sms, adapters)
    notification_receipt_apply(reference=sms.reference, status="permanent-failure", now=T0)
    assert not Notification.objects.filter(fallback_of=sms).exists()
    # A repeated failure receipt does not make a second fallback.
    notification_receipt_apply(reference=n.reference, status="permanent-failure", now=T0)
    assert Notification.objects.filter(fallback_of=n).count() == 1


def test_fallback_reaches_the_inbox_when_there_is_no_phone(templates, adapters):
    person = person_with_contacts(phone="")
    Preference.objects.create(person=person, category="applications", channels=["email"])
    event = application_event(person)
    event_fanout(event_id=event.pk, now=T0)
    n = sent(Notification.objects.get(event=event), adapters)
    notification_receipt_apply(reference=n.reference, status="technical-failure", now=T0)
    assert not Notification.objects.filter(fallback_of=n).exists()  # a technical failure is retried first
    n.refresh_from_db()
    assert n.next_attempt_at is not None
    Notification.objects.filter(pk=n.pk).update(attempts=99)
    n = sent(n, adapters, now=n.next_attempt_at)  # the last attempt
    notification_receipt_apply(reference=n.reference, status="technical-failure", now=n.sending_at)
    fallback = Notification.objects.get(fallback_of=n)
    assert fallback.channel == "inbox" and fallback.status == "delivered"
    assert InboxEntry.objects.get(person=person).notification == fallback


def test_no_address_at_dispatch_is_a_permanent_failure_with_fallback(templates, adapters):
    n = email_notification()
    type(n.person).objects.filter(pk=n.person_id).update(email="")
    n = sent(n, adapters)
    assert n.status == "permanent-failure" and adapters.sent("email") == []
    assert Notification.objects.filter(fallback_of=n, channel="sms").exists()


def test_a_send_in_doubt_is_looked_up_not_sent_twice(templates, adapters, settings):
    settings.NOTIFY_LEASE_SECONDS, settings.NOTIFY_SEND_GRACE_SECONDS = 300, 15
    n = email_notification()
    n = sent(n, adapters)
    # The worker died after the provider accepted it and before the answer was stored.
    Notification.objects.filter(pk=n.pk).update(answered_at=None)
    assert notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=T0 + dt.timedelta(seconds=10)) == 0  # within the lease
    # Past the lease but within the grace the first worker may still be in its last send: wait.
    assert n.pk not in notifications_due_ids(now=T0 + dt.timedelta(seconds=310))
    notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=T0 + dt.timedelta(seconds=310))
    assert not n.attempt_log.filter(kind="lookup").exists()
    later = T0 + dt.timedelta(seconds=316)
    assert n.pk in notifications_due_ids(now=later)
    notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=later)
    n.refresh_from_db()
    assert len(adapters.sent("email")) == 1 and n.status == "sending" and n.answered_at == later
    assert n.attempt_log.filter(kind="lookup").exists()


def test_a_send_the_provider_never_got_is_sent_again_under_the_same_reference(templates, adapters):
    n = email_notification()
    n = sent(n, adapters)
    Notification.objects.filter(pk=n.pk).update(answered_at=None)
    adapters.by_channel["email"].held.clear()  # the provider has no record of it
    notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=T0 + dt.timedelta(hours=1))
    n.refresh_from_db()
    first, second = adapters.sent("email")
    assert first.reference == second.reference == n.reference and n.attempts == 2


def test_a_message_whose_claim_ran_out_before_its_turn_goes_back_unsent(templates, adapters, settings):
    # The lease starts at the claim; a worker that reaches a message after it must leave it, since
    # the sweep may by then be reconciling it (that race once made a second SMS submission).
    n = email_notification()
    settings.NOTIFY_LEASE_SECONDS = 0
    assert notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=T0) == 1  # claimed, handed over
    n.refresh_from_db()
    assert adapters.sent("email") == [] and n.status == "created" and n.attempts == 0
    assert n.attempt_log.filter(raw_status="not-sent", applied=False).exists()
    assert n.pk in notifications_due_ids(now=T0)
    settings.NOTIFY_LEASE_SECONDS = 300
    sent(n, adapters)
    assert len(adapters.sent("email")) == 1 and n.status == "sending" and n.attempts == 1


def test_a_claimed_message_is_not_claimed_again(templates, adapters):
    n = email_notification()
    sent(n, adapters)
    assert notifications_dispatch(notification_ids=[n.pk, n.pk], adapter_for=adapters, now=T0) == 0
    assert len(adapters.sent("email")) == 1


def test_an_adapter_that_breaks_its_contract_leaves_the_message_in_doubt(templates):
    class Broken:
        def send_many(self, messages):
            raise ConnectionError("boom")

        def lookup(self, reference):
            return SendResult(status="delivered")

    n = email_notification()
    notifications_dispatch(notification_ids=[n.pk], adapter_for=lambda channel: Broken(), now=T0)
    n.refresh_from_db()
    assert n.status == "sending" and n.answered_at is None
    assert DeliveryAttempt.objects.filter(notification=n, raw_status="adapter-error", applied=False).exists()
    notifications_dispatch(notification_ids=[n.pk], adapter_for=lambda channel: Broken(), now=T0 + dt.timedelta(hours=1))
    n.refresh_from_db()
    assert n.status == "delivered"


def test_dispatch_of_a_batch_uses_a_bounded_number_of_queries(templates, django_assert_max_num_queries):
    ids = []
    for _ in range(3):
        ids.append(email_notification().pk)
    adapters = Adapters()
    notifications_dispatch(notification_ids=ids[:1], adapter_for=adapters, now=T0)
    with django_assert_max_num_queries(40) as few:
        notifications_dispatch(notification_ids=ids[1:2], adapter_for=adapters, now=T0)
    more = [email_notification().pk for _ in range(20)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        notifications_dispatch(notification_ids=more, adapter_for=adapters, now=T0)
    assert len(adapters.sent("email")) == 22


def test_receipts_refer_by_reference_only(templates, adapters):
    a, b = sent(email_notification(), adapters), sent(email_notification(), adapters)
    notification_receipt_apply(reference=a.reference, status="delivered", now=T0)
    b.refresh_from_db()
    assert b.status == "sending"


def test_notification_factory_round_trip():
    person = person_with_contacts()
    n = notification_for(person, status="sending", created_at=timezone.now())
    assert notification_receipt_apply(reference=n.reference, status="delivered").status == "delivered"


def test_a_batch_is_claimed_and_sent_in_chunks(templates, settings):
    settings.NOTIFY_SEND_CHUNK = 2
    ids = [email_notification().pk for _ in range(5)]
    adapters = Adapters()
    batches: list[int] = []
    real = adapters.by_channel["email"].send_many

    def counting(messages):
        # When a chunk is handed over, the later chunks are not yet claimed (their lease has not started).
        batches.append(len(messages))
        assert Notification.objects.filter(pk__in=ids, status="created").count() == 5 - sum(batches)
        return real(messages)

    adapters.by_channel["email"].send_many = counting
    assert notifications_dispatch(notification_ids=ids, adapter_for=adapters, now=T0) == 5
    assert batches == [2, 2, 1]


def test_a_dispatch_task_uses_one_adapter_per_channel_for_all_its_chunks_and_closes_it(templates, settings):
    settings.NOTIFY_SEND_CHUNK = 2
    made: list = []

    class Counted(Adapters):
        def __call__(self, channel):
            adapter = super().__call__(channel)
            made.append(channel)
            adapter.closed = getattr(adapter, "closed", 0)
            adapter.close = lambda adapter=adapter: setattr(adapter, "closed", adapter.closed + 1)
            return adapter

    adapters = Counted()
    rows = [email_notification() for _ in range(5)]
    assert notifications_dispatch(notification_ids=[n.pk for n in rows], adapter_for=adapters) == 5
    assert made == ["email"] and adapters.by_channel["email"].closed == 1  # three chunks, one adapter
    assert len(adapters.sent("email")) == 5


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["delivered"], "delivered"),
        (["permanent-failure", "delivered"], "delivered"),
        (["temporary-failure", "delivered"], "delivered"),
        (["permanent-failure", "permanent-failure"], "permanent-failure"),
        (["permanent-failure", "temporary-failure"], "temporary-failure"),  # the other browser may take it later
        (["technical-failure", "permanent-failure"], "temporary-failure"),
        (["not-sent", "not-sent"], "not-sent"),
        (["not-sent", "permanent-failure"], "temporary-failure"),
    ],
)
def test_one_push_to_several_browsers_has_one_outcome(statuses, expected):
    from pronoia.notifications.channels.base import NOT_SENT
    from pronoia.notifications.services import _push_result

    results = [NOT_SENT if s == "not-sent" else SendResult(status=s, detail=s) for s in statuses]
    outcome = _push_result(results)
    assert (outcome.status if outcome.sent else "not-sent") == expected


def test_a_send_in_doubt_that_another_sweep_already_handed_to_a_new_worker_is_left_to_it(templates, adapters, settings):
    # Two sweeps see the same message in doubt. The first finds the provider never got it and puts
    # it back; a worker claims it again and is sending it when the second sweep's lookup, asked for
    # the old claim, also says "not found". The second sweep must not reset the new claim: that made
    # a second e-mail in the crash-safety test.
    settings.NOTIFY_LEASE_SECONDS, settings.NOTIFY_SEND_GRACE_SECONDS = 300, 15
    n = email_notification()
    n = sent(n, adapters)
    Notification.objects.filter(pk=n.pk).update(answered_at=None)
    adapters.by_channel["email"].held.clear()  # the provider never got the first send
    later = T0 + dt.timedelta(hours=1)
    reclaimed_at = later - dt.timedelta(seconds=1)

    def lookup_while_another_worker_reclaims(reference):
        Notification.objects.filter(pk=n.pk).update(status="sending", sending_at=reclaimed_at, answered_at=None, attempts=2)
        return None

    adapters.by_channel["email"].lookup = lookup_while_another_worker_reclaims
    assert notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=later) == 0
    n.refresh_from_db()
    assert n.status == "sending" and n.sending_at == reclaimed_at and n.attempts == 2  # the new claim, untouched
    assert len(adapters.sent("email")) == 1  # only the first send; the new worker sends it once
    assert not n.attempt_log.filter(kind="lookup", raw_status="not-found").exists()


@pytest.mark.parametrize("answer", ["temporary-failure", "not-sent"])
def test_a_chunk_slower_than_lease_and_grace_does_not_overwrite_the_claim_another_worker_took(templates, adapters, answer):
    from pronoia.notifications.channels.base import NOT_SENT

    n = email_notification()
    taken_over_at = T0 + dt.timedelta(hours=1)

    def slow_send(messages):
        # Meanwhile: the sweep reconciled the message and another worker claimed it again.
        Notification.objects.filter(pk=n.pk).update(status="sending", sending_at=taken_over_at, answered_at=None, attempts=2)
        return [NOT_SENT if answer == "not-sent" else SendResult(status=answer, detail="slow relay")]

    adapters.by_channel["email"].send_many = slow_send
    notifications_dispatch(notification_ids=[n.pk], adapter_for=adapters, now=T0)
    n.refresh_from_db()
    assert (n.status, n.sending_at, n.attempts, n.next_attempt_at) == ("sending", taken_over_at, 2, None)
