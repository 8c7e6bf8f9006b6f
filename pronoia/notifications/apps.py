from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pronoia.notifications"
    label = "notifications"
    verbose_name = "Notifications"
