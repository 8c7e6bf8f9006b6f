"""Back-office (Django admin) permissions that follow from staff roles instead of per-user grants.

Administrators hold every model permission; case handlers work the linkage-review queue (and
see the persons, records and flags they need for it). Roles count only while assigned and only
once the second factor is verified in the session.
"""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from pronoia.accounts.roles import Role

CASE_HANDLER_PERMISSIONS = frozenset(
    {
        "insurance.view_linkagereview",
        "insurance.change_linkagereview",
        "insurance.view_linkagecandidate",
        "insurance.view_insuranceperiod",
        "insurance.change_insuranceperiod",  # with change_linkagereview: split records off for review
        "insurance.view_dataqualityflag",
        "insurance.view_correctionrequest",
        "insurance.view_fund",
        "insurance.view_sourceregistry",
        "people.view_person",
        "people.view_legacyidentifier",
        "employers.view_employer",
    }
)
ADMIN_SITE_ROLES = frozenset({Role.ADMINISTRATOR, Role.CASE_HANDLER})
# StaffSessionMiddleware puts the request's actor on the user under this name, so the roles
# the actor already loaded are not queried a second time.
USER_ACTOR_ATTRIBUTE = "pronoia_actor"
_ROLES_CACHE = "_pronoia_staff_roles"


def _all_permissions() -> set[str]:
    return {f"{app_label}.{codename}" for app_label, codename in Permission.objects.values_list("content_type__app_label", "codename")}


def _staff_roles(user_obj) -> frozenset[str]:
    """The user's assigned roles, once their second factor is verified; empty otherwise."""
    if not user_obj.is_active or user_obj.is_anonymous or not user_obj.is_staff:
        return frozenset()
    is_verified = getattr(user_obj, "is_verified", None)
    if not callable(is_verified) or not is_verified():
        return frozenset()
    actor = getattr(user_obj, USER_ACTOR_ATTRIBUTE, None)
    if actor is not None and actor.user_id == user_obj.pk:
        return frozenset(actor.roles)
    if not hasattr(user_obj, _ROLES_CACHE):
        from pronoia.accounts.models import RoleAssignment

        roles = RoleAssignment.objects.filter(user=user_obj, revoked_at__isnull=True).values_list("role", flat=True)
        setattr(user_obj, _ROLES_CACHE, frozenset(roles))
    return getattr(user_obj, _ROLES_CACHE)


class RolePermissionBackend(ModelBackend):
    """ModelBackend (passwords, per-user and group grants) plus the permissions of staff roles.

    Listed first: a permission a role gives is answered without loading per-user grants.
    """

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        permissions = set(super().get_all_permissions(user_obj, obj))
        if obj is not None:
            return permissions
        roles = _staff_roles(user_obj)
        if Role.ADMINISTRATOR in roles:
            return permissions | _all_permissions()
        if Role.CASE_HANDLER in roles:
            return permissions | CASE_HANDLER_PERMISSIONS
        return permissions

    def _role_grants(self, user_obj, perm: str) -> bool:
        roles = _staff_roles(user_obj)
        return Role.ADMINISTRATOR in roles or (Role.CASE_HANDLER in roles and perm in CASE_HANDLER_PERMISSIONS)

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if obj is None and self._role_grants(user_obj, perm):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        roles = _staff_roles(user_obj)
        if Role.ADMINISTRATOR in roles:
            return True
        if Role.CASE_HANDLER in roles and any(perm.startswith(f"{app_label}.") for perm in CASE_HANDLER_PERMISSIONS):
            return True
        return super().has_module_perms(user_obj, app_label)
