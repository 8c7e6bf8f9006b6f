"""The contract between the notification pipeline and each outside delivery channel.

The pipeline (pronoia.notifications.services and tasks) builds an OutgoingMessage per notification
and hands it to the channel's adapter; the adapter speaks the channel's real protocol (SMTP, the
SMS gateway's HTTP API, RFC 8030 web push) to a provider, or to the local simulator that plays it.

Exactly-once delivery rests on `reference`: it is derived from the notification's idempotency key
(event + recipient + channel), it is sent with every attempt (Message-ID for e-mail, the client
reference for SMS, the Topic header for push), and `lookup` asks the provider what it already holds
for a reference, so a send whose outcome is unknown (a worker killed mid-send) is reconciled
instead of sent twice.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

# The statuses of GOV.UK Notify's lifecycle that a provider can report.
SENDING = "sending"
DELIVERED = "delivered"
TEMPORARY_FAILURE = "temporary-failure"
PERMANENT_FAILURE = "permanent-failure"
TECHNICAL_FAILURE = "technical-failure"
PROVIDER_STATUSES = (SENDING, DELIVERED, TEMPORARY_FAILURE, PERMANENT_FAILURE, TECHNICAL_FAILURE)


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: int
    reference: str  # unique per notification, stable across retries; at most 32 URL-safe characters
    channel: str  # "email" | "sms" | "push"
    to: str  # e-mail address, phone number in E.164, or the push subscription's endpoint
    subject: str
    body: str  # plain text; for push, only a prompt to open the inbox (never personal data)
    language: str
    push_keys: dict[str, str] = field(default_factory=dict)  # {"p256dh": ..., "auth": ...} for push


@dataclass(frozen=True)
class SendResult:
    status: str  # one of PROVIDER_STATUSES; "sending" means accepted, a receipt follows
    provider_reference: str = ""
    detail: str = ""  # the provider's words on a failure, for the delivery log (no personal data)


class ChannelAdapter(Protocol):
    channel: str

    def send_many(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        """Send each message (one connection for the batch); one result per message, in order.

        Never raises for a single message's failure: a refused or unreachable send is a result
        with a failure status. Sending a reference the provider already holds must not make a
        second message (the provider, or the adapter's lookup first, deduplicates).
        """

    def lookup(self, reference: str) -> SendResult | None:
        """What the provider knows of this reference now, or None when it never received it."""
