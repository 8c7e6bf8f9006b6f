"""One contract, three channels: each adapter against its simulator (real SMTP / HTTP on loopback).

The same cases run for e-mail (SMTP sink), SMS (gateway) and web push (push service): delivered,
a refused recipient, a slow provider, a provider error, a resend of the same reference, a batch
with a failure in the middle, and lookup of a sent and of an unknown reference. What differs per
channel (how to refuse a recipient, how the provider shows a message) is in the `Pair` classes.
"""
from __future__ import annotations

import dataclasses
import json
import secrets
import socket
import time

import pytest

from pronoia.notifications.channels import base
from pronoia.notifications.channels.registry import adapter_for as registry_adapter_for

FINAL_OR_ACCEPTED = (base.SENDING, base.DELIVERED)
_opened: list = []


def adapter_for(channel: str):
    """The registry's adapter, closed after the test (adapters keep connections between batches)."""
    adapter = registry_adapter_for(channel)
    _opened.append(adapter)
    return adapter


@pytest.fixture(autouse=True)
def _adapters_closed():
    yield
    while _opened:
        _opened.pop().close()


def _message(*, to: str, reference: str | None = None, language: str = "en", push_keys=None) -> base.OutgoingMessage:
    return base.OutgoingMessage(
        notification_id=1,
        reference=reference or secrets.token_urlsafe(16),
        channel="",
        to=to,
        subject="Your application was received",
        body="Application GR-2026-000123 was received. Open the portal to follow it.",
        language=language,
        push_keys=push_keys or {},
    )


class EmailPair:
    """Each pair: how its provider accepts, refuses and fails, and how it shows what it received."""

    channel = "email"
    accepted = base.DELIVERED
    refused = base.PERMANENT_FAILURE
    provider_error = base.TEMPORARY_FAILURE
    resend_duplicates = 0  # the adapter asks the sink first: the second send never reaches SMTP
    reconciles = True

    def __init__(self, simulators):
        self.sim = simulators.smtp

    def message(self, **kwargs):
        return _message(to=f"person.{secrets.token_hex(3)}@example.test", **kwargs)

    def refuse(self, message):
        self.sim.faults(refuse={message.to: "550 5.1.1 No such user here"})
        return message

    def fail_provider(self):
        self.sim.faults(refuse_all="421 4.3.2 Service not available, closing channel")

    def received(self, message) -> list[dict]:
        return [m for m in self.sim.messages() if m["message_id"] == f"<{message.reference}@notifications.pronoia.localhost>"]

    def check_content(self, message, received):
        assert received["to"] == [message.to]
        assert received["subject"] == message.subject
        assert received["body"].strip() == message.body
        assert received["language"] == message.language


class SmsPair:
    channel = "sms"
    accepted = base.SENDING
    refused = base.PERMANENT_FAILURE
    provider_error = base.TEMPORARY_FAILURE
    resend_duplicates = 1  # the gateway answers the first message and counts the second submission
    reconciles = True

    def __init__(self, simulators):
        self.sim = simulators.sms

    def message(self, **kwargs):
        return _message(to=f"+30210{secrets.randbelow(10**6):06d}2", **kwargs)

    def refuse(self, message):
        return dataclasses.replace(message, to="0030-not-a-number")

    def fail_provider(self):
        self.sim.faults(fail_next=100)

    def received(self, message) -> list[dict]:
        return self.sim.messages(reference=message.reference)

    def check_content(self, message, received):
        assert received["to"] == message.to
        assert received["body"] == message.body


class PushPair:
    channel = "push"
    accepted = base.DELIVERED
    refused = base.PERMANENT_FAILURE
    provider_error = base.TEMPORARY_FAILURE
    resend_duplicates = 1  # the push service sees the same Topic again and does not deliver it twice
    reconciles = False  # RFC 8030 has no lookup; the Topic keeps a resend single

    def __init__(self, simulators):
        self.sim = simulators.push

    def message(self, **kwargs):
        subscription = self.sim.subscription_create()
        return _message(to=subscription["endpoint"], push_keys=subscription["keys"], **kwargs)

    def refuse(self, message):
        self.sim.subscription_expire(message.to.rsplit("/", 1)[1])
        return message

    def fail_provider(self):
        self.sim.faults(fail_next=100, fail_status=503)

    def received(self, message) -> list[dict]:
        return self.sim.messages(topic=message.reference)

    def check_content(self, message, received):
        # Decrypted by the push service with the subscription's keys: only the prompt, no personal data.
        assert json.loads(received["payload"]) == {"title": "You have a new message in your inbox", "url": "/my/inbox"}
        assert message.subject not in received["payload"] and "GR-2026" not in received["payload"]
        assert received["vapid_sub"].startswith("mailto:")


