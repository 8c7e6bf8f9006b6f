from __future__ import annotations

from django.db.models import QuerySet

from pronoia.audit.models import AuditEvent


def audit_events_for_object(*, object_type: str, object_id) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
