"""Writing audit events. Every staff action on the insurance file goes through audit_record."""
from __future__ import annotations

from typing import Any

from django.conf import settings

from pronoia.accounts.roles import STAFF_ROLES, Channel
from pronoia.audit.models import AuditEvent, DataAccessEntry


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: Any,
    actor=None,
    actor_label: str = "",
    person_id: int | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        actor=actor if (actor is not None and getattr(actor, "pk", None)) else None,
        actor_label=actor_label,
        person_id=person_id,
        reason=reason,
        data=data or {},
    )


def data_access_record(
    *,
    person_id: int,
    actor_user_id: int | None,
    actor_label: str,
    actor_role: str,
    categories: list[str],
    purpose: str,
    channel: str,
    request_id: str = "",
    mandate_id: int | None = None,
    legal_basis: str = "",
    unit: str = "",
    institution: str = "",
) -> DataAccessEntry:
    """Append one entry to the personal-data access log, chained to the previous entry.

    Staff and the institution's own commands act for the institution (settings.PRONOIA_INSTITUTION)
    unless another body is named; a representative acts for nobody's institution.
    """
    from pronoia.audit.access_log import data_access_append

    if not institution and (actor_role in STAFF_ROLES or channel == Channel.COMMAND):
        institution = settings.PRONOIA_INSTITUTION
    return data_access_append(
        person_id=person_id,
        actor_user_id=actor_user_id,
        actor_label=actor_label,
        actor_role=actor_role,
        mandate_id=mandate_id,
        categories=sorted(set(categories)),
        purpose=purpose,
        legal_basis=legal_basis,
        channel=channel,
        request_id=request_id,
        institution=institution,
        unit=unit,
    )
