"""The Django admin behind the staff sign-in: 2FA and an admin role; personal data opened there
is logged; authenticator secrets are not shown to anyone."""
from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.models import EidIdentity, Mandate, RoleAssignment
from pronoia.accounts.roles import STAFF_ROLES
from pronoia.accounts.tests.factories import citizen_user, client_sign_in_staff, staff_user
from pronoia.accounts.tests.test_staff_login import PASSWORD, code_for, password_step, totp_step
from pronoia.audit.models import DataAccessEntry
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PRONOIA_RATE_LIMITS_ENABLED = False


def test_the_admin_login_page_redirects_to_the_staff_sign_in(client):
    response = client.get(reverse("admin:login") + "?next=/admin/people/person/")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:login") + "?next=%2Fadmin%2Fpeople%2Fperson%2F"


def test_anonymous_and_citizens_are_sent_to_the_staff_sign_in(client):
    assert client.get("/admin/")["Location"] == reverse("staff:login") + "?next=%2Fadmin%2F"
    client.force_login(citizen_user(PersonFactory()))
    assert client.get("/admin/people/person/")["Location"].startswith(reverse("staff:login"))


def test_unverified_staff_are_sent_to_the_second_factor(client):
    client_sign_in_staff(client, staff_user("administrator"), verified=False)
    response = client.get("/admin/people/person/")
    assert response["Location"] == reverse("staff:otp_verify") + "?next=%2Fadmin%2Fpeople%2Fperson%2F"


@pytest.mark.parametrize("role", sorted(STAFF_ROLES - {"administrator", "case_handler"}))
def test_other_staff_roles_get_403(client, role):
    client_sign_in_staff(client, staff_user(role))
    for url in ("/admin/", "/admin/people/person/", reverse("admin:accounts_roleassignment_changelist")):
        assert client.get(url).status_code == 403, url


def test_a_superuser_flag_alone_does_not_open_the_admin(client):
    boss = get_user_model().objects.create_superuser(username="root", password=PASSWORD, email="root@example.invalid")
    TOTPDevice.objects.create(user=boss, name="app", confirmed=True)
    client_sign_in_staff(client, boss)
    assert client.get("/admin/").status_code == 403


def test_case_handlers_see_the_review_queue_but_not_roles_or_accounts(client):
    client_sign_in_staff(client, staff_user("case_handler"))
    index = client.get("/admin/")
    assert index.status_code == 200
    page = index.content.decode()
    assert reverse("admin:insurance_linkagereview_changelist") in page
    assert reverse("admin:accounts_roleassignment_changelist") not in page
    assert client.get(reverse("admin:insurance_linkagereview_changelist")).status_code == 200
    assert client.get(reverse("admin:people_person_changelist")).status_code == 200
    for url in (reverse("admin:accounts_roleassignment_changelist"), reverse("admin:auth_user_changelist"), reverse("admin:audit_auditevent_changelist")):
        assert client.get(url).status_code == 403, url


def test_a_revoked_role_no_longer_opens_the_admin(client):
    handler = staff_user("case_handler")
    client_sign_in_staff(client, handler)
    assert client.get("/admin/").status_code == 200
    RoleAssignment.objects.filter(user=handler).update(revoked_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    assert client.get("/admin/").status_code == 403


def test_authenticator_secrets_are_not_in_the_admin():
    assert not admin.site.is_registered(TOTPDevice) and not admin.site.is_registered(StaticDevice)


def test_eid_identities_and_mandates_are_read_only_and_opening_them_is_logged(client):
    administrator = staff_user("administrator")
    client_sign_in_staff(client, administrator)
    person, representative = PersonFactory(), PersonFactory()
    identity = EidIdentity.objects.get(user=citizen_user(person))
    mandate = Mandate.objects.create(principal_person=person, representative=representative, scope=["identity"], valid_from=datetime.date(2026, 1, 1))
    for name, obj in (("accounts_eididentity", identity), ("accounts_mandate", mandate)):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert list(DataAccessEntry.objects.order_by("id").values_list("person_id", "categories")) == [
        (person.pk, "identity"),
        (person.pk, "mandates"),
        (representative.pk, "mandates"),
    ]


def test_admin_sign_out_ends_the_session(client):
    client_sign_in_staff(client, staff_user("administrator"))
    assert client.get(reverse("admin:logout")).status_code == 302
    assert client.get("/admin/").status_code == 200
    response = client.post(reverse("admin:logout"))
    assert response["Location"] == reverse("staff:login")
    assert client.get("/admin/")["Location"].startswith(reverse("staff:login"))


def test_staff_sign_in_with_totp_then_opening_a_person_appears_in_their_access_log(client):
    """The acceptance walk: sign in as staff with TOTP, open a person's file in the back office."""
    administrator = staff_user("administrator", password=PASSWORD)
    person = PersonFactory()
    url = reverse("admin:people_person_change", args=[person.pk])
    response = password_step(client, administrator, next_url=url)
    response = totp_step(client, code_for(TOTPDevice.objects.get(user=administrator)), next_url=url)
    assert response["Location"] == url
    assert client.get(url).status_code == 200
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.actor_user_id, entry.actor_role, entry.channel, entry.purpose) == (
        person.pk, administrator.pk, "administrator", "admin", "back-office administration",
    )
    assert entry.request_id