@pytest.fixture(params=[EmailPair, SmsPair, PushPair], ids=["email", "sms", "push"])
def pair(request, simulators):
    return request.param(simulators)


def test_a_message_is_delivered_with_its_content(pair):
    message = pair.message()
    [result] = adapter_for(pair.channel).send_many([message])
    assert result.status == pair.accepted, result
    [received] = pair.received(message)
    pair.check_content(message, received)


def test_a_refused_recipient_is_a_permanent_failure(pair):
    message = pair.refuse(pair.message())
    [result] = adapter_for(pair.channel).send_many([message])
    assert result.status == pair.refused, result
    assert result.detail
    assert pair.received(message) == []


def test_a_slow_provider_times_out_as_a_retryable_failure(pair, settings):
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 0.3
    pair.sim.faults(delay_seconds=1.5)
    message = pair.message()
    [result] = adapter_for(pair.channel).send_many([message])
    assert result.status in (base.TEMPORARY_FAILURE, base.TECHNICAL_FAILURE), result
    assert "timeout" in result.detail.lower() or "unavailable" in result.detail.lower()


def test_a_provider_error_is_a_temporary_failure(pair):
    message = pair.message()
    pair.fail_provider()
    [result] = adapter_for(pair.channel).send_many([message])
    assert result.status == pair.provider_error, result
    assert pair.received(message) == []


def test_a_resend_of_the_same_reference_makes_no_second_message(pair):
    adapter = adapter_for(pair.channel)
    message = pair.message()
    [first] = adapter.send_many([message])
    [second] = adapter_for(pair.channel).send_many([message])
    assert first.status == pair.accepted and second.status in FINAL_OR_ACCEPTED
    assert len(pair.received(message)) == 1
    state = pair.sim.state()
    assert state["received"] == 1
    assert state["duplicates"] == pair.resend_duplicates


def test_a_batch_keeps_going_after_one_failure_and_answers_in_order(pair):
    messages = [pair.message(), pair.message(), pair.message()]
    messages[1] = pair.refuse(messages[1])
    results = adapter_for(pair.channel).send_many(messages)
    assert [r.status for r in results] == [pair.accepted, pair.refused, pair.accepted]
    assert pair.sim.state()["received"] == 2


def test_no_send_starts_once_the_workers_claim_has_run_out(pair):
    import time

    fresh, stale = pair.message(), dataclasses.replace(pair.message(), send_before=time.time() - 1)
    results = adapter_for(pair.channel).send_many([fresh, stale])
    assert results[0].status == pair.accepted and results[0].sent
    assert results[1] == base.NOT_SENT and not results[1].sent
    assert pair.received(stale) == [] and pair.sim.state()["received"] == 1


def test_lookup_knows_a_sent_reference_and_not_an_unknown_one(pair):
    adapter = adapter_for(pair.channel)
    message = pair.message()
    adapter.send_many([message])
    found = adapter.lookup(message.reference)
    if pair.reconciles:
        assert found is not None and found.status in FINAL_OR_ACCEPTED
    else:
        assert found is None
    assert adapter.lookup(secrets.token_urlsafe(16)) is None


def test_the_message_is_in_the_recipients_language(simulators):
    pair = EmailPair(simulators)
    message = _message(to="anna.nowak@example.test", language="pl")
    adapter_for("email").send_many([message])
    [received] = pair.received(message)
    assert received["language"] == "pl"


def test_one_adapter_serves_several_batches_and_close_lets_go(pair):
    adapter = adapter_for(pair.channel)
    batches = [[pair.message(), pair.message()], [pair.message(), pair.message()]]
    for batch in batches:
        assert [r.status for r in adapter.send_many(batch)] == [pair.accepted] * 2
    assert pair.sim.state()["received"] == 4
    adapter.close()
    adapter.close()  # twice is harmless
    # A closed adapter still works: it opens what it needs again.
    [again] = adapter.send_many([pair.message()])
    assert again.status == pair.accepted


def test_a_kept_smtp_connection_the_relay_dropped_is_replaced_before_sending(simulators):
    pair = EmailPair(simulators)
    adapter = adapter_for("email")
    [first] = adapter.send_many([pair.message()])
    kept = adapter._connection
    assert first.status == base.DELIVERED and kept is not None
    kept.sock.shutdown(socket.SHUT_RDWR)  # the idle connection ends (the relay's timeout, the network)
    [second] = adapter.send_many([pair.message()])
    assert second.status == base.DELIVERED and adapter._connection is not kept
    assert pair.sim.state()["received"] == 2


