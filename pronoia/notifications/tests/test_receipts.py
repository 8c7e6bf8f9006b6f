"""POST /notifications/receipts/sms: the SMS gateway's signed delivery receipts.

Receipts are signed here exactly as the gateway simulator signs them (`receipt_sign`), and
checked by the view; malformed, oversized, duplicate, out-of-order, hostile and badly signed
receipts each get a clear answer and never change a message they should not.
"""
from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from pronoia.notifications.fanout import event_fanout
from pronoia.notifications.models import DeliveryAttempt, Notification, Preference, Status
from pronoia.notifications.services import notifications_dispatch
from pronoia.notifications.tests.factories import Adapters, application_event, notification_for, person_with_contacts
from simulators.sms_gateway import receipt_sign

URL = "/notifications/receipts/sms"
SECRET = "receipt-secret-for-these-tests"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.NOTIFICATIONS_SMS_RECEIPT_SECRET = SECRET


@pytest.fixture
def sending(db):
    """An SMS the gateway accepted: sending, answered, one attempt."""
    now = timezone.now()
    return notification_for(person_with_contacts(), channel="sms", status=Status.SENDING, sending_at=now, answered_at=now, attempts=1)


def _receipt(notification, *, status="delivered", reason=None, **extra) -> dict:
    return {"id": "gw-0001", "reference": notification.reference, "status": status, "reason": reason, "timestamp": timezone.now().isoformat(), **extra}


