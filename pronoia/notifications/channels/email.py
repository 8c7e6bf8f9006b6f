"""E-mail over SMTP: one connection kept for the adapter's batches, the Message-ID made from the reference.

The Message-ID `<reference@domain>` is what makes a resend recognisable. SMTP cannot be asked
whether a relay already took a message, so reconciliation uses the relay's message search
(`NOTIFICATIONS_EMAIL_TRACKING_URL`): the local SMTP sink has one (`simulators.smtp_sink`); a
production relay needs an equivalent (a message-tracking API, or its delivery events indexed by
Message-ID). Before sending a batch the adapter asks it once for all the batch's Message-IDs and
skips those already taken, so a retry after a crash does not make a second e-mail. Without a
tracking URL there is no lookup, and an in-doubt e-mail may be sent twice.

Statuses: accepted by the relay (250) → delivered (no receipts come back over SMTP); a refused
recipient 5xx → permanent failure, 4xx → temporary failure; timeouts and unreachable relay →
temporary failure (retried); anything else the relay says → technical failure.
"""
from __future__ import annotations

import math
import re
import smtplib
import time
from collections.abc import Sequence
from email.charset import BASE64, Charset
from email.errors import MessageError
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr

import requests
from django.conf import settings

from pronoia.notifications.channels.base import DELIVERED, NOT_SENT, PERMANENT_FAILURE, TECHNICAL_FAILURE, TEMPORARY_FAILURE, OutgoingMessage, SendResult

MESSAGE_ID_DOMAIN = "notifications.pronoia.localhost"
_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.body_encoding = BASE64
_SMTP_LINES = compat32.clone(linesep="\r\n")  # SMTP lines end in CRLF; relays refuse bare LF
_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")


def message_id_for(reference: str) -> str:
    return f"<{reference}@{MESSAGE_ID_DOMAIN}>"


class ClaimRanOut(Exception):
    """The worker's claim ran out before this message's turn: it is not sent (NOT_SENT)."""


def _one_line(text: str) -> str:
    """A header value on one line: a line break in a filled-in value must not start a new header."""
    return " ".join(text.splitlines())


def _reply_status(code: int) -> str:
    if 500 <= code < 600:
        return PERMANENT_FAILURE
    if 400 <= code < 500:
        return TEMPORARY_FAILURE
    return TECHNICAL_FAILURE


