from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "pronoia.employers"
    label = "employers"
