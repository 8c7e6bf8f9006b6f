"""E-service pages (included at the root by config/urls.py): the catalogue, and applications with their case handling."""
from django.urls import include, path

urlpatterns = [
    path("", include("pronoia.services.catalogue.urls")),
    path("", include("pronoia.services.application_urls")),
]
