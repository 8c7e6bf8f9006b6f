"""Reads of the accounts app: mandates as their principal and their representative see them, employer pages."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from pronoia.accounts.access import employer_access_check
from pronoia.accounts.actors import Actor
from pronoia.accounts.models import Mandate, RoleAssignment
from pronoia.accounts.roles import DataCategory, Role
from pronoia.employers.models import Employer


class MandateStatus:
    ACTIVE = "active"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


def mandate_status(mandate: Mandate, *, today: datetime.date) -> str:
    if mandate.revoked_at is not None:
        return MandateStatus.REVOKED
    if mandate.valid_from > today:
        return MandateStatus.NOT_YET_VALID
    if mandate.valid_to is not None and mandate.valid_to < today:
        return MandateStatus.EXPIRED
    return MandateStatus.ACTIVE


def mandate_scope_labels(mandate: Mandate) -> list[str]:
    """The scope in the reader's language (an unknown value, e.g. a later service code, as is)."""
    labels = dict(DataCategory.choices)
    return [str(labels.get(value, value)) for value in mandate.scope]


def _with_status(mandates: list[Mandate], today: datetime.date) -> list[Mandate]:
    for mandate in mandates:
        mandate.status = mandate_status(mandate, today=today)
        mandate.scope_labels = mandate_scope_labels(mandate)
    return mandates


def mandates_given_list(*, actor: Actor, today: datetime.date | None = None) -> list[Mandate]:
    """Mandates the signed-in person gave (revoked and expired ones too), newest first, each with `.status`."""
    if actor.person_id is None:
        return []
    mandates = Mandate.objects.filter(principal_person_id=actor.person_id).select_related("representative", "principal_person").order_by("-granted_at", "-pk")
    return _with_status(list(mandates), today or timezone.localdate())


def mandates_held_list(*, actor: Actor, today: datetime.date | None = None) -> list[Mandate]:
    """Mandates the signed-in person holds as representative, newest first, each with `.status`."""
    if actor.person_id is None:
        return []
    mandates = (
        Mandate.objects.filter(representative_id=actor.person_id)
        .select_related("principal_person", "principal_employer", "representative")
        .order_by("-granted_at", "-pk")
    )
    return _with_status(list(mandates), today or timezone.localdate())


def employers_of_actor_list(*, actor: Actor) -> list[Employer]:
    """Employers the actor holds an employer role for."""
    if not actor.employer_roles:
        return []
    return list(Employer.objects.filter(pk__in=actor.employer_roles).order_by("name", "pk"))


@dataclass(frozen=True)
class EmployerPage:
    employer: Employer
    assignments: list[RoleAssignment]
    mandates: list[Mandate]
    can_manage: bool


def employer_page_get(*, actor: Actor, employer_id: int, today: datetime.date | None = None) -> EmployerPage:
    """The employer, its users and the mandates it gave, for someone with a role for it (else PermissionDenied)."""
    employer_access_check(actor, employer_id=employer_id)
    employer = Employer.objects.get(pk=employer_id)
    assignments = list(
        RoleAssignment.objects.filter(employer=employer)
        .select_related("user", "person")
        .order_by("revoked_at", "role", "granted_at", "pk")
    )
    mandates = list(Mandate.objects.filter(principal_employer=employer).select_related("representative").order_by("-granted_at", "-pk"))
    can_manage = Role.EMPLOYER_ADMIN in actor.employer_roles.get(employer_id, frozenset())
    return EmployerPage(employer, assignments, _with_status(mandates, today or timezone.localdate()), can_manage)
