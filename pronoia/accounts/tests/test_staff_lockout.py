"""Lockout: failures counted per account name and per client address in the database; the clock
is moved by rewriting stored times, never by sleeping."""
from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.models import StaffSignInFailure, StaffSignInLock
from pronoia.accounts.staff import lockout
from pronoia.accounts.tests.factories import staff_user
from pronoia.accounts.tests.test_staff_login import PASSWORD, code_for, is_verified, password_step, totp_step

pytestmark = pytest.mark.django_db
LOCKED = "Too many failed attempts. Sign-in is locked for 15 minutes; try again later."


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PRONOIA_RATE_LIMITS_ENABLED = False


def fail(client, username: str, times: int, **extra):
    responses = [client.post(reverse("staff:login"), {"username": username, "password": "not the password"}, **extra) for _ in range(times)]
    return responses[-1]


def minutes_pass(minutes: int) -> None:
    """Move every stored sign-in time back, as if `minutes` had passed."""
    delta = datetime.timedelta(minutes=minutes)
    for failure in StaffSignInFailure.objects.all():
        failure.occurred_at -= delta
        failure.save(update_fields=["occurred_at"])
    for lock in StaffSignInLock.objects.all():
        lock.locked_at -= delta
        lock.locked_until -= delta
        lock.save(update_fields=["locked_at", "locked_until"])


def test_five_failures_lock_the_account_and_the_password_is_not_even_checked(client, monkeypatch):
    user = staff_user("case_handler", password=PASSWORD)
    assert fail(client, user.username, 4).status_code == 200
    response = fail(client, user.username, 1)
    assert response.status_code == 429 and LOCKED in response.content.decode()

    def no_password_check(*args, **kwargs):
        raise AssertionError("the password was checked while the account was locked")

    from pronoia.audit.models import AuditEvent

    event = AuditEvent.objects.get(action="staff.sign_in_locked")
    assert event.object_id == f"account:{user.username}" and event.data["failures"] == 5
    monkeypatch.setattr("pronoia.accounts.staff.views.authenticate", no_password_check)
    response = password_step(client, user)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not is_verified(client)


def test_an_unknown_username_locks_the_same_way(client):
    import re

    staff_user("case_handler", username="real", password=PASSWORD)

    def answers(username: str) -> list[tuple[int, str]]:
        out = []
        for _ in range(5):
            response = fail(client, username, 1)
            page = response.content.decode().split('id="main-content"')[1].replace(username, "NAME")
            out.append((response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)))
        return out

    assert answers("real") == answers("ghost")
    assert set(StaffSignInLock.objects.values_list("key", flat=True)) == {"real", "ghost"}


def test_case_and_space_variants_of_a_name_count_together(client):
    user = staff_user("case_handler", username="alice", password=PASSWORD)
    for variant in ("alice", "ALICE", " Alice", "alicE ", "aLiCe"):
        fail(client, variant, 1)
    assert lockout.sign_in_locked(username=user.username, ip="127.0.0.1")


def test_the_lock_expires_after_fifteen_minutes(client):
    user = staff_user("case_handler", password=PASSWORD)
    fail(client, user.username, 5)
    minutes_pass(14)
    assert password_step(client, user).status_code == 429
    minutes_pass(2)
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:otp_verify"))


def test_after_a_lock_expires_a_full_set_of_new_failures_is_needed(client):
    user = staff_user("case_handler", password=PASSWORD)
    fail(client, user.username, 5)
    minutes_pass(16)
    assert fail(client, user.username, 4).status_code == 200
    assert fail(client, user.username, 1).status_code == 429


def test_failures_older_than_the_window_do_not_count(client):
    user = staff_user("case_handler", password=PASSWORD)
    fail(client, user.username, 4)
    minutes_pass(16)
    assert fail(client, user.username, 4).status_code == 200
    assert not StaffSignInLock.objects.exists()