def _post(body, *, secret=SECRET, timestamp=None, signature=None, client=None, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if signature is None:
        signature = receipt_sign(secret, raw, int(timestamp if timestamp is not None else time.time()))
    client = client or Client(enforce_csrf_checks=True)  # the endpoint is CSRF-exempt: the gateway has no token
    return client.post(URL, data=raw, content_type="application/json", headers={"X-Gateway-Signature": signature, **headers})


def _error(response) -> dict:
    return json.loads(response.content)


def test_a_delivered_receipt_makes_the_message_delivered(sending):
    response = _post(_receipt(sending))
    assert response.status_code == 200, response.content
    assert response.json() == {"reference": sending.reference, "status": "delivered"}
    sending.refresh_from_db()
    assert sending.status == Status.DELIVERED and sending.provider_reference == "gw-0001"


@pytest.mark.parametrize(("reason", "status"), [("invalid_number", Status.PERMANENT_FAILURE), ("handset_off", Status.TEMPORARY_FAILURE)])
def test_failure_receipts_map_to_permanent_and_temporary_failures(sending, reason, status):
    assert _post(_receipt(sending, status="failed", reason=reason)).status_code == 200
    sending.refresh_from_db()
    assert sending.status == status


def test_a_duplicate_receipt_is_logged_and_changes_nothing(sending):
    receipt = _receipt(sending)
    assert _post(receipt).status_code == 200
    assert _post(receipt).status_code == 200
    sending.refresh_from_db()
    assert sending.status == Status.DELIVERED
    applied = list(DeliveryAttempt.objects.filter(notification=sending).order_by("pk").values_list("applied", flat=True))
    assert applied == [True, False]


def test_an_acceptance_after_the_outcome_does_not_move_the_status_back(sending):
    assert _post(_receipt(sending, status="delivered")).status_code == 200
    assert _post(_receipt(sending, status="accepted")).status_code == 200
    sending.refresh_from_db()
    assert sending.status == Status.DELIVERED


def test_a_delivered_receipt_after_a_permanent_failure_does_not_change_it(sending):
    _post(_receipt(sending, status="failed", reason="invalid_number"))
    _post(_receipt(sending, status="delivered"))
    sending.refresh_from_db()
    assert sending.status == Status.PERMANENT_FAILURE


def test_a_wrong_signature_is_refused_and_changes_nothing(sending):
    response = _post(_receipt(sending), secret="someone-elses-secret")
    assert response.status_code == 403
    assert _error(response)["code"] == "receipt_signature_invalid"
    sending.refresh_from_db()
    assert sending.status == Status.SENDING


def test_a_signature_over_another_body_is_refused(sending):
    signed = json.dumps(_receipt(sending, status="failed", reason="handset_off")).encode()
    signature = receipt_sign(SECRET, signed, int(time.time()))
    response = _post(_receipt(sending, status="delivered"), signature=signature)
    assert response.status_code == 403


def test_an_old_signed_receipt_is_refused_as_a_possible_replay(sending):
    response = _post(_receipt(sending), timestamp=time.time() - 3600)
    assert response.status_code == 403
    assert _error(response)["code"] == "receipt_signature_expired"


@pytest.mark.parametrize("signature", ["", "v1=abc", "t=1,v1=zz", "t=now,v1=" + "0" * 64, "sha256=" + "0" * 64])
def test_a_missing_or_malformed_signature_is_a_clear_400(sending, signature):
    raw = json.dumps(_receipt(sending)).encode()
    response = Client().post(URL, data=raw, content_type="application/json", headers={"X-Gateway-Signature": signature} if signature else {})
    assert response.status_code == 400
    assert _error(response)["field"] == "X-Gateway-Signature"


def test_an_oversized_receipt_is_refused_from_its_content_length(sending, settings):
    settings.NOTIFICATIONS_SMS_RECEIPT_MAX_BYTES = 1024
    body = _receipt(sending, id="x" * 5000)
    response = _post(body)
    assert response.status_code == 413
    assert _error(response)["code"] == "body_too_large"
    sending.refresh_from_db()
    assert sending.status == Status.SENDING


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "body_not_json"),
        (b"\xff\xfe", "body_not_utf8"),
        (b"[1, 2]", "body_not_object"),
    ],
)
def test_a_malformed_body_is_a_clear_400(sending, body, code):
    response = _post(body)
    assert response.status_code == 400
    assert _error(response)["code"] == code
    assert _error(response)["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "exploded"}, "status"),
        ({"status": "failed", "reason": None}, "reason"),
        ({"status": "failed", "reason": "bored"}, "reason"),
        ({"reference": "../../etc/passwd"}, "reference"),
        ({"reference": "x' OR '1'='1"}, "reference"),
        ({"reference": "a" * 65}, "reference"),
        ({"reference": 42}, "reference"),
        ({"id": "<script>alert(1)</script>"}, "id"),
        ({"id": "gw\n0001"}, "id"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": "2026-12-02T10:00:00"}, "timestamp"),
        ({"admin": True}, "admin"),
    ],
)
def test_a_malformed_or_hostile_field_is_named_and_changes_nothing(sending, change, field):
    response = _post(_receipt(sending) | change)
    assert response.status_code == 400, response.content
    assert _error(response)["field"] == field
    sending.refresh_from_db()
    assert sending.status == Status.SENDING
    assert not DeliveryAttempt.objects.filter(notification=sending).exists()


def test_a_receipt_for_an_unknown_reference_is_404(sending):
    response = _post(_receipt(sending, reference="0" * 32))
    assert response.status_code == 404
    assert _error(response)["field"] == "reference"
    assert Notification.objects.get(pk=sending.pk).status == Status.SENDING


def test_only_post_is_served(db):
    assert Client().get(URL).status_code == 405


# --- batches: {"receipts": [...]} -----------------------------------------------------------------


@pytest.fixture
def two_sending(db):
    now = timezone.now()
    person = person_with_contacts()
    return [notification_for(person, channel="sms", status=Status.SENDING, sending_at=now, answered_at=now, attempts=1) for _ in range(2)]


def test_a_batch_applies_each_receipt_and_answers_one_result_each_in_order(two_sending):
    first, second = two_sending
    response = _post({"receipts": [_receipt(first), _receipt(second, status="failed", reason="invalid_number")]})
    assert response.status_code == 200, response.content
    assert response.json() == {"results": [{"reference": first.reference, "status": "delivered"}, {"reference": second.reference, "status": "permanent-failure"}]}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.DELIVERED, Status.PERMANENT_FAILURE)


