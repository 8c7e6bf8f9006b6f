"""Writes of the contact centre: a second-line operator starts and ends serving a caller."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext as _

from pronoia.accounts.access import PURPOSE_MAX_CHARS
from pronoia.accounts.actors import SESSION_SERVING_KEY, Actor
from pronoia.accounts.roles import Role
from pronoia.audit.services import audit_record
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.people.models import Person
from pronoia.people.selectors import person_get_by_national_id


def _user_ref(actor: Actor):
    return get_user_model()(pk=actor.user_id) if actor.user_id is not None else None


def serving_start(*, actor: Actor, session: SessionBase, national_id: str, country: str, reason: str) -> Person:
    """Start serving the caller with this national identifier, for the reason stated.

    Only a second-line operator (with their second factor confirmed) may; the person and the
    reason are kept in the session (accounts.actors reads them back) and an audit event is written.
    From then on, the operator's reads of that person's data are logged with the reason.
    """
    if not actor.has_role(Role.OPERATOR_L2):
        raise PermissionDenied(code="role_denied", message=_("Only second-line operators serve callers with their personal data."))
    if not actor.otp_verified:
        raise PermissionDenied(code="second_factor_required", message=_("Confirm your second factor first."))
    reason = (reason or "").strip()
    if not reason:
        raise PronoiaError(code="reason_required", message=_("State why you need the caller's personal data."), field="reason")
    if len(reason) > PURPOSE_MAX_CHARS:
        raise PronoiaError(code="reason_too_long", message=_("The reason must be %(max)s characters or fewer.") % {"max": PURPOSE_MAX_CHARS}, field="reason")
    person = person_get_by_national_id(national_id=(national_id or "").strip(), country=country)
    session[SESSION_SERVING_KEY] = {"person_id": person.pk, "reason": reason}
    audit_record(
        action="contact_serving_started",
        object_type="person",
        object_id=person.pk,
        actor=_user_ref(actor),
        actor_label=actor.username,
        person_id=person.pk,
        reason=reason,
        data={"request_id": actor.request_id},
    )
    return person


def serving_end(*, actor: Actor, session: SessionBase) -> None:
    """Stop serving: the operator no longer sees the caller's personal data."""
    serving = session.pop(SESSION_SERVING_KEY, None)
    if not serving:
        return
    audit_record(
        action="contact_serving_ended",
        object_type="person",
        object_id=serving.get("person_id"),
        actor=_user_ref(actor),
        actor_label=actor.username,
        person_id=serving.get("person_id"),
        data={"request_id": actor.request_id},
    )
