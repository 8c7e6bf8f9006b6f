"""SMS through the HTTP JSON SMS gateway (the local simulator: `simulators.sms_gateway`).

A batch is sent over NOTIFICATIONS_SMS_CONCURRENCY keep-alive connections at once (one
`requests.Session` per sending thread; threads and sessions kept until `close()`), in order of results. The gateway is
idempotent on the client reference (a second submission answers the first message), so a retry
after a timeout or a 5xx cannot make a second SMS. Its answers map to the statuses:

    201/200 "accepted" → sending (a receipt follows)    201/200 "delivered" → delivered
    400 on `to` → permanent failure (not a number)      other 400, 401, 403 → technical failure
    429, 5xx, timeout, connection refused → temporary failure (retried; the reference keeps it single)

Delivery receipts come back by callback (`views_delivery.SmsReceiptView`); `receipt_status` maps
the gateway's receipt words to the statuses.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import requests
from django.conf import settings

from pronoia.notifications.channels.base import DELIVERED, NOT_SENT, PERMANENT_FAILURE, SENDING, TECHNICAL_FAILURE, TEMPORARY_FAILURE, ConcurrentSender, OutgoingMessage, SendResult

GATEWAY_STATUSES = ("accepted", "delivered", "failed")
GATEWAY_REASONS = ("invalid_number", "handset_off", "network_error", "expired")
_FAILURE_BY_REASON = {"invalid_number": PERMANENT_FAILURE, "handset_off": TEMPORARY_FAILURE, "expired": TEMPORARY_FAILURE, "network_error": TEMPORARY_FAILURE}


_PHONE_PUNCTUATION = re.compile(r"[\s\-./()\u00a0]")


def phone_e164(number: str) -> str:
    """A phone number as the gateway takes it (E.164, "+306901577279"), from the forms registries
    keep ("+30 690 157 7279", "0030-6901577279", "(+30) 6901577279"); anything else is left as it is
    and the gateway's 400 names it."""
    compact = _PHONE_PUNCTUATION.sub("", number or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact


class SmsLookupError(Exception):
    """The gateway could not be asked (unreachable, 5xx): the outcome is still unknown."""


def receipt_status(status: str, reason: str | None) -> str:
    """The delivery status for a gateway's status word and failure reason."""
    if status == "accepted":
        return SENDING
    if status == "delivered":
        return DELIVERED
    if status == "failed":
        return _FAILURE_BY_REASON.get(reason or "", TECHNICAL_FAILURE)
    raise ValueError(f"unknown gateway status {status!r}")


def _answer_result(answer: dict) -> SendResult:
    status = receipt_status(str(answer.get("status")), answer.get("reason"))
    detail = f"gateway: {answer.get('status')} {answer.get('reason') or ''}".strip()
    return SendResult(status=status, provider_reference=str(answer.get("id", ""))[:200], detail=detail)


class HttpSmsAdapter:
    channel = "sms"

    def __init__(self) -> None:
        self.url = settings.NOTIFICATIONS_SMS_GATEWAY_URL
        self.timeout = settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS
        self.callback_url = settings.NOTIFICATIONS_SMS_RECEIPT_URL
        self.api_key = settings.NOTIFICATIONS_SMS_API_KEY
        self.senders = ConcurrentSender(self._send_one, concurrency=settings.NOTIFICATIONS_SMS_CONCURRENCY, name="sms", session_make=self._session_make)

    def _session_make(self) -> requests.Session:
        session = requests.Session()
        session.headers.update({"X-Api-Key": self.api_key, "Accept": "application/json"})
        return session

    @property
    def http(self) -> requests.Session:
        """This thread's keep-alive session."""
        return self.senders.session

    def _send_one(self, message: OutgoingMessage) -> SendResult:
        if message.claim_expired():
            return NOT_SENT
        payload = {"to": phone_e164(message.to), "body": message.body, "reference": message.reference}
        if self.callback_url:
            payload["callback_url"] = self.callback_url
        try:
            response = self.http.post(f"{self.url}/messages", json=payload, timeout=self.timeout)
        except requests.Timeout:
            return SendResult(status=TEMPORARY_FAILURE, detail="gateway timeout")
        except requests.RequestException as error:
            return SendResult(status=TEMPORARY_FAILURE, detail=f"gateway unreachable: {type(error).__name__}")
        if response.status_code in (200, 201):
            try:
                return _answer_result(response.json())
            except (ValueError, TypeError):
                return SendResult(status=TECHNICAL_FAILURE, detail=f"gateway answered {response.status_code} without a valid body")
        detail = f"gateway HTTP {response.status_code}: {_error_words(response)}"[:200]
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult(status=TEMPORARY_FAILURE, detail=detail)
        if response.status_code == 400 and _error_field(response) == "to":
            return SendResult(status=PERMANENT_FAILURE, detail=detail)
        return SendResult(status=TECHNICAL_FAILURE, detail=detail)

    def send_many(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        return self.senders.send_many(messages)

    def close(self) -> None:
        self.senders.close()

    def lookup(self, reference: str) -> SendResult | None:
        """What the gateway holds for `reference`; raises SmsLookupError when it cannot be asked."""
        try:
            response = self.http.get(f"{self.url}/messages/{reference}", timeout=self.timeout)
        except requests.RequestException as error:
            raise SmsLookupError(type(error).__name__) from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SmsLookupError(f"HTTP {response.status_code}")
        return _answer_result(response.json())


def _error_words(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", ""))[:120]
    except ValueError:
        return ""


def _error_field(response: requests.Response) -> str:
    try:
        return str(response.json().get("field", ""))
    except ValueError:
        return ""
