"""Writes of mandates: granting, revoking, and a representative starting or stopping to act under one."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.accounts.access import employer_access_check
from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY, Actor
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import EMPLOYER_DATA_CATEGORIES, PERSON_DATA_CATEGORIES
from pronoia.audit.services import audit_record
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.employers.models import Employer
from pronoia.people.models import Person

MANDATE_MAX_YEARS = 5
# A mandate starts today or within this many days.
MANDATE_START_MAX_DAYS = 366
NATIONAL_ID_MAX_CHARS = 32


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def mandate_latest_end(valid_from: datetime.date) -> datetime.date:
    """The last day a mandate starting on `valid_from` may run to: five years, inclusive."""
    return years_after(valid_from, MANDATE_MAX_YEARS) - datetime.timedelta(days=1)


def _user_ref(actor: Actor):
    # Audit events name the user by foreign key; an unsaved instance carrying the id is enough.
    return get_user_model()(pk=actor.user_id) if actor.user_id is not None else None


def _mandate_audit(actor: Actor, action: str, *, mandate_id: int, person_id: int | None, **data) -> None:
    """One audit event about a mandate, by the actor, with the request it came from."""
    audit_record(
        action=action,
        object_type="mandate",
        object_id=mandate_id,
        actor=_user_ref(actor),
        actor_label=actor.username,
        person_id=person_id,
        data={**data, "request_id": actor.request_id},
    )


def _scope_clean(scope: Iterable[str], allowed: frozenset[str]) -> list[str]:
    if isinstance(scope, str):
        scope = [scope]
    values = {str(value) for value in scope}
    if not values:
        raise PronoiaError(code="scope_required", message=_("Choose at least one thing the representative may act on."), field="scope")
    if values - allowed:
        raise PronoiaError(code="scope_unknown", message=_("Choose only from the listed categories."), field="scope")
    return sorted(values)


def _dates_clean(valid_from: datetime.date, valid_to: datetime.date | None, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    if valid_from < today:
        raise PronoiaError(code="valid_from_past", message=_("The mandate must start today or later."), field="valid_from")
    if valid_from > today + datetime.timedelta(days=MANDATE_START_MAX_DAYS):
        raise PronoiaError(code="valid_from_too_late", message=_("The mandate must start within a year from today."), field="valid_from")
    latest = mandate_latest_end(valid_from)
    if valid_to is None:
        return valid_from, latest
    if valid_to < valid_from:
        raise PronoiaError(code="valid_to_before_valid_from", message=_("The end date must be the same as or after the start date."), field="valid_to")
    if valid_to > latest:
        raise PronoiaError(
            code="mandate_too_long",
            message=_("A mandate can last at most %(years)s years: end it on %(date)s or earlier.") % {"years": MANDATE_MAX_YEARS, "date": latest.isoformat()},
            field="valid_to",
        )
    return valid_from, valid_to


def _representative_get(national_id: str, country: str | None) -> Person:
    national_id = (national_id or "").strip()
    field = "representative_national_id"
    if not national_id:
        raise PronoiaError(code="representative_required", message=_("Enter the national identifier of your representative."), field=field)
    if len(national_id) > NATIONAL_ID_MAX_CHARS:
        raise PronoiaError(code="representative_unknown", message=_("No person with this national identifier."), field=field)
    person = Person.objects.filter(national_id=national_id, country=country or settings.PRONOIA_COUNTRY).first()
    if person is None:
        raise PronoiaError(code="representative_unknown", message=_("No person with this national identifier."), field=field)
    return person


@transaction.atomic
def mandate_grant(
    *,
    actor: Actor,
    representative_national_id: str,
    scope: Iterable[str],
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    representative_country: str | None = None,
    employer_id: int | None = None,
    today: datetime.date | None = None,
) -> Mandate:
    """Give the representative authority to act, within `scope`, for the signed-in person or
    (with `employer_id`, by one of its administrators) for an employer.

    Scope is a non-empty subset of the person's (or the employer's) data categories. The mandate
    starts today or within a year and lasts at most five years (five years when `valid_to` is
    omitted). The representative is a known person other than the principal, and holds no other
    current mandate of the same principal. Writes an audit event.
    """
    today = today or timezone.localdate()
    if employer_id is None:
        if actor.person_id is None:
            raise PermissionDenied(code="citizen_required", message=_("Sign in with your eID to give a mandate."))
        if actor.acting_for is not None:
            raise PermissionDenied(code="acting_for_someone", message=_("Stop acting for someone else before you give a mandate of your own."))
        allowed = PERSON_DATA_CATEGORIES
    else:
        employer_access_check(actor, employer_id=employer_id, manage=True)
        allowed = EMPLOYER_DATA_CATEGORIES
    scope_values = _scope_clean(scope, allowed)
    valid_from, valid_to = _dates_clean(valid_from, valid_to, today)
    representative = _representative_get(representative_national_id, representative_country)
    if employer_id is None and representative.pk == actor.person_id:
        raise PronoiaError(code="mandate_to_self", message=_("You cannot give a mandate to yourself."), field="representative_national_id")

    # Serialise grants of one principal so that two identical submissions cannot both insert.
    if employer_id is None:
        Person.objects.select_for_update().filter(pk=actor.person_id).exists()
        principal = Q(principal_person_id=actor.person_id)
    else:
        Employer.objects.select_for_update().filter(pk=employer_id).exists()
        principal = Q(principal_employer_id=employer_id)
    current = Mandate.objects.filter(principal, representative=representative, revoked_at__isnull=True).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    if current.exists():
        raise PronoiaError(
            code="mandate_exists",
            message=_("This person already holds a current mandate from you. Revoke it first to give a different one."),
            field="representative_national_id",
        )
    mandate = Mandate.objects.create(
        principal_person_id=actor.person_id if employer_id is None else None,
        principal_employer_id=employer_id,
        representative=representative,
        scope=scope_values,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by_id=actor.user_id,
    )
    _mandate_audit(
        actor,
        "mandate_granted",
        mandate_id=mandate.pk,
        person_id=mandate.principal_person_id,
        principal_employer_id=employer_id,
        representative_id=representative.pk,
        scope=scope_values,
        valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat(),
    )
    return mandate


def _may_administer(actor: Actor, mandate: Mandate) -> bool:
    if mandate.principal_person_id is not None:
        return actor.person_id is not None and actor.person_id == mandate.principal_person_id
    return actor.has_role("employer_admin") and "employer_admin" in actor.employer_roles.get(mandate.principal_employer_id, frozenset())


@transaction.atomic
def mandate_revoke(*, actor: Actor, mandate_id: int, employer_id: int | None = None) -> Mandate:
    """Revoke a mandate: only its principal person, or an administrator of its principal employer.

    Someone else's mandate is reported as not found, so ids reveal nothing; with `employer_id`, the
    mandate must also be that employer's. Revoking a revoked mandate changes nothing. The mandate
    stays, marked revoked, and an audit event is written.
    """
    mandate = Mandate.objects.select_for_update().filter(pk=mandate_id).first()
    if mandate is None or not _may_administer(actor, mandate) or (employer_id is not None and mandate.principal_employer_id != employer_id):
        raise NotFound(code="mandate_not_found", message=_("There is no such mandate among yours."))
    if mandate.revoked_at is not None:
        return mandate
    mandate.revoked_at = timezone.now()
    mandate.revoked_by_id = actor.user_id
    mandate.save(update_fields=["revoked_at", "revoked_by"])
    _mandate_audit(
        actor,
        "mandate_revoked",
        mandate_id=mandate.pk,
        person_id=mandate.principal_person_id,
        principal_employer_id=mandate.principal_employer_id,
        representative_id=mandate.representative_id,
    )
    return mandate


def mandate_act_for_start(*, actor: Actor, session: SessionBase, mandate_id: int, today: datetime.date | None = None) -> Mandate:
    """Start acting under a mandate the signed-in person holds and that is valid today.

    Stores the mandate in the session (accounts.actors rebuilds the actor from it on each request,
    and drops it when the mandate stops being valid) and writes an audit event.
    """
    today = today or timezone.localdate()
    if actor.person_id is None:
        raise PermissionDenied(code="citizen_required", message=_("Sign in with your eID to act for someone."))
    mandate = Mandate.objects.filter(pk=mandate_id, representative_id=actor.person_id).first()
    if mandate is None:
        raise NotFound(code="mandate_not_found", message=_("There is no such mandate among yours."))
    if mandate.revoked_at is not None:
        raise PermissionDenied(code="mandate_revoked", message=_("This mandate has been revoked."))
    if mandate.valid_from > today:
        raise PermissionDenied(code="mandate_not_yet_valid", message=_("This mandate starts on %(date)s.") % {"date": mandate.valid_from.isoformat()})
    if mandate.valid_to is not None and mandate.valid_to < today:
        raise PermissionDenied(code="mandate_expired", message=_("This mandate ended on %(date)s.") % {"date": mandate.valid_to.isoformat()})
    session[SESSION_ACTING_MANDATE_KEY] = mandate.pk
    _mandate_audit(
        actor,
        "mandate_act_for_started",
        mandate_id=mandate.pk,
        person_id=mandate.principal_person_id,
        principal_employer_id=mandate.principal_employer_id,
        representative_id=actor.person_id,
    )
    return mandate


def mandate_act_for_stop(*, actor: Actor, session: SessionBase) -> None:
    """Stop acting for someone: the person acts as themselves again."""
    mandate_id = session.pop(SESSION_ACTING_MANDATE_KEY, None)
    if mandate_id is None:
        return
    _mandate_audit(
        actor,
        "mandate_act_for_stopped",
        mandate_id=mandate_id,
        person_id=actor.acting_for.principal_person_id if actor.acting_for else None,
    )
