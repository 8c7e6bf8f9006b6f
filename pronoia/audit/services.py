"""Writing audit events. Every staff action on the insurance file goes through audit_record."""
from __future__ import annotations

from typing import Any

from pronoia.audit.models import AuditEvent


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
