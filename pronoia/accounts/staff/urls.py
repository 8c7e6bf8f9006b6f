"""Staff sign-in with a mandatory second factor, mounted at /staff/."""
from django.urls import path

from pronoia.accounts.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.StaffHomeView.as_view(), name="home"),
    path("login", views.StaffLoginView.as_view(), name="login"),
    path("otp/verify", views.OtpVerifyView.as_view(), name="otp_verify"),
    path("otp/enrol", views.EnrolView.as_view(), name="enrol"),
    path("otp/backup-codes", views.BackupCodesView.as_view(), name="backup_codes"),
    path("security", views.SecurityView.as_view(), name="security"),
    path("reauth", views.ReauthView.as_view(), name="reauth"),
    path("logout", views.StaffLogoutView.as_view(), name="logout"),
]
