"""Employer pages (included at the root by config/urls.py)."""
from django.urls import path

from pronoia.employers import views

app_name = "employers"
urlpatterns = [
    path("employer/<int:employer_id>/", views.EmployerDetailView.as_view(), name="detail"),
    path("employer/<int:employer_id>/mandates/new", views.EmployerMandateGrantView.as_view(), name="mandate_new"),
    path("employer/<int:employer_id>/mandates/<int:pk>/revoke", views.EmployerMandateRevokeView.as_view(), name="mandate_revoke"),
]
