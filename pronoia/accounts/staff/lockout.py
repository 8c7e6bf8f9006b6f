"""Throttling of staff sign-in: failures counted per account name and per client address in the
database; too many within the window lock the name (or the address) for a while.

Every function takes `now` so tests can move the clock instead of sleeping.
"""
from __future__ import annotations

import datetime
import ipaddress

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from pronoia.accounts.models import StaffSignInFailure, StaffSignInLock
from pronoia.audit.services import audit_record

USERNAME_KEY_MAX_CHARS = 150


def username_key(username: str) -> str:
    """The name failures are counted under: as typed, trimmed and case-folded (no variants to rotate)."""
    return (username or "").strip().casefold()[:USERNAME_KEY_MAX_CHARS]


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with PRONOIA_PROXY_COUNT trusted proxies in front the
    X-Forwarded-For entry that many places from the end (what the client wrote itself is ignored)."""
    value = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "PRONOIA_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            value = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _locks(*, username: str, ip: str | None) -> Q:
    condition = Q(scope=StaffSignInLock.Scope.ACCOUNT, key=username_key(username))
    if ip:
        condition |= Q(scope=StaffSignInLock.Scope.ADDRESS, key=ip)
    return condition


def sign_in_locked(*, username: str, ip: str | None, now: datetime.datetime | None = None) -> bool:
    """True while the account name or the client address is locked."""
    now = now or timezone.now()
    return StaffSignInLock.objects.filter(_locks(username=username, ip=ip), locked_until__gt=now).exists()


def _lock(scope: str, key: str, now: datetime.datetime, *, failures: int) -> None:
    until = now + datetime.timedelta(seconds=settings.PRONOIA_STAFF_LOCKOUT_DURATION)
    StaffSignInLock.objects.update_or_create(scope=scope, key=key, defaults={"locked_at": now, "locked_until": until})
    audit_record(
        action="staff.sign_in_locked",
        object_type="staff_sign_in",
        object_id=f"{scope}:{key}",
        data={"scope": scope, "key": key, "failures": failures, "locked_until": until.isoformat()},
    )


@transaction.atomic
def sign_in_failure_record(*, username: str, ip: str | None, stage: str, now: datetime.datetime | None = None) -> bool:
    """Count one failed attempt; returns True when it locked the account name or the address.

    A lock uses up the failures that caused it, so after it expires the next lock needs a full
    set of new failures.
    """
    now = now or timezone.now()
    key = username_key(username)
    # Failures are kept for the administrators' review for a while, then dropped (indexed by time).
    retention = datetime.timedelta(days=settings.PRONOIA_STAFF_SIGN_IN_FAILURE_RETENTION_DAYS)
    StaffSignInFailure.objects.filter(occurred_at__lt=now - retention).delete()
    StaffSignInFailure.objects.create(occurred_at=now, username_key=key, ip=ip, stage=stage)
    since = now - datetime.timedelta(seconds=settings.PRONOIA_STAFF_LOCKOUT_WINDOW)
    recent = StaffSignInFailure.objects.filter(counts=True, occurred_at__gt=since)
    locked = False
    account_failures = recent.filter(username_key=key)
    account_count = account_failures.count()
    if account_count >= settings.PRONOIA_STAFF_LOCKOUT_FAILURES:
        _lock(StaffSignInLock.Scope.ACCOUNT, key, now, failures=account_count)
        account_failures.update(counts=False)
        locked = True
    if ip:
        address_failures = recent.filter(ip=ip)
        address_count = address_failures.count()
        if address_count >= settings.PRONOIA_STAFF_LOCKOUT_IP_FAILURES:
            _lock(StaffSignInLock.Scope.ADDRESS, ip, now, failures=address_count)
            address_failures.update(counts=False)
            locked = True
    return locked


def sign_in_success_record(*, username: str) -> None:
    """A complete sign-in (password and second factor): the account's failures stop counting."""
    StaffSignInFailure.objects.filter(username_key=username_key(username), counts=True).update(counts=False)