def test_a_subject_with_a_line_break_stays_one_header(simulators):
    pair = EmailPair(simulators)
    message = dataclasses.replace(pair.message(), subject="Your application\r\nBcc: someone@example.test")
    [result] = adapter_for("email").send_many([message])
    assert result.status == base.DELIVERED
    [received] = pair.received(message)
    assert received["subject"] == "Your application Bcc: someone@example.test"
    assert received["to"] == [message.to]


@pytest.mark.parametrize("written", ["+30 690 157 7279", "0030 6901577279", "(+30) 690-157-7279", "+30\u00a06901577279", "+306901577279"])
def test_a_phone_number_as_registries_write_it_reaches_the_gateway_in_e164(simulators, written):
    pair = SmsPair(simulators)
    message = dataclasses.replace(pair.message(), to=written)
    [result] = adapter_for("sms").send_many([message])
    assert result.status == base.SENDING, result
    [received] = pair.received(message)
    assert received["to"] == "+306901577279"


@pytest.mark.parametrize("written", ["6901577279", "+30 690 ABC 7279", "+", ""])
def test_a_phone_number_that_is_not_one_is_a_permanent_failure_named_by_the_gateway(simulators, written):
    pair = SmsPair(simulators)
    message = dataclasses.replace(pair.message(), to=written)
    [result] = adapter_for("sms").send_many([message])
    assert result.status == base.PERMANENT_FAILURE and "E.164" in result.detail
    assert pair.received(message) == []


def test_an_smtp_send_has_one_timeout_in_all_not_one_per_reply_and_a_retry_sends_no_second_copy(simulators, settings):
    # Each reply comes within the timeout, together they do not: the send gives up at its budget,
    # so a send started inside the lease is over long before the sweep may ask the relay.
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 1.0
    pair = EmailPair(simulators)
    simulators.smtp.faults(delay_seconds=0.6, data_delay_seconds=0.6)
    message = pair.message()
    [result] = adapter_for("email").send_many([message])
    # Per reply (0.6 s < 1 s) this would have gone through; the whole send (1.2 s and more) does not.
    assert result.status == base.TEMPORARY_FAILURE and "timeout" in result.detail, result
    simulators.smtp.faults(delay_seconds=0, data_delay_seconds=0)
    time.sleep(0.7)  # past the relay's late answer, whatever it made of the dropped transaction
    # The retry asks the message search first: it sends only if the relay does not hold it, so one copy.
    [retry] = adapter_for("email").send_many([message])
    assert retry.status == base.DELIVERED
    assert simulators.smtp.state()["duplicates"] == 0 and len(pair.received(message)) == 1


def test_the_message_goes_in_crlf_lines_with_a_line_starting_with_a_dot_kept(simulators):
    pair = EmailPair(simulators)
    message = dataclasses.replace(pair.message(), body="Line one\n.\n.leading dot\nend")
    adapter = adapter_for("email")
    raw = adapter.message_bytes(message)
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
    # The transaction's dot-stuffing, with a plain-text body where a lone dot would end the DATA.
    data = (f"Message-ID: <dots-{message.reference}@example.test>\r\nSubject: dots\r\n\r\nLine one\r\n.\r\n.leading dot\r\nend\r\n").encode()
    connection = adapter._connect()
    try:
        adapter._transaction(connection, message.to, data)
    finally:
        adapter._drop(connection)
    [received] = simulators.smtp.messages(message_id=f"<dots-{message.reference}@example.test>")
    assert received["body"].splitlines() == ["Line one", ".", ".leading dot", "end"]


def test_the_lease_is_checked_again_just_before_mail_from_and_the_connection_stays_usable(simulators):
    from pronoia.notifications.channels.email import ClaimRanOut

    pair = EmailPair(simulators)
    adapter = adapter_for("email")
    late, next_one = pair.message(), pair.message()
    connection = adapter._connect()
    try:
        with pytest.raises(ClaimRanOut):
            adapter._transaction(connection, late.to, adapter.message_bytes(late), send_before=time.time() - 0.001)
        adapter._transaction(connection, next_one.to, adapter.message_bytes(next_one), send_before=time.time() + 60)
    finally:
        adapter._drop(connection)
    assert pair.received(late) == [] and len(pair.received(next_one)) == 1
