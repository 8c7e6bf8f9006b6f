"""Top-level URLs: the portal pages, the JSON API under /api/v1/ and the staff back office."""
from django.contrib import admin
from django.urls import include, path

from pronoia.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("pronoia.insurance.urls")),
    path("", include("pronoia.core.urls")),
]
