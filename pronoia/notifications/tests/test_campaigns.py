"""Campaigns: many notifications from one event, idempotent on re-run, texts built at dispatch."""
from __future__ import annotations

import pytest

from pronoia.core.errors import PronoiaError
from pronoia.notifications.models import InboxEntry, Notification, Preference
from pronoia.notifications.services import campaign_enqueue, notifications_dispatch
from pronoia.notifications.tests.factories import Adapters, person_with_contacts

pytestmark = pytest.mark.django_db


def run(person_ids, **kwargs):
    return campaign_enqueue(template_code="campaign.annual_statement", person_ids=person_ids, event_name="campaign.annual_statement", context={"year": "2026"}, campaign_key="annual-2026", enqueue=False, **kwargs)


def test_a_campaign_reaches_everyone_once_and_a_rerun_adds_only_newcomers(templates):
    people = [person_with_contacts() for _ in range(5)]
    Preference.objects.create(person=people[0], category="campaigns", channels=["sms"])
    first = run([p.pk for p in people])
    assert first["created"] == 4 * 2 + 1
    again = run([p.pk for p in people])
    assert again["created"] == 0 and again["event_id"] == first["event_id"]
    newcomer = person_with_contacts()
    assert run([p.pk for p in people] + [newcomer.pk])["created"] == 2
    assert InboxEntry.objects.filter(title__contains="2026").count() == 5
    assert Notification.objects.filter(person=people[0]).get().channel == "sms"


def test_campaign_texts_are_rendered_at_dispatch_in_the_persons_language(templates):
    pole = person_with_contacts(country="pl")
    run([pole.pk], channels=["email"])
    email = Notification.objects.get(person=pole)
    assert email.body == "" and email.status == "created"
    adapters = Adapters()
    notifications_dispatch(notification_ids=[email.pk], adapter_for=adapters)
    (message,) = adapters.sent("email")
    assert message.language == "pl" and "informacja o ubezpieczeniu za 2026" in message.subject


def test_a_campaign_missing_a_value_is_refused_before_anything_is_stored(templates):
    person = person_with_contacts()
    with pytest.raises(PronoiaError) as caught:
        campaign_enqueue(template_code="campaign.annual_statement", person_ids=[person.pk], event_name="campaign.annual_statement", enqueue=False)
    assert caught.value.code == "template_value_missing" and caught.value.field == "year"
    assert not Notification.objects.exists()
    with pytest.raises(PronoiaError):
        campaign_enqueue(template_code="no.such.template", person_ids=[person.pk], event_name="campaign.x", enqueue=False)
