"""Users for tests: citizens signed in through eID, staff with roles and a verified second factor."""
from __future__ import annotations

import itertools
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.actors import SESSION_LOA_KEY, SESSION_PERSON_KEY, SESSION_PROVIDER_KEY
from pronoia.accounts.models import EidIdentity, RoleAssignment
from pronoia.people.models import Person

_numbers = itertools.count(1)


def citizen_user(person: Person, *, provider: str = "test-eid", subject: str | None = None):
    """A user that signed in through eID as `person` (an EidIdentity links them)."""
    user = get_user_model().objects.create_user(username=f"eid-{next(_numbers)}-{person.pk}")
    user.set_unusable_password()
    user.save()
    EidIdentity.objects.create(user=user, provider=provider, subject=subject or f"sub-{person.pk}", person=person)
    return user


def client_sign_in_citizen(client: Client, person: Person, *, loa: str = "high", user=None) -> object:
    """Sign `client` in as `person`, as the eID login does; returns the user."""
    user = user or citizen_user(person)
    client.force_login(user)
    session = client.session
    session[SESSION_PERSON_KEY] = person.pk
    session[SESSION_LOA_KEY] = loa
    session[SESSION_PROVIDER_KEY] = "test-eid"
    session.save()
    return user


def staff_user(*roles: str, username: str | None = None, unit: str = "", employer=None, password: str | None = None):
    """A local staff (or employer) account holding `roles`, with a confirmed TOTP device."""
    username = username or f"staff-{next(_numbers)}"
    user = get_user_model().objects.create_user(username=username, password=password, is_staff=bool(set(roles) - {"employer_admin", "employer_user"}))
    for role in roles:
        RoleAssignment.objects.create(user=user, role=role, unit=unit, employer=employer if role in ("employer_admin", "employer_user") else None)
    TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return user


def client_sign_in_staff(client: Client, user, *, verified: bool = True, fresh: bool = False) -> None:
    """Sign `client` in as `user`; `verified` marks the second factor as confirmed for the session,
    `fresh` also as checked just now (as right after sign-in, so re-authentication is not asked)."""
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        session = client.session
        session["otp_device_id"] = device.persistent_id
        if fresh:
            from pronoia.accounts.staff.reauth import SESSION_FACTOR_AT_KEY

            session[SESSION_FACTOR_AT_KEY] = time.time()
        session.save()
