"""Routes of the personal-data access log."""
from django.urls import path

from pronoia.audit import views

app_name = "audit"
urlpatterns = [
    path("my/data-access", views.MyDataAccessView.as_view(), name="my_data_access"),
    path("staff/audit/data-access", views.StaffDataAccessView.as_view(), name="staff_data_access"),
]
