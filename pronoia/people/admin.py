"""Back office: persons and the legacy member numbers we learnt for them."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pronoia.accounts.staff.admin_site import PersonDataAccessAdminMixin
from pronoia.people.models import LegacyIdentifier, Person


class LegacyIdentifierInline(admin.TabularInline):
    """Read-only: identifiers are learnt and forgotten by audited linkage decisions, not typed in."""

    model = LegacyIdentifier
    fields = ["fund_code", "member_no", "learnt_from", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(PersonDataAccessAdminMixin, admin.ModelAdmin):
    list_display = ["national_id", "surname", "given_name", "surname_latin", "given_name_latin", "birth_date", "sex", "country"]
    list_filter = ["country", "sex"]
    # "=" on the identifier: an exact, indexed lookup instead of a LIKE scan.
    search_fields = ["=national_id", "surname", "given_name", "surname_latin", "given_name_latin"]
    ordering = ["surname", "given_name"]
    inlines = [LegacyIdentifierInline]
    # Identity is validated by person_build (identifier checksum, embedded birth date) and feeds
    # record linkage: it is not typed over here. Only contact details are editable.
    readonly_fields = [
        "country", "national_id", "surname", "given_name", "surname_latin", "given_name_latin", "name_key",
        "birth_date", "sex", "periods_link", "flags_link", "created_at", "updated_at",
    ]  # fmt: skip

    def person_ids_for(self, obj: Person) -> list[int]:
        return [obj.pk]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Persons come from the registries through person_create, never typed in here.
        return False

    @admin.display(description=_("insurance periods"))
    def periods_link(self, obj: Person) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:insurance_insuranceperiod_changelist") + f"?person__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("%(count)d periods") % {"count": obj.periods.count()})

    @admin.display(description=_("data-quality flags"))
    def flags_link(self, obj: Person) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:insurance_dataqualityflag_changelist") + f"?person__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("%(count)d flags") % {"count": obj.flags.count()})

    def has_delete_permission(self, request: HttpRequest, obj: Person | None = None) -> bool:
        # Persons carry periods and an audit history; they are never deleted from the back office.
        return False
