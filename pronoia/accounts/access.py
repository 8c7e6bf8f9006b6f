"""Object-level access to a person's data: one rule set, enforced by every selector that returns it.

`person_data_access_check(actor, person_id=..., categories=..., purpose=...)` allows the access or
raises PermissionDenied, and records it in the personal-data access log whenever the actor is not
the person themselves. Selectors call it before they read; nothing else decides.

Rules (docs/security.md has the table):
- the person themselves (signed in through eID as that person): everything, not logged — also
  while they act for someone else (their own mandates page);
- a representative acting under a valid mandate of that person: the categories the mandate covers;
  every access is logged with the mandate id;
- case handler, branch staff, administrator (with 2FA): any person, with a stated purpose;
- operator second line (with 2FA): only the person they are serving, with the reason they gave;
- a command run by the institution: with a stated purpose;
- everyone else (operator first line, supervisor, content manager, auditor, employer roles): no.
Categories are DataCategory values of a person's data (PERSON_DATA_CATEGORIES); anything else is a
programming error (ValueError).

An employer's own data follows `employer_access_check`: its employer administrators (read and
manage), its employer users (read), and a representative acting under a valid mandate of that
employer (read). Staff see employers through the back office, not through these pages.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import PERSON_DATA_CATEGORIES, Channel, DataCategory, Role
from pronoia.core.errors import PermissionDenied, PronoiaError

# Staff roles that may open any person's file for a stated purpose.
CASEWORK_ROLES = (Role.CASE_HANDLER, Role.BRANCH_STAFF, Role.ADMINISTRATOR)
PURPOSE_MAX_CHARS = 500


def _denied(message: str, code: str = "personal_data_denied") -> PermissionDenied:
    return PermissionDenied(code=code, message=message)


def person_data_access_decide(actor: Actor, *, person_id: int, categories: Iterable[str], purpose: str = "") -> tuple[bool, str, int | None]:
    """(allowed, purpose to log, mandate id) without side effects; raises with the reason when denied."""
    categories = frozenset(categories)
    unknown = categories - PERSON_DATA_CATEGORIES
    if unknown or not categories:
        raise ValueError(f"unknown data categories: {sorted(unknown)}")
    purpose = (purpose or "").strip()[:PURPOSE_MAX_CHARS]
    if actor.channel == Channel.COMMAND and actor.user_id is None:
        if not purpose:
            raise _denied(_("State the purpose of this access."), code="purpose_required")
        return True, purpose, None
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in to see personal data."), status_code=401)
    if actor.person_id is not None and actor.person_id == person_id:
        return False, "", None  # the person themselves: allowed, nothing to log
    if actor.acting_for is not None:
        if actor.acting_for.principal_person_id != person_id:
            raise _denied(_("Your mandate does not cover this person."))
        missing = categories - actor.acting_for.scope
        if missing:
            labels = ", ".join(str(DataCategory(c).label) for c in sorted(missing))
            raise _denied(_("Your mandate does not cover: %(categories)s.") % {"categories": labels}, code="mandate_scope")
        return True, purpose or _("Acting under a mandate"), actor.acting_for.mandate_id
    if actor.is_staff and not actor.otp_verified:
        raise _denied(_("Confirm your second factor before opening personal data."), code="second_factor_required")
    if actor.has_role(*CASEWORK_ROLES):
        if not purpose:
            raise _denied(_("State the purpose of this access."), code="purpose_required")
        return True, purpose, None
    if actor.has_role(Role.OPERATOR_L2):
        if actor.serving is None or actor.serving.person_id != person_id:
            raise _denied(_("You can see only the personal data of the person you are serving."), code="not_serving")
        return True, actor.serving.reason, None
    raise _denied(_("Your role does not give access to personal data."))


def person_data_access_check(actor: Actor, *, person_id: int, categories: Iterable[str], purpose: str = "", legal_basis: str = "") -> None:
    """Allow the access or raise PermissionDenied; log it unless the actor is the person."""
    from pronoia.audit.services import data_access_record

    categories = sorted(frozenset(categories))
    log, logged_purpose, mandate_id = person_data_access_decide(actor, person_id=person_id, categories=categories, purpose=purpose)
    if not log:
        return
    data_access_record(
        person_id=person_id,
        actor_user_id=actor.user_id,
        actor_label=actor.username,
        actor_role=actor.primary_role,
        mandate_id=mandate_id,
        categories=categories,
        purpose=logged_purpose,
        legal_basis=legal_basis,
        channel=actor.channel,
        request_id=actor.request_id,
        unit=actor.unit,
    )


def person_data_access_permits(actor: Actor, *, person_id: int, categories: Iterable[str], purpose: str = "") -> bool:
    """Whether the check would allow the access; logs nothing (to decide what a page offers)."""
    try:
        person_data_access_decide(actor, person_id=person_id, categories=categories, purpose=purpose)
    except PronoiaError:
        return False
    return True


def employer_access_check(actor: Actor, *, employer_id: int, manage: bool = False) -> None:
    """Allow reading (or, with `manage`, administering) the employer's pages, or raise PermissionDenied."""
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in first."), status_code=401)
    held = actor.employer_roles.get(employer_id, frozenset())
    if Role.EMPLOYER_ADMIN in held:
        return
    if manage:
        if held or (actor.acting_for is not None and actor.acting_for.principal_employer_id == employer_id):
            raise _denied(_("Only the employer's administrators can do this."), code="employer_admin_required")
        raise _denied(_("You have no role for this employer."), code="employer_denied")
    if Role.EMPLOYER_USER in held:
        return
    if actor.acting_for is not None and actor.acting_for.principal_employer_id == employer_id:
        return
    raise _denied(_("You have no role for this employer."), code="employer_denied")
