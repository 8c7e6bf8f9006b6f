"""The browser's push subscription (POST/DELETE /notifications/push/subscriptions), the settings page
and the service worker script. Subscriptions come from the push simulator, as a browser makes them."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.notifications.models import PushSubscription
from pronoia.notifications.tests.factories import person_with_contacts

URL = "/notifications/push/subscriptions"


@pytest.fixture
def citizen(db):
    client = Client(enforce_csrf_checks=True)
    user = client_sign_in_citizen(client, person_with_contacts())
    client.get("/notifications/push/")  # sets the CSRF cookie, as the page does for its script
    return client, user


def _call(client, method, body, *, csrf=True):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value} if csrf else {}
    return getattr(client, method)(URL, data=raw, content_type="application/json", headers=headers)


def test_a_browser_subscription_is_saved_and_removed(citizen, simulators):
    client, user = citizen
    subscription = simulators.push.subscription_create()
    response = _call(client, "post", subscription)
    assert response.status_code == 201, response.content
    saved = PushSubscription.objects.get(user=user)
    assert (saved.endpoint, saved.p256dh, saved.auth) == (subscription["endpoint"], subscription["keys"]["p256dh"], subscription["keys"]["auth"])
    assert _call(client, "post", subscription).status_code == 201  # the browser sends it again: still one
    assert PushSubscription.objects.filter(user=user).count() == 1
    assert _call(client, "delete", {"endpoint": subscription["endpoint"]}).status_code == 204
    assert not PushSubscription.objects.filter(user=user).exists()


def test_without_the_csrf_token_nothing_is_saved(citizen, simulators):
    client, _user = citizen
    response = _call(client, "post", simulators.push.subscription_create(), csrf=False)
    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(db, simulators):
    response = Client().post(URL, data=json.dumps(simulators.push.subscription_create()), content_type="application/json")
    assert response.status_code in (302, 403)
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"keys": None}, "keys"),
        ({"keys": {"p256dh": "abc"}}, "auth"),
        ({"endpoint": 12}, "endpoint"),
        ({"endpoint": "javascript:alert(1)"}, "endpoint"),
        ({"endpoint": "http://push.example.test/x"}, "endpoint"),
        ({"endpoint": "https://push.example.test/" + "a" * 2000}, "endpoint"),
        ({"keys": {"p256dh": "not base64!", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
        ({"keys": {"p256dh": "BAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
    ],
)
def test_a_malformed_or_hostile_subscription_is_named_and_not_saved(citizen, simulators, change, field):
    client, _user = citizen
    body = simulators.push.subscription_create() | change
    response = _call(client, "post", body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["message"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("body", [b"{", b"[]", b"\xff"])
def test_a_body_that_is_not_a_json_object_is_a_clear_400(citizen, body):
    client, _user = citizen
    response = _call(client, "post", body)
    assert response.status_code == 400
    assert response.json()["code"].startswith("body_not")


def test_an_oversized_subscription_is_refused(citizen, simulators):
    client, _user = citizen
    body = simulators.push.subscription_create() | {"padding": "x" * 5000}
    response = _call(client, "post", body)
    assert response.status_code == 413
    assert not PushSubscription.objects.exists()


def test_another_accounts_browser_cannot_be_taken_over(citizen, simulators):
    client, _user = citizen
    subscription = simulators.push.subscription_create()
    other = Client(enforce_csrf_checks=True)
    other_user = client_sign_in_citizen(other, person_with_contacts())
    other.get("/notifications/push/")
    assert _call(other, "post", subscription).status_code == 201
    response = _call(client, "post", subscription)
    assert response.status_code == 409
    assert PushSubscription.objects.get().user == other_user
    assert _call(client, "delete", {"endpoint": subscription["endpoint"]}).status_code == 204  # not theirs: untouched
    assert PushSubscription.objects.filter(user=other_user).exists()


def test_the_settings_page_gives_the_vapid_key_and_works_without_javascript(citizen):
    from pronoia.notifications.channels.push import vapid_application_server_key

    client, _user = citizen
    response = client.get("/notifications/push/")
    assert response.status_code == 200
    page = response.content.decode()
    key = vapid_application_server_key()
    assert len(key) == 87  # a 65-byte uncompressed P-256 point in base64url
    assert f'data-application-server-key="{key}"' in page
    assert "data-push-unsupported" in page  # what a browser without JavaScript shows
    assert "<h1" in page and "Browser notifications" in page


def test_the_service_worker_may_control_the_whole_site(db):
    response = Client().get("/notifications/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert b'addEventListener("push"' in response.content
