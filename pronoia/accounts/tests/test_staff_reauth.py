"""Re-authentication: granting and revoking roles (and editing accounts) need a second-factor
check from the last five minutes; staff:reauth provides it and returns to the action."""
from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.models import RoleAssignment, StaffSignInFailure
from pronoia.accounts.staff.reauth import SESSION_FACTOR_AT_KEY, reauth_required
from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user
from pronoia.accounts.tests.test_staff_login import code_for
from pronoia.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PRONOIA_RATE_LIMITS_ENABLED = False


@pytest.fixture
def admin_user():
    return staff_user("administrator")


@pytest.fixture
def admin_client(client, admin_user):
    client_sign_in_staff(client, admin_user)
    return client


def checked_seconds_ago(client, seconds: float) -> None:
    session = client.session
    session[SESSION_FACTOR_AT_KEY] = time.time() - seconds
    session.save()


def test_granting_a_role_sends_to_reauth_and_back(admin_client, admin_user):
    add_url = reverse("admin:accounts_roleassignment_add")
    response = admin_client.get(add_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:reauth") + "?next=%2Fadmin%2Faccounts%2Froleassignment%2Fadd%2F"

    page = admin_client.get(response["Location"])
    assert page.status_code == 200 and 'id="code"' in page.content.decode()
    device = TOTPDevice.objects.get(user=admin_user)
    response = admin_client.post(reverse("staff:reauth"), {"kind": "totp", "code": code_for(device), "next": add_url})
    assert response.status_code == 302 and response["Location"] == add_url
    assert AuditEvent.objects.get().action == "staff.reauth"
    assert admin_client.get(add_url).status_code == 200

    clerk = get_user_model().objects.create_user(username="clerk", is_staff=True)
    response = admin_client.post(add_url, {"user": clerk.pk, "role": "case_handler", "unit": "Athens"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=clerk)
    assert (assignment.role, assignment.granted_by, assignment.unit) == ("case_handler", admin_user, "Athens")
    event = AuditEvent.objects.get(action="role.grant")
    assert event.actor == admin_user and event.data["role"] == "case_handler" and event.data["user_id"] == clerk.pk


def test_a_stale_check_is_asked_again_and_nothing_changes(admin_client):
    clerk = get_user_model().objects.create_user(username="clerk", is_staff=True)
    checked_seconds_ago(admin_client, 301)
    add_url = reverse("admin:accounts_roleassignment_add")
    response = admin_client.post(add_url, {"user": clerk.pk, "role": "administrator"}, HTTP_REFERER=f"http://testserver{add_url}")
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:reauth"))
    assert "next=%2Fadmin%2Faccounts%2Froleassignment%2Fadd%2F" in response["Location"]
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    checked_seconds_ago(admin_client, 299)
    assert admin_client.post(add_url, {"user": clerk.pk, "role": "administrator"}).status_code == 302
    assert RoleAssignment.objects.filter(user=clerk, role="administrator").exists()


def test_revoking_changing_and_deleting_roles_need_the_check_and_are_audited(admin_client, admin_user):
    clerk = staff_user("case_handler", username="clerk")
    assignment = RoleAssignment.objects.get(user=clerk)
    change_url = reverse("admin:accounts_roleassignment_change", args=[assignment.pk])
    delete_url = reverse("admin:accounts_roleassignment_delete", args=[assignment.pk])
    for url in (change_url, delete_url):
        assert admin_client.get(url)["Location"].startswith(reverse("staff:reauth"))
    checked_seconds_ago(admin_client, 10)
    response = admin_client.post(change_url, {"user": clerk.pk, "role": "case_handler", "unit": "", "revoked_at_0": "2026-01-01", "revoked_at_1": "10:00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(assignment.pk)).exists()
    # Given back: recorded as a grant again.
    response = admin_client.post(change_url, {"user": clerk.pk, "role": "case_handler", "unit": "", "revoked_at_0": "", "revoked_at_1": ""})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="role.grant", object_id=str(assignment.pk)).exists()
    response = admin_client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.get(action="role.delete").data["role"] == "case_handler"


def test_deleting_selected_roles_from_the_list_needs_the_check(admin_client):
    clerk = staff_user("case_handler", username="clerk")
    assignment = RoleAssignment.objects.get(user=clerk)
    data = {"action": "delete_selected", "_selected_action": [assignment.pk], "post": "yes"}
    checked_seconds_ago(admin_client, 400)
    response = admin_client.post(reverse("admin:accounts_roleassignment_changelist"), data)
    assert response["Location"].startswith(reverse("staff:reauth"))
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    checked_seconds_ago(admin_client, 10)
    admin_client.post(reverse("admin:accounts_roleassignment_changelist"), data)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="role.delete").count() == 1


@pytest.mark.parametrize(
    "post,field_error",
    [
        ({"role": "case_handler"}, "already holds this role"),  # duplicate
        ({"role": "employer_admin"}, "Employer roles name the employer."),
        ({"role": "not-a-role"}, "Select a valid choice"),
        ({"role": "case_handler", "unit": "u" * 101}, "at most 100 characters"),
        ({"role": "<script>alert(1)</script>"}, "Select a valid choice"),
    ],
)
def test_bad_role_grants_are_refused_with_a_reason(admin_client, post, field_error):
    clerk = staff_user("case_handler", username="clerk")
    checked_seconds_ago(admin_client, 10)
    response = admin_client.post(reverse("admin:accounts_roleassignment_add"), {"user": clerk.pk, **post})
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert RoleAssignment.objects.filter(user=clerk).count() == 1
    assert not AuditEvent.objects.exists()


def test_staff_roles_need_a_staff_account(admin_client):
    citizen = get_user_model().objects.create_user(username="citizen")
    checked_seconds_ago(admin_client, 10)
    response = admin_client.post(reverse("admin:accounts_roleassignment_add"), {"user": citizen.pk, "role": "administrator"})
    assert "staff roles need staff status" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=citizen).exists()


def test_editing_user_accounts_needs_the_check(admin_client, admin_user):
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    assert admin_client.get(url)["Location"].startswith(reverse("staff:reauth"))
    checked_seconds_ago(admin_client, 10)
    assert admin_client.get(url).status_code == 200


def test_reauth_page_refuses_wrong_codes_counts_them_and_returns_only_locally(admin_client, admin_user):
    device = TOTPDevice.objects.get(user=admin_user)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = admin_client.post(reverse("staff:reauth"), {"kind": "totp", "code": wrong, "next": "/admin/"})
    assert response.status_code == 200 and "not correct" in response.content.decode()
    assert StaffSignInFailure.objects.filter(stage="second_factor").count() == 1
    assert SESSION_FACTOR_AT_KEY not in admin_client.session
    response = admin_client.post(reverse("staff:reauth"), {"kind": "totp", "code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("staff:home")
    assert time.time() - admin_client.session[SESSION_FACTOR_AT_KEY] < 5


def test_reauth_page_needs_a_verified_staff_session(client):
    response = client.get(reverse("staff:reauth"))
    assert response["Location"].startswith(reverse("staff:login"))
    client_sign_in_staff(client, staff_user("case_handler"), verified=False)
    assert client.get(reverse("staff:reauth"))["Location"].startswith(reverse("staff:otp_verify"))


def test_security_page_needs_the_check_and_makes_new_backup_codes(admin_client, admin_user):
    assert admin_client.get(reverse("staff:security"))["Location"].startswith(reverse("staff:reauth"))
    checked_seconds_ago(admin_client, 10)
    assert admin_client.get(reverse("staff:security")).status_code == 200
    response = admin_client.post(reverse("staff:security"))
    assert response["Location"].startswith(reverse("staff:backup_codes"))
    page = admin_client.get(response["Location"]).content.decode()
    from django_otp.plugins.otp_static.models import StaticToken

    codes = list(StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in page for code in codes)


def test_reauth_required_decorator_on_a_function_view(rf, admin_user):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    @reauth_required
    def decide(request):
        return HttpResponse("decided")

    request = rf.get("/cases/1/decide")
    request.user = admin_user
    request.user.is_verified = lambda: True
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = decide(request)
    assert response.status_code == 302 and response["Location"] == reverse("staff:reauth") + "?next=%2Fcases%2F1%2Fdecide"
    request.session[SESSION_FACTOR_AT_KEY] = time.time()
    assert decide(request).content == b"decided"
    # A verified flag is needed as well as the time.
    request.user.is_verified = lambda: False
    assert decide(request).status_code == 302
