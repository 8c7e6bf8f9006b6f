"""Staff sign-in: password, then the second factor (authenticator app or backup code), forced
enrolment for accounts without one, sign-out."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.models import StaffSignInFailure
from pronoia.accounts.staff.devices import backup_codes_issue
from pronoia.accounts.tests.factories import staff_user
from pronoia.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # The rate limiter counts in a process-wide cache; these tests exercise the lockout instead.
    settings.PRONOIA_RATE_LIMITS_ENABLED = False


def code_for(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_step(client, user, *, next_url: str = "", password: str = PASSWORD, **extra):
    data = {"username": user.username if hasattr(user, "username") else user, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("staff:login"), data, **extra)


def totp_step(client, code: str, *, next_url: str = "", kind: str = "totp"):
    return client.post(reverse("staff:otp_verify"), {"kind": kind, "code": code, "next": next_url})


def is_verified(client) -> bool:
    response = client.get(reverse("staff:home"))
    return response.status_code == 200


def test_login_page_has_labelled_fields_and_no_inline_script(client):
    page = client.get(reverse("staff:login")).content.decode()
    assert '<label class="govuk-label" for="username">' in page and 'for="password"' in page
    assert 'autocomplete="current-password"' in page
    assert "onclick=" not in page and "onsubmit=" not in page


def test_right_password_leads_to_the_second_factor_and_not_further(client):
    user = staff_user("case_handler", password=PASSWORD)
    response = password_step(client, user, next_url="/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:otp_verify") + "?next=%2Fadmin%2F"
    # Signed in by password only: staff pages still want the second factor.
    home = client.get(reverse("staff:home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("staff:otp_verify"))
    assert client.get("/admin/")["Location"].startswith(reverse("staff:otp_verify"))


def test_right_totp_code_verifies_the_session_and_follows_next(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    password_step(client, user, next_url="/admin/")
    response = totp_step(client, code_for(device), next_url="/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert is_verified(client)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.data) == ("staff.sign_in", user, {"method": "totp", "ip": "127.0.0.1"})
    # Signed in: the sign-in page sends on instead of asking again.
    assert client.get(reverse("staff:login") + "?next=/admin/")["Location"] == "/admin/"


def test_each_sign_in_step_gets_a_new_session_id(client, settings):
    cookie = settings.SESSION_COOKIE_NAME
    user = staff_user("case_handler", password=PASSWORD)
    client.cookies[cookie] = "fixed-by-an-attacker"
    password_step(client, user)
    after_password = client.cookies[cookie].value
    assert after_password != "fixed-by-an-attacker"
    totp_step(client, code_for(TOTPDevice.objects.get(user=user)))
    assert client.cookies[cookie].value != after_password
    assert is_verified(client)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"])
def test_next_to_another_site_is_ignored(client, next_url):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    response = password_step(client, user, next_url=next_url)
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]
    response = totp_step(client, code_for(device), next_url=next_url)
    assert response["Location"] == reverse("staff:home")


@pytest.mark.parametrize("username,password", [("known", "wrong password!"), ("nobody-here", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_answer(client, username, password):
    staff_user("case_handler", username="known", password=PASSWORD)
    response = client.post(reverse("staff:login"), {"username": username, "password": password})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The username or password is not correct." in page and 'href="#username"' in page
    assert StaffSignInFailure.objects.filter(username_key=username, stage="password").count() == 1
    assert client.get(reverse("staff:otp_verify")).status_code == 302  # not signed in


def test_a_citizen_account_with_a_password_is_not_staff(client):
    get_user_model().objects.create_user(username="citizen", password=PASSWORD)
    response = client.post(reverse("staff:login"), {"username": "citizen", "password": PASSWORD})
    assert "The username or password is not correct." in response.content.decode()
    assert StaffSignInFailure.objects.count() == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"username": "", "password": ""}, "Enter your username."),
        ({"username": "x" * 151, "password": "p"}, "The username is at most 150 characters."),
        ({"username": "someone", "password": "p" * 1025}, "The password is too long."),
        ({"username": "a\x00b", "password": "p"}, "Null characters are not allowed."),
    ],
)
def test_malformed_sign_in_input_is_refused_with_a_specific_error_and_not_counted(client, data, message):
    response = client.post(reverse("staff:login"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StaffSignInFailure.objects.exists()


def test_wrong_totp_code_is_refused_and_counted(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    password_step(client, user)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = totp_step(client, wrong)
    assert response.status_code == 200
    assert "The code is not correct, or it was used already." in response.content.decode()
    assert StaffSignInFailure.objects.filter(username_key=user.username, stage="second_factor").count() == 1
    assert not is_verified(client)


def test_a_totp_code_cannot_be_replayed(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    code = code_for(device)
    password_step(client, user)
    assert totp_step(client, code).status_code == 302
    client.post(reverse("staff:logout"))
    password_step(client, user)
    response = totp_step(client, code)
    assert response.status_code == 200 and "used already" in response.content.decode()
    assert not is_verified(client)


@pytest.mark.parametrize("code,message", [("12345", "6-digit"), ("abcdef", "6-digit"), ("1" * 65, "too long"), ("", "Enter the code."), ("<script>", "6-digit")])
def test_malformed_totp_codes_are_refused_without_counting(client, code, message):
    user = staff_user("case_handler", password=PASSWORD)
    password_step(client, user)
    response = totp_step(client, code)
    assert response.status_code == 200 and message in response.content.decode()
    assert "<script>" not in response.content.decode().split("</header>", 1)[1].replace("&lt;script&gt;", "")
    assert not StaffSignInFailure.objects.exists()


def test_a_totp_code_with_spaces_is_accepted(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    password_step(client, user)
    code = code_for(device)
    assert totp_step(client, f"{code[:3]} {code[3:]}").status_code == 302


def test_a_backup_code_works_once(client):
    user = staff_user("case_handler", password=PASSWORD)
    codes = backup_codes_issue(user=user)
    password_step(client, user)
    response = totp_step(client, codes[0].upper(), kind="backup")
    assert response.status_code == 302 and is_verified(client)
    assert StaticToken.objects.filter(device__user=user).count() == 9

    client.post(reverse("staff:logout"))
    password_step(client, user)
    response = totp_step(client, codes[0], kind="backup")
    assert response.status_code == 200 and "The backup code is not correct, or it was used already." in response.content.decode()
    assert not is_verified(client)
    assert totp_step(client, codes[1], kind="backup").status_code == 302


def test_a_totp_code_is_not_a_backup_code_and_the_reverse(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    codes = backup_codes_issue(user=user)
    password_step(client, user)
    assert totp_step(client, codes[0], kind="totp").status_code == 200
    assert totp_step(client, code_for(device), kind="backup").status_code == 200
    assert totp_step(client, codes[0], kind="hostile").status_code == 200
    assert not is_verified(client)


def test_staff_without_a_second_factor_must_enrol_then_gets_ten_backup_codes_once(client):
    user = staff_user("case_handler", password=PASSWORD)
    TOTPDevice.objects.filter(user=user).delete()
    password_step(client, user, next_url="/admin/")
    response = client.get(reverse("staff:otp_verify") + "?next=/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("staff:enrol") + "?next=%2Fadmin%2F"

    page = client.get(response["Location"]).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "<svg" in page and "<title>QR code for your authenticator app</title>" in page
    from pronoia.accounts.staff.devices import totp_secret_base32

    secret = totp_secret_base32(device)
    assert secret in page and len(secret) == 32
    # Reloading keeps the same secret (the app may be half set up already).
    assert secret in client.get(reverse("staff:enrol")).content.decode()
    assert not is_verified(client)

    response = client.post(reverse("staff:enrol"), {"code": f"{(int(code_for(device)) + 1) % 1_000_000:06d}", "next": "/admin/"})
    assert response.status_code == 200 and "The code is not correct." in response.content.decode()
    response = client.post(reverse("staff:enrol"), {"code": "12", "next": "/admin/"})
    assert "Enter the 6-digit code" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(reverse("staff:enrol"), {"code": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == reverse("staff:backup_codes") + "?next=%2Fadmin%2F"
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(response["Location"]).content.decode()
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in page for code in codes)
    assert 'href="/admin/"' in page
    # Shown once: a second visit does not show them again.
    again = client.get(reverse("staff:backup_codes"))
    assert again.status_code == 302 and not any(code in again.content.decode() for code in codes)
    assert is_verified(client)
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == ["staff.totp_enrolled", "staff.sign_in", "staff.backup_codes_issued"]
    # Enrolled now: the enrolment page sends to the second-factor check instead.
    client.post(reverse("staff:logout"))
    password_step(client, user)
    assert client.get(reverse("staff:enrol"))["Location"].startswith(reverse("staff:otp_verify"))


def test_enrolment_and_verification_need_a_password_sign_in_first(client):
    for name in ("staff:otp_verify", "staff:enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_sign_out_is_post_only_and_ends_the_session(client):
    user = staff_user("case_handler", password=PASSWORD)
    password_step(client, user)
    totp_step(client, code_for(TOTPDevice.objects.get(user=user)))
    assert client.get(reverse("staff:logout")).status_code == 405
    assert is_verified(client)
    response = client.post(reverse("staff:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("staff:login")
    assert client.get(reverse("staff:home")).status_code == 302


def test_staff_home_lists_what_the_roles_allow(client):
    from pronoia.accounts.tests.factories import client_sign_in_staff

    client_sign_in_staff(client, staff_user("case_handler"))
    page = client.get(reverse("staff:home")).content.decode()
    assert "Case handler" in page and reverse("admin:index") in page
    client_sign_in_staff(client, staff_user("operator_l1"))
    page = client.get(reverse("staff:home")).content.decode()
    assert "Contact-centre operator, first line" in page and reverse("admin:index") not in page


def test_a_second_factor_page_answers_verified_staff_with_a_redirect(client):
    from pronoia.accounts.tests.factories import client_sign_in_staff

    client_sign_in_staff(client, staff_user("case_handler"))
    response = client.get(reverse("staff:otp_verify") + "?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def _inline_scripts(page: str) -> list[str]:
    tags = re.findall(r"<script\b[^>]*>", page)
    return [tag for tag in tags if "src=" not in tag and 'type="application/json"' not in tag]


def test_staff_pages_load_scripts_from_files_only(client):
    """No inline script and no inline handler on our pages (the content security policy forbids them)."""
    from django_otp_webauthn.models import WebAuthnCredential

    user = staff_user("case_handler", password=PASSWORD)
    WebAuthnCredential.objects.create(user=user, name="key", credential_id=b"\x01" * 16, public_key=b"\x02" * 16, sign_count=0, confirmed=True)
    password_step(client, user)
    pages = {"verify": client.get(reverse("staff:otp_verify")).content.decode()}
    newcomer = staff_user("case_handler", username="newcomer", password=PASSWORD)
    TOTPDevice.objects.filter(user=newcomer).delete()
    password_step(client, newcomer)
    pages["enrol"] = client.get(reverse("staff:enrol")).content.decode()
    pages["login"] = client.get(reverse("staff:login")).content.decode()
    assert 'id="passkey-verification-button"' in pages["verify"] and 'id="code"' in pages["verify"] and 'id="backup-code"' in pages["verify"]
    assert 'id="passkey-register-button"' in pages["enrol"] and "accounts/staff_passkey.js" in pages["enrol"]
    for name, page in pages.items():
        main = page.split("<main", 1)[1]
        assert _inline_scripts(main) == [], name
        assert not re.search(r"\son[a-z]+=", main), name
