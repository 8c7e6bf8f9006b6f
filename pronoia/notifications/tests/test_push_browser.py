"""Web push end to end in real Chromium: the portal's page and service worker, the pipeline, the push adapter
(pywebpush, VAPID) and the push service simulator, with one bridged step.

What is real:
- Chromium (Debian's) loads the settings page, registers the portal's service worker at scope /,
  asks for notification permission (granted to the test's context) and calls
  `pushManager.subscribe()` with the portal's VAPID public key;
- the subscription is posted to the portal by the page's own `fetch` with its CSRF token;
- the notification goes through `notifications_dispatch` → `WebPushAdapter` → pywebpush (RFC 8291
  aes128gcm encryption, RFC 8292 VAPID JWT) → the push simulator over HTTP, which checks the JWT
  (ES256, aud, exp, sub, and that k is the subscription's applicationServerKey) and decrypts;
- the service worker's real `push` handler runs, shows the notification and posts a message to
  the page, which shows "You have a new message in your inbox" linking to the inbox.

What is bridged, and why: Chromium's `subscribe()` needs its vendor's push service (Google's
FCM). Headless Debian Chromium without a network refuses it here, even with the notifications
and push permissions granted (through Playwright and DevTools `Browser.setPermission`):
"AbortError: Registration failed - permission denied". The page then says that notifications
could not be turned on, which the test waits for (a Chromium that can subscribe would show "on"). The test therefore plays the
browser's part in the key exchange: the push simulator creates the subscription's P-256 key pair
and auth secret (as a browser would), and the page posts that subscription to the portal. After
the simulator has verified and decrypted a push, the test hands the decrypted payload to the real
service worker with the DevTools protocol (`ServiceWorker.deliverPushMessage`, a Playwright CDP
session) — the one step a browser's own push connection would do.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.core.browser_testing import chromium_open, session_cookie, tools_or_skip
from pronoia.notifications.tests.factories import notification_for, person_with_contacts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _in_thread(function, *args, **kwargs):
    # Playwright's sync API runs an event loop in this thread, where Django refuses ORM calls.
    from django.db import connections

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()  # the thread's own connection, or PostgreSQL keeps the test database busy

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _dispatch(notification_id: int) -> None:
    from pronoia.notifications.services import notifications_dispatch

    notifications_dispatch(notification_ids=[notification_id])


def _wait(predicate, *, timeout: float = 15, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_a_push_reaches_the_service_worker_and_the_page(live_server, simulators):
    tools_or_skip("the web push browser test")
    from pronoia.notifications.channels.push import vapid_application_server_key
    from pronoia.notifications.models import Notification, PushSubscription, Status

    person = person_with_contacts()
    client = Client()
    user = client_sign_in_citizen(client, person)
    cookie = session_cookie(client, live_server.url)
    application_server_key = vapid_application_server_key()
    # The subscription's keys, made by the push simulator playing the browser (see the docstring).
    subscription = simulators.push.subscription_create(application_server_key=application_server_key)
    notification = notification_for(person, channel="push", user=user)
    # Texts with personal data, which must not travel in the push.
    Notification.objects.filter(pk=notification.pk).update(subject="Decision on application 2026/0000042", body="Your pension was granted.")

    with chromium_open() as browser:
        context = browser.new_context(base_url=live_server.url)
        context.add_cookies([cookie])
        context.grant_permissions(["notifications"], origin=live_server.url)
        browser_cdp = browser.new_browser_cdp_session()
        browser_cdp.send("Browser.setPermission", {"permission": {"name": "push", "userVisibleOnly": True}, "setting": "granted", "origin": live_server.url})
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        registrations: list[dict] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
        cdp.send("ServiceWorker.enable")

        assert page.goto("/notifications/push/").status == 200
        page.wait_for_selector("[data-push-controls][data-push-ready=true]")
        assert page.get_by_text("Browser notifications need JavaScript").is_hidden()
        # Only the button that applies shows: not subscribed yet, so "turn off" is hidden.
        assert page.get_by_role("button", name="Turn on browser notifications").is_visible()
        assert page.locator("[data-push-off]").is_hidden()

        # The real subscribe(): offline Chromium cannot reach its vendor's push service.
        page.get_by_role("button", name="Turn on browser notifications").click()
        status = page.locator("[data-push-status]")
        _wait(lambda: "could not be turned on" in status.inner_text() or "are on" in status.inner_text(), what="subscribe() to settle")
        browser_subscribed = "are on" in status.inner_text()
        print("subscribe() in this Chromium:", "succeeded" if browser_subscribed else page.locator("[data-push-controls]").get_attribute("data-push-error"))

        # The page posts the subscription the way its module does (same endpoint, CSRF token, JSON).
        answer = page.evaluate(
            """async (subscription) => {
                const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
                const response = await fetch("/notifications/push/subscriptions", {method: "POST", credentials: "same-origin",
                    headers: {"Content-Type": "application/json", "X-CSRFToken": token}, body: JSON.stringify(subscription)});
                return response.status;
            }""",
            subscription,
        )
        assert answer == 201
        assert _in_thread(lambda: PushSubscription.objects.filter(user=user, endpoint=subscription["endpoint"]).exists())

        # The pipeline sends it: pywebpush → push simulator (VAPID checked, payload decrypted).
        _in_thread(_dispatch, notification.pk)
        assert _in_thread(lambda: Notification.objects.get(pk=notification.pk).status) == Status.DELIVERED
        [pushed] = simulators.push.subscription_take(subscription["id"])
        assert json.loads(pushed["payload"]) == {"title": "You have a new message in your inbox", "url": "/my/inbox"}
        assert "2026/0000042" not in pushed["payload"] and "pension" not in pushed["payload"]
        assert pushed["topic"] == notification.reference

        # The bridge: the decrypted payload into the real service worker's push handler.
        registration = _wait(lambda: next((r for r in registrations if r["scopeURL"] == f"{live_server.url}/" and not r["isDeleted"]), None), what="the service worker registration")
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url, "registrationId": registration["registrationId"], "data": pushed["payload"]})

        link = page.locator("[data-push-arrived-link]")
        link.wait_for(state="visible", timeout=15000)
        assert link.inner_text() == "You have a new message in your inbox"
        assert link.get_attribute("href") == "/my/inbox"
        shown = page.evaluate("async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => [n.title, n.data.url])")
        assert shown == [["You have a new message in your inbox", "/my/inbox"]]
        context.close()
