"""Actors for selector and service tests, without a request: the person, a representative, staff.

Each is backed by a real user (from accounts' factories), so what the services write about the
actor (created_by, audit events) points at an existing row.
"""
from __future__ import annotations

from pronoia.accounts.models import EidIdentity
from pronoia.accounts.actors import ActingFor, Actor, Serving
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import citizen_user, staff_user


def _citizen_user(person):
    identity = EidIdentity.objects.filter(person=person).select_related("user").first()
    return identity.user if identity else citizen_user(person)


def person_actor(person, *, user=None) -> Actor:
    """The person themselves, signed in through eID."""
    user = user or _citizen_user(person)
    return Actor(user_id=user.pk, username=user.username, roles=frozenset({Role.CITIZEN}), person_id=person.pk, loa="high", request_id="test-request-1")


def representative_actor(representative, mandate, *, user=None) -> Actor:
    """`representative` acting under `mandate` (its scope as stored)."""
    user = user or _citizen_user(representative)
    acting = ActingFor(mandate.pk, mandate.principal_person_id, mandate.principal_employer_id, frozenset(mandate.scope), "principal")
    return Actor(
        user_id=user.pk, username=user.username, roles=frozenset({Role.CITIZEN, Role.REPRESENTATIVE}),
        person_id=representative.pk, loa="high", acting_for=acting, request_id="test-request-2",
    )  # fmt: skip


def staff_actor(*roles: str, verified: bool = True, serving_person_id: int | None = None, reason: str = "") -> Actor:
    user = staff_user(*roles)
    serving = Serving(person_id=serving_person_id, reason=reason) if serving_person_id is not None else None
    return Actor(
        user_id=user.pk, username=user.username, roles=frozenset(roles), otp_verified=verified, serving=serving,
        unit="Branch 1", request_id="test-request-3",
    )  # fmt: skip