def test_a_complete_sign_in_resets_the_count(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    fail(client, user.username, 4)
    password_step(client, user)
    assert totp_step(client, code_for(device)).status_code == 302
    client.post(reverse("staff:logout"))
    assert fail(client, user.username, 4).status_code == 200
    assert not StaffSignInLock.objects.exists()


def test_the_right_password_alone_does_not_reset_the_count(client):
    # Otherwise a stolen password would allow unlimited guessing of the second factor.
    user = staff_user("case_handler", password=PASSWORD)
    fail(client, user.username, 4)
    password_step(client, user)
    response = totp_step(client, "000000" if code_for(TOTPDevice.objects.get(user=user)) != "000000" else "111111")
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_wrong_second_factor_codes_lock_the_account_and_end_the_session(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    password_step(client, user)
    right = code_for(device)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(4):
        assert totp_step(client, wrong).status_code == 200
    response = totp_step(client, wrong)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # Signed out: even the right code is no use now, and signing in again is refused while locked.
    assert totp_step(client, right).status_code == 302
    assert not is_verified(client)
    assert password_step(client, user).status_code == 429


def test_a_locked_account_cannot_finish_a_started_sign_in(client):
    user = staff_user("case_handler", password=PASSWORD)
    device = TOTPDevice.objects.get(user=user)
    password_step(client, user)
    # Meanwhile someone else fails five times with this name from elsewhere.
    fail(client.__class__(), user.username, 5, REMOTE_ADDR="203.0.113.9")
    response = totp_step(client, code_for(device))
    assert response.status_code == 429
    assert not is_verified(client)


def test_many_failures_from_one_address_lock_that_address_only(client, settings):
    settings.PRONOIA_STAFF_LOCKOUT_IP_FAILURES = 6
    user = staff_user("case_handler", password=PASSWORD)
    for n in range(6):
        fail(client, f"guess-{n}", 1, REMOTE_ADDR="198.51.100.7")
    response = password_step(client, user, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert StaffSignInLock.objects.filter(scope="address", key="198.51.100.7").exists()
    # The account itself is not locked: from another address it signs in.
    assert password_step(client.__class__(), user, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_forwarded_addresses_count_only_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.5")
    settings.PRONOIA_PROXY_COUNT = 0
    assert lockout.client_address(request) == "10.0.0.1"
    settings.PRONOIA_PROXY_COUNT = 1
    assert lockout.client_address(request) == "192.0.2.5"
    assert lockout.client_address(rf.get("/", REMOTE_ADDR="not an address")) is None


def test_the_clock_can_be_given(db):
    now = timezone.now()
    for _ in range(5):
        locked = lockout.sign_in_failure_record(username="x", ip=None, stage="password", now=now)
    assert locked
    assert lockout.sign_in_locked(username="x", ip=None, now=now + datetime.timedelta(minutes=14, seconds=59))
    assert not lockout.sign_in_locked(username="x", ip=None, now=now + datetime.timedelta(minutes=15))


def test_an_oversized_username_is_counted_under_its_first_150_characters(db):
    lockout.sign_in_failure_record(username="y" * 5000, ip=None, stage="password")
    assert StaffSignInFailure.objects.get().username_key == "y" * 150


def test_failures_older_than_the_retention_are_purged_when_a_new_one_is_recorded(settings):
    settings.PRONOIA_STAFF_SIGN_IN_FAILURE_RETENTION_DAYS = 90
    now = timezone.now()
    old = StaffSignInFailure.objects.create(occurred_at=now - datetime.timedelta(days=91), username_key="a", stage="password")
    kept = StaffSignInFailure.objects.create(occurred_at=now - datetime.timedelta(days=89), username_key="a", stage="password")
    lockout.sign_in_failure_record(username="b", ip="192.0.2.1", stage="password", now=now)
    remaining = set(StaffSignInFailure.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and kept.pk in remaining and len(remaining) == 2
