"""Back office (Django admin): applications, read-only and without the person's answers.

Cases are worked in /staff/cases/, where opening one is recorded in the person's access log; the
admin lists their metadata for administrators (protocol, service, status, unit, assignee, dates)
and never changes them: every change goes through the status machine.
"""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pronoia.services.models import Application, StatusChange


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "actor_label", "actor_role", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["protocol", "service_code", "status", "unit", "assigned_to", "submitted_at", "due_at"]
    list_filter = ["status", "unit", "service_code"]
    search_fields = ["=protocol"]
    list_select_related = ["assigned_to"]
    date_hierarchy = "submitted_at"
    fields = [
        "protocol", "service_code", "status", "unit", "assigned_to", "assigned_at", "due_at", "submitted_at",
        "decided_at", "channel", "language", "acting_mandate_id", "second_approval_required", "approval_state", "failure_reason",
    ]
    readonly_fields = fields
    inlines = [StatusChangeInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False
