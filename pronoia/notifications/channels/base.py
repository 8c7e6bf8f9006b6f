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

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
    # Unix time after which the adapter must not start this send: the worker's claim on the row
    # runs out then, and a sweep may reconcile it (see services._in_doubt_cutoff).
    send_before: float = math.inf

    def claim_expired(self) -> bool:
        return time.time() >= self.send_before


@dataclass(frozen=True)
class SendResult:
    status: str  # one of PROVIDER_STATUSES; "sending" means accepted, a receipt follows
    provider_reference: str = ""
    detail: str = ""  # the provider's words on a failure, for the delivery log (no personal data)
    sent: bool = True  # False: never handed to the provider (the claim ran out first); the row goes back to the queue


NOT_SENT = SendResult(status=TEMPORARY_FAILURE, detail="not sent: the worker's claim ran out before its turn", sent=False)


class ChannelAdapter(Protocol):
    channel: str

    def send_many(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        """Send each message (one connection for the batch); one result per message, in order.

        Never raises for a single message's failure: a refused or unreachable send is a result
        with a failure status. Sending a reference the provider already holds must not make a
        second message (the provider, or the adapter's lookup first, deduplicates). A message whose
        `claim_expired()` is true when its turn comes is not sent: its result is NOT_SENT.
        """

    def lookup(self, reference: str) -> SendResult | None:
        """What the provider knows of this reference now, or None when it never received it."""

    def close(self) -> None:
        """Let go of the connections and threads kept between `send_many` calls (the adapter is done)."""


class ConcurrentSender:
    """Send one message at a time with `send_one` on up to `concurrency` threads, kept for the adapter's life.

    A dispatch task hands its adapter several chunks in turn; keeping the threads (and each thread's
    keep-alive HTTP session, see `session`) between them saves a thread start and a TCP connection
    per message slot per chunk. `close()` ends the threads.
    """

    def __init__(self, send_one: Callable[[OutgoingMessage], SendResult], *, concurrency: int, name: str, session_make: Callable[[], object]) -> None:
        self._send_one = send_one
        self.concurrency = max(1, concurrency)
        self._name = name
        self._session_make = session_make
        self._local = threading.local()
        self._pool: ThreadPoolExecutor | None = None
        self._sessions: list = []
        self._sessions_lock = threading.Lock()

    @property
    def session(self):
        """This thread's HTTP session (requests sessions are not shared between threads)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._session_make()
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def send_many(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        if self.concurrency == 1 or len(messages) < 2:
            return [self._send_one(message) for message in messages]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix=self._name)
        return list(self._pool.map(self._send_one, messages))

    def close(self) -> None:
        """End the threads and close every thread's session (their connections), not waiting for GC."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()