def test_administrators_see_sign_in_locks_and_unlock_with_a_fresh_check(client):
    import time

    from pronoia.accounts.models import StaffSignInLock
    from pronoia.accounts.staff.lockout import sign_in_failure_record, sign_in_locked
    from pronoia.accounts.staff.reauth import SESSION_FACTOR_AT_KEY

    for _ in range(5):
        sign_in_failure_record(username="victim", ip="192.0.2.1", stage="password")
    lock = StaffSignInLock.objects.get()
    client_sign_in_staff(client, staff_user("administrator"))
    assert client.get(reverse("admin:accounts_staffsigninlock_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_staffsigninfailure_changelist")).status_code == 200
    delete_url = reverse("admin:accounts_staffsigninlock_delete", args=[lock.pk])
    assert client.post(delete_url, {"post": "yes"})["Location"].startswith(reverse("staff:reauth"))
    assert sign_in_locked(username="victim", ip=None)
    session = client.session
    session[SESSION_FACTOR_AT_KEY] = time.time()
    session.save()
    client.post(delete_url, {"post": "yes"})
    assert not sign_in_locked(username="victim", ip=None)
    # Case handlers do not see them.
    client_sign_in_staff(client, staff_user("case_handler"))
    assert client.get(reverse("admin:accounts_staffsigninlock_changelist")).status_code == 403


def test_webauthn_endpoints_keep_the_staff_rules(client, settings):
    import json

    from pronoia.accounts.models import StaffSignInFailure
    from pronoia.accounts.staff.lockout import sign_in_failure_record

    begin_reg = reverse("otp_webauthn:credential-registration-begin")
    begin_auth = reverse("otp_webauthn:credential-authentication-begin")
    complete_auth = reverse("otp_webauthn:credential-authentication-complete")

    # Nobody signed in: no passwordless sign-in, no registration.
    assert client.post(begin_auth).status_code >= 400
    assert client.post(begin_reg).status_code >= 400
    # A citizen cannot register a passkey.
    client.force_login(citizen_user(PersonFactory()))
    response = client.post(begin_reg)
    assert response.status_code == 403 and response.json()["code"] == "staff_only"
    # Verified staff who already have a factor need a fresh check to add a passkey.
    handler = staff_user("case_handler")
    client_sign_in_staff(client, handler)
    response = client.post(begin_reg)
    assert response.status_code == 403 and response.json()["code"] == "reauth_required"
    # A forged or malformed assertion is refused and counted.
    client_sign_in_staff(client, handler, verified=False)
    assert client.post(begin_auth).status_code == 200
    response = client.post(complete_auth, data=json.dumps({"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}), content_type="application/json")
    assert response.status_code >= 400
    assert StaffSignInFailure.objects.filter(username_key=handler.username, stage="second_factor").count() == 1
    # A locked account cannot even start checking an assertion.
    for _ in range(5):
        sign_in_failure_record(username=handler.username, ip=None, stage="password")
    client.post(begin_auth)
    response = client.post(complete_auth, data="{}", content_type="application/json")
    assert response.status_code == 429 and response.json()["code"] == "sign_in_locked"
    assert "locked for 15 minutes" in response.json()["detail"]
