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


def _push_person(simulators, browsers: int):
    from pronoia.accounts.tests.factories import citizen_user
    from pronoia.notifications.models import PushSubscription

    person = person_with_contacts()
    user = citizen_user(person)
    Preference.objects.create(person=person, category="applications", channels=["push"])
    made = [simulators.push.subscription_create() for _ in range(browsers)]
    for sub in made:
        PushSubscription.objects.create(user=user, endpoint=sub["endpoint"], p256dh=sub["keys"]["p256dh"], auth=sub["keys"]["auth"])
    return person, made


def test_a_push_reaches_every_browser_the_person_turned_notifications_on_in(templates, simulators):
    from pronoia.notifications.models import PushSubscription

    person, (phone, laptop, old_tablet) = _push_person(simulators, browsers=3)
    simulators.push.subscription_expire(old_tablet["id"])  # that browser's subscription is gone (410)
    event = application_event(person)
    event_fanout(event_id=event.pk)
    push = Notification.objects.get(event=event, channel="push")
    notifications_dispatch(notification_ids=[push.pk])
    push.refresh_from_db()
    assert push.status == "delivered" and push.detail == "delivered to 2 of 3 browsers"
    assert len(simulators.push.subscription_take(phone["id"])) == 1 and len(simulators.push.subscription_take(laptop["id"])) == 1
    active = dict(PushSubscription.objects.values_list("endpoint", "active"))
    assert active == {phone["endpoint"]: True, laptop["endpoint"]: True, old_tablet["endpoint"]: False}
    assert not Notification.objects.filter(fallback_of=push).exists()  # it reached the person


def test_a_push_whose_every_browser_is_gone_fails_for_good_and_falls_back(templates, simulators):
    person, browsers = _push_person(simulators, browsers=2)
    for sub in browsers:
        simulators.push.subscription_expire(sub["id"])
    event = application_event(person)
    event_fanout(event_id=event.pk)
    push = Notification.objects.get(event=event, channel="push")
    notifications_dispatch(notification_ids=[push.pk])
    push.refresh_from_db()
    assert push.status == "permanent-failure"
    assert Notification.objects.get(fallback_of=push).channel != "push"
