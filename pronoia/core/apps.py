from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pronoia.core"
    label = "core"
