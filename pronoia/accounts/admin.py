"""Back office of accounts: role assignments (granting and revoking needs a fresh second factor),
eID identities and mandates (read-only), staff users; authenticator secrets are never shown."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.models import EidIdentity, Mandate, RoleAssignment, StaffSignInFailure, StaffSignInLock
from pronoia.accounts.roles import DataCategory, EMPLOYER_ROLES, STAFF_ROLES
from pronoia.accounts.staff.admin_site import PersonDataAccessAdminMixin, ReauthRequiredAdminMixin
from pronoia.accounts.staff.role_grants import role_assignment_delete, role_assignment_save

# Device admins would show TOTP secrets and backup codes to administrators: an administrator
# could then pass anybody's second factor. Staff manage their own factors on staff:security.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "employer", "unit", "revoked_at"]

    def clean(self) -> dict:
        data = super().clean()
        user, role = data.get("user"), data.get("role")
        if user is None or not role:
            return data
        if role in STAFF_ROLES and not user.is_staff:
            self.add_error("user", _("This account is not a staff account; staff roles need staff status."))
        if role in EMPLOYER_ROLES and data.get("employer") is None:
            self.add_error("employer", _("Employer roles name the employer."))
        if role not in EMPLOYER_ROLES and data.get("employer") is not None:
            self.add_error("employer", _("Only employer roles name an employer."))
        duplicates = RoleAssignment.objects.filter(user=user, role=role, employer=data.get("employer"), revoked_at__isnull=True)
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if data.get("revoked_at") is None and duplicates.exists():
            self.add_error("role", _("This user already holds this role."))
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReauthRequiredAdminMixin, admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "employer", "unit", "granted_by", "granted_at", "revoked_at"]
    list_filter = ["role", "revoked_at"]
    search_fields = ["user__username", "unit"]
    list_select_related = ["user", "employer", "granted_by"]
    autocomplete_fields = ["user", "employer"]
    readonly_fields = ["granted_by", "granted_at"]
    actions = ["delete_selected"]

    def save_model(self, request: HttpRequest, obj: RoleAssignment, form, change: bool) -> None:
        was_revoked = bool(change and "revoked_at" in form.initial and form.initial["revoked_at"])
        role_assignment_save(assignment=obj, actor=request.user, created=not change, was_revoked=was_revoked)

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        role_assignment_delete(assignment=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset:
            role_assignment_delete(assignment=assignment, actor=request.user)


@admin.register(EidIdentity)
class EidIdentityAdmin(PersonDataAccessAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "subject", "user", "created_at", "last_login_at", "last_loa"]
    list_filter = ["provider", "last_loa"]
    search_fields = ["=subject", "user__username"]
    list_select_related = ["user"]
    person_data_categories = (DataCategory.IDENTITY,)


@admin.register(Mandate)
class MandateAdmin(PersonDataAccessAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "representative_id", "principal_person_id", "principal_employer", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["principal_employer"]
    person_data_categories = (DataCategory.MANDATES,)

    def person_ids_for(self, obj: Mandate) -> list[int]:
        return [pid for pid in (obj.principal_person_id, obj.representative_id) if pid is not None]


@admin.register(StaffSignInFailure)
class StaffSignInFailureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "username_key", "ip", "stage", "counts"]
    list_filter = ["stage", "counts"]
    search_fields = ["=username_key", "=ip"]
    date_hierarchy = "occurred_at"


@admin.register(StaffSignInLock)
class StaffSignInLockAdmin(ReauthRequiredAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Locks are seen here; deleting one unlocks the account (or address) before it expires."""

    list_display = ["scope", "key", "locked_at", "locked_until"]
    list_filter = ["scope"]
    search_fields = ["=key"]
    actions = ["delete_selected"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("accounts.delete_staffsigninlock")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(ReauthRequiredAdminMixin, UserAdmin):
    """Accounts: creating them, staff status and passwords change who can do what, so a fresh
    second factor is needed, as for roles."""