def _detail(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"SMTP {code} {words}"[:200]


class SmtpEmailAdapter:
    channel = "email"

    def __init__(self) -> None:
        self.host = settings.NOTIFICATIONS_SMTP_HOST
        self.port = settings.NOTIFICATIONS_SMTP_PORT
        self.timeout = settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS
        self.sender = settings.NOTIFICATIONS_EMAIL_FROM
        self.tracking_url = settings.NOTIFICATIONS_EMAIL_TRACKING_URL
        self.http = requests.Session()
        name, self.sender_address = parseaddr(self.sender)
        self.sender_header = formataddr((name, self.sender_address), charset="utf-8") if name else self.sender_address
        self._connection: smtplib.SMTP | None = None

    def _headers(self, message: OutgoingMessage, *, sender: str, subject) -> list[tuple[str, object]]:
        """The headers both builders give a message, in order (the sender and subject as each encodes them)."""
        return [
            ("From", sender),
            ("To", message.to),
            ("Subject", subject),
            ("Message-ID", message_id_for(message.reference)),
            ("Date", formatdate(localtime=False, usegmt=True)),
            ("Auto-Submitted", "auto-generated"),  # RFC 3834: no out-of-office replies
            ("Content-Language", message.language),
        ]

    def message_build(self, message: OutgoingMessage) -> EmailMessage:
        """The message as the modern `email` API builds it (non-ASCII addresses, SMTPUTF8)."""
        email = EmailMessage()
        email.set_content(message.body)  # text/plain; charset utf-8 (before the headers: it clears Content-*)
        for name, value in self._headers(message, sender=self.sender, subject=_one_line(message.subject)):
            email[name] = value
        return email

    def message_bytes(self, message: OutgoingMessage) -> bytes:
        """The same message as bytes, built with the legacy `email` API.

        The modern API parses and refolds every header through its header registry, which was a
        third of an e-mail's cost in the dispatch profile (bench/RESULTS.md). Non-ASCII text goes in
        RFC 2047 encoded words (subject, display name) and a base64 UTF-8 body. For ASCII addresses
        only: `_send` gives the others (SMTPUTF8) to `send_message`.
        """
        email = MIMEText(message.body, "plain", _UTF8_BASE64)
        subject = _one_line(message.subject)
        for name, value in self._headers(message, sender=self.sender_header, subject=subject if subject.isascii() else Header(subject, "utf-8")):
            email[name] = value
        return email.as_bytes(policy=_SMTP_LINES)

    def _tracked(self, references: Sequence[str]) -> dict[str, dict]:
        """The batch's messages the relay already holds, by Message-ID (empty without a tracking URL)."""
        if not self.tracking_url or not references:
            return {}
        ids = [message_id_for(reference) for reference in references]
        response = self.http.post(f"{self.tracking_url}/_sim/messages/search", json={"message_ids": ids}, timeout=self.timeout)
        response.raise_for_status()
        return {m["message_id"]: m for m in response.json()["messages"]}

    def _connect(self) -> smtplib.SMTP:
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if settings.NOTIFICATIONS_SMTP_STARTTLS:
            connection.starttls()
        if settings.NOTIFICATIONS_SMTP_USERNAME:
            connection.login(settings.NOTIFICATIONS_SMTP_USERNAME, settings.NOTIFICATIONS_SMTP_PASSWORD)
        return connection

    def send_many(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        results: list[SendResult | None] = [None] * len(messages)
        try:
            tracked = self._tracked([m.reference for m in messages])
        except (requests.RequestException, ValueError, KeyError) as error:
            # Without the search we cannot tell a retry from a first send: better late than twice.
            return [SendResult(status=TEMPORARY_FAILURE, detail=f"message search unavailable: {type(error).__name__}") for _ in messages]
        connection = self._connection_checked()
        for index, message in enumerate(messages):
            if message_id_for(message.reference) in tracked:
                results[index] = SendResult(status=DELIVERED, provider_reference=message_id_for(message.reference), detail="already held by the relay")
                continue
            if message.claim_expired():
                results[index] = NOT_SENT
                continue
            try:
                if connection is None:
                    connection = self._connect()
                try:
                    refused = self._send(connection, message)
                except ClaimRanOut:
                    results[index] = NOT_SENT
                    continue
                if refused:  # some recipients refused (one recipient here, so not reached in practice)
                    code, text = refused[message.to]
                    results[index] = SendResult(status=_reply_status(code), detail=_detail(code, text))
                else:
                    results[index] = SendResult(status=DELIVERED, provider_reference=message_id_for(message.reference))
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                results[index] = SendResult(status=_reply_status(code), detail=_detail(code, text))
                connection = self._reset(connection)
            except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                results[index] = SendResult(status=_reply_status(error.smtp_code), detail=_detail(error.smtp_code, error.smtp_error))
                connection = self._reset(connection)
            except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
                # Timeout or a dropped connection: the relay may or may not have the message; the
                # next attempt asks the tracking search first, so retrying is safe.
                timed_out = isinstance(error, TimeoutError) or "timed out" in str(error)  # smtplib wraps it
                kind = "timeout" if timed_out else type(error).__name__
                results[index] = SendResult(status=TEMPORARY_FAILURE, detail=f"SMTP relay unreachable or slow: {kind}")
                connection = self._drop(connection)
            except smtplib.SMTPException as error:
                results[index] = SendResult(status=TECHNICAL_FAILURE, detail=f"SMTP: {type(error).__name__}")
                connection = self._drop(connection)
            except (ValueError, MessageError) as error:  # the message could not be built (nothing was sent)
                results[index] = SendResult(status=TECHNICAL_FAILURE, detail=f"message not buildable: {type(error).__name__}")
                connection = self._reset(connection)
        self._connection = connection  # kept for the next batch of this adapter; close() ends it
        return results

    def _send(self, connection: smtplib.SMTP, message: OutgoingMessage) -> dict:
        if message.to.isascii() and self.sender_address.isascii():
            self._transaction(connection, message.to, self.message_bytes(message), send_before=message.send_before)
            return {}
        if message.claim_expired():  # `_transaction` checks this just before MAIL FROM; here before the whole send
            raise ClaimRanOut
        return connection.send_message(self.message_build(message), from_addr=self.sender, to_addrs=[message.to])

    def _transaction(self, connection: smtplib.SMTP, to: str, data: bytes, *, send_before: float = math.inf) -> None:
        """MAIL, RCPT, DATA and the message, all within one provider timeout together.

        smtplib's timeout is per reply, so a send of four replies could last four timeouts; the
        sweep's grace (three timeouts) counts on a send started inside the lease being over well
        before it ends, else it could ask the relay too early and send a second copy. Raises as
        `sendmail` does; a send over its budget raises TimeoutError (the relay has it or not: the
        next attempt asks the message search first). The lease is checked once more just before
        MAIL FROM: past `send_before` nothing is sent (ClaimRanOut).
        """
        deadline = time.monotonic() + self.timeout

        def within_budget() -> None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the SMTP send ran over its time budget")
            connection.sock.settimeout(min(self.timeout, left))

        try:
            within_budget()
            connection.ehlo_or_helo_if_needed()  # once per connection, as sendmail does
            if time.time() >= send_before:
                raise ClaimRanOut
            code, reply = connection.mail(self.sender_address)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.sender_address)
            within_budget()
            code, reply = connection.rcpt(to)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
            within_budget()
            connection.putcmd("data")
            code, reply = connection.getreply()
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            payload = _DOT_AT_LINE_START.sub(b"..", data)  # RFC 5321 4.5.2 transparency
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            within_budget()
            connection.send(payload + b".\r\n")
            code, reply = connection.getreply()
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        finally:
            if connection.sock is not None:  # the next command (RSET, NOOP, QUIT) gets the whole timeout again
                connection.sock.settimeout(self.timeout)

    def _connection_checked(self) -> smtplib.SMTP | None:
        """The connection kept from the last batch if the relay still answers on it, else None."""
        connection, self._connection = self._connection, None
        if connection is None:
            return None
        try:
            if connection.noop()[0] == 250:
                return connection
        except (smtplib.SMTPException, OSError):
            pass
        return self._drop(connection)

    def close(self) -> None:
        self._connection = self._drop(self._connection)
        self.http.close()

    @staticmethod
    def _reset(connection: smtplib.SMTP | None) -> smtplib.SMTP | None:
        """After a refused transaction: RSET keeps the connection for the rest of the batch."""
        if connection is None:
            return None
        try:
            connection.rset()
            return connection
        except (smtplib.SMTPException, OSError):
            return SmtpEmailAdapter._drop(connection)

    @staticmethod
    def _drop(connection: smtplib.SMTP | None) -> None:
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
        return None

    def lookup(self, reference: str) -> SendResult | None:
        if not self.tracking_url:
            return None
        found = self._tracked([reference])
        if not found:
            return None
        return SendResult(status=DELIVERED, provider_reference=message_id_for(reference), detail="held by the relay")
