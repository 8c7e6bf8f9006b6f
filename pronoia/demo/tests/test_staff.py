import base64

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse
from django_otp.oath import totp

from pronoia.accounts.models import RoleAssignment
from pronoia.demo.staff import DEMO_HANDLER_UNITS, DEMO_STAFF_USERNAME, demo_staff_user_ensure, demo_staff_users_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PRONOIA_RATE_LIMITS_ENABLED = False


def test_demo_staff_accounts_have_roles_passwords_and_totp_secrets_kept_private(tmp_path):
    credentials = demo_staff_users_ensure()
    by_name = {c.username: c for c in credentials}
    assert {name: c.roles for name, c in by_name.items()} == {
        "demo-admin": ("administrator",),
        "demo-handler": ("case_handler",),
        "demo-operator": ("operator_l2",),
        "demo-operator1": ("operator_l1",),
        "demo-auditor": ("auditor",),
    }
    for c in credentials:
        user = authenticate(username=c.username, password=c.password)
        assert user is not None and user.is_staff and not user.is_superuser
        assert len(c.password) >= 12 and len(base64.b32decode(c.totp_secret)) == 20
        assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == set(c.roles)
    assert len({c.password for c in credentials}) == 5 and len({c.totp_secret for c in credentials}) == 5
    assert (tmp_path / "demo_staff.json").stat().st_mode & 0o077 == 0
    # Created once: the same secrets and no duplicate roles on the next run.
    assert demo_staff_users_ensure() == credentials
    # One assignment per role, the case handler's once per unit (automatic assignment needs units).
    assert RoleAssignment.objects.count() == 4 + len(DEMO_HANDLER_UNITS)
    handler_units = set(RoleAssignment.objects.filter(user__username="demo-handler").values_list("unit", flat=True))
    assert handler_units == set(DEMO_HANDLER_UNITS)
    assert demo_staff_user_ensure() == (DEMO_STAFF_USERNAME, by_name["demo-admin"].password)


def test_a_damaged_secrets_file_is_replaced_and_the_accounts_follow(tmp_path):
    first = demo_staff_users_ensure()
    (tmp_path / "demo_staff.json").write_text("{not json")
    second = demo_staff_users_ensure()
    assert [c.password for c in first] != [c.password for c in second]
    assert authenticate(username="demo-admin", password=second[0].password) is not None
    assert authenticate(username="demo-admin", password=first[0].password) is None


def test_a_demo_user_signs_in_with_the_printed_password_and_a_code_from_the_secret(client):
    admin = demo_staff_users_ensure()[0]
    client.post(reverse("staff:login"), {"username": admin.username, "password": admin.password})
    code = f"{totp(base64.b32decode(admin.totp_secret)):06d}"
    response = client.post(reverse("staff:otp_verify"), {"kind": "totp", "code": code, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_welcome_command_still_prints_the_administrator(capsys):
    from django.core.management import call_command

    username, password = demo_staff_user_ensure()
    call_command("demo_welcome", port=8123)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/admin/" in out and password in out and username in out


def test_welcome_command_shows_where_notifications_and_the_assistant_are(capsys, settings):
    from django.core.management import call_command

    call_command("demo_welcome", port=8123)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/my/inbox" in out and "http://127.0.0.1:8123/contact/chat/" in out
    assert f"{settings.NOTIFICATIONS_EMAIL_TRACKING_URL}/_sim/messages" in out
