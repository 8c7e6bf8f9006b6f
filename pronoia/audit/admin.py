"""Back office: the audit trail is read-only for everyone, superusers included."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pronoia.audit.models import AuditEvent, DataAccessEntry


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


@admin.register(DataAccessEntry)
class DataAccessEntryAdmin(admin.ModelAdmin):
    """The access log in the back office: read-only (the database refuses changes anyway)."""

    list_display = ["id", "occurred_at", "person_id", "actor_label", "actor_role", "categories", "purpose", "channel", "request_id"]
    list_filter = ["actor_role", "channel"]
    search_fields = ["=person_id", "=actor_label", "=request_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in DataAccessEntry._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DataAccessEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DataAccessEntry | None = None) -> bool:
        return False
