"""Top-level URLs: the portal pages, the JSON API under /api/v1/ and the staff back office."""
from django.contrib import admin
from django.urls import include, path

from pronoia.api import api

urlpatterns = [
    # admin.site is pronoia.accounts.staff.admin_site.PronoiaAdminSite (2FA and an admin role).
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Passkey ceremonies (django-otp-webauthn, namespace otp_webauthn) with the staff rules.
    path("staff/webauthn/", include("pronoia.accounts.staff.webauthn_urls")),
    path("staff/", include("pronoia.accounts.staff.urls")),
    path("", include("pronoia.accounts.urls")),
    path("", include("pronoia.audit.urls")),
    path("", include("pronoia.insurance.urls")),
    path("", include("pronoia.contact.urls")),
    path("", include("pronoia.employers.urls")),
    path("", include("pronoia.services.urls")),
    path("", include("pronoia.documents.urls")),
    path("", include("pronoia.notifications.urls")),
    path("", include("pronoia.pensions.urls")),
    path("", include("pronoia.notifications.urls_delivery")),
    path("", include("pronoia.core.urls")),
]
