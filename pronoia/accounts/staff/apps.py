"""The Django admin app with Pronoia's admin site as its default site (2FA and an admin role)."""
from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "pronoia.accounts.staff.admin_site.PronoiaAdminSite"
