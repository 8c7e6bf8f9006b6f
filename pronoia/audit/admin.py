"""Back office: the audit trail is read-only for everyone, superusers included."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pronoia.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "object_type", "object_id", "person_id", "actor", "actor_label", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "=person_id", "action", "actor__username", "actor_label"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    # An audit trail that staff can edit is no audit trail.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
