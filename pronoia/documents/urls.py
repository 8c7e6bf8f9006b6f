"""Document pages: the public verification page and downloads."""
from django.urls import path  # noqa: F401

app_name = "documents"
urlpatterns: list = []
