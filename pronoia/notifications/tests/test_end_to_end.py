"""The pipeline with the real adapters against the real simulators (SMTP sink, SMS gateway) on loopback."""
from __future__ import annotations

import pytest

from pronoia.notifications.fanout import event_fanout
from pronoia.notifications.models import Notification, Preference
from pronoia.notifications.services import notifications_dispatch
from pronoia.notifications.tests.factories import application_event, person_with_contacts

pytestmark = pytest.mark.django_db


def test_an_event_reaches_the_smtp_sink_and_the_sms_gateway_once(templates, simulators):
    person = person_with_contacts(email="e2e@example.test", phone="+306912345678")
    Preference.objects.create(person=person, category="applications", channels=["inbox", "email", "sms"])
    event = application_event(person)
    event_fanout(event_id=event.pk)
    ids = list(Notification.objects.filter(event=event).values_list("pk", flat=True))
    notifications_dispatch(notification_ids=ids)
    notifications_dispatch(notification_ids=ids)  # a repeated task sends nothing again
    email = Notification.objects.get(event=event, channel="email")
    sms = Notification.objects.get(event=event, channel="sms")
    assert email.status == "delivered" and sms.status in ("sending", "delivered")
    (mail,) = simulators.smtp.messages(to="e2e@example.test")
    assert "2026/0000042" in mail["subject"] and simulators.smtp.state()["duplicates"] == 0
    (text,) = simulators.sms.messages(reference=sms.reference)
    assert text["to"] == "+306912345678" and "2026/0000042" in text["body"]


def test_a_refused_address_falls_back_to_sms_through_the_real_gateway(templates, simulators):
    person = person_with_contacts(email="gone@example.test", phone="+306912345679")
    Preference.objects.create(person=person, category="applications", channels=["email"])
    simulators.smtp.faults(refuse={"gone@example.test": "550 5.1.1 No such user"})
    event = application_event(person)
    event_fanout(event_id=event.pk)
    email = Notification.objects.get(event=event, channel="email")
    notifications_dispatch(notification_ids=[email.pk])
    email.refresh_from_db()
    assert email.status == "permanent-failure" and "550" in email.detail
    fallback = Notification.objects.get(fallback_of=email)
    assert fallback.channel == "sms"
    notifications_dispatch(notification_ids=[fallback.pk])
    assert simulators.sms.messages(reference=fallback.reference)
