from django.urls import path

from pronoia.notifications import views

app_name = "notifications"

urlpatterns = [
    path("my/inbox", views.InboxView.as_view(), name="inbox"),
    path("my/inbox/<int:pk>", views.InboxEntryView.as_view(), name="inbox_entry"),
    path("my/notification-preferences", views.PreferencesView.as_view(), name="preferences"),
    path("staff/notifications/", views.DeliveryLogView.as_view(), name="log"),
    path("staff/notifications/<int:pk>", views.NotificationDetailView.as_view(), name="log_detail"),
    path("staff/notifications/<int:pk>/resend", views.NotificationResendView.as_view(), name="resend"),
    path("staff/notifications/templates/", views.TemplateListView.as_view(), name="templates"),
    path("staff/notifications/templates/<int:pk>", views.TemplatePreviewView.as_view(), name="template_preview"),
]
