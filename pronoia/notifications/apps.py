from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "pronoia.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from pronoia.core.events import event_handler_register
        from pronoia.notifications.fanout import HANDLED_EVENTS
        from pronoia.notifications.handlers import event_received

        for name in HANDLED_EVENTS:
            event_handler_register(name, event_received)
