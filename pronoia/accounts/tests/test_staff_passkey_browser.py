"""Passkeys end to end: headless Chromium with a virtual authenticator (Chrome DevTools WebAuthn
domain) registers a passkey at forced enrolment, then signs in with it as the second factor, and
uses it again to re-authenticate. The portal runs on pytest-django's live server at
http://localhost:<port> (WebAuthn accepts localhost as a secure origin, not 127.0.0.1).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp_webauthn.models import WebAuthnCredential

from pronoia.accounts.models import StaffSignInFailure
from pronoia.core.browser_testing import chromium_launch, tools_or_skip

PASSWORD = "correct horse battery staple"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def passkey_site(settings, live_server):
    tools_or_skip("the passkey browser test")
    assert live_server.url.startswith("http://localhost:"), live_server.url
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    settings.PRONOIA_RATE_LIMITS_ENABLED = False
    return live_server.url


def _virtual_authenticator(context, page) -> tuple[object, str]:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def _second_factor_check_ages(context, *, seconds: int) -> None:
    """Move the browser session's last second-factor check into the past."""
    import time

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from pronoia.accounts.staff.reauth import SESSION_FACTOR_AT_KEY

    key = next(c["value"] for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)

    def move() -> None:
        from django.db import connection

        try:
            session = SessionStore(session_key=key)
            session[SESSION_FACTOR_AT_KEY] = time.time() - seconds
            session.save()
        finally:
            connection.close()  # this thread's own connection, or the test database cannot be dropped

    # Playwright's event loop runs in this thread, and the ORM refuses to run beside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(move).result()


def _password_step(page, base: str, username: str, next_url: str = "") -> None:
    page.goto(f"{base}{reverse('staff:login')}" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_passkey_enrolment_sign_in_and_reauth_in_a_real_browser(passkey_site):
    from playwright.sync_api import sync_playwright

    from pronoia.accounts.tests.factories import staff_user
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = staff_user("administrator", username="passkey-admin", password=PASSWORD)
    TOTPDevice.objects.filter(user=user).delete()  # no second factor yet: enrolment is forced
    base = passkey_site
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            context = browser.new_context()
            page = context.new_page()
            cdp, authenticator_id = _virtual_authenticator(context, page)

            # 1. Password, then forced enrolment: register a passkey; backup codes follow, once.
            _password_step(page, base, user.username)
            page.wait_for_url(lambda url: reverse("staff:enrol") in url)
            page.get_by_role("button", name="Register a passkey").click()
            page.wait_for_url(lambda url: reverse("staff:backup_codes") in url, timeout=15_000)
            codes = page.locator("#backup-codes code").all_inner_texts()
            assert len(codes) == 10
            credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
            assert len(credentials) == 1
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(lambda url: reverse("staff:login") in url)

            # 2. Sign in again: the passkey is the second factor.
            _password_step(page, base, user.username, next_url="/admin/")
            page.wait_for_url(lambda url: reverse("staff:otp_verify") in url)
            page.get_by_role("button", name="Use passkey").click()
            page.wait_for_url(f"{base}/admin/", timeout=15_000)
            assert page.get_by_role("heading", name="Back office").is_visible()

            # 3. Granting a role needs a check from the last five minutes (the sign-in was one);
            # once it is older, the passkey gives a fresh one and returns to the form.
            _second_factor_check_ages(context, seconds=301)
            page.goto(f"{base}{reverse('admin:accounts_roleassignment_add')}")
            page.wait_for_url(lambda url: reverse("staff:reauth") in url)
            sign_count_before = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"][0]["signCount"]
            page.get_by_role("button", name="Use passkey").click()
            page.wait_for_url(lambda url: url.endswith(reverse("admin:accounts_roleassignment_add")), timeout=15_000)
            assert page.locator("select#id_role").is_visible()
            sign_count_after = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"][0]["signCount"]
            assert sign_count_after > sign_count_before
        finally:
            browser.close()

    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert not StaffSignInFailure.objects.exists()
    from pronoia.audit.models import AuditEvent

    events = list(AuditEvent.objects.filter(actor=user).order_by("pk").values_list("action", "data"))
    assert [action for action, _ in events] == ["staff.passkey_registered", "staff.sign_in", "staff.backup_codes_issued", "staff.sign_in", "staff.reauth"]
    assert [data.get("method") for _, data in events] == [None, "enrolment", None, "passkey", "passkey"]


def test_a_passkey_of_another_account_is_refused_and_counted(passkey_site):
    from playwright.sync_api import sync_playwright

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pronoia.accounts.tests.factories import staff_user

    owner = staff_user("administrator", username="owner", password=PASSWORD)
    other = staff_user("case_handler", username="other", password=PASSWORD)
    TOTPDevice.objects.filter(user=owner).delete()
    base = passkey_site
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            context = browser.new_context()
            page = context.new_page()
            cdp, authenticator_id = _virtual_authenticator(context, page)
            _password_step(page, base, owner.username)
            page.wait_for_url(lambda url: reverse("staff:enrol") in url)
            page.get_by_role("button", name="Register a passkey").click()
            page.wait_for_url(lambda url: reverse("staff:backup_codes") in url, timeout=15_000)
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(lambda url: reverse("staff:login") in url)

            # "other" has no passkey; the begin step offers none, so the browser answers with the
            # owner's discoverable credential at best, which the server must refuse.
            _password_step(page, base, other.username)
            page.wait_for_url(lambda url: reverse("staff:otp_verify") in url)
            assert page.get_by_role("button", name="Use passkey").count() == 0  # no passkey: only codes
            response = page.evaluate(
                """async () => {
                    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
                    const begin = await fetch("/staff/webauthn/authentication/begin/", {method: "POST", headers: {"X-CSRFToken": csrf}});
                    const options = await begin.json();
                    const b64 = s => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), c => c.charCodeAt(0));
                    const enc = buf => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
                    const cred = await navigator.credentials.get({publicKey: {challenge: b64(options.challenge), rpId: options.rpId, userVerification: "discouraged"}});
                    const body = {id: cred.id, rawId: enc(cred.rawId), type: cred.type, response: {
                        clientDataJSON: enc(cred.response.clientDataJSON), authenticatorData: enc(cred.response.authenticatorData),
                        signature: enc(cred.response.signature), userHandle: cred.response.userHandle ? enc(cred.response.userHandle) : null}};
                    const done = await fetch("/staff/webauthn/authentication/complete/", {method: "POST", headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"}, body: JSON.stringify(body)});
                    return {status: done.status, body: await done.json()};
                }"""
            )
            assert response["status"] >= 400, response
            page.goto(f"{base}{reverse('staff:home')}")
            assert reverse("staff:otp_verify") in page.url  # still not verified
        finally:
            browser.close()
    assert StaffSignInFailure.objects.filter(username_key="other", stage="second_factor").count() == 1
