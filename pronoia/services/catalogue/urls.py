"""Catalogue pages and the CPSV-AP exports."""
from django.urls import path

from pronoia.services.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("services/", views.ServiceListView.as_view(), name="list"),
    path("services/<slug:code>/", views.ServiceDetailView.as_view(), name="detail"),
    path("catalogue/cpsv-ap.jsonld", views.CpsvApJsonLdView.as_view(), name="cpsv_ap_jsonld"),
    path("catalogue/cpsv-ap.ttl", views.CpsvApTurtleView.as_view(), name="cpsv_ap_turtle"),
]
