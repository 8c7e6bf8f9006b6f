"""Push subscriptions: what a browser may register (RFC 8291 keys, https endpoints), per user."""
from __future__ import annotations

import base64

import pytest

from pronoia.accounts.tests.factories import citizen_user
from pronoia.core.errors import PronoiaError
from pronoia.notifications.models import PushSubscription
from pronoia.notifications.services import push_subscription_remove, push_subscription_save
from pronoia.notifications.tests.factories import person_with_contacts

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


P256DH = b64(b"\x04" + bytes(range(64)))
AUTH = b64(bytes(16))


@pytest.fixture
def user():
    return citizen_user(person_with_contacts())


def test_a_subscription_is_saved_and_refreshed_not_duplicated(user):
    first = push_subscription_save(user=user, endpoint="https://push.example/s/1", p256dh=P256DH, auth=AUTH, user_agent="Firefox\x00")
    assert first.user_agent == "Firefox " and first.active
    PushSubscription.objects.filter(pk=first.pk).update(active=False)
    again = push_subscription_save(user=user, endpoint="https://push.example/s/1", p256dh=P256DH, auth=AUTH)
    assert again.pk == first.pk and again.active and PushSubscription.objects.count() == 1


def test_loopback_http_is_allowed_for_the_local_push_service(user):
    assert push_subscription_save(user=user, endpoint="http://127.0.0.1:8030/push/abc", p256dh=P256DH, auth=AUTH).pk


@pytest.mark.parametrize(
    "endpoint, code",
    [
        ("http://push.example/s/1", "push_endpoint_insecure"),
        ("ftp://push.example/s/1", "push_endpoint_insecure"),
        ("javascript:alert(1)", "push_endpoint_invalid"),
        ("https://user:pw@push.example/s", "push_endpoint_invalid"),
        ("https://push.example/" + "a" * 1000, "push_endpoint_invalid"),
        ("https://push.example/a b", "push_endpoint_invalid"),
        ("https://push.example:99999/s", "push_endpoint_invalid"),
        ("", "push_endpoint_invalid"),
    ],
)
def test_bad_endpoints_are_refused(user, endpoint, code):
    with pytest.raises(PronoiaError) as caught:
        push_subscription_save(user=user, endpoint=endpoint, p256dh=P256DH, auth=AUTH)
    assert caught.value.code == code and caught.value.field == "endpoint"
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "p256dh, auth, field",
    [
        (b64(b"\x04" + bytes(63)), AUTH, "p256dh"),  # 64 bytes
        (b64(b"\x02" + bytes(64)), AUTH, "p256dh"),  # compressed form marker
        ("not base64!", AUTH, "p256dh"),
        (P256DH, b64(bytes(15)), "auth"),
        (P256DH, "A" * 300, "auth"),
        (P256DH, "", "auth"),
    ],
)
def test_keys_must_have_the_rfc_8291_lengths(user, p256dh, auth, field):
    with pytest.raises(PronoiaError) as caught:
        push_subscription_save(user=user, endpoint="https://push.example/s/1", p256dh=p256dh, auth=auth)
    assert caught.value.field == field
    assert not PushSubscription.objects.exists()


def test_another_account_cannot_take_over_an_endpoint_or_remove_it(user):
    push_subscription_save(user=user, endpoint="https://push.example/s/1", p256dh=P256DH, auth=AUTH)
    other = citizen_user(person_with_contacts())
    with pytest.raises(PronoiaError) as caught:
        push_subscription_save(user=other, endpoint="https://push.example/s/1", p256dh=P256DH, auth=AUTH)
    assert caught.value.code == "push_endpoint_taken"
    push_subscription_remove(user=other, endpoint="https://push.example/s/1")
    assert PushSubscription.objects.get().user == user
    push_subscription_remove(user=user, endpoint="https://push.example/s/1")
    assert not PushSubscription.objects.exists()