def test_two_receipts_of_one_message_in_a_batch_apply_in_turn_and_a_final_status_stays(sending):
    # Out of order and twice, all in one request: the outcome first, then its acceptance, then the outcome again.
    receipts = [_receipt(sending, status="delivered"), _receipt(sending, status="accepted"), _receipt(sending, status="delivered")]
    response = _post({"receipts": receipts})
    assert response.status_code == 200
    assert [result["status"] for result in response.json()["results"]] == ["delivered"] * 3
    sending.refresh_from_db()
    assert sending.status == Status.DELIVERED
    applied = list(DeliveryAttempt.objects.filter(notification=sending).order_by("pk").values_list("raw_status", "applied"))
    assert applied == [("delivered", True), ("sending", False), ("delivered", False)]


def test_a_failed_receipt_in_a_batch_reaches_the_person_on_another_channel_once(templates):
    person = person_with_contacts()
    Preference.objects.create(person=person, category="applications", channels=["sms"])
    event = application_event(person)
    event_fanout(event_id=event.pk)
    sms = Notification.objects.get(event=event, channel="sms")
    notifications_dispatch(notification_ids=[sms.pk], adapter_for=Adapters())
    response = _post({"receipts": [_receipt(sms, status="failed", reason="invalid_number")] * 2})
    assert response.status_code == 200
    sms.refresh_from_db()
    assert sms.status == Status.PERMANENT_FAILURE
    fallback = Notification.objects.get(fallback_of=sms)
    assert fallback.channel != "sms" and fallback.event_id == event.pk


def test_a_bad_receipt_in_a_batch_is_named_by_index_and_the_others_still_apply(two_sending):
    first, second = two_sending
    items = [_receipt(first, status="exploded"), "not an object", _receipt(second), _receipt(second, reference="0" * 32), _receipt(second, id="<script>alert(1)</script>")]
    response = _post({"receipts": items})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r.get("index"), r.get("code"), r.get("field")) for r in results] == [
        (0, "receipt_status_invalid", "status"),
        (1, "receipt_not_object", None),
        (None, None, None),
        (3, "receipt_reference_unknown", "reference"),
        (4, "receipt_id_invalid", "id"),
    ]
    assert results[2] == {"reference": second.reference, "status": "delivered"}
    assert all(r["message"] for r in results if "code" in r)
    assert "<script>" not in response.content.decode()
    first.refresh_from_db()
    assert first.status == Status.SENDING and not DeliveryAttempt.objects.filter(notification=first).exists()


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        ({"receipts": []}, "receipts_not_list", 400),
        ({"receipts": {"reference": "x"}}, "receipts_not_list", 400),
        ({"receipts": None}, "receipts_not_list", 400),
        ({"receipts": [], "admin": True}, "receipt_field_unexpected", 400),
    ],
)
def test_a_malformed_batch_is_a_clear_error_and_changes_nothing(sending, body, code, status):
    response = _post(body)
    assert response.status_code == status
    assert _error(response)["code"] == code and _error(response)["field"]
    assert not DeliveryAttempt.objects.exists()


def test_a_batch_over_the_limit_is_refused_whole(sending, settings):
    settings.NOTIFICATIONS_SMS_RECEIPT_BATCH_MAX = 3
    response = _post({"receipts": [_receipt(sending)] * 4})
    assert response.status_code == 413
    assert _error(response)["code"] == "receipts_too_many" and "3" in _error(response)["message"]
    sending.refresh_from_db()
    assert sending.status == Status.SENDING and not DeliveryAttempt.objects.exists()


def test_a_batch_signed_for_another_body_is_refused(two_sending):
    first, second = two_sending
    signed = json.dumps({"receipts": [_receipt(first)]}).encode()
    response = _post({"receipts": [_receipt(first), _receipt(second)]}, signature=receipt_sign(SECRET, signed, int(time.time())))
    assert response.status_code == 403
    assert not DeliveryAttempt.objects.exists()
