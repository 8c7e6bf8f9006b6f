"""Test data for notifications: templates from the defaults, adapters that record what they are given."""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from pronoia.core.models import DomainEvent
from pronoia.notifications.channels.base import DELIVERED, NOT_SENT, SENDING, OutgoingMessage, SendResult
from pronoia.notifications.services import reference_for
from pronoia.people.tests.factories import PersonFactory

_seq = itertools.count(1)


@dataclass
class RecordingAdapter:
    """Plays a provider in process: answers each send with `status` (or per-reference answers)."""

    channel: str
    status: str = SENDING
    answers: dict[str, str] = field(default_factory=dict)
    sent: list[OutgoingMessage] = field(default_factory=list)
    held: dict[str, SendResult] = field(default_factory=dict)

    def send_many(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        results = []
        for message in messages:
            if message.claim_expired():  # as the real adapters do: no send once the claim ran out
                results.append(NOT_SENT)
                continue
            self.sent.append(message)
            result = SendResult(status=self.answers.get(message.reference, self.status), provider_reference=f"p-{message.reference[:8]}")
            self.held[message.reference] = result
            results.append(result)
        return results

    def lookup(self, reference: str) -> SendResult | None:
        return self.held.get(reference)


class Adapters:
    """adapter_for seam: one RecordingAdapter per channel."""

    def __init__(self, **statuses: str):
        self.by_channel = {c: RecordingAdapter(channel=c, status=statuses.get(c, SENDING)) for c in ("email", "sms", "push")}

    def __call__(self, channel: str) -> RecordingAdapter:
        return self.by_channel[channel]

    def sent(self, channel: str) -> list[OutgoingMessage]:
        return self.by_channel[channel].sent


def person_with_contacts(**kwargs):
    n = next(_seq)
    kwargs.setdefault("email", f"person{n}@example.org")
    kwargs.setdefault("phone", f"+3069{n % 10000:04d}5678")  # not ending 0000/0001: the SMS simulator fails those
    return PersonFactory(**kwargs)


def application_event(person, *, name: str = "application.submitted", protocol: str = "2026/0000042", **extra) -> DomainEvent:
    payload = {
        "application_id": 42,
        "protocol": protocol,
        "person_id": person.pk,
        "service_code": "gr-insurance-history-certificate",
        "status": "submitted",
        "language": "en",
        **extra,
    }
    return DomainEvent.objects.create(name=name, payload=payload)


def notification_for(person, *, channel: str = "email", status: str = "created", event: DomainEvent | None = None, **kwargs):
    from pronoia.notifications.models import Notification

    event = event or application_event(person)
    return Notification.objects.create(
        event=event,
        person=person,
        subject_person=person,
        channel=channel,
        category=kwargs.pop("category", "applications"),
        language="en",
        subject="Subject",
        body="Body",
        status=status,
        reference=reference_for(event_id=event.pk, person_id=person.pk, channel=channel),
        created_at=kwargs.pop("created_at", timezone.now()),
        **kwargs,
    )
