from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "pronoia.services"
    label = "services"
    verbose_name = "E-services and applications"
