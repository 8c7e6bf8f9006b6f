"""From domain events to notifications: recipients, channels, idempotency, only after commit."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from pronoia.accounts.models import Mandate
from pronoia.accounts.tests.factories import citizen_user
from pronoia.core.events import event_emit
from pronoia.core.models import DomainEvent
from pronoia.notifications.fanout import event_fanout, events_pending_ids
from pronoia.notifications.models import EventFanout, InboxEntry, Notification, Preference, PushSubscription
from pronoia.notifications.services import reference_for
from pronoia.notifications.tasks import sweep_run
from pronoia.notifications.tests.factories import application_event, person_with_contacts
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


def channels_of(person, event) -> set[str]:
    return set(Notification.objects.filter(person=person, event=event).values_list("channel", flat=True))


def test_default_channels_are_inbox_and_the_addresses_the_person_has(templates):
    with_both, without_email = person_with_contacts(), person_with_contacts(email="")
    e1, e2 = application_event(with_both), application_event(without_email)
    event_fanout(event_id=e1.pk)
    event_fanout(event_id=e2.pk)
    assert channels_of(with_both, e1) == {"inbox", "email"}
    assert channels_of(without_email, e2) == {"inbox"}  # no address, no e-mail; SMS not chosen by default


def test_preferences_choose_the_channels_per_category(templates):
    person = person_with_contacts()
    Preference.objects.create(person=person, category="applications", channels=["sms"])
    Preference.objects.create(person=person, category="documents", channels=["email"])
    event = application_event(person)
    event_fanout(event_id=event.pk)
    assert channels_of(person, event) == {"sms"}
    assert not InboxEntry.objects.filter(person=person).exists()


def test_push_only_for_a_person_with_an_active_subscription(templates):
    person = person_with_contacts()
    user = citizen_user(person)
    Preference.objects.create(person=person, category="applications", channels=["push"])
    PushSubscription.objects.create(user=user, endpoint="https://push.example/sub/1", p256dh=P256DH, auth=AUTH)
    event = application_event(person)
    event_fanout(event_id=event.pk)
    push = Notification.objects.get(person=person, event=event)
    assert push.channel == "push" and push.user_id == user.pk
    # Push carries no personal data: no protocol number, no service name.
    assert "2026/0000042" not in push.body and "certificate" not in push.body.lower()


def test_critical_notices_reach_the_inbox_even_when_the_person_opted_out(templates):
    person = person_with_contacts()
    Preference.objects.create(person=person, category="applications", channels=["sms"])
    event = application_event(person, name="application.decided", outcome="approved", decision_id=1, document_id=1)
    event_fanout(event_id=event.pk)
    assert channels_of(person, event) == {"sms", "inbox"}
    entry = InboxEntry.objects.get(person=person)
    assert entry.critical and entry.protocol == "2026/0000042" and "Approved" in entry.body


def test_representatives_whose_mandate_covers_the_category_are_told(templates):
    principal = person_with_contacts()
    covered, other_scope, revoked = person_with_contacts(), person_with_contacts(), person_with_contacts()
    today = timezone.localdate()
    Mandate.objects.create(principal_person=principal, representative=covered, scope=["applications"], valid_from=today)
    Mandate.objects.create(principal_person=principal, representative=other_scope, scope=["pension"], valid_from=today)
    Mandate.objects.create(principal_person=principal, representative=revoked, scope=["applications"], valid_from=today, revoked_at=timezone.now())
    event = application_event(principal)
    event_fanout(event_id=event.pk)
    told = set(Notification.objects.filter(event=event).values_list("person_id", flat=True))
    assert told == {principal.pk, covered.pk}
    copy = InboxEntry.objects.get(person=covered)
    assert Notification.objects.filter(person=covered, subject_person=principal).exists() and copy.protocol == "2026/0000042"


def test_status_changes_told_by_their_own_event_are_not_told_twice(templates):
    person = person_with_contacts()
    decided = application_event(person, name="application.status_changed", from_status="in_review", to_status="approved")
    reviewing = application_event(person, name="application.status_changed", from_status="submitted", to_status="in_review")
    assert event_fanout(event_id=decided.pk) == 0
    assert event_fanout(event_id=reviewing.pk) == 2
    assert "In review" in InboxEntry.objects.get(person=person).title


def test_the_same_event_handled_twice_makes_no_second_notification(templates):
    person = person_with_contacts()
    event = application_event(person)
    assert event_fanout(event_id=event.pk) == 2
    assert event_fanout(event_id=event.pk) == 0
    EventFanout.objects.all().delete()  # even without the fan-out record, the idempotency key holds
    with pytest.raises(IntegrityError):
        event_fanout(event_id=event.pk)
    assert Notification.objects.count() == 2 and InboxEntry.objects.count() == 1


def test_the_database_refuses_a_duplicate_idempotency_key(templates):
    person = person_with_contacts()
    event = application_event(person)
    event_fanout(event_id=event.pk)
    original = Notification.objects.get(channel="email")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            event=event, person=person, subject_person=person, channel="email", category="applications", language="en",
            reference="another-reference", created_at=timezone.now(),
        )
    assert original.reference == reference_for(event_id=event.pk, person_id=person.pk, channel="email")


def test_events_reach_notifications_only_after_commit(templates, django_capture_on_commit_callbacks):
    person = person_with_contacts()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit("application.submitted", payload={"person_id": person.pk, "protocol": "2026/0000001", "application_id": 1, "service_code": "x", "status": "submitted", "language": "en"})
            raise RuntimeError("the application was rolled back")
    assert not DomainEvent.objects.exists() and not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event_emit("application.submitted", payload={"person_id": person.pk, "protocol": "2026/0000002", "application_id": 2, "service_code": "x", "status": "submitted", "language": "en"})
            assert not Notification.objects.exists()  # nothing before commit
    assert InboxEntry.objects.get(person=person).protocol == "2026/0000002"


def test_a_recorded_application_reaches_the_inbox_after_commit(templates, django_capture_on_commit_callbacks):
    from pronoia.services.tests.application_factories import application_make

    person = person_with_contacts()
    with django_capture_on_commit_callbacks(execute=True):
        application = application_make(person)
    entry = InboxEntry.objects.get(person=person)
    assert entry.protocol == application.protocol and entry.application_id == application.pk
    assert application.protocol in entry.title


def test_the_sweep_fans_out_events_the_handler_missed(templates):
    person = person_with_contacts()
    missed = application_event(person)  # created without the handler (as if the worker died)
    old = application_event(person, protocol="2026/0000099")
    DomainEvent.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - dt.timedelta(days=30))
    assert events_pending_ids() == [missed.pk]
    sweep_run()
    assert EventFanout.objects.filter(event=missed).exists()
    assert events_pending_ids() == []
    sweep_run()
    assert Notification.objects.filter(event=missed).count() == 2


def test_an_event_about_an_unknown_person_is_recorded_as_handled(templates):
    event = DomainEvent.objects.create(name="application.submitted", payload={"person_id": 999999, "protocol": "x"})
    assert event_fanout(event_id=event.pk) == 0
    assert EventFanout.objects.filter(event=event, notifications=0).exists()


def test_another_persons_preferences_do_not_leak(templates):
    a, b = person_with_contacts(), PersonFactory(email="b@example.org")
    Preference.objects.create(person=a, category="applications", channels=["sms"])
    event = application_event(b)
    event_fanout(event_id=event.pk)
    assert channels_of(b, event) == {"inbox", "email"}


def _document_event(person, *, kind: str, document_id: int = 7001, language: str = "pl") -> DomainEvent:
    return DomainEvent.objects.create(name="document.ready", payload={"document_id": document_id, "kind": kind, "person_id": person.pk, "protocol": "2026/0000077", "language": language})


def test_a_document_notice_names_the_document_speaks_the_documents_language_and_links_its_application(templates):
    from pronoia.services.models import Application, ApplicationDocument

    person = person_with_contacts()
    application = Application.objects.create(protocol="2026/0000077", year=2026, number=77, person=person, service_code="gr-insurance-history-certificate", form_name="f", fingerprint="x" * 64, language="pl", submitted_at=timezone.now())
    ApplicationDocument.objects.create(application=application, document_id=7001, role="output", kind="insurance_history_certificate")
    event = _document_event(person, kind="insurance_history_certificate")
    assert event_fanout(event_id=event.pk) > 0
    entry = InboxEntry.objects.get(person=person)
    assert entry.application_id == application.pk
    email = Notification.objects.get(event=event, channel="email")
    assert email.language == "pl" and email.application_id == application.pk
    assert "Zaświadczenie o okresach ubezpieczenia" in entry.title and "Zaświadczenie" in entry.body, (entry.title, entry.body)


def test_the_certificate_of_submission_brings_no_second_notice(templates):
    person = person_with_contacts()
    event = _document_event(person, kind="submission_receipt")
    assert event_fanout(event_id=event.pk) == 0
    assert not Notification.objects.filter(event=event).exists()
