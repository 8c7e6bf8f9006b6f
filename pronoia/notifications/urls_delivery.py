"""Routes of notification delivery: provider receipts, push subscriptions and the service worker."""
from django.urls import path

from pronoia.notifications import views_delivery as views

app_name = "notifications_delivery"

urlpatterns = [
    path("notifications/receipts/sms", views.SmsReceiptView.as_view(), name="receipt-sms"),
    path("notifications/push/", views.PushSettingsView.as_view(), name="push-settings"),
    path("notifications/push/subscriptions", views.PushSubscriptionView.as_view(), name="push-subscriptions"),
    path("notifications/sw.js", views.ServiceWorkerView.as_view(), name="service-worker"),
]
