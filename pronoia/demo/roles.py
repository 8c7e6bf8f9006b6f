"""Demo roles: a mandate between two demo persons and an employer administrator, so that a new user
can try acting for someone and the employer page through the demo eID.

Employer roles are given to the person (RoleAssignment.person), not to a user: citizens' users are
created at their first eID login, and a role given to the person applies to whichever user signs
in as them. Mandates name persons already. Everything here is idempotent.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from pronoia.accounts.mandates.services import mandate_latest_end
from pronoia.accounts.models import Mandate, RoleAssignment
from pronoia.accounts.roles import DataCategory, Role
from pronoia.employers.models import Employer
from pronoia.insurance.models import InsurancePeriod
from pronoia.people.models import Person


@dataclass(frozen=True)
class DemoRole:
    """One demo role, described for the welcome text: who to sign in as, and what they can do."""

    national_id: str
    name: str
    description: str


def _name(person: Person) -> str:
    return f"{person.given_name} {person.surname}"


def _demo_persons(count: int) -> list[Person]:
    # The demo eID lists persons by surname: take the first ones that have an insurance record.
    has_periods = Exists(InsurancePeriod.objects.filter(person=OuterRef("pk")))
    with_periods = Person.objects.filter(has_periods).order_by("surname", "given_name", "pk")
    return list(with_periods[:count])


@transaction.atomic
def demo_roles_ensure(*, today: datetime.date | None = None) -> list[DemoRole]:
    """Give (once) a demo person a mandate from another, and a demo employer an administrator.

    Returns what was set up (empty when the demo population is too small). A mandate that has
    since been revoked or has expired is replaced by a new one.
    """
    today = today or timezone.localdate()
    persons = _demo_persons(3)
    if len(persons) < 3:
        return []
    principal, representative, administrator = persons
    current = Mandate.objects.filter(principal_person=principal, representative=representative, revoked_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    if not current.exists():
        Mandate.objects.create(
            principal_person=principal,
            representative=representative,
            scope=[DataCategory.INSURANCE_RECORD.value],
            valid_from=today,
            valid_to=mandate_latest_end(today),
        )
    notes = [
        DemoRole(
            representative.national_id,
            _name(representative),
            f"holds a mandate from {_name(principal)} ({principal.national_id}) for the insurance record: Mandates → Act for this person",
        )
    ]
    employer = Employer.objects.filter(periods__person=administrator).order_by("pk").first() or Employer.objects.order_by("pk").first()
    if employer is not None:
        RoleAssignment.objects.get_or_create(
            person=administrator, role=Role.EMPLOYER_ADMIN, employer=employer, revoked_at__isnull=True, defaults={"user": None}
        )
        notes.append(
            DemoRole(administrator.national_id, _name(administrator), f"administers the employer {employer.name} ({employer.registry_no}): Mandates → Employers")
        )
    return notes
