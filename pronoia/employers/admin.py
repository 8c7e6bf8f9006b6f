"""Back office: employers (contribution payers)."""
from __future__ import annotations

from django.contrib import admin

from pronoia.employers.models import Employer


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["registry_no", "name", "country", "sector", "region", "created_at"]
    list_filter = ["country", "sector"]
    # Also serves the autocomplete of the period admin.
    search_fields = ["=registry_no", "name"]
    ordering = ["name"]
